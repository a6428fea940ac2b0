/**
 * What a scenario is: a seeded generator of the course's records and, for the same records, the
 * aggregates every consumer must end up storing, computed directly with plain arithmetic. The
 * direct computation is the oracle of `fluxo verify` and the integration tests, so it is written
 * apart from the code it checks (core/aggregate.ts and ingest.ts): it re-derives IMC
 * and hashtags itself and applies the course's two predicates as plain comparisons.
 */
import { resolveConsumer, type PipelineSpec } from '../../../core/spec';
import { namedError } from '../../../core/errors';

/**
 * A break-out planted in a run: from `atSeconds` into the run (on the load's schedule, record i
 * being due `planOffsetMs(i)` after the start), the hashtag appears in {@link BREAKOUT_FACTOR}
 * times as many tweets as before.
 */
export interface Breakout {
  /** The hashtag, lower-case, without `#`. */
  readonly hashtag: string;
  /** When its rate rises: seconds after the run's start, on the load's schedule. */
  readonly atSeconds: number;
}

/** How many times a planted break-out multiplies its hashtag's rate. */
export const BREAKOUT_FACTOR = 10;

/** A break-out a scenario cannot plant (a hashtag it never draws, one already too frequent to multiply). */
export class BreakoutError extends namedError('BreakoutError') {}

/**
 * What a run's values may depend on besides the seed and the count: the load's schedule (so that
 * a value can depend on when it is due) and a planted break-out. A run's manifest keeps all of it,
 * so verify regenerates the same values.
 */
export interface ValuesPlan {
  /** Target records per second of the run. */
  readonly rate: number;
  /** Records per request: batch k is due at `k * batch / rate` seconds. */
  readonly batch: number;
  /** A planted break-out (tweets only); none when absent. */
  readonly breakout?: Breakout;
}

/** When record `index` is due on the load's schedule, ms after the run's start: its batch k at `k * batch / rate` s. */
export function plannedOffsetMs(index: number, plan: Pick<ValuesPlan, 'rate' | 'batch'>): number {
  return (Math.floor(index / plan.batch) * plan.batch * 1000) / plan.rate;
}

/** One generated record value and the built-in topic it goes to (`health`, `petr4`, ...). */
export interface ScenarioValue {
  readonly topic: string;
  /** The record value, exactly as posted. */
  readonly value: unknown;
}

/** One record of a run, as posted to the API. */
export interface ScenarioRecord extends ScenarioValue {
  /** Position in the run: records are generated, scheduled and acknowledged by index. */
  readonly index: number;
  /** Event time, epoch ms (sent as the record's `timestamp`). */
  readonly timestamp: number;
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
  /** The built-in consumers whose aggregates it checks. */
  readonly consumers: readonly string[];
  /** A consumer whose per-window ranking (`?top=10`) is checked too. */
  readonly ranked?: string;
  /** The run's record values, in index order: the same for the same seed, count and plan. */
  values(seed: number, count: number, plan?: ValuesPlan): ScenarioValue[];
  /**
   * The break-out a run of this scenario plants when none is asked for, for a run of this many
   * seconds; absent when the scenario cannot plant one (only tweets can).
   */
  defaultBreakout?(durationSeconds: number): Breakout;
  /**
   * The event time of record `index` when its request was first sent at `sentAt` (epoch ms).
   * @default `sentAt`, as the course's producers stamp a record when they send it
   */
  eventTime?(index: number, sentAt: number, seed: number): number;
  /** Most records a minute for which the scenario's event times stay meaningful. @default unlimited */
  readonly maxRecordsPerMinute?: number;
  /** The aggregates the consumers must store for these (acknowledged) records. */
  expected(records: readonly ScenarioRecord[], target: Target): ExpectedAggregate[];
}

/** The event time of record `index` of a scenario, sent at `sentAt`. */
export function eventTimeOf(scenario: Pick<Scenario, 'eventTime'>, index: number, sentAt: number, seed: number): number {
  return scenario.eventTime?.(index, sentAt, seed) ?? sentAt;
}

/**
 * The records of a run: its values with the event time each got when it was sent. `sentAt`
 * gives when record i's request was first sent, or undefined for a record never sent (it is
 * left out).
 */
export function recordsOf(
  scenario: Scenario,
  seed: number,
  count: number,
  sentAt: (index: number) => number | undefined,
  plan?: ValuesPlan,
): ScenarioRecord[] {
  const records: ScenarioRecord[] = [];
  scenario.values(seed, count, plan).forEach((v, index) => {
    const at = sentAt(index);
    if (at !== undefined) records.push({ ...v, index, timestamp: eventTimeOf(scenario, index, at, seed) });
  });
  return records;
}

/** A consumer's window length (`sizeMs`) and pane length (`advanceMs`, equal to the size for a tumbling window), from the target's spec. */
export function windowOf(target: Target, consumer: string): { readonly sizeMs: number; readonly advanceMs: number } {
  const found = target.spec.consumers.find((c) => c.name === `${target.prefix ?? ''}${consumer}`);
  if (found === undefined) throw new RangeError(`consumer "${target.prefix ?? ''}${consumer}" is not in the spec`);
  const { window } = resolveConsumer(found);
  return { sizeMs: window.sizeSeconds * 1000, advanceMs: window.advanceSeconds * 1000 };
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
export function buckets<T>(): {
  add(consumer: string, key: string, sizeMs: number, eventTime: number, item: T): void;
  list(): Bucket<T>[];
} {
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
