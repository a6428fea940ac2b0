/**
 * Exponential backoff, the one formula every retry loop of fluxo uses (the consumer's DynamoDB
 * retries, the local event source mapping's batch retries, the scenarios' HTTP retries).
 */

/** The first wait and the cap, in ms. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The wait before retry `attempt` (1-based): `initialMs · 2^(attempt − 1)`, capped at `maxMs`.
 * With `random`, a share of it in [50 %, 100 %] ("equal jitter"), so that clients failing
 * together do not retry together.
 */
export function backoffMs(attempt: number, { initialMs, maxMs }: BackoffPolicy, random?: () => number): number {
  const delay = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return random === undefined ? delay : Math.round(delay * (0.5 + random() / 2));
}
