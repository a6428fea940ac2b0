/**
 * fluxo's pipeline: the one file a user edits to add topics and consumers.
 *
 * The CDK app, the Lambdas and the local stack all read this spec. The built-in entries are the
 * exercises of the streaming course fluxo grows from (see README): lines of text counted per
 * minute, health tuples filtered by weight and BMI, two stock tickers aggregated per minute, and
 * trending hashtags. Records may come over HTTP or straight from any Kafka client (the course's
 * kafka-python script, kafka-console-producer): every consumer brings them to the same form.
 */
import { validateSpec, type PipelineSpec } from './core/spec';

const oneMinute = { sizeSeconds: 60, graceSeconds: 60 };

export const pipeline: PipelineSpec = validateSpec({
  topics: [
    {
      // Activity 1: kafka-console-producer lines, read back from the beginning.
      name: 'mensagens',
      description: 'Lines of text, as the course writes them with kafka-console-producer.',
      partitions: 1,
      format: 'text',
    },
    {
      name: 'health',
      description: "The course's tuples [id, {idade, altura, peso}]: age in years, height in cm, weight in kg.",
      partitions: 3,
      accepts: ['tuple'],
      schema: {
        fields: {
          id: { type: 'integer', min: 0, description: 'Person id (the course uses 0..1000).' },
          idade: { type: 'integer', min: 0, max: 150, description: 'Age in years.' },
          altura: { type: 'number', min: 30, max: 300, description: 'Height in centimetres.' },
          peso: { type: 'number', min: 1, max: 700, description: 'Weight in kilograms.' },
        },
      },
      // IMC (BMI) is derived by the producer and by every consumer (for tuples written straight to
      // Kafka), with one function, so that the event source mapping can filter on it early.
      derived: [{ kind: 'bmi', name: 'imc', weightKgField: 'peso', heightCmField: 'altura' }],
    },
    ...['petr4', 'vale3'].map((ticker) => ({
      name: ticker,
      description: `Price ticks of ${ticker.toUpperCase()}.`,
      partitions: 2,
      schema: {
        fields: {
          price: { type: 'number' as const, min: 0, description: 'Trade price.' },
          volume: { type: 'integer' as const, min: 0, description: 'Shares traded.' },
        },
      },
    })),
    {
      name: 'tweets',
      description: 'Short texts; their hashtags are extracted at ingest.',
      partitions: 2,
      schema: {
        fields: {
          user: { type: 'string', maxLength: 64, description: 'Author handle.' },
          text: { type: 'string', maxLength: 1000, description: 'The text, with #hashtags.' },
        },
      },
      derived: [{ kind: 'hashtags', name: 'hashtags', textField: 'text' }],
    },
  ],
  consumers: [
    {
      name: 'mensagens-por-minuto',
      description: 'Lines of text on mensagens, counted per minute.',
      topics: ['mensagens'],
      groupBy: { kind: 'constant', key: 'all' },
      window: oneMinute,
      keepRecords: true,
    },
    // Health tuples above a limit, per minute, with what the course prints of them (besides the count).
    ...(
      [
        ['peso', 80, 'weight (peso) is above 80 kg'],
        ['imc', 35, 'BMI (IMC) is above 35'],
      ] as const
    ).map(([field, limit, what]) => ({
      name: `${field}-acima-${limit}`,
      description: `Health tuples whose ${what}, per minute.`,
      topics: ['health'],
      filters: [{ value: { [field]: [{ numeric: ['>', limit] }] } }],
      groupBy: { kind: 'constant' as const, key: 'all' },
      window: oneMinute,
      measures: [
        { fn: 'avg' as const, field: 'peso' },
        { fn: 'avg' as const, field: 'imc' },
        { fn: 'max' as const, field: 'peso' },
      ],
      keepRecords: true,
    })),
    {
      name: 'ohlc-1m',
      description: 'Open, high, low, close and volume per ticker and minute.',
      topics: ['petr4', 'vale3'],
      groupBy: { kind: 'topic' },
      window: oneMinute,
      measures: [
        { fn: 'first', field: 'price' },
        { fn: 'max', field: 'price' },
        { fn: 'min', field: 'price' },
        { fn: 'last', field: 'price' },
        { fn: 'sum', field: 'volume' },
      ],
    },
    {
      name: 'hashtags-5m',
      description: 'Hashtag counts per 5 minutes, advancing every 30 s: the trending list and its break-outs.',
      topics: ['tweets'],
      groupBy: { kind: 'each', field: 'hashtags' },
      // A hopping window: each tweet counts once, in its 30 s pane; a window is the sum of 10 panes.
      window: { sizeSeconds: 300, advanceSeconds: 30, graceSeconds: 60 },
    },
  ],
});
