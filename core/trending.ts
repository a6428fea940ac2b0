/**
 * Hopping windows read back: the window answered at a time, panes merged into windows, the exact
 * top-K of a window and the break-out ("trending") ranking. The pure part of the results API's
 * `?top=K&at=T` and `/results/{consumer}/trending`; no AWS imports, no I/O.
 *
 * A consumer stores one aggregate per pane of length `advanceSeconds` (aggregate.ts `paneOf`).
 * At a time T the answered window is `[w - size, w)`, where `w = floor(T / advance) * advance` is
 * the last pane boundary at or before T: the newest window whose every pane has ended. Its figures
 * are the sums of its `size / advance` panes' figures (count, late) and the merge of their
 * measures' partial states.
 *
 * Break-outs: with `B` baseline windows, `b_i = [w - (i+1)·size, w - i·size)` for i = 1..B, a
 * key's count in the current window `c` and its baseline `β = (c_1 + ... + c_B) / B` (a key absent
 * from a window counts 0 there), the score is `(c + 1) / (β + 1)`. Keys with `c >= minCount` are
 * ranked by score (highest first), then `c` (highest first), then key (ascending); a score of at
 * least {@link RISING_SCORE} marks the key as rising.
 */
import { decodeGroupKey, mergeFieldState, paneOf, type AggregateFigures, type TimeWindow } from './aggregate';
import type { FieldState } from './aggregate-item';
import type { WindowSpec } from './spec';

const MS_PER_SECOND = 1000;

/** A score from which a key is reported as rising: its current count at least doubles its baseline (both plus one). */
export const RISING_SCORE = 2;

/** The defaults of `/results/{consumer}/trending`: top 10 keys, 3 baseline windows, at least 5 records in the current window. */
export const TRENDING_DEFAULTS = { top: 10, baselineWindows: 3, minCount: 5 } as const;

/** The bounds of `/results/{consumer}/trending`'s parameters (inclusive). */
export const TRENDING_LIMITS = {
  top: { min: 1, max: 1000 },
  baselineWindows: { min: 1, max: 12 },
  minCount: { min: 1, max: 1_000_000 },
} as const;

/** The window lengths that define a hopping window (a tumbling one has advance = size). */
export type HoppingWindowSpec = Pick<Required<WindowSpec>, 'sizeSeconds' | 'advanceSeconds'>;

/**
 * The hopping window answered at `at` (epoch ms): `[w - size, w)` with `w` the last pane
 * boundary at or before `at` (panes are aligned on the epoch).
 */
export function hoppingWindowAt(at: number, window: HoppingWindowSpec): TimeWindow {
  const end = paneOf(at, window).start;
  return { start: end - window.sizeSeconds * MS_PER_SECOND, end };
}

/**
 * The span of panes `/trending` reads at `at`: the current window and the `baselineWindows`
 * windows before it, `[w - (B + 1)·size, w)`.
 */
export function trendingSpanAt(at: number, window: HoppingWindowSpec, baselineWindows: number): TimeWindow {
  const { end } = hoppingWindowAt(at, window);
  return { start: end - (baselineWindows + 1) * window.sizeSeconds * MS_PER_SECOND, end };
}

/** The start of every pane of a span, oldest first. The span's bounds must be pane boundaries. */
export function paneStartsOf(span: TimeWindow, window: Pick<Required<WindowSpec>, 'advanceSeconds'>): number[] {
  const advance = window.advanceSeconds * MS_PER_SECOND;
  if (span.start % advance !== 0 || span.end % advance !== 0) {
    throw new RangeError(`[${span.start}, ${span.end}) is not made of whole panes of ${window.advanceSeconds} s`);
  }
  const starts: number[] = [];
  for (let start = span.start; start < span.end; start += advance) starts.push(start);
  return starts;
}

/**
 * Merges pane aggregates into one aggregate per group key over `window`: counts and late figures
 * summed, measures' partial states merged (aggregate.ts `mergeFieldState`), bounds those of the
 * window. Ordered by stored group key. Throws a RangeError for a pane outside the window.
 */
export function mergePanes(panes: readonly AggregateFigures[], window: TimeWindow): AggregateFigures[] {
  const merged = new Map<string, { count: number; late: number; fields: Record<string, FieldState> }>();
  for (const pane of panes) {
    if (pane.windowStart < window.start || pane.windowEnd > window.end) {
      throw new RangeError(
        `pane [${pane.windowStart}, ${pane.windowEnd}) of "${pane.groupKey}" is outside [${window.start}, ${window.end})`,
      );
    }
    let total = merged.get(pane.groupKey);
    if (total === undefined) merged.set(pane.groupKey, (total = { count: 0, late: 0, fields: {} }));
    total.count += pane.count;
    total.late += pane.late;
    for (const [field, state] of Object.entries(pane.fields ?? {})) total.fields[field] = mergeFieldState(total.fields[field], state);
  }
  return [...merged]
    .sort(([a], [b]) => compareKeys(a, b))
    .map(([groupKey, total]) => ({ groupKey, windowStart: window.start, windowEnd: window.end, ...total }));
}

/** Orders keys ascending by UTF-16 code units (JavaScript's `<`), the tie-break of every ranking. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The `k` items with the highest count, highest first, ties broken by key ascending
 * ({@link compareKeys}). Exact: every item is ranked.
 */
export function rankTop<T extends { readonly key: string; readonly count: number }>(items: readonly T[], k: number): T[] {
  return [...items].sort((a, b) => b.count - a.count || compareKeys(a.key, b.key)).slice(0, k);
}

/**
 * A window's count per key from pane key counts (`paneStart -> stored group key -> count`, as
 * the results reader answers them from core/pane-counts.ts items): the sum over the panes that
 * start in `[window.start, window.end)`, keyed by the group key as the user sees it (decoded).
 */
export function countsOver(panes: ReadonlyMap<number, ReadonlyMap<string, number>>, window: TimeWindow): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [start, byKey] of panes) {
    if (start < window.start || start >= window.end) continue;
    for (const [stored, count] of byKey) {
      const key = decodeGroupKey(stored);
      counts.set(key, (counts.get(key) ?? 0) + count);
    }
  }
  return counts;
}

/** The break-out score of a key: `(count + 1) / (baseline + 1)`. */
export function trendingScore(count: number, baseline: number): number {
  return (count + 1) / (baseline + 1);
}

/** One ranked break-out. */
export interface TrendingItem {
  /** The group key as the user sees it. */
  readonly key: string;
  /** Its count in the current window. */
  readonly count: number;
  /** The mean of its counts in the baseline windows. */
  readonly baseline: number;
  /** {@link trendingScore} of the two. */
  readonly score: number;
  /** Whether the score is at least {@link RISING_SCORE}. */
  readonly rising: boolean;
}

/** How {@link rankTrending} ranks. */
export interface TrendingOptions {
  /** How many keys to answer. */
  readonly top: number;
  /** The least count in the current window for a key to be listed. */
  readonly minCount: number;
}

/**
 * Ranks break-outs: `windows[0]` holds the current window's counts by key, `windows[1..B]` the
 * baseline windows' ({@link countsOver} of each). Keys with a current count of at least
 * `minCount`, by score (highest first), then current count (highest first), then key (ascending);
 * the first `top`. Scores are compared exactly, as the fractions `B (c + 1) / (sum + B)` of whole
 * numbers: two equal scores whose doubles differ in the last bit (`sum / B` rounded, e.g.
 * 14 / (4/3 + 1) = 6.000000000000001 against 48 / (21/3 + 1) = 6) still tie, and go by count.
 */
export function rankTrending(windows: readonly ReadonlyMap<string, number>[], { top, minCount }: TrendingOptions): TrendingItem[] {
  const [current, ...baselines] = windows;
  if (current === undefined || baselines.length === 0)
    throw new RangeError('rankTrending needs the current window and at least one baseline window');
  const b = baselines.length;
  const items: Array<TrendingItem & { readonly sum: number }> = [];
  for (const [key, count] of current) {
    if (count < minCount) continue;
    let sum = 0;
    for (const window of baselines) sum += window.get(key) ?? 0;
    const baseline = sum / b;
    const score = trendingScore(count, baseline);
    items.push({ key, count, baseline, score, rising: score >= RISING_SCORE, sum });
  }
  return items
    .sort((x, y) => (y.count + 1) * (x.sum + b) - (x.count + 1) * (y.sum + b) || y.count - x.count || compareKeys(x.key, y.key))
    .slice(0, top)
    .map(({ sum: _sum, ...item }) => item);
}
