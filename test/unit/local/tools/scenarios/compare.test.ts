import {
  compareConsumer,
  compareTopAt,
  compareTrendingAt,
  formatDifference,
  measureMatches,
  type StoredAggregate,
} from '../../../../../local/tools/scenarios/compare';
import type { ExpectedAggregate } from '../../../../../local/tools/scenarios/scenario';

const W = Date.UTC(2026, 10, 22, 2, 0);
const expected = (key: string, count: number, measures: Record<string, number> = {}, windowStart = W): ExpectedAggregate => ({
  consumer: 'c',
  key,
  windowStart,
  windowEnd: windowStart + 60_000,
  count,
  measures,
});
const stored = (key: string, count: number, measures: Record<string, number> = {}, late = 0, windowStart = W): StoredAggregate => ({
  key,
  windowStart,
  windowEnd: windowStart + 60_000,
  count,
  late,
  measures,
});

describe('comparing stored aggregates with the direct computation', () => {
  it('holds sums, extremes, first and last to exact equality and averages to a relative 1e-9', () => {
    // Act / Assess
    expect(measureMatches('sum_volume', 300, 300)).toBe(true);
    expect(measureMatches('max_price', 38.51, 38.510000000000005)).toBe(false);
    expect(measureMatches('avg_imc', 30, 30 * (1 + 5e-10))).toBe(true);
    expect(measureMatches('avg_imc', 30, 30 * (1 + 2e-9))).toBe(false);
  });

  it('finds no difference when every aggregate and measure agrees', () => {
    // Act
    const differences = compareConsumer(
      'c',
      [expected('all', 3, { avg_peso: 90, max_peso: 95 })],
      [stored('all', 3, { avg_peso: 90.00000000000001, max_peso: 95 })],
    );

    // Assess
    expect(differences).toEqual([]);
  });

  it('reports a missing aggregate, a wrong count, late records, a wrong or extra measure and an unexpected aggregate', () => {
    // Prepare
    const want = [expected('petr4', 4, { first_price: 10, sum_volume: 400 }), expected('vale3', 2)];
    const got = [stored('petr4', 5, { first_price: 11, sum_volume: 400, max_price: 12 }, 1), stored('bbas3', 1, {}, 0, W + 60_000)];

    // Act
    const differences = compareConsumer('c', want, got);

    // Assess
    expect(differences).toEqual([
      { consumer: 'c', key: 'petr4', windowStart: W, measure: 'count', expected: 4, actual: 5 },
      { consumer: 'c', key: 'petr4', windowStart: W, measure: 'late', expected: 0, actual: 1 },
      { consumer: 'c', key: 'petr4', windowStart: W, measure: 'first_price', expected: 10, actual: 11 },
      { consumer: 'c', key: 'petr4', windowStart: W, measure: 'max_price', expected: undefined, actual: 12 },
      { consumer: 'c', key: 'vale3', windowStart: W, measure: 'count', expected: 2, actual: undefined },
      { consumer: 'c', key: 'bbas3', windowStart: W + 60_000, measure: 'count', expected: undefined, actual: 1 },
    ]);
    expect(formatDifference(differences[0]!)).toBe('c key=petr4 window=2026-11-22T02:00:00.000Z count: expected 4, stored 5');
    expect(formatDifference(differences[4]!)).toBe('c key=vale3 window=2026-11-22T02:00:00.000Z count: expected 2, stored (none)');
  });

  it("reports each rank of a hopping window's top-K whose key, count, window or late figure differs", () => {
    // Prepare: the window [W, W + 5 min)
    const window = { start: W, end: W + 300_000 };
    const item = (key: string, count: number, late = 0, start = W) => ({
      key,
      count,
      late,
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(start + 300_000).toISOString(),
    });
    const want = [
      { key: 'kafka', count: 5 },
      { key: 'aws', count: 2 },
      { key: 'spark', count: 2 },
    ];

    // Act
    const same = compareTopAt('c', window, want, [item('kafka', 5), item('aws', 2), item('spark', 2)]);
    const differences = compareTopAt('c', window, want, [
      item('kafka', 5, 0, W + 30_000),
      item('spark', 2),
      item('aws', 2, 1),
      item('dados', 1),
    ]);

    // Assess
    expect(same).toEqual([]);
    expect(differences.map((d) => [d.measure, d.expected, d.actual])).toEqual([
      ['top[1]', 'kafka=5', 'kafka=5 window 2026-11-22T02:00:30.000Z..2026-11-22T02:05:30.000Z'],
      ['top[2]', 'aws=2', 'spark=2'],
      ['top[3]', 'spark=2', 'aws=2 late=1'],
      ['top[4]', undefined, 'dados=1'],
    ]);
  });

  it('holds a trending list to its window, its keys, counts and marks exactly and its scores to a relative 1e-9', () => {
    // Prepare
    const window = { start: W, end: W + 300_000 };
    const query = { baseline: 3, minCount: 5 };
    // (1 + 1) / (2 / 3 + 1) and 3 (1 + 1) / (2 + 3) differ in the last bit
    const want = [
      { key: 'copa2026', count: 1, baseline: 2 / 3, score: 2 / (2 / 3 + 1), rising: false },
      { key: 'kafka', count: 400, baseline: 400, score: 1, rising: false },
    ];
    const answer = (items: typeof want, windowStart = W) => ({
      windowStart: new Date(windowStart).toISOString(),
      windowEnd: new Date(windowStart + 300_000).toISOString(),
      baselineWindows: 3,
      minCount: 5,
      items,
    });

    // Act
    const rounded = compareTrendingAt('c', window, query, want, answer([{ ...want[0]!, score: (3 * 2) / (2 + 3) }, want[1]!]));
    const differences = compareTrendingAt('c', window, query, want, answer([{ ...want[1]!, rising: true }], W + 30_000));

    // Assess
    expect(rounded).toEqual([]);
    expect(differences.map((d) => [d.measure, d.expected, d.actual])).toEqual([
      [
        'trending',
        'window 2026-11-22T02:00:00.000Z..2026-11-22T02:05:00.000Z baseline 3 minCount 5',
        'window 2026-11-22T02:00:30.000Z..2026-11-22T02:05:30.000Z baseline 3 minCount 5',
      ],
      ['trending[1]', `copa2026 count=1 baseline=${2 / 3} score=${2 / (2 / 3 + 1)}`, 'kafka count=400 baseline=400 score=1 rising'],
      ['trending[2]', 'kafka count=400 baseline=400 score=1', undefined],
    ]);
  });
});
