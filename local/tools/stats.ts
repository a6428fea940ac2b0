/**
 * The bench's arithmetic: medians, percentiles and ratios over the samples of one run. Pure
 * functions, no I/O, so the unit tests can pin them down.
 */
import { namedError } from '../../core/errors';

/** A set of samples that has no value to report (no samples, or a zero denominator). */
export class EmptySampleError extends namedError('EmptySampleError') {}

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new EmptySampleError('no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new RangeError('samples must be finite numbers');
  return [...samples].sort((a, b) => a - b);
}

/** The median: the middle sample, or the mean of the two middle samples of an even count. */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest sample such that at
 * least p % of the samples are at or below it. Always one of the samples, never interpolated: the
 * p99 of 100 samples is the 99th smallest, of 50 samples the largest.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const s = sorted(samples);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.max(0, rank - 1)] as number;
}

/** p50, p95 and p99 of a set of latencies, with how many samples they come from. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Summarises latencies (ms) as {@link LatencySummary}. */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
  };
}

/** `numerator / denominator`; throws {@link EmptySampleError} for a zero denominator. */
export function ratio(numerator: number, denominator: number): number {
  if (denominator === 0) throw new EmptySampleError('ratio over zero');
  return numerator / denominator;
}

/** Events per second: `count` over `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ratio(count * 1000, ms);
}
