/**
 * Keys of the items fluxo keeps in its results table (single-table design; see
 * lambdas/consumer/README.md). Attribute names `pk`/`sk` and the `byWindow` index
 * (`gsi1pk`/`gsi1sk`) are created by the CDK stack and the local stack alike.
 */

/** Partition and sort key attribute names of the results table. */
export const RESULTS_KEY = { partition: 'pk', sort: 'sk' } as const;
/** The global secondary index listing a consumer's aggregates by window. */
export const BY_WINDOW_INDEX = { name: 'byWindow', partition: 'gsi1pk', sort: 'gsi1sk' } as const;
/** The TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The idempotency table's key and TTL attributes: the Powertools DynamoDB persistence layer's
 * defaults, passed to it explicitly (lambdas/producer/idempotency.ts) so the tables agree.
 */
export const IDEMPOTENCY_KEY = { partition: 'id', ttl: 'expiration' } as const;

/** Epoch milliseconds as a fixed-width, sortable string (15 digits covers year 33658). */
export function sortableMillis(ms: number): string {
  return String(Math.trunc(ms)).padStart(15, '0');
}

/** Offsets and partitions as fixed-width, sortable strings. */
export function sortableInt(n: number, width = 19): string {
  return String(n).padStart(width, '0');
}

/** An aggregate of one consumer, group key and window. */
export function aggregateKey(consumer: string, groupKey: string, windowStart: number) {
  return {
    pk: `AGG#${consumer}#${groupKey}`,
    sk: sortableMillis(windowStart),
    gsi1pk: `WIN#${consumer}`,
    gsi1sk: `${sortableMillis(windowStart)}#${groupKey}`,
  };
}

/** A record a consumer keeps readable (`keepRecords`), ordered by event time. */
export function keptRecordKey(consumer: string, eventTime: number, topic: string, partition: number, offset: number) {
  return { pk: `REC#${consumer}`, sk: `${sortableMillis(eventTime)}#${topic}#${sortableInt(partition, 5)}#${sortableInt(offset)}` };
}

/** A dead letter: a record a consumer can never process. Keyed by position, so a redelivery overwrites it. */
export function deadLetterKey(consumer: string, topic: string, partition: number, offset: number) {
  return { pk: `DLQ#${consumer}`, sk: `${topic}#${sortableInt(partition, 5)}#${sortableInt(offset)}` };
}

/**
 * Which copy of each record of one keyed request a consumer counts (`fluxo-record-id`, see
 * lambdas/consumer/README.md "Retried requests"): one item per consumer and request.
 */
export function copyClaimKey(consumer: string, requestId: string) {
  return { pk: `DUP#${consumer}#${requestId}`, sk: 'claims' };
}

/** The key counts of one pane of a keyed consumer (core/pane-counts.ts), ordered by pane start. */
export function paneCountsKey(consumer: string, paneStart: number) {
  return { pk: `RANK#${consumer}`, sk: sortableMillis(paneStart) };
}
