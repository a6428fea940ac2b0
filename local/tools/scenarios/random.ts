/**
 * A small seeded pseudo-random generator, so that a scenario's data is the same on every run with
 * the same seed (`fluxo load --seed S` writes it, `fluxo verify --seed S` regenerates it).
 * Statistical quality is that of sfc32: ample for test data, not for cryptography.
 */

/** The largest seed: seeds are whole numbers in 0..2³²-1. */
export const MAX_SEED = 0xffff_ffff;

/** A deterministic source of random numbers. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A normally distributed number (mean 0, standard deviation 1). */
  gaussian(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) seeded from one 32-bit number;
 * the first outputs are discarded so that nearby seeds give unrelated streams.
 */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw new RangeError(`seed must be a whole number from 0 to ${MAX_SEED}, got ${seed}`);
  let a = 0x9e37_79b9;
  let b = 0x243f_6a88;
  let c = 0xb7e1_5162;
  let d = seed >>> 0;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i += 1) nextUint32();
  const next = (): number => nextUint32() / 0x1_0000_0000;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    gaussian: () => {
      // Box-Muller; 1 - next() is in (0, 1], so the logarithm is finite.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * Cumulative weights of a Zipf distribution over `n` ranks with exponent `s`: rank k (from 1) has
 * weight 1/k^s. Draw with {@link drawWeighted}.
 */
export function zipfCumulative(n: number, s: number): number[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k += 1) {
    total += 1 / k ** s;
    cumulative.push(total);
  }
  return cumulative.map((c) => c / total);
}

/** The index drawn from cumulative weights ending at 1 (see {@link zipfCumulative}). */
export function drawWeighted(random: Random, cumulative: readonly number[]): number {
  const u = random.next();
  const index = cumulative.findIndex((c) => u < c);
  return index === -1 ? cumulative.length - 1 : index;
}
