import './replay-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeGroupKey, summarize } from '../../../core/aggregate';
import { decodePaneCounts, type PaneCountsItem } from '../../../core/pane-counts';
import { hoppingWindowAt, mergePanes } from '../../../core/trending';
import type { AggregateItem } from '../../../core/aggregate-item';
import { addDerivedFields } from '../../../core/canonical';
import { compileFilters, filterableRecord } from '../../../core/filter';
import { mappingFilters } from '../../../core/filter-pushdown';
import type { KafkaRecord } from '../../../core/kafka-record';
import { encodeMskEvent } from '../../../core/msk-event';
import { findConsumer, type ResolvedConsumer } from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { processBatch, type BatchDeps } from '../../../lambdas/consumer/batch';
import { ingestTimeOf, type ConsumerPlan } from '../../../lambdas/consumer/classify';
import { batchResponse, handler } from '../../../lambdas/consumer/index';
import { ResultsStore } from '../../../lambdas/consumer/store';
import { FakeTable, prng } from './fake-table';
import { consumerOf, freeTopic, kafkaRecord, planOf, recordingLog } from './helpers';
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

/** A fake results table installed on the mocked client, and what processBatch needs to write to it (no real backoff waits). */
function fakeTableDeps(plan: ConsumerPlan, random: () => number): { table: FakeTable; deps: BatchDeps } {
  const table = new FakeTable(TABLE, random);
  table.install(ddb);
  const deps = {
    plan,
    store: new ResultsStore(client, TABLE, { sleep: () => Promise.resolve(), random }),
    log: recordingLog(),
    now: () => BASE,
  };
  return { table, deps };
}

/** A value as written: its text, and whether a Kafka client wrote it straight to the topic (no ingest-time header). */
interface Written {
  readonly rawValue: string;
  readonly direct?: boolean;
}

/** Generates `perPartition` records on each topic-partition, about 3% late and 1% not JSON, the others from `valueOf`. */
function generate(
  random: () => number,
  partitions: Record<string, number>,
  perPartition: number,
  valueOf: (random: () => number) => Written,
): Map<string, KafkaRecord[]> {
  const streams = new Map<string, KafkaRecord[]>();
  for (const [topic, count] of Object.entries(partitions)) {
    for (let partition = 0; partition < count; partition += 1) {
      const records: KafkaRecord[] = [];
      for (let offset = 0; offset < perPartition; offset += 1) {
        // Event times wander over ten minutes, out of order within a partition.
        const timestamp = BASE + Math.floor(random() * 600_000);
        const ingestTime = random() < 0.03 ? timestamp + 200_000 : timestamp + Math.floor(random() * 5_000);
        const roll = random();
        const written = roll < 0.01 ? { rawValue: `not json ${offset}`, direct: true } : valueOf(random);
        records.push(kafkaRecord({ topic, partition, offset, timestamp, ingestTime, ...written }));
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

describe('replay: 10,000 records in every form a writer produces, through random splits, redeliveries, bisections, overlaps, duplicates and crashes', () => {
  // Topics that take the course's tuples and derive IMC, read by a consumer that filters on a field
  // as written and on the derived one, fans out per tag (key escaping), with every measure.
  const topics = ['alpha', 'beta'].map((name) =>
    freeTopic(name, {
      accepts: ['tuple'],
      schema: {
        fields: {
          kind: { type: 'string' },
          n: { type: 'integer', min: 0 },
          x: { type: 'number', required: false },
          peso: { type: 'number', min: 1 },
          altura: { type: 'number', min: 100 },
        },
      },
      derived: [{ kind: 'bmi', name: 'imc', weightKgField: 'peso', heightCmField: 'altura' }],
    }),
  );
  const consumer = consumerOf({
    topics: ['alpha', 'beta'],
    filters: [{ value: { kind: [{ 'anything-but': ['skip'] }], imc: [{ numeric: ['<', 40] }] } }],
    groupBy: { kind: 'each', field: 'tags' },
    window: { sizeSeconds: 60, graceSeconds: 30 },
    measures: [
      { fn: 'sum', field: 'n' },
      { fn: 'min', field: 'x' },
      { fn: 'max', field: 'x' },
      { fn: 'first', field: 'x' },
      { fn: 'last', field: 'x' },
      { fn: 'avg', field: 'x' },
      { fn: 'avg', field: 'imc' },
    ],
    keepRecords: true,
  });
  const plan = planOf(consumer, topics);
  // What the event source mapping delivers: its FilterCriteria, as deployed (consumer filters + pass-throughs).
  const mappings = new Map(topics.map((t) => [t.name, compileFilters(mappingFilters(consumer, t))]));
  const delivers = (record: KafkaRecord): boolean => mappings.get(record.topic)!(filterableRecord(record));

  // Canonical objects as fluxo's producer writes them, the course's tuples and objects without IMC
  // straight from a Kafka client, and bad ones: a wrong IMC, plain text, a mistyped x.
  const valueOf = (random: () => number): Written => {
    const tags = Array.from({ length: Math.floor(random() * 4) }, () => TAGS[Math.floor(random() * TAGS.length)]);
    const fields: Record<string, unknown> = {
      kind: random() < 0.05 ? 'skip' : 'tick',
      tags,
      n: Math.floor(random() * 1000),
      peso: 40 + Math.round(random() * 9000) / 100,
      altura: 140 + Math.floor(random() * 60),
    };
    if (random() < 0.9) fields.x = Math.round(random() * 1e6) / 100;
    const form = random();
    if (form < 0.01) return { rawValue: JSON.stringify({ ...fields, x: 'not a number' }), direct: true };
    if (form < 0.04)
      return { rawValue: JSON.stringify({ ...fields, imc: 1 + (addDerivedFields(topics[0]!, fields).imc as number) }), direct: true };
    if (form < 0.06) return { rawValue: `Mensagem ${Math.floor(random() * 100)}`, direct: true };
    // The course's [id, {fields}], spaced as Python's json.dumps writes it.
    if (form < 0.26)
      return {
        rawValue: JSON.stringify([Math.floor(random() * 1000), fields])
          .replace(/,"/g, ', "')
          .replace(/":/g, '": '),
        direct: true,
      };
    if (form < 0.41) return { rawValue: JSON.stringify(fields), direct: true };
    return { rawValue: JSON.stringify(addDerivedFields(topics[0]!, fields)) };
  };

  // Written from the rules, not from the consumer's code: what each record must do.
  const verdict = (record: KafkaRecord): ReferenceVerdict => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value ?? '');
    } catch {
      return { kind: 'dead' };
    }
    let value: Record<string, unknown>;
    if (Array.isArray(parsed)) {
      if (parsed.length !== 2 || typeof parsed[1] !== 'object' || parsed[1] === null || Array.isArray(parsed[1])) return { kind: 'dead' };
      value = { id: parsed[0], ...(parsed[1] as Record<string, unknown>) };
    } else if (typeof parsed === 'object' && parsed !== null) {
      value = parsed as Record<string, unknown>;
    } else {
      return { kind: 'dead' };
    }
    const { kind, tags, n, x, peso, altura, imc } = value as {
      kind: string;
      tags: string[];
      n: number;
      x?: unknown;
      peso: number;
      altura: number;
      imc?: number;
    };
    if (x !== undefined && typeof x !== 'number') return { kind: 'dead' };
    const metres = altura / 100;
    const bmi = peso / metres ** 2;
    if (imc !== undefined && Math.abs(imc - bmi) > 1e-12 * bmi) return { kind: 'dead' };
    if (kind === 'skip' || !(bmi < 40)) return { kind: 'filtered' };
    return { kind: 'aggregate', keys: tags, values: x === undefined ? { n, imc: bmi } : { n, x, imc: bmi } };
  };

  it.each([[11], [23]])(
    'stores exactly the aggregates computed from the records (seed %i)',
    async (seed) => {
      // Prepare
      const random = prng(seed);
      const streams = generate(random, { alpha: 3, beta: 2 }, 2_000, valueOf);
      const records = [...streams.values()].flat();
      const { table, deps } = fakeTableDeps(plan, random);
      let conflicts = 0;

      // Act
      const counts = await replay({
        streams,
        table,
        random,
        weights: WEIGHTS,
        maxPerPartition: 60,
        delivers,
        invoke: async (batch) => {
          const result = await processBatch(batch, deps);
          conflicts += result.counts.conflicts;
          return batchResponse(result.unapplied);
        },
      });

      // Assess
      expect(records).toHaveLength(10_000);
      const reference = referenceAggregates(records, consumer, verdict, ingestTimeOf);
      expectSameAggregates(storedSummaries(table, consumer), reference);
      // The pane key counts (top-K and trending read them) hold exactly each key's on-time count per pane.
      const paneCounts = new Map<string, number>();
      for (const item of table.itemsWithPrefix(`RANK#${consumer.name}`))
        for (const [key, n] of Object.entries(decodePaneCounts(item as unknown as PaneCountsItem)))
          paneCounts.set(`${decodeGroupKey(key)}|${String(item.paneStart)}`, n);
      const onTime = [...reference].filter(([, aggregate]) => aggregate.count > 0).map(([id, aggregate]) => [id, aggregate.count] as const);
      expect(onTime.length).toBeGreaterThan(50);
      expect(new Map([...paneCounts].sort())).toEqual(new Map(onTime.sort()));
      const position = (r: KafkaRecord) => `${r.topic}#${String(r.partition).padStart(5, '0')}#${String(r.offset).padStart(19, '0')}`;
      // The mapping delivers every record the consumer counts; a dead letter is stored for every record it delivers that can never be counted.
      const counted = records.filter((r) => verdict(r).kind === 'aggregate');
      expect(counted.filter((r) => !delivers(r))).toEqual([]);
      const dead = records
        .filter((r) => verdict(r).kind === 'dead' && delivers(r))
        .map(position)
        .sort();
      expect(
        table
          .itemsWithPrefix('DLQ#')
          .map((item) => item.sk)
          .sort(),
      ).toEqual(dead);
      expect(table.itemsWithPrefix('REC#')).toHaveLength(counted.length);
      // Every form was written, and each was counted, dead-lettered or filtered as the rules say.
      const forms = new Map<string, number>();
      for (const item of table.itemsWithPrefix('REC#'))
        forms.set(`${String(item.form)}/${String(item.writer)}`, (forms.get(`${String(item.form)}/${String(item.writer)}`) ?? 0) + 1);
      expect([...forms.keys()].sort()).toEqual(['object/http', 'object/kafka', 'tuple/kafka']);
      const deadForms = new Set(table.itemsWithPrefix('DLQ#').map((item) => String(item.form)));
      expect([...deadForms].sort()).toEqual(['object', 'text']);
      // The run did exercise every scenario, with real contention.
      for (const scenario of Object.keys(WEIGHTS)) expect(counts[scenario as keyof ScenarioWeights]).toBeGreaterThan(0);
      expect(conflicts).toBeGreaterThan(0);
      expect(dead.length).toBeGreaterThan(300);
      expect(records.filter((r) => verdict(r).kind === 'filtered').length).toBeGreaterThan(300);
      expect(records.filter((r) => !delivers(r)).length).toBeGreaterThan(300);
    },
    30_000,
  );
});

describe('replay through the handler: Lambda MSK events for the ohlc-1m consumer', () => {
  const consumer = findConsumer(pipeline, 'ohlc-1m')!;
  const context = { functionName: 'fluxo-consumer-ohlc-1m', awsRequestId: 'replay', getRemainingTimeInMillis: () => 30_000 } as Context;
  const source = {
    kind: 'msk',
    eventSourceArn: 'arn:aws:kafka:sa-east-1:111122223333:cluster/fluxo/abc',
    bootstrapServers: 'b-1:9098',
  } as const;

  it('stores exactly the open, high, low, close and volume computed from the ticks', async () => {
    // Prepare
    const random = prng(5);
    const streams = generate(random, { petr4: 2, vale3: 2 }, 1_000, (r) => ({
      rawValue: JSON.stringify({ price: Math.round(r() * 4000) / 100, volume: Math.floor(r() * 10_000) }),
    }));
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

describe('replay into a hopping consumer: panes stored exactly once, and every hopping window equals the direct computation', () => {
  const topics = ['alpha', 'beta'].map((name) => freeTopic(name, { schema: { fields: { n: { type: 'integer', min: 0 } } } }));
  // A 60 s window advancing every 10 s: six panes per window; grace 30 s per pane.
  const consumer = consumerOf({
    topics: ['alpha', 'beta'],
    groupBy: { kind: 'each', field: 'tags' },
    window: { sizeSeconds: 60, advanceSeconds: 10, graceSeconds: 30 },
    measures: [
      { fn: 'sum', field: 'n' },
      { fn: 'max', field: 'n' },
    ],
  });
  const plan = planOf(consumer, topics);
  const valueOf = (random: () => number): Written => {
    const tags = Array.from({ length: Math.floor(random() * 3) + 1 }, () => TAGS[Math.floor(random() * TAGS.length)]);
    return { rawValue: JSON.stringify({ tags, n: Math.floor(random() * 100) }) };
  };
  const verdict = (record: KafkaRecord): ReferenceVerdict => {
    try {
      const { tags, n } = JSON.parse(record.value ?? '') as { tags: string[]; n: number };
      return { kind: 'aggregate', keys: tags, values: { n } };
    } catch {
      return { kind: 'dead' };
    }
  };

  it('under random splits, redeliveries, bisections, duplicates and crashes', async () => {
    // Prepare
    const random = prng(16);
    const streams = generate(random, { alpha: 2, beta: 2 }, 1_000, valueOf);
    const records = [...streams.values()].flat();
    const { table, deps } = fakeTableDeps(plan, random);

    // Act
    const counts = await replay({
      streams,
      table,
      random,
      weights: WEIGHTS,
      maxPerPartition: 60,
      invoke: async (batch) => batchResponse((await processBatch(batch, deps)).unapplied),
    });

    // Assess: the stored panes, one aggregate per key and 10 s pane
    expectSameAggregates(storedSummaries(table, consumer), referenceAggregates(records, consumer, verdict, ingestTimeOf));
    // Every hopping window [w - 60 s, w), w a 10 s boundary: its panes merged equal the records counted directly in it
    const panes = table.itemsWithPrefix(`AGG#${consumer.name}#`) as unknown as AggregateItem[];
    let windows = 0;
    for (let w = BASE; w <= BASE + 670_000; w += 10_000) {
      const window = hoppingWindowAt(w, consumer.window);
      const merged = mergePanes(
        panes.filter((p) => p.windowStart >= window.start && p.windowEnd <= window.end),
        window,
      ).map((m) => summarize(m, consumer));
      const direct = new Map<string, { count: number; late: number; sum_n: number }>();
      for (const record of records) {
        const v = verdict(record);
        if (v.kind !== 'aggregate' || record.timestamp < window.start || record.timestamp >= window.end) continue;
        const paneEnd = Math.floor(record.timestamp / 10_000) * 10_000 + 10_000;
        const late = ingestTimeOf(record) > paneEnd + 30_000;
        for (const key of new Set(v.keys)) {
          const d = direct.get(key) ?? { count: 0, late: 0, sum_n: 0 };
          direct.set(key, late ? { ...d, late: d.late + 1 } : { count: d.count + 1, late: d.late, sum_n: d.sum_n + v.values!.n! });
        }
      }
      expect(new Map(merged.map((m) => [m.key, { count: m.count, late: m.late, sum_n: m.measures.sum_n ?? 0 }]))).toEqual(direct);
      windows += direct.size > 0 ? 1 : 0;
    }
    expect(windows).toBeGreaterThan(60);
    expect(records.filter((r) => ingestTimeOf(r) > r.timestamp + 40_000).length).toBeGreaterThan(50);
    for (const scenario of Object.keys(WEIGHTS)) expect(counts[scenario as keyof ScenarioWeights]).toBeGreaterThan(0);
  }, 30_000);
});
