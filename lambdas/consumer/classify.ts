/**
 * What one Kafka record means to one consumer: a dead letter, filtered out, or contributions to
 * aggregates (and a record to keep). Every record is first brought to its topic's canonical form
 * (canonical.ts: the course's tuples become objects, IMC and hashtags are derived), whoever wrote
 * it; the consumer's filters then apply to that form. Pure: no AWS imports, no I/O; the batch
 * module does the writing.
 */
import {
  expiresAtOf,
  groupKeysOf,
  isLate,
  measureValuesOf,
  measuredFields,
  paneOf,
  RecordFieldError,
  type AggregateRef,
  type RecordContribution,
  type TimeWindow,
} from '../../core/aggregate';
import { canonicalRecord, formOf, type CanonicalValue, type DeadLetterReason, type RecordForm } from '../../core/canonical';
import { compileFilters, filterableOf, parseValue, type ParsedValue } from '../../core/filter';
import { INGEST_TIME_HEADER, topicPartitionKey, type KafkaRecord } from '../../core/kafka-record';
import type { ResolvedConsumer, ResolvedTopic } from '../../core/spec';

export type { DeadLetterReason, RecordForm } from '../../core/canonical';

/** Who wrote a record: fluxo's HTTP API (it stamps the `fluxo-ingest-time` header) or another Kafka client. */
export type RecordWriter = 'http' | 'kafka';

/** A consumer compiled once per container: its topics, its filters and the fields its measures read. */
export interface ConsumerPlan {
  readonly consumer: ResolvedConsumer;
  /** The topics it reads, by name. */
  readonly topics: ReadonlyMap<string, ResolvedTopic>;
  /** Whether a canonical record passes the consumer's filters (AWS event-filtering semantics). */
  readonly matches: (topic: ResolvedTopic, value: CanonicalValue, parsed: ParsedValue) => boolean;
  /** The fields its measures read. */
  readonly fields: readonly string[];
}

/**
 * Compiles a consumer's filters and measured fields, for the topics it reads (`topics` may hold
 * others). Throws `FilterPatternError` for a filter AWS would reject, and a `RangeError` when a
 * topic it reads is not among `topics`.
 */
export function planConsumer(consumer: ResolvedConsumer, topics: readonly ResolvedTopic[]): ConsumerPlan {
  const read = new Map<string, ResolvedTopic>();
  for (const name of consumer.topics) {
    const topic = topics.find((t) => t.name === name);
    if (topic === undefined) throw new RangeError(`consumer ${consumer.name} reads topic "${name}", which is not among the topics given`);
    read.set(name, topic);
  }
  const filters = compileFilters(consumer.filters);
  // A json record is filtered as its canonical object; a text record as AWS filters it, the value as written.
  const matches =
    consumer.filters.length === 0
      ? () => true
      : (topic: ResolvedTopic, value: CanonicalValue, parsed: ParsedValue) =>
          filters(topic.format === 'text' ? filterableOf(parsed) : { value });
  return { consumer, topics: read, matches, fields: measuredFields(consumer) };
}

/** Why a record is a dead letter, and the form and writer it came from. */
export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  /** What is wrong, naming the field. */
  readonly detail: string;
  /** The form it was written in. */
  readonly form: RecordForm;
  readonly writer: RecordWriter;
}

/** What a record means to a consumer. */
export type RecordOutcome =
  | { readonly kind: 'filtered' }
  | ({ readonly kind: 'dead' } & DeadLetterCause)
  | {
      readonly kind: 'aggregate';
      /** The canonical value: what the consumer saw. */
      readonly value: CanonicalValue;
      /** The form it was written in. */
      readonly form: RecordForm;
      readonly writer: RecordWriter;
      /** Event time: the Kafka record timestamp, epoch ms. */
      readonly eventTime: number;
      /** The pane it counts in (the window itself for a tumbling window). */
      readonly window: TimeWindow;
      /** Arrived after its pane's end + grace: counted in `late` only. */
      readonly late: boolean;
      /** TTL of what the record produces (pane end + retention), epoch seconds. */
      readonly expiresAt: number;
      /** The aggregates it touches, with what it contributes to each: one per group key (none for an empty `each` array). */
      readonly touches: ReadonlyArray<{ readonly ref: AggregateRef; readonly contribution: RecordContribution }>;
    };

/** The time the producer accepted a record: its ingest-time header as epoch ms, else its timestamp. */
export function ingestTimeOf(record: KafkaRecord): number {
  const header = record.headers[INGEST_TIME_HEADER];
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : record.timestamp;
}

const NO_FIELDS: Readonly<Record<string, unknown>> = {};

/**
 * Classifies one record for a consumer: brought to its topic's canonical form (or a dead letter
 * saying why it cannot be), filtered by the consumer's filters, then checked for what grouping
 * and measures need (usable types, a valid event time).
 */
export function classifyRecord(record: KafkaRecord, plan: ConsumerPlan): RecordOutcome {
  const writer: RecordWriter = record.headers[INGEST_TIME_HEADER] === undefined ? 'kafka' : 'http';
  const parsed = parseValue(record.value);
  const dead = (detail: string, form: RecordForm, reason: DeadLetterReason = 'schema violation'): RecordOutcome => ({
    kind: 'dead',
    reason,
    detail,
    form,
    writer,
  });
  const topic = plan.topics.get(record.topic);
  if (topic === undefined) return dead(`topic "${record.topic}" is not read by consumer ${plan.consumer.name}`, formOf(parsed));
  const canonical = canonicalRecord(topic, { text: record.value, parsed, raw: record.raw.value });
  if (!canonical.ok) return dead(canonical.detail, canonical.form, canonical.reason);
  const { value, form } = canonical;
  if (!plan.matches(topic, value, parsed)) return { kind: 'filtered' };
  const { consumer } = plan;
  if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
    return dead(`record timestamp ${record.timestamp} is not a valid event time`, form);
  }
  const fields = typeof value === 'string' ? NO_FIELDS : value;
  let keys: string[];
  let values: Record<string, number>;
  try {
    keys = groupKeysOf(fields, record.topic, consumer.groupBy);
    values = measureValuesOf(fields, plan.fields);
  } catch (error) {
    if (error instanceof RecordFieldError) return dead(error.message, form);
    throw error;
  }
  const eventTime = record.timestamp;
  // One pane per record: the window itself when tumbling, a pane of advanceSeconds when hopping.
  const window = paneOf(eventTime, consumer.window);
  const late = isLate(ingestTimeOf(record), window.end, consumer.window.graceSeconds);
  const expiresAt = expiresAtOf(window.end, consumer.retentionDays);
  const tp = topicPartitionKey(record.topic, record.partition);
  const touches = keys.map((groupKey) => ({
    ref: { consumer: consumer.name, groupKey, window, expiresAt },
    contribution: { t: eventTime, tp, off: record.offset, late, values },
  }));
  return { kind: 'aggregate', value, form, writer, eventTime, window, late, expiresAt, touches };
}
