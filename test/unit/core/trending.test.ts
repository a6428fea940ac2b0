import fc from 'fast-check';
import { paneOf, type AggregateFigures } from '../../../core/aggregate';
import type { FieldState } from '../../../core/aggregate-item';
import {
  compareKeys,
  countsOver,
  hoppingWindowAt,
  mergePanes,
  paneStartsOf,
  rankTop,
  rankTrending,
  RISING_SCORE,
  trendingScore,
  trendingSpanAt,
} from '../../../core/trending';

const S = 1000;
const hopping = { sizeSeconds: 300, advanceSeconds: 30 };
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

function pane(groupKey: string, start: number, count: number, fields: Record<string, FieldState> = {}, late = 0): AggregateFigures {
  return { groupKey, windowStart: start, windowEnd: start + hopping.advanceSeconds * S, count, late, fields };
}

/** Key counts in the order given. */
const keyCounts = (counts: Record<string, number>): Map<string, number> => new Map(Object.entries(counts));

function state(v: number, t: number): FieldState {
  const at = { v, t, tp: 'tweets-0', off: t };
  return { n: 1, sum: v, min: v, max: v, first: at, last: at };
}

describe('hoppingWindowAt', () => {
  it('answers the window ending at the last pane boundary at or before the time', () => {
    // Act
    const inside = hoppingWindowAt(T0 + 45 * S, hopping);
    const onBoundary = hoppingWindowAt(T0 + 30 * S, hopping);

    // Assess
    expect(inside).toEqual({ start: T0 + 30 * S - 300 * S, end: T0 + 30 * S });
    expect(onBoundary).toEqual({ start: T0 + 30 * S - 300 * S, end: T0 + 30 * S });
  });

  it('answers the last closed tumbling window when advance equals size', () => {
    // Act
    const window = hoppingWindowAt(T0 + 61 * S, { sizeSeconds: 60, advanceSeconds: 60 });

    // Assess
    expect(window).toEqual({ start: T0, end: T0 + 60 * S });
  });
});

describe('panes of a span', () => {
  it('lists size / advance panes of the window, and (B + 1) windows of them for trending', () => {
    // Prepare
    const at = T0 + 12 * S;

    // Act
    const window = paneStartsOf(hoppingWindowAt(at, hopping), hopping);
    const span = trendingSpanAt(at, hopping, 3);

    // Assess
    expect(window).toHaveLength(10);
    expect(window[0]).toBe(T0 - 300 * S);
    expect(window[9]).toBe(T0 - 30 * S);
    expect(span).toEqual({ start: T0 - 4 * 300 * S, end: T0 });
    expect(paneStartsOf(span, hopping)).toHaveLength(40);
  });

  it('refuses a span that is not made of whole panes', () => {
    // Act
    const act = () => paneStartsOf({ start: T0 + 1, end: T0 + 30 * S }, hopping);

    // Assess
    expect(act).toThrow(RangeError);
  });
});

describe('mergePanes', () => {
  it('sums counts and late figures and merges measures per key over the window', () => {
    // Prepare
    const window = hoppingWindowAt(T0, hopping);
    const panes = [
      pane('kafka', window.start, 2, { price: state(10, window.start) }, 1),
      pane('aws', window.start + 30 * S, 1),
      pane('kafka', window.end - 30 * S, 3, { price: state(30, window.end - 1) }),
    ];

    // Act
    const merged = mergePanes(panes, window);

    // Assess
    expect(merged).toEqual([
      { groupKey: 'aws', windowStart: window.start, windowEnd: window.end, count: 1, late: 0, fields: {} },
      {
        groupKey: 'kafka',
        windowStart: window.start,
        windowEnd: window.end,
        count: 5,
        late: 1,
        fields: { price: expect.objectContaining({ n: 2, sum: 40, min: 10, max: 30 }) as FieldState },
      },
    ]);
    expect(merged[1].fields.price.first.v).toBe(10);
    expect(merged[1].fields.price.last.v).toBe(30);
  });

  it('refuses a pane outside the window', () => {
    // Prepare
    const window = hoppingWindowAt(T0, hopping);

    // Act
    const act = () => mergePanes([pane('kafka', window.end, 1)], window);

    // Assess
    expect(act).toThrow(RangeError);
  });

  it('equals counting each record directly in every window it falls in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), t: fc.integer({ min: 0, max: 3_600_000 }) }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (records, at) => {
          // Prepare: each record counted once, in its pane
          const panes = new Map<string, AggregateFigures>();
          for (const { key, t } of records) {
            const { start } = paneOf(t, hopping);
            const id = `${key}@${start}`;
            const current = panes.get(id) ?? pane(key, start, 0);
            panes.set(id, { ...current, count: current.count + 1 });
          }
          const window = hoppingWindowAt(at, hopping);
          const inWindow = [...panes.values()].filter((p) => p.windowStart >= window.start && p.windowEnd <= window.end);

          // Act
          const merged = mergePanes(inWindow, window);

          // Assess: the direct count of records with event time in [w - size, w)
          const direct = new Map<string, number>();
          for (const { key, t } of records) if (t >= window.start && t < window.end) direct.set(key, (direct.get(key) ?? 0) + 1);
          expect(new Map(merged.map((m) => [m.groupKey, m.count]))).toEqual(direct);
        },
      ),
    );
  });
});

describe('rankTop', () => {
  it('answers the K highest counts, ties broken by key ascending', () => {
    // Prepare
    const items = [
      { key: 'msk', count: 1 },
      { key: 'lambda', count: 3 },
      { key: 'kafka', count: 9 },
      { key: 'aws', count: 3 },
    ];

    // Act
    const top = rankTop(items, 3);

    // Assess
    expect(top.map((i) => i.key)).toEqual(['kafka', 'aws', 'lambda']);
    expect(items[0].key).toBe('msk');
  });

  it('orders keys by UTF-16 code units', () => {
    // Assess
    expect(['b', 'B', 'a', 'é', '#x'].sort(compareKeys)).toEqual(['#x', 'B', 'a', 'b', 'é']);
  });
});

describe('trending', () => {
  it('scores (count + 1) / (baseline + 1) and calls a score of at least 2 rising', () => {
    // Act
    const score = trendingScore(30, 2);
    const ranked = rankTrending([keyCounts({ flat: 10, double: 9 }), keyCounts({ flat: 10, double: 4 })], { top: 10, minCount: 1 });

    // Assess
    expect(score).toBeCloseTo(31 / 3, 12);
    expect(RISING_SCORE).toBe(2);
    expect(ranked).toEqual([
      { key: 'double', count: 9, baseline: 4, score: 2, rising: true },
      { key: 'flat', count: 10, baseline: 10, score: 1, rising: false },
    ]);
  });

  it('averages the baseline over every baseline window, absent keys counting 0, and lists only keys with at least minCount', () => {
    // Prepare
    const current = keyCounts({ new: 12, steady: 20, 'one-tweet': 1 });
    const b1 = keyCounts({ steady: 20 });
    const b2 = keyCounts({ steady: 20, new: 3 });
    const b3 = keyCounts({ steady: 20 });

    // Act
    const ranked = rankTrending([current, b1, b2, b3], { top: 10, minCount: 5 });

    // Assess
    expect(ranked.map((i) => [i.key, i.baseline, i.score])).toEqual([
      ['new', 1, 6.5],
      ['steady', 20, 1],
    ]);
  });

  it('breaks equal scores by count, then key', () => {
    // Prepare
    const current = keyCounts({ b: 5, a: 5, big: 11 });
    const baseline = keyCounts({ b: 2, a: 2, big: 5 });

    // Act
    const ranked = rankTrending([current, baseline], { top: 2, minCount: 1 });

    // Assess: all score 2; big has the higher count, then a before b; top 2 only
    expect(ranked.map((i) => i.key)).toEqual(['big', 'a']);
  });

  it('ties scores that are equal as fractions though their doubles differ in the last bit, and ranks them by count', () => {
    // Prepare: futebol (13 + 1) / (4/3 + 1) = 6.000000000000001 in doubles, lambda (47 + 1) / (21/3 + 1) = 6 (seen in the break-out integration test)
    const current = keyCounts({ futebol: 13, lambda: 47 });
    const b1 = keyCounts({ futebol: 4, lambda: 7 });
    const b2 = keyCounts({ lambda: 7 });
    const b3 = keyCounts({ lambda: 7 });

    // Act
    const ranked = rankTrending([current, b1, b2, b3], { top: 2, minCount: 5 });

    // Assess: both score 6; lambda has the higher count
    expect(ranked.map((i) => [i.key, i.score])).toEqual([
      ['lambda', 6],
      ['futebol', 14 / (4 / 3 + 1)],
    ]);
    expect(14 / (4 / 3 + 1)).toBeGreaterThan(6);
  });

  it('counts pane key counts into the current and baseline windows by their position, keys decoded', () => {
    // Prepare: pane start -> stored key -> count, as the results reader answers them
    const end = T0;
    const panes = new Map([
      [end - 30 * S, keyCounts({ kafka: 2 })],
      [end - 300 * S, keyCounts({ kafka: 1 })],
      [end - 330 * S, keyCounts({ kafka: 4 })],
      [end - 1200 * S, keyCounts({ 'c%23': 5 })],
      [end - 1230 * S, keyCounts({ kafka: 1 })],
    ]);
    const size = hopping.sizeSeconds * S;

    // Act: the current window, then the three before it
    const counts = [0, 1, 2, 3].map((i) => countsOver(panes, { start: end - (i + 1) * size, end: end - i * size }));

    // Assess: the pane before the fourth window counts in none of them
    expect(counts).toEqual([keyCounts({ kafka: 3 }), keyCounts({ kafka: 4 }), new Map(), keyCounts({ 'c#': 5 })]);
  });

  it('needs a current window and at least one baseline window', () => {
    // Assess
    expect(() => rankTrending([new Map()], { top: 1, minCount: 1 })).toThrow(RangeError);
  });
});
