/**
 * The stored shape of one aggregate (consumer, group key, window) in the results table: the
 * contract between the consumer, which writes it, and the results API, which reads it.
 * Measures are kept as mergeable partial state per field; `avg` is derived on read (sum / n).
 */

/** A value with the position that orders it: event time, then topic-partition, then offset. */
export interface OrderedValue {
  /** The field's value. */
  readonly v: number;
  /** Event time, epoch ms. */
  readonly t: number;
  /** `"topic-partition"` of the record. */
  readonly tp: string;
  /** Offset of the record. */
  readonly off: number;
}

/** Partial state of one numeric field over the records counted in a window. */
export interface FieldState {
  /** How many counted records carried the field as a number. */
  readonly n: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** The earliest record by event time (ties: topic-partition, then offset). */
  readonly first: OrderedValue;
  /** The latest record by event time (ties: topic-partition, then offset). */
  readonly last: OrderedValue;
}

/** One aggregate item as stored (besides its keys, see keys.ts `aggregateKey`). */
export interface AggregateItem {
  readonly pk: string;
  readonly sk: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
  readonly consumer: string;
  readonly groupKey: string;
  /** Window start and end (exclusive), epoch ms. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Records counted in the window. */
  readonly count: number;
  /** Records that arrived after window end + grace: counted here only, not in `count` or measures. */
  readonly late: number;
  /** Partial state of each field a measure reads, by field name. */
  readonly fields: Readonly<Record<string, FieldState>>;
  /** Exactly-once bookkeeping: the highest offset applied to this item, by `"topic-partition"`. */
  readonly wm: Readonly<Record<string, number>>;
  /** Optimistic-concurrency version, incremented on every write. */
  readonly version: number;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}
