/**
 * Stored aggregates against the direct computation: every difference, one per (consumer, key,
 * window, measure). Counts, sums, min, max, first and last must be equal; averages may differ by
 * a relative 1e-9 (the stored sum adds the same values in another order).
 */
import type { AggregateView, TrendingView } from '../../../core/api/routes';
import type { TopEntry, TrendingEntry } from './hopping';
import type { ExpectedAggregate } from './scenario';

/** The relative error allowed on averages. */
export const AVERAGE_TOLERANCE = 1e-9;

/** An aggregate as `GET /results/{consumer}` reports it, window bounds in epoch ms. */
export type StoredAggregate = Omit<AggregateView, 'windowStart' | 'windowEnd'> & {
  readonly windowStart: number;
  readonly windowEnd: number;
};

/** One disagreement between the stored aggregates and the direct computation. */
export interface Difference {
  readonly consumer: string;
  readonly key: string;
  readonly windowStart: number;
  /**
   * `count`, `late` or a measure name; `top[i]` or `trending[i]` for a rank of the top-K or
   * trending list of the hopping window starting at `windowStart`, `trending` for that list's window.
   */
  readonly measure: string;
  /** What the direct computation gives; undefined when it expects no such aggregate or measure. */
  readonly expected: number | string | undefined;
  /** What is stored; undefined when there is no such aggregate or measure. */
  readonly actual: number | string | undefined;
}

/** Two numbers equal to a relative {@link AVERAGE_TOLERANCE} (the API may add or divide in another order). */
function close(expected: number, actual: number): boolean {
  return expected === actual || Math.abs(actual - expected) <= AVERAGE_TOLERANCE * Math.max(Math.abs(expected), Math.abs(actual));
}

/** Whether a stored measure equals the expected one under the rules above. */
export function measureMatches(name: string, expected: number, actual: number): boolean {
  return name.startsWith('avg_') ? close(expected, actual) : expected === actual;
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

/** A hopping window's top-K as `GET /results/{consumer}?top=K&at=T` answers it (its items). */
export type StoredTopItem = Pick<AggregateView, 'key' | 'windowStart' | 'windowEnd' | 'count' | 'late'>;

/** A trending list as `GET /results/{consumer}/trending` answers it (the parts compared). */
export type StoredTrending = Pick<TrendingView, 'windowStart' | 'windowEnd' | 'baselineWindows' | 'minCount' | 'items'>;

/** The differences between two ranked lists, one per rank whose entries differ (`equal` says when they do not). */
function compareRanks<E, A>(
  at: { readonly consumer: string; readonly windowStart: number },
  list: string,
  expected: readonly E[],
  actual: readonly A[],
  equal: (e: E, a: A) => boolean,
  show: { expected: (e: E) => string; actual: (a: A) => string },
): Difference[] {
  const differences: Difference[] = [];
  for (let rank = 0; rank < Math.max(expected.length, actual.length); rank += 1) {
    const e = expected[rank];
    const a = actual[rank];
    if (e !== undefined && a !== undefined && equal(e, a)) continue;
    differences.push({
      ...at,
      key: '',
      measure: `${list}[${rank + 1}]`,
      expected: e === undefined ? undefined : show.expected(e),
      actual: a === undefined ? undefined : show.actual(a),
    });
  }
  return differences;
}

/**
 * The differences between the directly computed top-K of the hopping window `[w - size, w)` and
 * the API's: each rank's key and count, each item's window bounds, and no late record.
 */
export function compareTopAt(
  consumer: string,
  window: { readonly start: number; readonly end: number },
  expected: readonly TopEntry[],
  stored: readonly StoredTopItem[],
): Difference[] {
  const [start, end] = [new Date(window.start).toISOString(), new Date(window.end).toISOString()];
  return compareRanks(
    { consumer, windowStart: window.start },
    'top',
    expected,
    stored,
    (e, a) => e.key === a.key && e.count === a.count && a.windowStart === start && a.windowEnd === end && a.late === 0,
    {
      expected: (e) => `${e.key}=${e.count}`,
      actual: (a) =>
        `${a.key}=${a.count}${a.windowStart === start && a.windowEnd === end ? '' : ` window ${a.windowStart}..${a.windowEnd}`}${a.late === 0 ? '' : ` late=${a.late}`}`,
    },
  );
}

const trendingEntry = (t: { key: string; count: number; baseline: number; score: number; rising: boolean }): string =>
  `${t.key} count=${t.count} baseline=${t.baseline} score=${t.score}${t.rising ? ' rising' : ''}`;

/**
 * The differences between the directly computed trending list at a boundary and the API's: the
 * window and parameters it answers for, then each rank's key, count and rising mark exactly and
 * its baseline and score to a relative 1e-9.
 */
export function compareTrendingAt(
  consumer: string,
  window: { readonly start: number; readonly end: number },
  query: { readonly baseline: number; readonly minCount: number },
  expected: readonly TrendingEntry[],
  stored: StoredTrending,
): Difference[] {
  const at = { consumer, windowStart: window.start, key: '' };
  const differences: Difference[] = [];
  const header = (s: Omit<StoredTrending, 'items'>): string =>
    `window ${s.windowStart}..${s.windowEnd} baseline ${s.baselineWindows} minCount ${s.minCount}`;
  const want = header({
    windowStart: new Date(window.start).toISOString(),
    windowEnd: new Date(window.end).toISOString(),
    baselineWindows: query.baseline,
    minCount: query.minCount,
  });
  if (header(stored) !== want) differences.push({ ...at, measure: 'trending', expected: want, actual: header(stored) });
  differences.push(
    ...compareRanks(
      at,
      'trending',
      expected,
      stored.items,
      (e, a) => e.key === a.key && e.count === a.count && e.rising === a.rising && close(e.baseline, a.baseline) && close(e.score, a.score),
      { expected: trendingEntry, actual: trendingEntry },
    ),
  );
  return differences;
}

/** One line per difference: consumer, key, window, measure, expected, actual. */
export function formatDifference(d: Difference): string {
  const show = (v: number | string | undefined): string => (v === undefined ? '(none)' : String(v));
  const key = d.key === '' ? '' : ` key=${d.key}`;
  return `${d.consumer}${key} window=${new Date(d.windowStart).toISOString()} ${d.measure}: expected ${show(d.expected)}, stored ${show(d.actual)}`;
}
