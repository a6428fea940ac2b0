/**
 * Stored aggregates against the direct computation: every difference, one per (consumer, key,
 * window, measure). Counts, sums, min, max, first and last must be equal; averages may differ by
 * a relative 1e-9 (the stored sum adds the same values in another order).
 */
import type { ExpectedAggregate } from './scenario';

/** The relative error allowed on averages. */
export const AVERAGE_TOLERANCE = 1e-9;

/** An aggregate as `GET /results/{consumer}` reports it, window bounds in epoch ms. */
export interface StoredAggregate {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
  readonly late: number;
  readonly measures: Readonly<Record<string, number>>;
}

/** One disagreement between the stored aggregates and the direct computation. */
export interface Difference {
  readonly consumer: string;
  readonly key: string;
  readonly windowStart: number;
  /** `count`, `late`, a measure name, or `top[i]` for a rank of the trending list. */
  readonly measure: string;
  /** What the direct computation gives; undefined when it expects no such aggregate or measure. */
  readonly expected: number | string | undefined;
  /** What is stored; undefined when there is no such aggregate or measure. */
  readonly actual: number | string | undefined;
}

/** Whether a stored measure equals the expected one under the rules above. */
export function measureMatches(name: string, expected: number, actual: number): boolean {
  if (!name.startsWith('avg_')) return expected === actual;
  if (expected === actual) return true;
  return Math.abs(actual - expected) <= AVERAGE_TOLERANCE * Math.max(Math.abs(expected), Math.abs(actual));
}

function id(key: string, windowStart: number): string {
  return JSON.stringify([key, windowStart]);
}

/**
 * The differences between one consumer's expected and stored aggregates. `stored` must hold every
 * aggregate of the consumer in the run's time range: one the direct computation does not expect
 * is a difference too (another producer wrote into the run's windows).
 */
export function compareConsumer(
  consumer: string,
  expected: readonly ExpectedAggregate[],
  stored: readonly StoredAggregate[],
): Difference[] {
  const differences: Difference[] = [];
  const byId = new Map(stored.map((s) => [id(s.key, s.windowStart), s]));
  const expectedIds = new Set<string>();
  for (const want of expected) {
    const at = { consumer, key: want.key, windowStart: want.windowStart };
    expectedIds.add(id(want.key, want.windowStart));
    const got = byId.get(id(want.key, want.windowStart));
    if (got === undefined) {
      differences.push({ ...at, measure: 'count', expected: want.count, actual: undefined });
      continue;
    }
    if (got.count !== want.count) differences.push({ ...at, measure: 'count', expected: want.count, actual: got.count });
    if (got.late !== 0) differences.push({ ...at, measure: 'late', expected: 0, actual: got.late });
    for (const [name, value] of Object.entries(want.measures)) {
      const actual = got.measures[name];
      if (actual === undefined || !measureMatches(name, value, actual)) differences.push({ ...at, measure: name, expected: value, actual });
    }
    for (const [name, actual] of Object.entries(got.measures)) {
      if (!(name in want.measures)) differences.push({ ...at, measure: name, expected: undefined, actual });
    }
  }
  for (const got of stored) {
    if (!expectedIds.has(id(got.key, got.windowStart)))
      differences.push({ consumer, key: got.key, windowStart: got.windowStart, measure: 'count', expected: undefined, actual: got.count });
  }
  return differences;
}

/** The `n` keys with the highest count in one window, ties by key (as `?top=n` ranks them), as `key=count`. */
export function expectedTop(expected: readonly ExpectedAggregate[], windowStart: number, n: number): string[] {
  return expected
    .filter((e) => e.windowStart === windowStart)
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, n)
    .map((e) => `${e.key}=${e.count}`);
}

/** The differences between two ranked lists of `key=count`, one per rank that differs. */
export function compareTop(consumer: string, windowStart: number, expected: readonly string[], actual: readonly string[]): Difference[] {
  const differences: Difference[] = [];
  for (let rank = 0; rank < Math.max(expected.length, actual.length); rank += 1) {
    if (expected[rank] !== actual[rank])
      differences.push({ consumer, key: '', windowStart, measure: `top[${rank + 1}]`, expected: expected[rank], actual: actual[rank] });
  }
  return differences;
}

/** One line per difference: consumer, key, window, measure, expected, actual. */
export function formatDifference(d: Difference): string {
  const show = (v: number | string | undefined): string => (v === undefined ? '(none)' : String(v));
  const key = d.key === '' ? '' : ` key=${d.key}`;
  return `${d.consumer}${key} window=${new Date(d.windowStart).toISOString()} ${d.measure}: expected ${show(d.expected)}, stored ${show(d.actual)}`;
}
