/**
 * What a scenario is: a seeded generator of the course's records and, for the same records, the
 * aggregates every consumer must end up storing, computed directly with plain arithmetic. The
 * direct computation is the oracle of `fluxo verify` and the integration tests, so it is written
 * apart from the code it checks (lambdas/shared/aggregate.ts and ingest.ts): it re-derives IMC
 * and hashtags itself and applies the course's two predicates as plain comparisons.
 */
import { resolveConsumer, type PipelineSpec } from '../../lambdas/shared/spec';

/** One generated record, as posted to the API. */
export interface ScenarioRecord {
  /** Position in the run: records are generated, scheduled and acknowledged by index. */
  readonly index: number;
  /** The topic's name in the built-in spec (`health`, `petr4`, ...). */
  readonly topic: string;
  /** The record value, exactly as posted. */
  readonly value: unknown;
  /** Event time, epoch ms (sent as the record's `timestamp`). */
  readonly timestamp: number;
}

/** When a run's records happen: record i's base event time is `start + floor(i * spacingMs)`. */
export interface RunTiming {
  /** Event time of record 0, epoch ms. */
  readonly start: number;
  /** Milliseconds between consecutive records' base event times (at least 1, so base times are distinct). */
  readonly spacingMs: number;
}

/** One aggregate the direct computation expects a consumer to store. */
export interface ExpectedAggregate {
  /** The consumer's name, as deployed (with the run's name prefix). */
  readonly consumer: string;
  readonly key: string;
  /** Window start and end (exclusive), epoch ms. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
  /** Each measure by its reported name (`avg_peso`, `first_price`, ...). */
  readonly measures: Readonly<Record<string, number>>;
}

/** Which deployment the expectation is for. */
export interface Target {
  /** The spec the consumers run with (their window sizes are read from it). */
  readonly spec: PipelineSpec;
  /**
   * Prefix of the deployed topic and consumer names (the integration tests run copies of the
   * built-in topics and consumers named `sc-health`, `sc-ohlc-1m`, ...). @default ''
   */
  readonly prefix?: string;
}

/** A course exercise as a load and its direct computation. */
export interface Scenario {
  /** The name on the command line (`fluxo load health`). */
  readonly name: string;
  /** One line for `fluxo --help` and the load banner. */
  readonly description: string;
  /** The built-in topics it posts to. */
  readonly topics: readonly string[];
  /** The built-in consumers whose aggregates it checks. */
  readonly consumers: readonly string[];
  /** A consumer whose per-window ranking (`?top=10`) is checked too. */
  readonly ranked?: string;
  /** The run's records, in index order: the same for the same seed, count and timing. */
  generate(seed: number, count: number, timing: RunTiming): ScenarioRecord[];
  /** The aggregates the consumers must store for these (acknowledged) records. */
  expected(records: readonly ScenarioRecord[], target: Target): ExpectedAggregate[];
}

/** The base event time of record `index` (see {@link RunTiming}). */
export function baseTime(index: number, timing: RunTiming): number {
  return timing.start + Math.floor(index * timing.spacingMs);
}

/** A consumer's window length in ms, from the target's spec. */
export function windowMs(target: Target, consumer: string): number {
  const found = target.spec.consumers.find((c) => c.name === `${target.prefix ?? ''}${consumer}`);
  if (found === undefined) throw new RangeError(`consumer "${target.prefix ?? ''}${consumer}" is not in the spec`);
  return resolveConsumer(found).window.sizeSeconds * 1000;
}

/** The records falling in one (consumer, key, window): what a scenario turns into measures. */
export interface Bucket<T> {
  readonly consumer: string;
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly items: T[];
}

/**
 * Buckets of records by (consumer, key, window): `add` puts an item in the bucket of its event
 * time, `list` gives the buckets in insertion order.
 */
export function buckets<T>(): { add(consumer: string, key: string, sizeMs: number, eventTime: number, item: T): void; list(): Bucket<T>[] } {
  const byId = new Map<string, Bucket<T>>();
  return {
    add(consumer, key, sizeMs, eventTime, item) {
      const windowStart = eventTime - (((eventTime % sizeMs) + sizeMs) % sizeMs);
      const id = JSON.stringify([consumer, key, windowStart]);
      let bucket = byId.get(id);
      if (bucket === undefined) {
        bucket = { consumer, key, windowStart, windowEnd: windowStart + sizeMs, items: [] };
        byId.set(id, bucket);
      }
      bucket.items.push(item);
    },
    list: () => [...byId.values()],
  };
}

/** The plain sum of a list. */
export function total(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}
