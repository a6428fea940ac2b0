/**
 * Pane key counts: for a keyed consumer (grouped by a field or by each element of one), one item
 * per pane holding every group key's on-time count in that pane, as compressed JSON (a binary
 * attribute: DynamoDB bills reads and writes by item size, and a map of thousands of entries is
 * slow to read back where the same counts as one compressed value are not). Top-K and trending read a few of
 * these items instead of one aggregate item per key and pane: at 10,000 keys in a 5-minute window
 * of 30-second panes that is 10 items instead of tens of thousands (lambdas/consumer/README.md).
 *
 * The item is written like an aggregate, exactly once per record: it keeps the highest offset it
 * has applied per topic-partition (`wm`) and a `version` for conditional writes, so a redelivered
 * record adds nothing. Late records are not in it (they are not in `count` either). Pure: no I/O.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AggregateItem } from './aggregate-item';
import { paneCountsKey } from './keys';
import type { GroupBy } from './spec';

/**
 * Largest size of a pane key counts item's compressed counts, in bytes: DynamoDB items stop at 400 KB
 * (Constraints in Amazon DynamoDB, "Items", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
 * Past it the item stops counting (`overflow`) and readers count that pane from its aggregate items.
 */
export const MAX_PANE_COUNTS_BYTES = 300 * 1024;

/** The stored item (besides its keys, `paneCountsKey`), with an aggregate's exactly-once bookkeeping (`wm`, `version`) and TTL. */
export interface PaneCountsItem extends Pick<AggregateItem, 'pk' | 'sk' | 'consumer' | 'wm' | 'version' | 'expiresAt'> {
  readonly kind: 'paneCounts';
  /** Pane start and end (exclusive), epoch ms. */
  readonly paneStart: number;
  readonly paneEnd: number;
  /** On-time records per stored (escaped) group key: deflate-raw of their JSON ({@link decodePaneCounts}). Absent once `overflow`. */
  readonly counts?: Uint8Array;
  /** How many keys it counts. */
  readonly keys: number;
  /** Set when the counts would outgrow {@link MAX_PANE_COUNTS_BYTES}: the pane is then counted from its aggregates. */
  readonly overflow?: true;
}

/** One on-time record's count for one group key of a pane. */
export interface PaneCountEntry {
  /** The stored (escaped) group key. */
  readonly groupKey: string;
  /** `"topic-partition"` and offset of the record. */
  readonly tp: string;
  readonly off: number;
}

/** The pane an item counts, and its TTL. */
export interface PaneRef {
  readonly consumer: string;
  readonly start: number;
  readonly end: number;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** Whether a consumer keeps pane key counts: when its keys come from the records (grouped by a field or each element). */
export function keepsPaneCounts(groupBy: GroupBy): boolean {
  return groupBy.kind === 'field' || groupBy.kind === 'each';
}

/** The counts of an item, by stored (escaped) group key; none once it overflowed. */
export function decodePaneCounts(item: Pick<PaneCountsItem, 'counts'>): Record<string, number> {
  return item.counts === undefined ? {} : (JSON.parse(inflateRawSync(item.counts).toString('utf8')) as Record<string, number>);
}

/**
 * The item after the entries of one batch: only entries whose offset is above the item's
 * watermark for their topic-partition are added (a record adds one to each of its group keys).
 * Returns undefined when every entry was applied already.
 */
export function applyPaneCounts(
  current: PaneCountsItem | undefined,
  ref: PaneRef,
  entries: readonly PaneCountEntry[],
): PaneCountsItem | undefined {
  const wm = current?.wm ?? {};
  const newWm: Record<string, number> = { ...wm };
  let overflow = current?.overflow === true;
  const counts = current === undefined ? {} : decodePaneCounts(current);
  let applied = 0;
  for (const entry of entries) {
    const seen = wm[entry.tp];
    if (seen !== undefined && entry.off <= seen) continue;
    applied += 1;
    newWm[entry.tp] = Math.max(newWm[entry.tp] ?? -1, entry.off);
    if (!overflow) counts[entry.groupKey] = (counts[entry.groupKey] ?? 0) + 1;
  }
  if (applied === 0) return undefined;
  const encoded = overflow ? undefined : deflateRawSync(Buffer.from(JSON.stringify(counts), 'utf8'));
  if (encoded !== undefined && encoded.length > MAX_PANE_COUNTS_BYTES) overflow = true;
  return {
    ...paneCountsKey(ref.consumer, ref.start),
    kind: 'paneCounts',
    consumer: ref.consumer,
    paneStart: ref.start,
    paneEnd: ref.end,
    ...(overflow ? { overflow: true as const } : { counts: encoded }),
    keys: overflow ? 0 : Object.keys(counts).length,
    wm: newWm,
    version: (current?.version ?? 0) + 1,
    expiresAt: Math.max(current?.expiresAt ?? 0, ref.expiresAt),
  };
}
