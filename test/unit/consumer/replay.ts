/**
 * The replay harness: plays a stream of Kafka records into a consumer the way an event source
 * mapping does on a bad day — random batch splits across partitions, lost acknowledgements
 * (the whole batch again), crashes after some writes, bisected retries, partial batch failures
 * from throttling, rewinds to older offsets, and the same batch delivered twice at once — and
 * computes, independently of the consumer's code, the aggregates the records must produce.
 */
import type { KafkaRecord } from '../../../core/kafka-record';
import type { ResolvedConsumer } from '../../../core/spec';
import { FakeTable, serviceError } from './fake-table';

/** What one invocation answers. */
export interface InvocationAnswer {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: { readonly partition: string; readonly offset: number } }>;
}

/** Invokes the consumer with a batch. */
export type Invoke = (records: KafkaRecord[]) => Promise<InvocationAnswer>;

/** How often each delivery scenario happens (weights). */
export interface ScenarioWeights {
  readonly normal: number;
  readonly lostAck: number;
  readonly crash: number;
  readonly crashThenBisect: number;
  readonly throttled: number;
  readonly rewind: number;
  readonly concurrent: number;
}

/** How many times each scenario ran, and how many invocations there were. */
export type ScenarioCounts = Record<keyof ScenarioWeights | 'invocations', number>;

const tpOf = (r: KafkaRecord): string => `${r.topic}-${r.partition}`;

function pick<T extends string>(weights: Readonly<Record<T, number>>, random: () => number): T {
  const entries = Object.entries(weights) as Array<[T, number]>;
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let roll = random() * total;
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return entries[entries.length - 1]![0];
}

/**
 * Delivers every record of `streams` (one array per topic-partition, offsets 0..n-1) until each
 * partition's committed position reaches its end, with the scenarios mixed by `weights`.
 */
export async function replay(options: {
  streams: ReadonlyMap<string, readonly KafkaRecord[]>;
  invoke: Invoke;
  table: FakeTable;
  random: () => number;
  weights: ScenarioWeights;
  maxPerPartition: number;
  /**
   * The mapping's FilterCriteria: a record it rejects is never delivered, and the committed
   * position moves past it, as AWS does. @default every record is delivered
   */
  delivers?: (record: KafkaRecord) => boolean;
}): Promise<ScenarioCounts> {
  const { streams, invoke, table, random, weights, maxPerPartition, delivers = () => true } = options;
  const cursor = new Map([...streams.keys()].map((tp) => [tp, 0]));
  const counts: ScenarioCounts = {
    normal: 0,
    lostAck: 0,
    crash: 0,
    crashThenBisect: 0,
    throttled: 0,
    rewind: 0,
    concurrent: 0,
    invocations: 0,
  };
  // A batch is a run of positions; only the records the filters pass are invoked with (none: no invocation).
  const run = async (batch: KafkaRecord[]): Promise<InvocationAnswer> => {
    const delivered = batch.filter(delivers);
    if (delivered.length === 0) return { batchItemFailures: [] };
    counts.invocations += 1;
    return invoke(delivered);
  };
  // The committed position after an answer: the failed offset, else the end of the batch's part.
  const advance = (batch: readonly KafkaRecord[], answers: readonly InvocationAnswer[]): void => {
    const ends = new Map<string, number>();
    for (const r of batch) ends.set(tpOf(r), Math.max(ends.get(tpOf(r)) ?? -1, r.offset + 1));
    for (const [tp, end] of ends) {
      let next = end;
      for (const answer of answers) {
        for (const { itemIdentifier } of answer.batchItemFailures) {
          if (itemIdentifier.partition === tp) next = Math.min(next, itemIdentifier.offset);
        }
      }
      cursor.set(tp, next);
    }
  };
  const takeBatch = (exclude: ReadonlySet<string> = new Set()): KafkaRecord[] => {
    const live = [...streams.keys()].filter((tp) => !exclude.has(tp) && (cursor.get(tp) ?? 0) < (streams.get(tp)?.length ?? 0));
    if (live.length === 0) return [];
    const chosen = live.filter(() => random() < 0.6);
    if (chosen.length === 0) chosen.push(live[Math.floor(random() * live.length)]!);
    return chosen.flatMap((tp) => {
      const from = cursor.get(tp) ?? 0;
      return streams.get(tp)!.slice(from, from + 1 + Math.floor(random() * maxPerPartition));
    });
  };
  const crashAfter = (writes: number): void => {
    let left = writes;
    table.fault = (point) => {
      if (point !== 'write') return undefined;
      if (left <= 0) return serviceError('Sandbox.Timedout');
      left -= 1;
      return undefined;
    };
  };
  const healthy = (): void => {
    table.fault = () => undefined;
    table.unprocessed = () => false;
  };

  for (;;) {
    const done = [...streams.keys()].every((tp) => (cursor.get(tp) ?? 0) >= (streams.get(tp)?.length ?? 0));
    if (done) break;
    const scenario = pick(weights, random);
    counts[scenario] += 1;
    if (scenario === 'rewind') {
      // A rebalance restarts a partition from an older committed offset.
      const tps = [...streams.keys()];
      const tp = tps[Math.floor(random() * tps.length)]!;
      cursor.set(tp, Math.max(0, (cursor.get(tp) ?? 0) - Math.floor(random() * 200)));
      continue;
    }
    const batch = takeBatch();
    switch (scenario) {
      case 'normal':
        advance(batch, [await run(batch)]);
        break;
      case 'lostAck':
        // Applied, but the mapping never learns it: the whole batch comes again.
        await run(batch);
        break;
      case 'crash':
        crashAfter(Math.floor(random() * (batch.length / 4 + 2)));
        await run(batch);
        healthy();
        break;
      case 'crashThenBisect': {
        crashAfter(Math.floor(random() * (batch.length / 4 + 2)));
        await run(batch);
        healthy();
        // The mapping splits the failed batch and retries each half, in order, per partition.
        const parts = new Map<string, KafkaRecord[]>();
        for (const r of batch) parts.set(tpOf(r), [...(parts.get(tpOf(r)) ?? []), r]);
        const first = [...parts.values()].flatMap((p) => p.slice(0, Math.ceil(p.length / 2)));
        advance(first, [await run(first)]);
        const second = [...parts.values()]
          .flatMap((p) => p.slice(Math.ceil(p.length / 2)))
          .filter((r) => cursor.get(tpOf(r)) === Math.ceil(parts.get(tpOf(r))!.length / 2) + parts.get(tpOf(r))![0]!.offset);
        if (second.length > 0) advance(second, [await run(second)]);
        break;
      }
      case 'throttled':
        table.fault = (point) =>
          random() < 0.15 ? serviceError(point === 'read' ? 'ThrottlingException' : 'ProvisionedThroughputExceededException') : undefined;
        table.unprocessed = () => random() < 0.2;
        advance(batch, [await run(batch)]);
        healthy();
        break;
      case 'concurrent': {
        // Other partitions are processed at the same time by other invocations, writing the same
        // aggregates; and two pollers may hold the same partitions for a moment (a rebalance):
        // the same batch twice at once.
        const other = takeBatch(new Set(batch.map(tpOf)));
        const [first, duplicate, parallel] = await Promise.all([run(batch), run([...batch]), other.length > 0 ? run(other) : undefined]);
        advance(batch, [first, duplicate]);
        if (parallel !== undefined) advance(other, [parallel]);
        break;
      }
    }
  }
  return counts;
}

/** The figures one aggregate must show, computed straight from the records. */
export interface ExpectedAggregate {
  count: number;
  late: number;
  measures: Record<string, number>;
}

/** A record's verdict for the reference computation. */
export interface ReferenceVerdict {
  /** `filtered`, `dead`, or the group keys (raw) and measured values of an aggregated record. */
  readonly kind: 'filtered' | 'dead' | 'aggregate';
  readonly keys?: readonly string[];
  readonly values?: Readonly<Record<string, number>>;
}

/**
 * Computes the aggregates of a consumer directly from its records: stored window (the pane of a
 * hopping window) on the timestamp, late when ingested after its end + grace, count/sum/min/max/avg/first/last by the
 * definitions, first/last ordered by (event time, topic-partition, offset).
 */
export function referenceAggregates(
  records: readonly KafkaRecord[],
  consumer: ResolvedConsumer,
  verdict: (record: KafkaRecord) => ReferenceVerdict,
  ingestTime: (record: KafkaRecord) => number,
): Map<string, ExpectedAggregate> {
  interface Acc {
    count: number;
    late: number;
    fields: Map<
      string,
      { n: number; sum: number; min: number; max: number; first: [number, string, number, number]; last: [number, string, number, number] }
    >;
  }
  // The stored window: the pane (advanceSeconds) of a hopping window, the window itself when tumbling.
  const size = consumer.window.advanceSeconds * 1000;
  const before = (a: [number, string, number, number], b: [number, string, number, number]): boolean =>
    a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
  const accs = new Map<string, Acc>();
  for (const record of records) {
    const v = verdict(record);
    if (v.kind !== 'aggregate') continue;
    const start = Math.floor(record.timestamp / size) * size;
    const late = ingestTime(record) > start + size + consumer.window.graceSeconds * 1000;
    for (const key of new Set(v.keys)) {
      const id = `${key}|${start}`;
      const acc = accs.get(id) ?? { count: 0, late: 0, fields: new Map() };
      accs.set(id, acc);
      if (late) {
        acc.late += 1;
        continue;
      }
      acc.count += 1;
      for (const [field, x] of Object.entries(v.values ?? {})) {
        const at: [number, string, number, number] = [record.timestamp, tpOf(record), record.offset, x];
        const f = acc.fields.get(field);
        if (!f) {
          acc.fields.set(field, { n: 1, sum: x, min: x, max: x, first: at, last: at });
          continue;
        }
        f.n += 1;
        f.sum += x;
        f.min = Math.min(f.min, x);
        f.max = Math.max(f.max, x);
        if (before(at, f.first)) f.first = at;
        if (before(f.last, at)) f.last = at;
      }
    }
  }
  const expected = new Map<string, ExpectedAggregate>();
  for (const [id, acc] of accs) {
    const measures: Record<string, number> = {};
    for (const m of consumer.measures) {
      const f = acc.fields.get(m.field);
      if (!f) continue;
      const value = { sum: f.sum, min: f.min, max: f.max, avg: f.sum / f.n, first: f.first[3], last: f.last[3] }[m.fn];
      measures[`${m.fn}_${m.field}`] = value;
    }
    expected.set(id, { count: acc.count, late: acc.late, measures });
  }
  return expected;
}
