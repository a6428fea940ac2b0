/**
 * What one Kafka record means to one consumer: filtered out, a dead letter, or contributions to
 * aggregates (and a record to keep). Pure: no AWS imports, no I/O; the batch module does the
 * writing.
 */
import {
  expiresAtOf,
  groupKeysOf,
  isLate,
  measureValuesOf,
  measuredFields,
  RecordFieldError,
  windowOf,
  type AggregateRef,
  type RecordContribution,
  type TimeWindow,
} from '../shared/aggregate';
import { compileFilters, filterableOf, parseValue, type ParsedValue } from '../shared/filter';
import { INGEST_TIME_HEADER, topicPartitionKey, type KafkaRecord } from '../shared/kafka-record';
import type { ResolvedConsumer } from '../shared/spec';

/** Why a record can never be aggregated. */
export type DeadLetterReason = 'not JSON' | 'schema violation';

/** A consumer compiled once per container: its filters and the fields its measures read. */
export interface ConsumerPlan {
  readonly consumer: ResolvedConsumer;
  /** Whether a record, by its parsed value, passes the consumer's filters (AWS event-filtering semantics). */
  readonly matches: (value: ParsedValue) => boolean;
  /** The fields its measures read. */
  readonly fields: readonly string[];
}

/** Compiles a consumer's filters and measured fields. Throws `FilterPatternError` for a filter AWS would reject. */
export function planConsumer(consumer: ResolvedConsumer): ConsumerPlan {
  const filters = compileFilters(consumer.filters);
  const matches = consumer.filters.length === 0 ? () => true : (value: ParsedValue) => filters(filterableOf(value));
  return { consumer, matches, fields: measuredFields(consumer) };
}

/** One aggregate a record contributes to, with what it contributes. */
export interface AggregateTouch {
  readonly ref: AggregateRef;
  readonly contribution: RecordContribution;
}

/** What a record means to a consumer. */
export type RecordOutcome =
  | { readonly kind: 'filtered' }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly detail: string }
  | {
      readonly kind: 'aggregate';
      /** The parsed value. */
      readonly value: Readonly<Record<string, unknown>>;
      /** Event time: the Kafka record timestamp, epoch ms. */
      readonly eventTime: number;
      readonly window: TimeWindow;
      /** Arrived after window end + grace: counted in `late` only. */
      readonly late: boolean;
      /** TTL of what the record produces (window end + retention), epoch seconds. */
      readonly expiresAt: number;
      /** The aggregates it touches: one per group key (none for an empty `each` array). */
      readonly touches: readonly AggregateTouch[];
    };

/** The time the producer accepted a record: its ingest-time header as epoch ms, else its timestamp. */
export function ingestTimeOf(record: KafkaRecord): number {
  const header = record.headers[INGEST_TIME_HEADER];
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : record.timestamp;
}

/** The value as an object, or why it is not one. */
function objectOf(value: ParsedValue): Record<string, unknown> | string {
  if (value.kind === 'null') return 'value is null (a tombstone)';
  if (value.kind === 'text') return `value is not JSON: ${jsonErrorOf(value.text)}`;
  const parsed = value.json;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `value is JSON but not an object (${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed})`;
  }
  return parsed as Record<string, unknown>;
}

/** JSON.parse's own message for text that is not JSON (dead letters only, so parsing again is fine). */
function jsonErrorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'not a JSON value';
}

/**
 * Classifies one record for a consumer. The filters are applied first, on the record as AWS
 * filters it (so a non-JSON value is filtered out exactly when AWS would drop it); a matching
 * record must then be a JSON object whose grouped and measured fields have usable types.
 */
export function classifyRecord(record: KafkaRecord, plan: ConsumerPlan): RecordOutcome {
  const parsed = parseValue(record.value);
  if (!plan.matches(parsed)) return { kind: 'filtered' };
  const value = objectOf(parsed);
  if (typeof value === 'string') return { kind: 'dead', reason: 'not JSON', detail: value };
  const { consumer } = plan;
  if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
    return { kind: 'dead', reason: 'schema violation', detail: `record timestamp ${record.timestamp} is not a valid event time` };
  }
  let keys: string[];
  let values: Record<string, number>;
  try {
    keys = groupKeysOf(value, record.topic, consumer.groupBy);
    values = measureValuesOf(value, plan.fields);
  } catch (error) {
    if (error instanceof RecordFieldError) return { kind: 'dead', reason: 'schema violation', detail: error.message };
    throw error;
  }
  const eventTime = record.timestamp;
  const window = windowOf(eventTime, consumer.window);
  const late = isLate(ingestTimeOf(record), window.end, consumer.window.graceSeconds);
  const expiresAt = expiresAtOf(window.end, consumer.retentionDays);
  const tp = topicPartitionKey(record.topic, record.partition);
  const touches = keys.map((groupKey) => ({
    ref: { consumer: consumer.name, groupKey, window, expiresAt },
    contribution: { t: eventTime, tp, off: record.offset, late, values },
  }));
  return { kind: 'aggregate', value, eventTime, window, late, expiresAt, touches };
}
