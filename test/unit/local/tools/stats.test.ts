import { EmptySampleError, median, percentile, perSecond, ratio, summarizeLatencies } from '../../../../local/tools/stats';

describe('bench statistics', () => {
  it('takes the middle sample as the median of an odd count and the mean of the middle two of an even count', () => {
    // Prepare
    const odd = [9, 1, 5];
    const even = [4, 1, 3, 2];

    // Act
    const results = [median(odd), median(even)];

    // Assess
    expect(results).toEqual([5, 2.5]);
  });

  it('answers percentiles by nearest rank, always one of the samples', () => {
    // Prepare
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted

    // Act
    const summary = summarizeLatencies(samples);

    // Assess
    expect(summary).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentile([7, 3], 99)).toBe(7);
    expect(percentile([7, 3], 50)).toBe(3);
  });

  it('refuses empty samples, non-finite samples, percentiles out of range and ratios over zero', () => {
    // Prepare
    const calls = [() => median([]), () => percentile([1, Number.NaN], 50), () => percentile([1], 0), () => ratio(1, 0)];

    // Act
    const errors = calls.map((call) => {
      try {
        call();
        return undefined;
      } catch (error) {
        return (error as Error).name;
      }
    });

    // Assess
    expect(errors).toEqual(['EmptySampleError', 'RangeError', 'RangeError', 'EmptySampleError']);
    expect(new EmptySampleError('x')).toBeInstanceOf(Error);
  });

  it('turns counts over milliseconds into a rate per second', () => {
    // Act
    const rate = perSecond(1500, 500);

    // Assess
    expect(rate).toBe(3000);
  });
});
