import { drawWeighted, MAX_SEED, seededRandom, zipfCumulative } from '../../../../../local/tools/scenarios/random';

describe('seeded random numbers', () => {
  it('gives the same stream for the same seed and another one for the next seed', () => {
    // Prepare
    const draw = (seed: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, () => random.next());
    };

    // Act
    const [a, b, c] = [draw(42), draw(42), draw(43)];

    // Assess
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws whole numbers over the full closed range and nothing outside it', () => {
    // Prepare
    const random = seededRandom(7);

    // Act
    const seen = new Set(Array.from({ length: 2000 }, () => random.int(10, 50)));

    // Assess
    expect(Math.min(...seen)).toBe(10);
    expect(Math.max(...seen)).toBe(50);
    expect(seen.size).toBe(41);
  });

  it('refuses seeds that are not whole numbers in 0..2^32-1', () => {
    // Act / Assess
    expect(() => seededRandom(-1)).toThrow(RangeError);
    expect(() => seededRandom(1.5)).toThrow(RangeError);
    expect(() => seededRandom(MAX_SEED + 1)).toThrow(RangeError);
    expect(() => seededRandom(MAX_SEED)).not.toThrow();
  });

  it('draws Zipf ranks with the most popular rank most often', () => {
    // Prepare
    const random = seededRandom(3);
    const cumulative = zipfCumulative(10, 1.2);
    const counts = new Array<number>(10).fill(0);

    // Act
    for (let i = 0; i < 5000; i += 1) counts[drawWeighted(random, cumulative)] += 1;

    // Assess
    expect(cumulative[9]).toBeCloseTo(1, 12);
    expect(counts[0]).toBeGreaterThan(counts[1] as number);
    expect(counts[1]).toBeGreaterThan(counts[9] as number);
    expect(counts.every((n) => n > 0)).toBe(true);
  });
});
