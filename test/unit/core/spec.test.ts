import { pipeline } from '../../../pipeline';
import {
  findConsumer,
  findTopic,
  measureName,
  resolveConsumer,
  SpecValidationError,
  validateSpec,
  type ConsumerSpec,
  type PipelineSpec,
  type TopicSpec,
} from '../../../core/spec';

const health: TopicSpec = {
  name: 'health',
  schema: { fields: { peso: { type: 'number' }, altura: { type: 'number' } } },
  derived: [{ kind: 'bmi', name: 'imc', weightKgField: 'peso', heightCmField: 'altura' }],
};

const heavy: ConsumerSpec = {
  name: 'heavy',
  topics: ['health'],
  filters: [{ value: { peso: [{ numeric: ['>', 80] }] } }],
  groupBy: { kind: 'constant', key: 'all' },
  window: { sizeSeconds: 60 },
  measures: [{ fn: 'avg', field: 'imc' }],
};

function problemsOf(spec: PipelineSpec): readonly string[] {
  try {
    validateSpec(spec);
  } catch (error) {
    if (error instanceof SpecValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('pipeline spec validation', () => {
  it('accepts the built-in course spec', () => {
    // Prepare, Act, Assess
    expect(problemsOf(pipeline)).toEqual([]);
  });

  it('accepts a consumer measuring a derived field', () => {
    expect(problemsOf({ topics: [health], consumers: [heavy] })).toEqual([]);
  });

  it('names a consumer that reads an unknown topic', () => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, topics: ['nope'] }] });

    expect(problems).toContain('consumer "heavy": reads unknown topic "nope"');
  });

  it('rejects a filter pattern longer than 4096 characters', () => {
    const long = { value: { text: [{ prefix: 'x'.repeat(4100) }] } };

    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, filters: [long] }] });

    expect(problems).toEqual([expect.stringMatching(/filters\[0\] is \d+ characters as JSON; the limit is 4096/)]);
  });

  it('rejects more than 3 filters on one consumer: a mapping takes 5, and fluxo adds 2 pass-throughs', () => {
    const filters = Array.from({ length: 4 }, (_, i) => ({ value: { peso: [i] } }));

    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, filters }] });

    expect(problems).toEqual([
      'consumer "heavy": has 4 filters; a consumer takes at most 3 (an event source mapping takes 5, and fluxo adds 2 for records written in other forms)',
    ]);
  });

  it('accepts a text topic without a schema and refuses one with a schema, tuples or derived fields', () => {
    const lines = { name: 'lines', format: 'text' as const };
    const counter = {
      name: 'lines-1m',
      topics: ['lines'],
      groupBy: { kind: 'constant' as const, key: 'all' },
      window: { sizeSeconds: 60 },
    };

    const fine = problemsOf({ topics: [lines], consumers: [counter] });
    const bad = problemsOf({
      topics: [
        {
          ...lines,
          schema: { fields: {} },
          accepts: ['tuple' as const],
          derived: [{ kind: 'hashtags' as const, name: 'h', textField: 't' }],
        },
      ],
      consumers: [],
    });

    expect(fine).toEqual([]);
    expect(bad).toEqual([
      'topic "lines": a text topic has no schema (its values are lines of text)',
      'topic "lines": a text topic accepts no other forms',
      'topic "lines": a text topic has no derived fields',
    ]);
  });

  it('refuses a json topic without a schema, and a consumer that reads text and json topics', () => {
    const problems = problemsOf({
      topics: [health, { name: 'lines', format: 'text' }, { name: 'bare' }],
      consumers: [{ name: 'mixed', topics: ['health', 'lines'], groupBy: { kind: 'constant', key: 'all' }, window: { sizeSeconds: 60 } }],
    });

    expect(problems).toEqual([
      'topic "bare": a json topic needs a schema',
      'consumer "mixed": reads both text and json topics; a consumer reads one kind',
    ]);
  });

  it.each([0, -60, 7, 61.5, 90_000])('rejects a window of %p seconds', (sizeSeconds) => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, window: { sizeSeconds } }] });

    expect(problems).toEqual([expect.stringContaining('window.sizeSeconds must be a whole number from 1 to 86400')]);
  });

  it.each([
    [
      { sizeSeconds: 300, advanceSeconds: 0 },
      'window.advanceSeconds must be a whole number from 1 to 86400 that divides a day evenly (got 0)',
    ],
    [
      { sizeSeconds: 300, advanceSeconds: 7 },
      'window.advanceSeconds must be a whole number from 1 to 86400 that divides a day evenly (got 7)',
    ],
    [
      { sizeSeconds: 300, advanceSeconds: 2.5 },
      'window.advanceSeconds must be a whole number from 1 to 86400 that divides a day evenly (got 2.5)',
    ],
    [{ sizeSeconds: 300, advanceSeconds: 40 }, 'window.advanceSeconds must divide window.sizeSeconds (300) evenly (got 40)'],
    [{ sizeSeconds: 300, advanceSeconds: 600 }, 'window.advanceSeconds must divide window.sizeSeconds (300) evenly (got 600)'],
    [
      { sizeSeconds: 300, advanceSeconds: 1 },
      'window.advanceSeconds gives 300 panes per window; at most 60 (sizeSeconds / advanceSeconds)',
    ],
  ])('rejects a hopping window %j, naming the field', (window, problem) => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, window }] });

    expect(problems).toEqual([`consumer "heavy": ${problem}`]);
  });

  it('accepts a hopping window whose advance divides its size, up to 60 panes', () => {
    const problems = problemsOf({
      topics: [health],
      consumers: [
        { ...heavy, window: { sizeSeconds: 300, advanceSeconds: 30 } },
        { ...heavy, name: 'hour', window: { sizeSeconds: 3600, advanceSeconds: 60 } },
      ],
    });

    expect(problems).toEqual([]);
  });

  it('rejects a filter pattern AWS would refuse, at synth time', () => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, filters: [{ value: { peso: [{ bigger: 80 }] } }] }] });

    expect(problems).toEqual([expect.stringMatching(/^consumer "heavy": filters\[0\] .*bigger/)]);
  });

  it('rejects a filter on record metadata, which Kafka mappings do not filter on', () => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, filters: [{ partition: [0] }] }] });

    expect(problems).toEqual([expect.stringMatching(/^consumer "heavy": filters\[0\] .*partition/)]);
  });

  it('rejects duplicate topic and consumer names', () => {
    const problems = problemsOf({ topics: [health, health], consumers: [heavy, heavy] });

    expect(problems).toEqual(expect.arrayContaining(['topic "health" is declared twice', 'consumer "heavy" is declared twice']));
  });

  it('rejects a measure over a field no topic declares', () => {
    const problems = problemsOf({ topics: [health], consumers: [{ ...heavy, measures: [{ fn: 'sum', field: 'idade' }] }] });

    expect(problems).toEqual(['consumer "heavy": measure sum_idade reads "idade", which not every topic it reads declares']);
  });

  it('rejects a derived field whose input the schema does not declare', () => {
    const topic: TopicSpec = { ...health, derived: [{ kind: 'hashtags', name: 'tags', textField: 'text' }] };

    expect(problemsOf({ topics: [topic], consumers: [] })).toEqual([
      'topic "health": derived field "tags" reads "text", which the schema does not declare',
    ]);
  });

  it('rejects bad names, partitions and batching settings, listing every problem', () => {
    const topic: TopicSpec = { ...health, name: 'bad topic!', partitions: 0 };
    const consumer: ConsumerSpec = {
      ...heavy,
      name: 'Bad_Name',
      topics: ['bad topic!'],
      batchSize: 0,
      batchingWindowSeconds: 301,
      maxRecordAgeSeconds: 5,
    };

    const problems = problemsOf({ topics: [topic], consumers: [consumer] });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('topic "bad topic!": name must be'),
        expect.stringContaining('partitions must be'),
        expect.stringContaining('consumer "Bad_Name": name must be'),
        expect.stringContaining('batchSize must be'),
        expect.stringContaining('batchingWindowSeconds must be'),
        expect.stringContaining('maxRecordAgeSeconds must be'),
      ]),
    );
  });

  it('shows every problem in the error message, one per line', () => {
    expect(() => validateSpec({ topics: [], consumers: [heavy] })).toThrow(
      /invalid pipeline spec:\n {2}- consumer "heavy": reads unknown topic "health"/,
    );
  });
});

describe('pipeline spec defaults', () => {
  it('starts consumers from the beginning with a 100-record batch and a group id of their own', () => {
    const consumer = resolveConsumer(heavy);

    expect(consumer).toMatchObject({
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      batchingWindowSeconds: 0,
      bisectOnError: true,
      groupId: 'fluxo-heavy',
      window: { sizeSeconds: 60, advanceSeconds: 60, graceSeconds: 60 },
    });
  });

  it('makes a window tumbling unless it says how far it advances', () => {
    expect(resolveConsumer({ ...heavy, window: { sizeSeconds: 300, advanceSeconds: 30 } }).window).toEqual({
      sizeSeconds: 300,
      advanceSeconds: 30,
      graceSeconds: 60,
    });
  });

  it('gives a consumer one mapping per topic, each with a consumer group of its own, as Lambda requires', () => {
    expect(findConsumer(pipeline, 'peso-acima-80')?.mappings).toEqual([{ topic: 'health', groupId: 'fluxo-peso-acima-80' }]);
    expect(findConsumer(pipeline, 'ohlc-1m')?.mappings).toEqual([
      { topic: 'petr4', groupId: 'fluxo-ohlc-1m.petr4' },
      { topic: 'vale3', groupId: 'fluxo-ohlc-1m.vale3' },
    ]);
  });

  it('keeps topics 168 hours by default, as Kafka does', () => {
    expect(findTopic({ topics: [health], consumers: [] }, 'health')).toMatchObject({ retentionHours: 168, partitions: 1 });
  });

  it('finds consumers by name and names measures <fn>_<field>', () => {
    expect(findConsumer(pipeline, 'ohlc-1m')?.topics).toEqual(['petr4', 'vale3']);
    expect(findConsumer(pipeline, 'nope')).toBeUndefined();
    expect(measureName({ fn: 'avg', field: 'peso' })).toBe('avg_peso');
  });
});
