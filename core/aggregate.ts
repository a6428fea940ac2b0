/**
 * Windowing, grouping and measures: the pure part of a consumer's aggregation.
 *
 * A record that passes a consumer's filters lands in one pane on its event time (the tumbling
 * window itself, or a pane of length `advanceSeconds` of a hopping window) and in one or more
 * groups; it adds to each (group, window) aggregate its count (or its `late`
 * figure) and the partial state of every field a measure reads. The consumer Lambda stores that
 * state (see `aggregate-item.ts` and lambdas/consumer/README.md); the results API turns a stored
 * item back into figures with {@link summarize}. No AWS imports, no I/O.
 */
import type { AggregateItem, FieldState, OrderedValue } from './aggregate-item';
import { aggregateKey } from './keys';
import { measureName, type GroupBy, type MeasureFn, type ResolvedConsumer, type WindowSpec } from './spec';
import { namedError } from './errors';

/** The longest stored group key, in characters (after `#` and `%` are escaped). */
export const MAX_GROUP_KEY_LENGTH = 512;
/** The longest stored group key in UTF-8 bytes: keeps `gsi1sk` (16 + key bytes) under DynamoDB's 1,024-byte sort-key limit. */
export const MAX_GROUP_KEY_BYTES = 1000;

/**
 * The largest magnitude a measured value may have. DynamoDB numbers stop at 1E+126 and 1E-130,
 * so sums of many values must stay well inside; a value outside is a schema violation.
 */
export const MAX_MEASURE_MAGNITUDE = 1e100;
/** The smallest non-zero magnitude a measured value may have (see {@link MAX_MEASURE_MAGNITUDE}). */
export const MIN_MEASURE_MAGNITUDE = 1e-100;

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;

/** A record value cannot be aggregated: a field that grouping or a measure needs is missing or has the wrong type. */
export class RecordFieldError extends namedError('RecordFieldError') {
  /** The offending field. */
  public readonly field: string;

  public constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`field "${field}" ${message}`, options);
    this.field = field;
  }
}

/** A window or a pane: `[start, end)`, epoch ms. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The epoch-aligned window of length `sizeSeconds` an event time falls in (a tumbling window; see {@link paneOf} for panes). */
export function windowOf(eventTime: number, window: Pick<WindowSpec, 'sizeSeconds'>): TimeWindow {
  const size = window.sizeSeconds * MS_PER_SECOND;
  const start = Math.floor(eventTime / size) * size;
  return { start, end: start + size };
}

/**
 * The pane an event time falls in: the epoch-aligned interval of length `advanceSeconds`. A
 * consumer counts each record once, in its pane, and stores one aggregate per pane; for a
 * tumbling window (advance = size) the pane is the window.
 */
export function paneOf(eventTime: number, window: Pick<Required<WindowSpec>, 'advanceSeconds'>): TimeWindow {
  return windowOf(eventTime, { sizeSeconds: window.advanceSeconds });
}

/** Whether a record ingested at `ingestTime` arrived after its pane's (or window's) end plus the grace period. */
export function isLate(ingestTime: number, windowEnd: number, graceSeconds: number): boolean {
  return ingestTime > windowEnd + graceSeconds * MS_PER_SECOND;
}

/**
 * The TTL of a stored item, in epoch seconds: the consumer's retention counted from `from` (epoch
 * ms): an aggregate's window end, a dead letter's or a copy claim's time of writing.
 */
export function expiresAtOf(from: number, retentionDays: number): number {
  return Math.floor(from / MS_PER_SECOND) + retentionDays * SECONDS_PER_DAY;
}

/**
 * Makes a group key safe inside the table's `#`-separated keys: `%` becomes `%25` and `#`
 * becomes `%23`. Reversed by {@link decodeGroupKey}; plain keys (`all`, `petr4`) are unchanged.
 */
export function encodeGroupKey(key: string): string {
  return key.replace(/%/g, '%25').replace(/#/g, '%23');
}

/** The group key as the user sees it, from its stored form. */
export function decodeGroupKey(stored: string): string {
  return stored.replace(/%2[35]/g, (escape) => (escape === '%23' ? '#' : '%'));
}

function storedKey(raw: string, field: string): string {
  const encoded = encodeGroupKey(raw);
  if (encoded.length > MAX_GROUP_KEY_LENGTH || new TextEncoder().encode(encoded).length > MAX_GROUP_KEY_BYTES) {
    throw new RecordFieldError(field, `gives a group key longer than ${MAX_GROUP_KEY_LENGTH} characters or ${MAX_GROUP_KEY_BYTES} bytes`);
  }
  return encoded;
}

function scalarKey(value: unknown, field: string): string {
  if (typeof value === 'string' || typeof value === 'boolean') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) return value.toString();
  throw new RecordFieldError(field, `must be a string, number or boolean to group by, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * The stored group keys a record value contributes to, per the consumer's grouping: one for
 * `constant`, `topic` and `field`; one per distinct element (in order of first appearance) for
 * `each`, possibly none. Keys are escaped with {@link encodeGroupKey}.
 *
 * @throws RecordFieldError when the grouped field is missing, has the wrong type, or makes a key too long.
 */
export function groupKeysOf(value: Readonly<Record<string, unknown>>, topic: string, groupBy: GroupBy): string[] {
  switch (groupBy.kind) {
    case 'constant':
      return [storedKey(groupBy.key, 'groupBy.key')];
    case 'topic':
      return [storedKey(topic, 'topic')];
    case 'field': {
      const raw = value[groupBy.field];
      if (raw === undefined || raw === null) throw new RecordFieldError(groupBy.field, 'is missing; the consumer groups by it');
      return [storedKey(scalarKey(raw, groupBy.field), groupBy.field)];
    }
    case 'each': {
      const raw = value[groupBy.field];
      if (!Array.isArray(raw)) throw new RecordFieldError(groupBy.field, `must be an array to group by each element, got ${describe(raw)}`);
      const keys = new Set<string>();
      for (const element of raw) keys.add(storedKey(scalarKey(element, groupBy.field), groupBy.field));
      return [...keys];
    }
  }
}

/** The distinct fields a consumer's measures read, in declaration order. */
export function measuredFields(consumer: Pick<ResolvedConsumer, 'measures'>): string[] {
  return [...new Set(consumer.measures.map((m) => m.field))];
}

/**
 * The numeric values of the measured fields a record value carries. An absent or `null` field
 * is skipped (the field's `n` counts only records that carry it).
 *
 * @throws RecordFieldError when a measured field is present but not a finite number, or is
 *   outside the magnitudes DynamoDB can store with room for sums.
 */
export function measureValuesOf(value: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const field of fields) {
    const raw = value[field];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      throw new RecordFieldError(field, `must be a number for the consumer's measures, got ${describe(raw)}`);
    }
    const magnitude = Math.abs(raw);
    if (magnitude > MAX_MEASURE_MAGNITUDE || (magnitude !== 0 && magnitude < MIN_MEASURE_MAGNITUDE)) {
      throw new RecordFieldError(
        field,
        `is ${raw}, outside the storable range (0 or ${MIN_MEASURE_MAGNITUDE} to ${MAX_MEASURE_MAGNITUDE} in magnitude)`,
      );
    }
    values[field] = raw;
  }
  return values;
}

/** Where a record sits in the total order used by first/last: event time, topic-partition, offset (a stored OrderedValue's position). */
export type RecordPosition = Omit<OrderedValue, 'v'>;

/** Orders two positions by event time, then topic-partition, then offset. */
export function comparePositions(a: RecordPosition, b: RecordPosition): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  if (a.tp !== b.tp) return a.tp < b.tp ? -1 : 1;
  return a.off === b.off ? 0 : a.off < b.off ? -1 : 1;
}

/** The partial state of one field after one record carrying `v`. */
export function fieldStateOf(v: number, position: RecordPosition): FieldState {
  const at: OrderedValue = { v, t: position.t, tp: position.tp, off: position.off };
  return { n: 1, sum: v, min: v, max: v, first: at, last: at };
}

/** Merges two partial states of one field (associative and commutative, so batch order does not matter). */
export function mergeFieldState(a: FieldState | undefined, b: FieldState): FieldState {
  if (a === undefined) return b;
  return {
    n: a.n + b.n,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    first: comparePositions(a.first, b.first) <= 0 ? a.first : b.first,
    last: comparePositions(a.last, b.last) >= 0 ? a.last : b.last,
  };
}

/** One record's contribution to one aggregate, before the watermark check. */
export interface RecordContribution extends RecordPosition {
  /** Counted in `late` only, not in `count` or measures. */
  readonly late: boolean;
  /** Values of the measured fields the record carries. */
  readonly values: Readonly<Record<string, number>>;
}

/** What a batch adds to one aggregate: only records the aggregate has not applied yet. */
export interface Contribution {
  readonly count: number;
  readonly late: number;
  readonly fields: Readonly<Record<string, FieldState>>;
  /** The highest offset applied, by topic-partition. */
  readonly wm: Readonly<Record<string, number>>;
  /** How many records it holds (on time plus late). */
  readonly records: number;
}

/**
 * Folds the records of a batch that touch one aggregate into one contribution, keeping only
 * those the aggregate has not applied: offset greater than its watermark for the record's
 * topic-partition. Returns undefined when every record was applied already.
 */
export function accumulate(records: readonly RecordContribution[], wm: Readonly<Record<string, number>>): Contribution | undefined {
  let count = 0;
  let late = 0;
  const fields: Record<string, FieldState> = {};
  const newWm: Record<string, number> = {};
  for (const record of records) {
    const applied = wm[record.tp];
    if (applied !== undefined && record.off <= applied) continue;
    newWm[record.tp] = Math.max(newWm[record.tp] ?? -1, record.off);
    if (record.late) {
      late += 1;
      continue;
    }
    count += 1;
    for (const [field, v] of Object.entries(record.values)) fields[field] = mergeFieldState(fields[field], fieldStateOf(v, record));
  }
  const total = count + late;
  return total === 0 ? undefined : { count, late, fields, wm: newWm, records: total };
}

/** Identifies one aggregate: consumer, stored group key and window. */
export interface AggregateRef {
  readonly consumer: string;
  /** The stored (escaped) group key. */
  readonly groupKey: string;
  readonly window: TimeWindow;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/**
 * The aggregate after a contribution: counts and field states merged, watermarks raised,
 * `version` incremented. `current` is the stored item, or undefined when there is none yet.
 */
export function applyContribution(current: AggregateItem | undefined, ref: AggregateRef, contribution: Contribution): AggregateItem {
  const fields: Record<string, FieldState> = { ...(current?.fields ?? {}) };
  for (const [field, state] of Object.entries(contribution.fields)) fields[field] = mergeFieldState(fields[field], state);
  const wm: Record<string, number> = { ...(current?.wm ?? {}) };
  for (const [tp, offset] of Object.entries(contribution.wm)) wm[tp] = Math.max(wm[tp] ?? -1, offset);
  return {
    ...aggregateKey(ref.consumer, ref.groupKey, ref.window.start),
    consumer: ref.consumer,
    groupKey: ref.groupKey,
    windowStart: ref.window.start,
    windowEnd: ref.window.end,
    count: (current?.count ?? 0) + contribution.count,
    late: (current?.late ?? 0) + contribution.late,
    fields,
    wm,
    version: (current?.version ?? 0) + 1,
    expiresAt: Math.max(current?.expiresAt ?? 0, ref.expiresAt),
  };
}

/** An aggregate as the results API reports it. */
export interface AggregateSummary {
  /** The group key as the user sees it (unescaped). */
  readonly key: string;
  /** Window start and end (exclusive), epoch ms. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly count: number;
  readonly late: number;
  /**
   * Each measure by its reported name (`avg_peso`, `first_price`, ...). A measure whose field no
   * counted record carried is left out.
   */
  readonly measures: Record<string, number>;
}

/** What {@link summarize} reads of an aggregate: a stored item, or panes merged into one window (core/trending.ts). */
export type AggregateFigures = Pick<AggregateItem, 'groupKey' | 'windowStart' | 'windowEnd' | 'count' | 'late' | 'fields'>;

/** Turns a stored aggregate into its reported figures: `avg` is sum / n, first/last their values. */
export function summarize(item: AggregateFigures, consumer: Pick<ResolvedConsumer, 'measures'>): AggregateSummary {
  const measures: Record<string, number> = {};
  for (const measure of consumer.measures) {
    const state = item.fields[measure.field];
    if (state === undefined || state.n === 0) continue;
    measures[measureName(measure)] = MEASURES[measure.fn](state);
  }
  return {
    key: decodeGroupKey(item.groupKey),
    windowStart: item.windowStart,
    windowEnd: item.windowEnd,
    count: item.count,
    late: item.late,
    measures,
  };
}

/** Each measure function's figure from its field's partial state. */
const MEASURES: Readonly<Record<MeasureFn, (state: FieldState) => number>> = {
  sum: (state) => state.sum,
  min: (state) => state.min,
  max: (state) => state.max,
  avg: (state) => state.sum / state.n,
  first: (state) => state.first.v,
  last: (state) => state.last.v,
};
