/**
 * Ingest domain code: the request body's two forms, each record's fields, the value checked
 * against its topic's schema (the course's `[id, {fields}]` tuple form included), the derived
 * fields (IMC, hashtags) and the event time. Pure TypeScript: no AWS imports, no I/O.
 *
 * Error messages name the offending field with its path in the request, e.g.
 * `records[3].value.peso must be a number`.
 */
import { MAX_VALUE_BYTES, normalizeValue, setDerivedFields, type CanonicalValue } from './canonical';
import { BadRequestError, FluxoError, PayloadTooLargeError, SchemaViolationError, UnknownPartitionError } from './errors';
import { isPlainObject } from './filter';
import { INGEST_TIME_HEADER } from './kafka-record';
import { RECORD_ID_HEADER } from './record-id';
import type { ResolvedTopic } from './spec';

const MIB = 1024 * 1024;

/** Limits of one ingest request. */
export const INGEST_LIMITS = {
  /** Records per request. */
  maxRecords: 500,
  /** Bytes of the request body. */
  maxRequestBytes: 5 * MIB,
  /** Bytes of one record value, serialized as written to Kafka (derived fields included). */
  maxValueBytes: MAX_VALUE_BYTES,
  /** Levels of nested arrays and objects in a request body (the body itself is level 1). */
  maxBodyDepth: 32,
} as const;

/**
 * Whether a parsed JSON value nests arrays and objects deeper than `limit` levels. Iterative, so
 * that a hostile body of 100,000 nested arrays cannot overflow the stack here (as it would in
 * `JSON.stringify`).
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const next = pending.pop() as { value: unknown; depth: number };
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/** The fields a record may have. */
export const RECORD_FIELDS = ['value', 'key', 'headers', 'partition', 'timestamp'] as const;
const RECORD_FIELD_SET: ReadonlySet<string> = new Set(RECORD_FIELDS);

/** `single`: the body is one record; `batch`: the body is `{records: [...]}`. */
export type BodyForm = 'single' | 'batch';

/** The records of a request body, not yet checked one by one. */
export interface ParsedBody {
  readonly form: BodyForm;
  readonly records: readonly unknown[];
}

/** A record ready to be written to Kafka. */
export interface PreparedRecord {
  /** The key, as text; undefined for none. */
  readonly key: string | undefined;
  /** The canonical value: the normalized object with derived fields added, or the text of a `text` topic. */
  readonly value: CanonicalValue;
  /** `value` as written to Kafka: JSON text, or the text itself on a `text` topic. */
  readonly serializedValue: string;
  /** Headers to write, `fluxo-ingest-time` included. */
  readonly headers: Readonly<Record<string, string>>;
  /** The partition the client asked for; undefined lets the key (or round robin) decide. */
  readonly partition: number | undefined;
  /** Event time (the Kafka record timestamp), epoch ms. */
  readonly timestamp: number;
}

/** A record checked: prepared, or rejected with the error its result reports. */
export type PrepareOutcome = { readonly ok: true; readonly record: PreparedRecord } | { readonly ok: false; readonly error: FluxoError };

/**
 * Splits a parsed JSON body into its records: one record `{value, ...}` or `{records: [...]}`
 * of 1 to 500 records. Throws {@link BadRequestError} (40002) or {@link PayloadTooLargeError} (41301).
 */
export function parseIngestBody(body: unknown): ParsedBody {
  if (!isPlainObject(body)) throw new BadRequestError('body must be a JSON object: one record {value, ...} or {records: [...]}');
  if ('records' in body) {
    const extra = Object.keys(body).filter((k) => k !== 'records');
    if (extra.length > 0) throw new BadRequestError(`body has unexpected field "${extra[0]}" next to "records"`);
    const { records } = body;
    if (!Array.isArray(records)) throw new BadRequestError('records must be an array');
    if (records.length === 0) throw new BadRequestError('records must not be empty');
    if (records.length > INGEST_LIMITS.maxRecords) {
      throw new PayloadTooLargeError(`records has ${records.length} entries; the limit is ${INGEST_LIMITS.maxRecords}`, {
        details: { records: records.length, limit: INGEST_LIMITS.maxRecords },
      });
    }
    return { form: 'batch', records };
  }
  if (!('value' in body))
    throw new BadRequestError('body must be one record {value, key?, headers?, partition?, timestamp?} or {records: [...]}');
  return { form: 'single', records: [body] };
}

/** The path of a record's field in the request, for messages: `records[3].value` or `value`. */
export function recordPath(form: BodyForm, index: number, field: string): string {
  return form === 'batch' ? `records[${index}].${field}` : field;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * The latest event time accepted, epoch ms: the end of year 9999, the latest a 4-digit ISO 8601
 * year can say. Later times could not be answered as ISO dates nor kept in sortable keys.
 */
export const MAX_EVENT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Reads an event time: ISO 8601 with a zone (`2026-11-22T10:00:00Z`) or epoch milliseconds,
 * from 0 to {@link MAX_EVENT_TIME}. Throws {@link BadRequestError} naming `path`.
 */
export function parseEventTime(input: unknown, path: string): number {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0 && input <= MAX_EVENT_TIME) return input;
  } else if (typeof input === 'string' && ISO_8601.test(input)) {
    const ms = Date.parse(input);
    if (!Number.isNaN(ms) && ms >= 0 && ms <= MAX_EVENT_TIME) return ms;
  }
  throw new BadRequestError(`${path} must be an ISO 8601 date-time with a zone or epoch milliseconds`);
}

function checkKey(input: unknown, path: string): string {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' && Number.isFinite(input)) return String(input);
  throw new BadRequestError(`${path} must be a string or a number`);
}

function checkHeaders(input: unknown, path: string): Record<string, string> {
  if (!isPlainObject(input)) throw new BadRequestError(`${path} must be an object of string values`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (name === '') throw new BadRequestError(`${path} must not have an empty name`);
    if (name.toLowerCase() === INGEST_TIME_HEADER || name.toLowerCase() === RECORD_ID_HEADER)
      throw new BadRequestError(`${path}.${name} is reserved: fluxo sets it`);
    if (typeof value !== 'string') throw new BadRequestError(`${path}.${name} must be a string`);
    headers[name] = value;
  }
  return headers;
}

function checkPartition(topic: ResolvedTopic, input: unknown, path: string): number {
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0)
    throw new BadRequestError(`${path} must be a whole number from 0`);
  if (input >= topic.partitions) {
    throw new UnknownPartitionError(`${path}: topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}, not ${input}`, {
      details: { topic: topic.name, partition: input, partitions: topic.partitions },
    });
  }
  return input;
}

/**
 * A request's value in its topic's canonical form: on a `json` topic the normalized object with
 * its derived fields (a derived field the client sent is replaced: fluxo writes only canonical
 * records); on a `text` topic the string itself, written as its UTF-8 bytes, not as JSON.
 */
function canonicalValue(topic: ResolvedTopic, value: unknown, path: string): CanonicalValue {
  if (topic.format === 'text') {
    if (typeof value !== 'string')
      throw new SchemaViolationError(`${path} must be a string: topic "${topic.name}" takes lines of text`, { details: { field: path } });
    return value;
  }
  return setDerivedFields(topic, normalizeValue(topic, value, path));
}

/** Options of {@link prepareRecord}. */
export interface PrepareOptions {
  /** How the body was sent, for field paths in messages. */
  readonly form: BodyForm;
  /** The record's position in the request. */
  readonly index: number;
  /** The ingest time, epoch ms: the default event time and the `fluxo-ingest-time` header. */
  readonly now: number;
}

/**
 * Checks one record of a request and prepares it for Kafka: record fields (40002), partition
 * (40403), schema (42201), derived fields, event time, and the serialized value's size (41301).
 * Never throws for a bad record: the outcome carries the error its result reports.
 */
export function prepareRecord(topic: ResolvedTopic, input: unknown, { form, index, now }: PrepareOptions): PrepareOutcome {
  const at = (field: string): string => recordPath(form, index, field);
  try {
    const where = form === 'batch' ? `records[${index}]` : 'body';
    if (!isPlainObject(input))
      throw new BadRequestError(`${where} must be a record object {value, key?, headers?, partition?, timestamp?}`);
    const unknownField = Object.keys(input).find((k) => !RECORD_FIELD_SET.has(k));
    if (unknownField !== undefined) throw new BadRequestError(`${at(unknownField)} is not a record field (${RECORD_FIELDS.join(', ')})`);
    if (!('value' in input)) throw new BadRequestError(`${at('value')} is required`);
    // An absent optional field needs no check, and no path for a message.
    const key = input.key === undefined ? undefined : checkKey(input.key, at('key'));
    const headers = input.headers === undefined ? {} : checkHeaders(input.headers, at('headers'));
    const partition = input.partition === undefined ? undefined : checkPartition(topic, input.partition, at('partition'));
    const timestamp = input.timestamp === undefined ? now : parseEventTime(input.timestamp, at('timestamp'));
    const value = canonicalValue(topic, input.value, at('value'));
    const serializedValue = typeof value === 'string' ? value : JSON.stringify(value);
    const bytes = Buffer.byteLength(serializedValue, 'utf8');
    if (bytes > INGEST_LIMITS.maxValueBytes) {
      throw new PayloadTooLargeError(`${at('value')} is ${bytes} bytes as written; the limit is ${INGEST_LIMITS.maxValueBytes}`, {
        details: { bytes, limit: INGEST_LIMITS.maxValueBytes },
      });
    }
    // checkHeaders' object is fresh: the ingest time goes last, into it.
    headers[INGEST_TIME_HEADER] = String(now);
    return { ok: true, record: { key, value, serializedValue, headers, partition, timestamp } };
  } catch (error) {
    if (error instanceof FluxoError) return { ok: false, error };
    throw error;
  }
}
