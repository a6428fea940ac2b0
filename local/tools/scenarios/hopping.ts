/**
 * The direct computation of hopping windows, top-K and break-outs: the oracle `fluxo verify`
 * compares the results API's `?top=K&at=T` and `/trending` answers with. Written from the
 * definitions of issue 16, apart from the code it checks (core/aggregate.ts and the core's
 * trending functions, which it does not import):
 *
 * - a consumer stores one count per key and pane, `advance` long, `[floor(t / advance) × advance, + advance)`;
 * - at a pane boundary w, the hopping window is `[w - size, w)`: a key's count there is the sum
 *   of its counts in the panes that start in it;
 * - top-K at w: the K keys with the highest count in that window, ties by key;
 * - trending at w: c = the key's count in `[w - size, w)`; its baseline = the mean of its counts
 *   in the B windows before, `[w - (i + 1) × size, w - i × size)` for i = 1..B (0 where absent);
 *   score = (c + 1) / (baseline + 1); keys with c ≥ minCount only; by score (compared exactly, as
 *   fractions of whole numbers), then c, descending, then key; rising when score ≥ 2.
 */

/** Counts per pane start (epoch ms) and key: what a consumer with that pane length stores. */
export type PaneCounts = ReadonlyMap<number, ReadonlyMap<string, number>>;

/** How a hopping window is laid out, in ms: `size / advance` panes of `advance`. */
export interface HoppingWindow {
  readonly sizeMs: number;
  readonly advanceMs: number;
}

/** The score from which a key is marked rising. */
export const RISING_FROM = 2;

/** Pane counts from per-pane aggregates (key, pane start, count), as the scenarios' direct computation gives them. */
export function paneCountsOf(
  aggregates: ReadonlyArray<{ readonly key: string; readonly windowStart: number; readonly count: number }>,
): PaneCounts {
  const panes = new Map<number, Map<string, number>>();
  for (const { key, windowStart, count } of aggregates) {
    let pane = panes.get(windowStart);
    if (pane === undefined) panes.set(windowStart, (pane = new Map()));
    pane.set(key, (pane.get(key) ?? 0) + count);
  }
  return panes;
}

/** Each key's count in `[from, to)`: the sum over the panes starting in it. */
export function countsIn(panes: PaneCounts, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [start, keys] of panes) {
    if (start < from || start >= to) continue;
    for (const [key, count] of keys) counts.set(key, (counts.get(key) ?? 0) + count);
  }
  return counts;
}

/**
 * The pane boundaries of a run: every w at which a pane holding some of the run's records ends,
 * from the first such pane's end to the last one's, ascending.
 */
export function boundariesOf(panes: PaneCounts, advanceMs: number): number[] {
  const starts = [...panes.keys()].sort((a, b) => a - b);
  if (starts.length === 0) return [];
  const boundaries: number[] = [];
  for (let w = (starts[0] as number) + advanceMs; w <= (starts[starts.length - 1] as number) + advanceMs; w += advanceMs)
    boundaries.push(w);
  return boundaries;
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One key of a top-K list. */
export interface TopEntry {
  readonly key: string;
  readonly count: number;
}

/** The `k` keys with the highest count in the hopping window `[w - size, w)`, ties by key ascending. */
export function directTop(panes: PaneCounts, w: number, window: HoppingWindow, k: number): TopEntry[] {
  return [...countsIn(panes, w - window.sizeMs, w)]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || byKey(a.key, b.key))
    .slice(0, k);
}

/** What a trending list is asked for. */
export interface TrendingQuery {
  readonly top: number;
  /** Windows before the current one that make the baseline (B). */
  readonly baseline: number;
  readonly minCount: number;
}

/** One key of a trending list. */
export interface TrendingEntry {
  readonly key: string;
  /** Its count in the current window. */
  readonly count: number;
  /** Its mean count over the baseline windows. */
  readonly baseline: number;
  readonly score: number;
  readonly rising: boolean;
}

/** The trending list at boundary `w`, as defined at the top of this file. */
export function directTrending(panes: PaneCounts, w: number, window: HoppingWindow, query: TrendingQuery): TrendingEntry[] {
  const { sizeMs } = window;
  const current = countsIn(panes, w - sizeMs, w);
  const before: Array<Map<string, number>> = [];
  for (let i = 1; i <= query.baseline; i += 1) before.push(countsIn(panes, w - (i + 1) * sizeMs, w - i * sizeMs));
  const b = query.baseline;
  const listed = [...current]
    .filter(([, c]) => c >= query.minCount)
    .map(([key, c]) => {
      let sum = 0;
      for (const counts of before) sum += counts.get(key) ?? 0;
      return { key, c, sum };
    });
  // score = (c + 1) / (sum / B + 1) = B (c + 1) / (sum + B): compared as fractions of whole numbers, without rounding.
  listed.sort((x, y) => (y.c + 1) * (x.sum + b) - (x.c + 1) * (y.sum + b) || y.c - x.c || byKey(x.key, y.key));
  return listed.slice(0, query.top).map(({ key, c, sum }) => {
    const baseline = sum / b;
    return { key, count: c, baseline, score: (c + 1) / (baseline + 1), rising: (c + 1) * b >= RISING_FROM * (sum + b) };
  });
}
