import './replay-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { summarize } from '../../../lambdas/shared/aggregate';
import type { AggregateItem } from '../../../lambdas/shared/aggregate-item';
import { compileFilters, filterableRecord } from '../../../lambdas/shared/filter';
import type { KafkaRecord } from '../../../lambdas/shared/kafka-record';
import { encodeMskEvent } from '../../../lambdas/shared/msk-event';
import { findConsumer, type ResolvedConsumer } from '../../../lambdas/shared/spec';
import { pipeline } from '../../../pipeline';
import { processBatch } from '../../../lambdas/consumer/batch';
import { ingestTimeOf, planConsumer } from '../../../lambdas/consumer/classify';
import { batchResponse, handler } from '../../../lambdas/consumer/index';
import { ResultsStore } from '../../../lambdas/consumer/store';
import { FakeTable, prng } from './fake-table';
import { consumerOf, kafkaRecord, recordingLog } from './helpers';
import { referenceAggregates, replay, type ExpectedAggregate, type ReferenceVerdict, type ScenarioWeights } from './replay';

const TABLE = 'results';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
const BASE = Date.UTC(2026, 10, 22, 2, 0);
const TAGS = ['kafka', 'aws', 'c#', '100%', 'lambda', 'msk', 'dynamo'];

const WEIGHTS: ScenarioWeights = { normal: 40, lostAck: 10, crash: 10, crashThenBisect: 8, throttled: 15, rewind: 7, concurrent: 10 };

afterEach(() => {
  ddb.reset();
});

/** Generates `perPartition` records on each topic-partition, about 3% late, 1% not JSON, 1% of the wrong type, 5% filtered. */
function generate(random: () => number, partitions: Record<string, number>, perPartition: number, valueOf: (random: () => number) => unknown): Map<string, KafkaRecord[]> {
  const streams = new Map<string, KafkaRecord[]>();
  for (const [topic, count] of Object.entries(partitions)) {
    for (let partition = 0; partition < count; partition += 1) {
      const records: KafkaRecord[] = [];
      for (let offset = 0; offset < perPartition; offset += 1) {
        // Event times wander over ten minutes, out of order within a partition.
        const timestamp = BASE + Math.floor(random() * 600_000);
        const ingestTime = random() < 0.03 ? timestamp + 200_000 : timestamp + Math.floor(random() * 5_000);
        const roll = random();
        const rawValue = roll < 0.01 ? `not json ${offset}` : JSON.stringify(valueOf(random));
        records.push(kafkaRecord({ topic, partition, offset, timestamp, ingestTime, rawValue }));
      }
      streams.set(`${topic}-${partition}`, records);
    }
  }
  return streams;
}

function storedSummaries(table: FakeTable, consumer: ResolvedConsumer): Map<string, ExpectedAggregate> {
  const stored = new Map<string, ExpectedAggregate>();
  for (const item of table.itemsWithPrefix(`AGG#${consumer.name}#`)) {
    const summary = summarize(item as unknown as AggregateItem, consumer);
    stored.set(`${summary.key}|${summary.windowStart}`, { count: summary.count, late: summary.late, measures: summary.measures });
  }
  return stored;
}

/** Exact for everything but avg, which is compared to a relative 1e-9. */
function expectSameAggregates(stored: Map<string, ExpectedAggregate>, expected: Map<string, ExpectedAggregate>): void {
  expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, want] of expected) {
    const got = stored.get(id)!;
    expect({ id, count: got.count, late: got.late }).toEqual({ id, count: want.count, late: want.late });
    expect(Object.keys(got.measures).sort()).toEqual(Object.keys(want.measures).sort());
    for (const [name, value] of Object.entries(want.measures)) {
      if (name.startsWith('avg_')) {
        expect(Math.abs((got.measures[name]! - value) / value)).toBeLessThanOrEqual(1e-9);
      } else {
        expect({ id, name, value: got.measures[name] }).toEqual({ id, name, value });
      }
    }
  }
}

describe('replay: 10,000 records through random splits, redeliveries, bisections, overlaps, duplicates and crashes', () => {
  // Hashtag-like fan-out (each distinct tag), a filter, every measure, late records, dead letters, kept records.
  const consumer = consumerOf({
    topics: ['alpha', 'beta'],
    filters: [{ value: { kind: [{ 'anything-but': ['skip'] }] } }],
    groupBy: { kind: 'each', field: 'tags' },
    window: { sizeSeconds: 60, graceSeconds: 30 },
    measures: [
      { fn: 'sum', field: 'n' },
      { fn: 'min', field: 'x' },
      { fn: 'max', field: 'x' },
      { fn: 'first', field: 'x' },
      { fn: 'last', field: 'x' },
      { fn: 'avg', field: 'x' },
    ],
    keepRecords: true,
  });
  const plan = planConsumer(consumer);
  const passes = compileFilters(consumer.filters);

  const valueOf = (random: () => number): unknown => {
    const roll = random();
    const tags = Array.from({ length: Math.floor(random() * 4) }, () => TAGS[Math.floor(random() * TAGS.length)]);
    const value: Record<string, unknown> = { kind: roll < 0.05 ? 'skip' : 'tick', tags, n: Math.floor(random() * 1000) };
    if (random() < 0.9) value.x = Math.round(random() * 1e6) / 100;
    if (roll > 0.99) value.x = 'not a number';
    return value;
  };

  // Written from the rules, not from the consumer's code: what each record must do.
  const verdict = (record: KafkaRecord): ReferenceVerdict => {
    if (!passes(filterableRecord(record))) return { kind: 'filtered' };
    let value: unknown;
    try {
      value = JSON.parse(record.value ?? '');
    } catch {
      return { kind: 'dead' };
    }
    const { tags, n, x } = value as { tags: string[]; n: number; x?: unknown };
    if (x !== undefined && typeof x !== 'number') return { kind: 'dead' };
    return { kind: 'aggregate', keys: tags, values: x === undefined ? { n } : { n, x } };
  };

  it.each([[11], [23]])('stores exactly the aggregates computed from the records (seed %i)', async (seed) => {
    // Prepare
    const random = prng(seed);
    const streams = generate(random, { alpha: 3, beta: 2 }, 2_000, valueOf);
    const records = [...streams.values()].flat();
    const table = new FakeTable(TABLE, random);
    table.install(ddb);
    const deps = { plan, store: new ResultsStore(client, TABLE, { sleep: () => Promise.resolve(), random }), log: recordingLog(), now: () => BASE };
    let conflicts = 0;

    // Act
    const counts = await replay({
      streams,
      table,
      random,
      weights: WEIGHTS,
      maxPerPartition: 60,
      invoke: async (batch) => {
        const result = await processBatch(batch, deps);
        conflicts += result.counts.conflicts;
        return batchResponse(result.unapplied);
      },
    });

    // Assess
    expect(records).toHaveLength(10_000);
    expectSameAggregates(storedSummaries(table, consumer), referenceAggregates(records, consumer, verdict, ingestTimeOf));
    const position = (r: KafkaRecord) => `${r.topic}#${String(r.partition).padStart(5, '0')}#${String(r.offset).padStart(19, '0')}`;
    const dead = records.filter((r) => verdict(r).kind === 'dead').map(position).sort();
    expect(table.itemsWithPrefix('DLQ#').map((item) => item.sk).sort()).toEqual(dead);
    const kept = records.filter((r) => verdict(r).kind === 'aggregate');
    expect(table.itemsWithPrefix('REC#')).toHaveLength(kept.length);
    // The run did exercise every scenario, with real contention.
    for (const scenario of Object.keys(WEIGHTS)) expect(counts[scenario as keyof ScenarioWeights]).toBeGreaterThan(0);
    expect(conflicts).toBeGreaterThan(0);
    expect(dead.length).toBeGreaterThan(50);
    expect(records.filter((r) => verdict(r).kind === 'filtered').length).toBeGreaterThan(300);
  }, 30_000);
});

describe('replay through the handler: Lambda MSK events for the ohlc-1m consumer', () => {
  const consumer = findConsumer(pipeline, 'ohlc-1m')!;
  const context = { functionName: 'fluxo-consumer-ohlc-1m', awsRequestId: 'replay', getRemainingTimeInMillis: () => 30_000 } as Context;
  const source = { kind: 'msk', eventSourceArn: 'arn:aws:kafka:sa-east-1:111122223333:cluster/fluxo/abc', bootstrapServers: 'b-1:9098' } as const;

  it('stores exactly the open, high, low, close and volume computed from the ticks', async () => {
    // Prepare
    const random = prng(5);
    const streams = generate(random, { petr4: 2, vale3: 2 }, 1_000, (r) => ({ price: Math.round(r() * 4000) / 100, volume: Math.floor(r() * 10_000) }));
    const records = [...streams.values()].flat();
    const table = new FakeTable(TABLE, random);
    table.install(ddb);
    const verdict = (record: KafkaRecord): ReferenceVerdict => {
      try {
        const value = JSON.parse(record.value ?? '') as { price: number; volume: number };
        return { kind: 'aggregate', keys: [record.topic], values: value };
      } catch {
        return { kind: 'dead' };
      }
    };

    // Act: no throttling here, so that the handler's real backoff never sleeps.
    const counts = await replay({
      streams,
      table,
      random,
      weights: { ...WEIGHTS, throttled: 0 },
      maxPerPartition: 80,
      invoke: (batch) => handler(encodeMskEvent(batch, source), context),
    });

    // Assess
    expectSameAggregates(storedSummaries(table, consumer), referenceAggregates(records, consumer, verdict, ingestTimeOf));
    expect(counts.invocations).toBeGreaterThan(50);
  }, 30_000);
});
