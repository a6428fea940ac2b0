import type { AggregateItem } from '../../../core/aggregate-item';
import {
  accumulate,
  applyContribution,
  decodeGroupKey,
  encodeGroupKey,
  expiresAtOf,
  groupKeysOf,
  isLate,
  measureValuesOf,
  paneOf,
  measuredFields,
  mergeFieldState,
  fieldStateOf,
  RecordFieldError,
  summarize,
  windowOf,
  type AggregateRef,
  type RecordContribution,
} from '../../../core/aggregate';
import type { MeasureSpec } from '../../../core/spec';

function contribution(overrides: Partial<RecordContribution> & { off: number }): RecordContribution {
  return { t: 1_000, tp: 'health-0', late: false, values: {}, ...overrides };
}

const ref: AggregateRef = { consumer: 'c', groupKey: 'all', window: { start: 0, end: 60_000 }, expiresAt: 2_592_060 };

describe('windowOf', () => {
  it.each([
    [
      'puts an event time in the epoch-aligned window that contains it',
      Date.UTC(2026, 0, 1, 10, 5, 42, 500),
      60,
      { start: Date.UTC(2026, 0, 1, 10, 5), end: Date.UTC(2026, 0, 1, 10, 6) },
    ],
    ['puts a time exactly on a boundary in the window that starts there', 300_000, 300, { start: 300_000, end: 600_000 }],
  ])('%s', (_, eventTime, sizeSeconds, expected) => {
    // Act
    const window = windowOf(eventTime, { sizeSeconds });

    // Assess
    expect(window).toEqual(expected);
  });
});

describe('paneOf', () => {
  it('puts an event time in the epoch-aligned pane of advanceSeconds, the window itself when tumbling', () => {
    // Prepare
    const eventTime = Date.UTC(2026, 0, 1, 10, 4, 42, 500);

    // Act
    const hopping = paneOf(eventTime, { advanceSeconds: 30 });
    const tumbling = paneOf(eventTime, { advanceSeconds: 300 });

    // Assess
    expect(hopping).toEqual({ start: Date.UTC(2026, 0, 1, 10, 4, 30), end: Date.UTC(2026, 0, 1, 10, 5) });
    expect(tumbling).toEqual(windowOf(eventTime, { sizeSeconds: 300 }));
  });
});

describe('isLate', () => {
  it('treats a record ingested up to window end plus grace as on time, and later as late', () => {
    // Prepare
    const end = 60_000;

    // Act
    const onTime = isLate(end + 60_000, end, 60);
    const late = isLate(end + 60_001, end, 60);

    // Assess
    expect(onTime).toBe(false);
    expect(late).toBe(true);
  });
});

describe('expiresAtOf', () => {
  it('adds the retention in days to the window end, in epoch seconds', () => {
    // Act
    const expiresAt = expiresAtOf(60_000, 30);

    // Assess
    expect(expiresAt).toBe(60 + 30 * 86_400);
  });
});

describe('group keys', () => {
  it('escapes # and % so stored keys never contain the key separator, and decodes back', () => {
    // Prepare
    const raw = 'a#b%23c%';

    // Act
    const stored = encodeGroupKey(raw);

    // Assess
    expect(stored).not.toContain('#');
    expect(decodeGroupKey(stored)).toBe(raw);
    expect(encodeGroupKey('petr4')).toBe('petr4');
  });

  it('groups by a constant key, the topic name, or a field value', () => {
    // Prepare
    const value = { id: 7, sexo: 'f' };

    // Act
    const constant = groupKeysOf(value, 'health', { kind: 'constant', key: 'all' });
    const topic = groupKeysOf(value, 'petr4', { kind: 'topic' });
    const field = groupKeysOf(value, 'health', { kind: 'field', field: 'id' });

    // Assess
    expect(constant).toEqual(['all']);
    expect(topic).toEqual(['petr4']);
    expect(field).toEqual(['7']);
  });

  it.each([
    ['gives one key per distinct array element, in order of first appearance', ['kafka', 'aws', 'kafka', 'c#'], ['kafka', 'aws', 'c%23']],
    ['gives no key for an empty array', [], []],
  ])('%s', (_, hashtags, expected) => {
    // Act
    const keys = groupKeysOf({ hashtags }, 'tweets', { kind: 'each', field: 'hashtags' });

    // Assess
    expect(keys).toEqual(expected);
  });

  it.each([
    ['a missing field', { kind: 'field', field: 'id' } as const, {}, /"id" is missing/],
    [
      'an object field',
      { kind: 'field', field: 'id' } as const,
      { id: { nested: 1 } },
      /"id" must be a string, number or boolean.*an object/,
    ],
    ['a non-array field', { kind: 'each', field: 'hashtags' } as const, { hashtags: 'kafka' }, /"hashtags" must be an array.*string/],
    ['a null element', { kind: 'each', field: 'hashtags' } as const, { hashtags: [null] }, /"hashtags" must be a string.*null/],
    ['a key over 512 characters', { kind: 'field', field: 'id' } as const, { id: 'x'.repeat(513) }, /longer than 512/],
  ])('rejects a value it cannot group: %s', (_label, groupBy, value, message) => {
    // Act
    const act = () => groupKeysOf(value, 'health', groupBy);

    // Assess
    expect(act).toThrow(RecordFieldError);
    expect(act).toThrow(message);
  });

  it('counts escapes and UTF-8 bytes against the key limits', () => {
    // Prepare
    const hashes = '#'.repeat(200); // 600 characters once escaped
    const wide = '\u{1F600}'.repeat(251); // 502 characters, 1,004 bytes

    // Act
    const act = (raw: string) => () => groupKeysOf({ k: raw }, 't', { kind: 'field', field: 'k' });

    // Assess
    expect(act(hashes)).toThrow(/longer than/);
    expect(act(wide)).toThrow(/longer than/);
  });
});

describe('measure values', () => {
  it('lists each measured field once', () => {
    // Prepare
    const measures: MeasureSpec[] = [
      { fn: 'avg', field: 'peso' },
      { fn: 'max', field: 'peso' },
      { fn: 'avg', field: 'imc' },
    ];

    // Act
    const fields = measuredFields({ measures });

    // Assess
    expect(fields).toEqual(['peso', 'imc']);
  });

  it('reads numeric fields and skips absent or null ones', () => {
    // Act
    const values = measureValuesOf({ peso: 81.5, imc: null }, ['peso', 'imc', 'altura']);

    // Assess
    expect(values).toEqual({ peso: 81.5 });
  });

  it('rejects a measured field that is not a number, naming it', () => {
    // Act
    const act = () => measureValuesOf({ peso: '81' }, ['peso']);

    // Assess
    expect(act).toThrow(RecordFieldError);
    expect(act).toThrow('field "peso" must be a number');
  });

  it('rejects a measured value DynamoDB could not store once summed', () => {
    // Act
    const huge = () => measureValuesOf({ price: 1e120 }, ['price']);
    const tiny = () => measureValuesOf({ price: 1e-120 }, ['price']);

    // Assess
    expect(huge).toThrow('outside the storable range');
    expect(tiny).toThrow('outside the storable range');
    expect(measureValuesOf({ price: 0 }, ['price'])).toEqual({ price: 0 });
  });
});

describe('field state', () => {
  it('merges in any order to the same state, first and last by (event time, topic-partition, offset)', () => {
    // Prepare
    const a = fieldStateOf(5, { t: 10, tp: 'p-1', off: 3 });
    const b = fieldStateOf(9, { t: 10, tp: 'p-0', off: 8 });
    const c = fieldStateOf(1, { t: 20, tp: 'p-0', off: 9 });

    // Act
    const left = mergeFieldState(mergeFieldState(a, b), c);
    const right = mergeFieldState(c, mergeFieldState(b, a));

    // Assess
    expect(left).toEqual(right);
    expect(left).toMatchObject({ n: 3, sum: 15, min: 1, max: 9 });
    expect(left.first).toEqual({ v: 9, t: 10, tp: 'p-0', off: 8 });
    expect(left.last).toEqual({ v: 1, t: 20, tp: 'p-0', off: 9 });
  });
});

describe('accumulate', () => {
  it('keeps only records above the watermark of their topic-partition and raises the watermark', () => {
    // Prepare
    const records = [
      contribution({ off: 4, values: { x: 1 } }),
      contribution({ off: 5, values: { x: 2 } }),
      contribution({ off: 2, tp: 'health-1', values: { x: 10 } }),
    ];

    // Act
    const result = accumulate(records, { 'health-0': 4 });

    // Assess
    expect(result).toMatchObject({ count: 2, late: 0, records: 2, wm: { 'health-0': 5, 'health-1': 2 } });
    expect(result?.fields.x).toMatchObject({ n: 2, sum: 12 });
  });

  it('counts a late record in late only, not in count or measures', () => {
    // Prepare
    const records = [contribution({ off: 1, late: true, values: { x: 100 } }), contribution({ off: 2, values: { x: 1 } })];

    // Act
    const result = accumulate(records, {});

    // Assess
    expect(result).toMatchObject({ count: 1, late: 1, records: 2, wm: { 'health-0': 2 } });
    expect(result?.fields.x).toMatchObject({ n: 1, sum: 1, max: 1 });
  });

  it('returns undefined when every record was applied already', () => {
    // Act
    const result = accumulate([contribution({ off: 3 })], { 'health-0': 3 });

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('applyContribution', () => {
  it('creates a new item at version 1 with the aggregate keys', () => {
    // Prepare
    const c = accumulate([contribution({ off: 0, values: { peso: 90 } })], {});

    // Act
    const item = applyContribution(undefined, ref, c!);

    // Assess
    expect(item).toMatchObject({
      pk: 'AGG#c#all',
      sk: '000000000000000',
      gsi1pk: 'WIN#c',
      gsi1sk: '000000000000000#all',
      consumer: 'c',
      groupKey: 'all',
      windowStart: 0,
      windowEnd: 60_000,
      count: 1,
      late: 0,
      wm: { 'health-0': 0 },
      version: 1,
      expiresAt: 2_592_060,
    });
  });

  it('merges into an existing item and increments its version', () => {
    // Prepare
    const first = applyContribution(undefined, ref, accumulate([contribution({ off: 0, values: { peso: 90 } })], {})!);
    const next = accumulate([contribution({ off: 1, values: { peso: 70 } }), contribution({ off: 2, late: true })], first.wm)!;

    // Act
    const item = applyContribution(first, ref, next);

    // Assess
    expect(item).toMatchObject({ count: 2, late: 1, version: 2, wm: { 'health-0': 2 } });
    expect(item.fields.peso).toMatchObject({ n: 2, sum: 160, min: 70, max: 90 });
  });
});

describe('summarize', () => {
  const item: AggregateItem = {
    pk: 'AGG#ohlc-1m#a%23b',
    sk: '000000000060000',
    gsi1pk: 'WIN#ohlc-1m',
    gsi1sk: '000000000060000#a%23b',
    consumer: 'ohlc-1m',
    groupKey: 'a%23b',
    windowStart: 60_000,
    windowEnd: 120_000,
    count: 4,
    late: 1,
    fields: {
      price: { n: 4, sum: 40, min: 8, max: 13, first: { v: 10, t: 1, tp: 'p-0', off: 1 }, last: { v: 9, t: 5, tp: 'p-0', off: 7 } },
      volume: { n: 3, sum: 300, min: 50, max: 150, first: { v: 50, t: 1, tp: 'p-0', off: 1 }, last: { v: 150, t: 5, tp: 'p-0', off: 7 } },
    },
    wm: { 'p-0': 7 },
    version: 3,
    expiresAt: 1,
  };

  it('reports every measure by its name, avg as sum over n, and the unescaped key', () => {
    // Prepare
    const measures: MeasureSpec[] = [
      { fn: 'first', field: 'price' },
      { fn: 'max', field: 'price' },
      { fn: 'min', field: 'price' },
      { fn: 'last', field: 'price' },
      { fn: 'sum', field: 'volume' },
      { fn: 'avg', field: 'volume' },
    ];

    // Act
    const summary = summarize(item, { measures });

    // Assess
    expect(summary).toEqual({
      key: 'a#b',
      windowStart: 60_000,
      windowEnd: 120_000,
      count: 4,
      late: 1,
      measures: { first_price: 10, max_price: 13, min_price: 8, last_price: 9, sum_volume: 300, avg_volume: 100 },
    });
  });

  it('leaves out a measure whose field no counted record carried', () => {
    // Act
    const summary = summarize(item, { measures: [{ fn: 'avg', field: 'peso' }] });

    // Assess
    expect(summary.measures).toEqual({});
  });
});
