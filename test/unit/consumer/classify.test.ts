import { INGEST_TIME_HEADER } from '../../../core/kafka-record';
import { FilterPatternError } from '../../../core/filter';
import { findConsumer } from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { bmi } from '../../../core/canonical';
import { classifyRecord, ingestTimeOf, planConsumer } from '../../../lambdas/consumer/classify';
import { consumerOf, freeTopic, kafkaRecord, planOf } from './helpers';

describe('ingestTimeOf', () => {
  const sent = kafkaRecord({ offset: 0, timestamp: 1_000 });
  it.each([
    ['reads the ingest-time header as epoch ms', kafkaRecord({ offset: 0, timestamp: 1_000, ingestTime: 5_000 }), 5_000],
    ['falls back to the record timestamp when the header is missing', { ...sent, headers: {} }, 1_000],
    ['falls back to the record timestamp when the header is not a number', { ...sent, headers: { [INGEST_TIME_HEADER]: 'soon' } }, 1_000],
  ])('%s', (_, record, expected) => {
    // Act
    const ingestTime = ingestTimeOf(record);

    // Assess
    expect(ingestTime).toBe(expected);
  });
});

describe('classifyRecord', () => {
  it('puts a course health tuple above 80 kg in the constant group of its minute', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'peso-acima-80')!);
    const value = { id: 1, idade: 30, altura: 170, peso: 95.5 };
    const record = kafkaRecord({ topic: 'health', offset: 3, timestamp: 90_500, value: { ...value, imc: bmi(95.5, 170) } });

    // Act
    const outcome = classifyRecord(record, plan);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'aggregate',
      value: { ...value, imc: bmi(95.5, 170) },
      form: 'object',
      writer: 'http',
      eventTime: 90_500,
      window: { start: 60_000, end: 120_000 },
      late: false,
      touches: [
        {
          ref: { consumer: 'peso-acima-80', groupKey: 'all', window: { start: 60_000, end: 120_000 }, expiresAt: 120 + 30 * 86_400 },
          contribution: { t: 90_500, tp: 'health-0', off: 3, late: false, values: { peso: 95.5, imc: bmi(95.5, 170) } },
        },
      ],
    });
  });

  it('filters out a health tuple at or below 80 kg', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'peso-acima-80')!);

    // Act
    const outcome = classifyRecord(kafkaRecord({ topic: 'health', offset: 0, value: [4, { idade: 30, altura: 170, peso: 80 }] }), plan);

    // Assess
    expect(outcome).toEqual({ kind: 'filtered' });
  });

  it('gives a tweet one contribution per distinct hashtag', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'hashtags-5m')!);

    // Act
    const outcome = classifyRecord(
      kafkaRecord({ topic: 'tweets', offset: 0, value: { user: 'ana', text: '#Kafka on #AWS, #kafka again' } }),
      plan,
    );

    // Assess
    expect(outcome.kind === 'aggregate' && outcome.touches.map((t) => t.ref.groupKey)).toEqual(['kafka', 'aws']);
  });

  it('puts a tweet of the hopping hashtags-5m in its 30 s pane, once, with the TTL counted from the pane end', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'hashtags-5m')!);
    const record = kafkaRecord({ topic: 'tweets', offset: 0, timestamp: 345_678, value: { user: 'ana', text: '#kafka' } });

    // Act
    const outcome = classifyRecord(record, plan);

    // Assess
    const pane = { start: 330_000, end: 360_000 };
    expect(outcome).toMatchObject({ kind: 'aggregate', window: pane, late: false, expiresAt: 360 + 30 * 86_400 });
    expect(outcome.kind === 'aggregate' && outcome.touches.map((t) => t.ref.window)).toEqual([pane]);
  });

  it.each([
    ['on time at pane end + grace', 360_000 + 60_000, false],
    ['late a millisecond after pane end + grace, though its 5-minute window is still open', 360_001 + 60_000, true],
  ])('judges lateness per pane: %s', (_label, ingestTime, late) => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'hashtags-5m')!);
    const record = kafkaRecord({ topic: 'tweets', offset: 0, timestamp: 345_678, ingestTime, value: { user: 'ana', text: '#kafka' } });

    // Act
    const outcome = classifyRecord(record, plan);

    // Assess
    expect(outcome).toMatchObject({ kind: 'aggregate', late });
  });

  it('dead-letters a value that is JSON text but not an object', () => {
    // Prepare
    const plan = planOf(consumerOf({}));

    // Act
    const outcome = classifyRecord(kafkaRecord({ offset: 0, rawValue: '"just a string"' }), plan);

    // Assess
    expect(outcome).toEqual({
      kind: 'dead',
      reason: 'schema violation',
      detail: 'value must be a JSON object',
      form: 'scalar',
      writer: 'http',
    });
  });

  it("counts the course's kafka-python tuple by the IMC fluxo derives, as written by a Kafka client", () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'imc-acima-35')!);
    const record = kafkaRecord({ topic: 'health', offset: 0, rawValue: '[8, {"idade": 41, "altura": 150, "peso": 90}]', direct: true });

    // Act
    const outcome = classifyRecord(record, plan);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'aggregate',
      form: 'tuple',
      writer: 'kafka',
      value: { id: 8, idade: 41, altura: 150, peso: 90, imc: 40 },
    });
  });

  it('filters the canonical value: a tuple whose derived IMC is not above 35 is filtered out', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'imc-acima-35')!);

    // Act
    const outcome = classifyRecord(
      kafkaRecord({ topic: 'health', offset: 0, rawValue: '[9, {"idade": 41, "altura": 180, "peso": 90}]', direct: true }),
      plan,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'filtered' });
  });

  it('dead-letters a record that cannot be made canonical before filtering it, saying who wrote it in what form', () => {
    // Prepare
    const plan = planOf(findConsumer(pipeline, 'peso-acima-80')!);

    // Act
    const text = classifyRecord(kafkaRecord({ topic: 'health', offset: 0, rawValue: 'Mensagem 1', direct: true }), plan);
    const noPeso = classifyRecord(
      kafkaRecord({ topic: 'health', offset: 1, rawValue: '[7, {"idade": 30, "altura": 170}]', direct: true }),
      plan,
    );

    // Assess
    expect(text).toMatchObject({ kind: 'dead', reason: 'not JSON', form: 'text', writer: 'kafka' });
    expect(noPeso).toEqual({ kind: 'dead', reason: 'schema violation', detail: 'value.peso is required', form: 'tuple', writer: 'kafka' });
  });

  it('counts every line of a text topic, filtering it as AWS filters the value as written', () => {
    // Prepare
    const lines = freeTopic('lines', { format: 'text', schema: undefined });
    const plan = planOf(
      consumerOf({ topics: ['lines'], groupBy: { kind: 'constant', key: 'all' }, filters: [{ value: [{ prefix: 'Mensagem' }] }] }),
      [lines],
    );

    // Act
    const counted = classifyRecord(kafkaRecord({ topic: 'lines', offset: 0, rawValue: 'Mensagem 1', direct: true }), plan);
    const other = classifyRecord(kafkaRecord({ topic: 'lines', offset: 1, rawValue: 'Olá', direct: true }), plan);

    // Assess
    expect(counted).toMatchObject({
      kind: 'aggregate',
      form: 'text',
      writer: 'kafka',
      value: 'Mensagem 1',
      touches: [{ ref: { groupKey: 'all' } }],
    });
    expect(other).toEqual({ kind: 'filtered' });
  });

  it('refuses a consumer whose filter AWS would reject', () => {
    // Prepare
    const consumer = consumerOf({ filters: [{ value: { peso: [{ wildcard: '8*' }] } }] });

    // Act
    const act = () => planConsumer(consumer, [freeTopic('ticks')]);

    // Assess
    expect(act).toThrow(FilterPatternError);
  });
});
