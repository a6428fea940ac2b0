import {
  compareConsumer,
  compareTop,
  expectedTop,
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

  it('ranks a window by count, ties by key, and reports each rank that differs', () => {
    // Prepare
    const want = [
      expected('spark', 2),
      expected('kafka', 5),
      expected('aws', 2),
      expected('dados', 1),
      expected('old', 9, {}, W - 300_000),
    ];

    // Act
    const top = expectedTop(want, W, 3);
    const differences = compareTop('c', W, top, ['kafka=5', 'spark=2', 'aws=2', 'dados=1']);

    // Assess
    expect(top).toEqual(['kafka=5', 'aws=2', 'spark=2']);
    expect(differences.map((d) => [d.measure, d.expected, d.actual])).toEqual([
      ['top[2]', 'aws=2', 'spark=2'],
      ['top[3]', 'spark=2', 'aws=2'],
      ['top[4]', undefined, 'dados=1'],
    ]);
  });
});
