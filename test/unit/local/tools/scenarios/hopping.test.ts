import {
  boundariesOf,
  countsIn,
  directTop,
  directTrending,
  paneCountsOf,
  type PaneCounts,
} from '../../../../../local/tools/scenarios/hopping';

const S = 1000;
const W = Date.UTC(2026, 10, 22, 2, 0);
/** 5-minute windows advancing every 30 s, as hashtags-5m. */
const HASHTAGS_5M = { sizeMs: 300 * S, advanceMs: 30 * S };

/** Pane counts from `[secondsAfterW, key, count]` triples (pane starts on 30-s boundaries). */
const panes = (...rows: Array<readonly [number, string, number]>): PaneCounts =>
  paneCountsOf(rows.map(([at, key, count]) => ({ key, windowStart: W + at * S, count })));

describe('the direct computation of hopping windows', () => {
  it('counts a key over the panes that start in the window, and none outside it', () => {
    // Prepare
    const counts = panes([0, 'a', 1], [30, 'a', 2], [270, 'a', 4], [300, 'a', 8], [-30, 'a', 16], [30, 'b', 5], [30, 'b', 1]);

    // Act
    const inWindow = countsIn(counts, W, W + 300 * S);

    // Assess
    expect(Object.fromEntries(inWindow)).toEqual({ a: 1 + 2 + 4, b: 6 });
  });

  it('lists the pane boundaries from the end of the first pane of the run to the end of its last', () => {
    // Act
    const boundaries = boundariesOf(panes([60, 'a', 1], [150, 'b', 1]), 30 * S);

    // Assess
    expect(boundaries.map((w) => (w - W) / S)).toEqual([90, 120, 150, 180]);
    expect(boundariesOf(new Map(), 30 * S)).toEqual([]);
  });

  it('ranks the top-K of the window ending at the boundary by count, ties by key, and slides with it', () => {
    // Prepare: "b" leads until its pane at 0 s leaves the window
    const counts = panes([0, 'b', 5], [120, 'a', 3], [150, 'c', 3], [300, 'a', 1], [300, 'd', 3]);

    // Act
    const at300 = directTop(counts, W + 300 * S, HASHTAGS_5M, 10);
    const at330 = directTop(counts, W + 330 * S, HASHTAGS_5M, 2);

    // Assess
    expect(at300).toEqual([
      { key: 'b', count: 5 },
      { key: 'a', count: 3 },
      { key: 'c', count: 3 },
    ]);
    expect(at330).toEqual([
      { key: 'a', count: 4 },
      { key: 'c', count: 3 },
    ]);
  });

  it('scores a key against the mean of its counts in the B windows before, and marks it rising from a score of 2', () => {
    // Prepare: windows [w-1200, w-900), [w-900, w-600), [w-600, w-300) and the current [w-300, w), w = W + 1200 s
    const w = W + 1200 * S;
    const counts = panes(
      [0, 'steady', 10],
      [300, 'steady', 10],
      [600, 'steady', 10],
      [900, 'steady', 10],
      [900, 'new', 6],
      [300, 'doubled', 3],
      [900, 'doubled', 5],
      [900, 'rare', 4],
    );

    // Act
    const trending = directTrending(counts, w, HASHTAGS_5M, { top: 10, baseline: 3, minCount: 5 });

    // Assess: (6+1)/(0+1) = 7; (5+1)/(1+1) = 3; (10+1)/(10+1) = 1; "rare" has 4 < minCount
    expect(trending).toEqual([
      { key: 'new', count: 6, baseline: 0, score: 7, rising: true },
      { key: 'doubled', count: 5, baseline: 1, score: 3, rising: true },
      { key: 'steady', count: 10, baseline: 10, score: 1, rising: false },
    ]);
  });

  it('orders equal scores by count then key, comparing the fractions exactly', () => {
    // Prepare: every score is 3: a and c (5+1)/(3/3+1), b (8+1)/(6/3+1)
    const w = W + 1200 * S;
    const counts = panes([900, 'a', 5], [600, 'a', 3], [900, 'c', 5], [600, 'c', 3], [900, 'b', 8], [0, 'b', 6]);

    // Act
    const trending = directTrending(counts, w, HASHTAGS_5M, { top: 2, baseline: 3, minCount: 1 });

    // Assess
    expect(trending.map((t) => [t.key, t.score])).toEqual([
      ['b', 3],
      ['a', 3],
    ]);
  });
});
