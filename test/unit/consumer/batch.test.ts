import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { summarize } from '../../../core/aggregate';
import type { AggregateItem } from '../../../core/aggregate-item';
import { aggregateKey } from '../../../core/keys';
import { MAX_DEAD_LETTER_VALUE_BYTES, MAX_KEPT_VALUE_BYTES, processBatch, type BatchDeps } from '../../../lambdas/consumer/batch';
import { ResultsStore } from '../../../lambdas/consumer/store';
import { FakeTable, serviceError } from './fake-table';
import { consumerOf, kafkaRecord, planOf, recordingLog } from './helpers';

const TABLE = 'results';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
const NOW = 1_700_000_000_000;

const ohlc = consumerOf({
  measures: [
    { fn: 'first', field: 'price' },
    { fn: 'last', field: 'price' },
    { fn: 'max', field: 'price' },
    { fn: 'sum', field: 'volume' },
    { fn: 'avg', field: 'price' },
  ],
});

let table: FakeTable;

function deps(consumer = ohlc, overrides: Partial<BatchDeps> = {}): BatchDeps & { log: ReturnType<typeof recordingLog> } {
  return {
    plan: planOf(consumer),
    store: new ResultsStore(client, TABLE, { sleep: () => Promise.resolve() }),
    log: recordingLog(),
    now: () => NOW,
    ...overrides,
  } as BatchDeps & { log: ReturnType<typeof recordingLog> };
}

function aggregateAt(groupKey: string, windowStart: number, consumer = 'test-consumer'): AggregateItem | undefined {
  const key = aggregateKey(consumer, groupKey, windowStart);
  return table.items.get(`${key.pk}\u0000${key.sk}`) as AggregateItem | undefined;
}

beforeEach(() => {
  table = new FakeTable(TABLE, () => 0);
  table.install(ddb);
});

afterEach(() => {
  ddb.reset();
});

describe('processBatch aggregation', () => {
  it('writes one aggregate per group and window, whatever the number of records', async () => {
    // Prepare
    const records = [
      kafkaRecord({ offset: 0, timestamp: 1_000, value: { price: 10, volume: 100 } }),
      kafkaRecord({ offset: 1, timestamp: 2_000, value: { price: 12, volume: 50 } }),
      kafkaRecord({ offset: 2, timestamp: 3_000, value: { price: 11, volume: 10 } }),
      kafkaRecord({ offset: 3, timestamp: 61_000, value: { price: 20, volume: 1 } }),
    ];

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
    expect(result.unapplied).toEqual([]);
    expect(result.counts).toMatchObject({ recordsIn: 4, aggregated: 4, filteredOut: 0, writes: 2 });
    expect(summarize(aggregateAt('ticks', 0)!, ohlc)).toEqual({
      key: 'ticks',
      windowStart: 0,
      windowEnd: 60_000,
      count: 3,
      late: 0,
      measures: { first_price: 10, last_price: 11, max_price: 12, sum_volume: 160, avg_price: 11 },
    });
    expect(aggregateAt('ticks', 60_000)).toMatchObject({ count: 1, wm: { 'ticks-0': 3 }, version: 1, expiresAt: 120 + 30 * 86_400 });
  });

  it('orders first and last by event time, not by offset', async () => {
    // Prepare
    const records = [
      kafkaRecord({ offset: 0, timestamp: 5_000, value: { price: 1 } }),
      kafkaRecord({ offset: 1, timestamp: 1_000, value: { price: 2 } }),
      kafkaRecord({ partition: 1, offset: 0, timestamp: 9_000, value: { price: 3 } }),
    ];

    // Act
    await processBatch(records, deps());

    // Assess
    expect(summarize(aggregateAt('ticks', 0)!, ohlc).measures).toMatchObject({ first_price: 2, last_price: 3 });
  });

  it('counts a record ingested after window end plus grace as late only', async () => {
    // Prepare
    const records = [
      kafkaRecord({ offset: 0, timestamp: 1_000, value: { price: 10 } }),
      kafkaRecord({ offset: 1, timestamp: 2_000, ingestTime: 120_001, value: { price: 99 } }),
      kafkaRecord({ offset: 2, timestamp: 3_000, ingestTime: 120_000, value: { price: 11 } }),
    ];

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(result.counts).toMatchObject({ aggregated: 2, late: 1 });
    expect(summarize(aggregateAt('ticks', 0)!, ohlc)).toMatchObject({ count: 2, late: 1, measures: { max_price: 11 } });
  });

  it('skips canonical records that do not pass the filters, and counts them; a record that cannot be made canonical is a dead letter', async () => {
    // Prepare
    const consumer = consumerOf({ filters: [{ value: { price: [{ numeric: ['>', 10] }] } }] });
    const records = [
      kafkaRecord({ offset: 0, value: { price: 10 } }),
      kafkaRecord({ offset: 1, value: { price: 11 } }),
      kafkaRecord({ offset: 2, rawValue: 'price=50' }),
    ];

    // Act
    const result = await processBatch(records, deps(consumer));

    // Assess
    expect(result.counts).toMatchObject({ filteredOut: 1, aggregated: 1, deadLettered: 1 });
    expect(aggregateAt('ticks', 0)).toMatchObject({ count: 1, wm: { 'ticks-0': 1 } });
  });

  it('gives each distinct array element its own aggregate', async () => {
    // Prepare
    const consumer = consumerOf({ groupBy: { kind: 'each', field: 'tags' } });
    const records = [kafkaRecord({ offset: 0, value: { tags: ['a', 'b', 'a'] } }), kafkaRecord({ offset: 1, value: { tags: ['b'] } })];

    // Act
    await processBatch(records, deps(consumer));

    // Assess
    expect(aggregateAt('a', 0)?.count).toBe(1);
    expect(aggregateAt('b', 0)?.count).toBe(2);
  });
});

describe('processBatch exactly-once effect', () => {
  it('adds nothing when the same batch is delivered again', async () => {
    // Prepare
    const records = [
      kafkaRecord({ offset: 0, value: { price: 10, volume: 1 } }),
      kafkaRecord({ offset: 1, value: { price: 11, volume: 2 } }),
    ];
    await processBatch(records, deps());
    const before = structuredClone(aggregateAt('ticks', 0));

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(aggregateAt('ticks', 0)).toEqual(before);
    expect(result.counts).toMatchObject({ alreadyApplied: 2, writes: 0 });
  });

  it('applies only the new records of a batch that overlaps one already applied', async () => {
    // Prepare
    await processBatch([kafkaRecord({ offset: 0, value: { volume: 1 } }), kafkaRecord({ offset: 1, value: { volume: 2 } })], deps());

    // Act
    await processBatch([kafkaRecord({ offset: 1, value: { volume: 2 } }), kafkaRecord({ offset: 2, value: { volume: 4 } })], deps());

    // Assess
    expect(aggregateAt('ticks', 0)).toMatchObject({ count: 3, wm: { 'ticks-0': 2 }, version: 2 });
    expect(summarize(aggregateAt('ticks', 0)!, ohlc).measures.sum_volume).toBe(7);
  });

  it('recomputes from a fresh read when another invocation wrote the aggregate first', async () => {
    // Prepare
    const records = [kafkaRecord({ offset: 0, value: { volume: 1 } }), kafkaRecord({ offset: 1, value: { volume: 2 } })];

    // Act
    const [a, b] = await Promise.all([processBatch(records, deps()), processBatch(records, deps())]);

    // Assess
    expect(aggregateAt('ticks', 0)).toMatchObject({ count: 2, version: 1 });
    expect(a.counts.conflicts + b.counts.conflicts).toBe(1);
    expect([...a.unapplied, ...b.unapplied]).toEqual([]);
  });

  it('answers the first record of each partition whose aggregate write failed, and a retry from there completes it', async () => {
    // Prepare
    const consumer = consumerOf({ groupBy: { kind: 'field', field: 'sym' } });
    const records = [
      kafkaRecord({ offset: 10, value: { sym: 'ok' } }),
      kafkaRecord({ offset: 11, value: { sym: 'hot' } }),
      kafkaRecord({ offset: 12, value: { sym: 'ok' } }),
      kafkaRecord({ partition: 1, offset: 5, value: { sym: 'ok' } }),
      kafkaRecord({ partition: 1, offset: 6, value: { sym: 'hot' } }),
    ];
    table.fault = (point, key) =>
      point === 'write' && key.pk.endsWith('#hot') ? serviceError('ProvisionedThroughputExceededException') : undefined;

    // Act
    const first = await processBatch(records, deps(consumer));
    table.fault = () => undefined;
    const retry = await processBatch(
      records.filter((r) => (r.partition === 0 ? r.offset >= 11 : r.offset >= 6)),
      deps(consumer),
    );

    // Assess
    expect(first.unapplied).toEqual([
      { topicPartition: 'ticks-0', offset: 11 },
      { topicPartition: 'ticks-1', offset: 6 },
    ]);
    expect(retry.unapplied).toEqual([]);
    expect(aggregateAt('ok', 0)?.count).toBe(3);
    expect(aggregateAt('hot', 0)?.count).toBe(2);
  });

  it('answers the records of an aggregate whose reads stay throttled', async () => {
    // Prepare
    table.unprocessed = (point) => point === 'read';
    const records = [kafkaRecord({ offset: 3, value: {} }), kafkaRecord({ offset: 4, value: {} })];

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(result.unapplied).toEqual([{ topicPartition: 'ticks-0', offset: 3 }]);
    expect(table.items.size).toBe(0);
  });

  it('gives up on an aggregate that keeps conflicting and answers its records', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(serviceError('ConditionalCheckFailedException'));
    const log = recordingLog();

    // Act
    const result = await processBatch([kafkaRecord({ offset: 7, value: {} })], deps(ohlc, { maxConflictAttempts: 3, log }));

    // Assess
    expect(result.unapplied).toEqual([{ topicPartition: 'ticks-0', offset: 7 }]);
    expect(result.counts.conflicts).toBe(3);
    expect(log.lines.some((line) => line.level === 'error' && /kept conflicting after 3 attempts/.test(line.message))).toBe(true);
  });
});

describe('processBatch dead letters', () => {
  it('dead-letters a value that is not JSON with its position, reason and raw bytes, without blocking the partition', async () => {
    // Prepare
    const records = [
      kafkaRecord({ offset: 0, value: { price: 1 } }),
      kafkaRecord({ offset: 1, rawValue: 'not json at all', key: 'k1' }),
      kafkaRecord({ offset: 2, value: { price: 2 } }),
    ];

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(result.unapplied).toEqual([]);
    expect(result.counts).toMatchObject({ deadLettered: 1, aggregated: 2 });
    expect(table.itemsWithPrefix('DLQ#')).toEqual([
      {
        pk: 'DLQ#test-consumer',
        sk: 'ticks#00000#0000000000000000001',
        kind: 'deadLetter',
        consumer: 'test-consumer',
        topic: 'ticks',
        partition: 0,
        offset: 1,
        timestamp: 1_000,
        reason: 'not JSON',
        error: expect.stringMatching(/^value is not JSON/),
        form: 'text',
        writer: 'http',
        key: 'k1',
        value: Buffer.from('not json at all').toString('base64'),
        valueBytes: 15,
        valueTruncated: false,
        deadLetteredAt: NOW,
        expiresAt: NOW / 1000 + 30 * 86_400,
      },
    ]);
    expect(aggregateAt('ticks', 0)?.count).toBe(2);
  });

  it.each([
    ['a JSON array on a topic that takes no tuples', '[1, 2]', 'schema violation', /^value must be a JSON object$/],
    ['a tombstone', null, 'not JSON', /null \(a tombstone\)/],
    ['a measured field of the wrong type', '{"price": "10"}', 'schema violation', /field "price" must be a number/],
  ])('dead-letters %s', async (_label, rawValue, reason, detail) => {
    // Act
    const result = await processBatch([kafkaRecord({ offset: 4, rawValue })], deps());

    // Assess
    expect(result.counts.deadLettered).toBe(1);
    expect(table.itemsWithPrefix('DLQ#')[0]).toMatchObject({ reason, error: expect.stringMatching(detail), offset: 4 });
  });

  it('names the field when the grouped field is missing', async () => {
    // Prepare
    const consumer = consumerOf({ groupBy: { kind: 'field', field: 'sym' } });

    // Act
    await processBatch([kafkaRecord({ offset: 0, value: { price: 1 } })], deps(consumer));

    // Assess
    expect(table.itemsWithPrefix('DLQ#')[0]).toMatchObject({
      reason: 'schema violation',
      error: 'field "sym" is missing; the consumer groups by it',
    });
  });

  it('dead-letters a record whose timestamp is not a valid event time', async () => {
    // Prepare
    const record = { ...kafkaRecord({ offset: 0, value: {} }), timestamp: -1 };

    // Act
    await processBatch([record], deps());

    // Assess
    expect(table.itemsWithPrefix('DLQ#')[0]).toMatchObject({ reason: 'schema violation', error: expect.stringMatching(/timestamp -1/) });
  });

  it('keeps a truncated copy of a large value with its original size', async () => {
    // Prepare
    const big = 'x'.repeat(MAX_DEAD_LETTER_VALUE_BYTES + 10);

    // Act
    await processBatch([kafkaRecord({ offset: 0, rawValue: big })], deps());

    // Assess
    const letter = table.itemsWithPrefix('DLQ#')[0]!;
    expect(letter).toMatchObject({ valueBytes: MAX_DEAD_LETTER_VALUE_BYTES + 10, valueTruncated: true });
    expect(Buffer.from(letter.value as string, 'base64').length).toBe(MAX_DEAD_LETTER_VALUE_BYTES);
  });

  it('answers a dead letter that could not be stored as unapplied, at its offset', async () => {
    // Prepare
    table.fault = (point, key) => (point === 'write' && key.pk.startsWith('DLQ#') ? serviceError('ThrottlingException') : undefined);
    const records = [
      kafkaRecord({ offset: 0, value: {} }),
      kafkaRecord({ offset: 1, rawValue: '{' }),
      kafkaRecord({ offset: 2, value: {} }),
    ];

    // Act
    const result = await processBatch(records, deps());

    // Assess
    expect(result.unapplied).toEqual([{ topicPartition: 'ticks-0', offset: 1 }]);
    expect(result.counts.deadLettered).toBe(0);
    expect(aggregateAt('ticks', 0)?.count).toBe(2);
  });

  it('logs at most the configured number of per-record lines', async () => {
    // Prepare
    const log = recordingLog();
    const records = Array.from({ length: 30 }, (_, i) => kafkaRecord({ offset: i, rawValue: 'bad' }));

    // Act
    await processBatch(records, deps(ohlc, { log, maxRecordLogs: 5 }));

    // Assess
    expect(log.lines.filter((line) => line.message === 'record dead-lettered')).toHaveLength(5);
    expect(log.lines.find((line) => line.message === 'batch applied')?.extra).toMatchObject({ deadLettered: 30, suppressedLogLines: 25 });
    expect(log.lines[0]?.extra).toMatchObject({ topic: 'ticks', partition: 0, offset: 0, reason: 'not JSON' });
  });
});

describe('processBatch kept records', () => {
  const keeper = consumerOf({ keepRecords: true, measures: [{ fn: 'sum', field: 'volume' }] });

  it('keeps each matching record, readable by event time, with its parsed value', async () => {
    // Act
    await processBatch([kafkaRecord({ offset: 9, timestamp: 4_000, value: { volume: 3, note: 'hi' }, key: 'abc' })], deps(keeper));

    // Assess
    expect(table.itemsWithPrefix('REC#')).toEqual([
      {
        pk: 'REC#test-consumer',
        sk: '000000000004000#ticks#00000#0000000000000000009',
        kind: 'record',
        consumer: 'test-consumer',
        topic: 'ticks',
        partition: 0,
        offset: 9,
        eventTime: 4_000,
        key: 'abc',
        value: { volume: 3, note: 'hi' },
        form: 'object',
        writer: 'http',
        expiresAt: 60 + 30 * 86_400,
      },
    ]);
  });

  it('keeps the canonical value as JSON text when it holds numbers DynamoDB cannot store', async () => {
    // Act
    await processBatch([kafkaRecord({ offset: 0, rawValue: '{"volume": 1, "huge": 1e200}' })], deps(keeper));

    // Assess
    const kept = table.itemsWithPrefix('REC#')[0]!;
    expect(kept.value).toBeUndefined();
    expect(kept.valueJson).toBe('{"volume":1,"huge":1e+200}');
  });

  it('leaves out a value too large to store, keeping its size', async () => {
    // Prepare
    const text = JSON.stringify({ volume: 1, pad: 'x'.repeat(MAX_KEPT_VALUE_BYTES) });

    // Act
    await processBatch([kafkaRecord({ offset: 0, rawValue: text })], deps(keeper));

    // Assess
    expect(table.itemsWithPrefix('REC#')[0]).toMatchObject({ valueOmitted: true, valueBytes: text.length });
  });

  it('answers a record whose kept copy could not be stored, and overwrites it on redelivery', async () => {
    // Prepare
    let failing = true;
    table.fault = (point, key) =>
      failing && point === 'write' && key.pk.startsWith('REC#') ? serviceError('InternalServerError', 500) : undefined;
    const records = [kafkaRecord({ offset: 0, value: { volume: 1 } }), kafkaRecord({ offset: 1, value: { volume: 2 } })];

    // Act
    const first = await processBatch(records, deps(keeper));
    failing = false;
    const second = await processBatch(records, deps(keeper));

    // Assess
    expect(first.unapplied).toEqual([{ topicPartition: 'ticks-0', offset: 0 }]);
    expect(second.unapplied).toEqual([]);
    expect(table.itemsWithPrefix('REC#')).toHaveLength(2);
    expect(aggregateAt('ticks', 0)).toMatchObject({ count: 2, version: 1 });
  });
});
