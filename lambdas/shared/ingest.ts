/**
 * Ingest domain code: the request body's two forms, each record's fields, the value checked
 * against its topic's schema (the course's `[id, {fields}]` tuple form included), the derived
 * fields (IMC, hashtags) and the event time. Pure TypeScript: no AWS imports, no I/O.
 *
 * Error messages name the offending field with its path in the request, e.g.
 * `records[3].value.peso must be a number`.
 */
import { BadRequestError, FluxoError, PayloadTooLargeError, SchemaViolationError, UnknownPartitionError } from './errors';
import { INGEST_TIME_HEADER } from './kafka-record';
import type { DerivedField, FieldSpec, ResolvedTopic } from './spec';

const MIB = 1024 * 1024;

/** Limits of one ingest request. */
export const INGEST_LIMITS = {
  /** Records per request. */
  maxRecords: 500,
  /** Bytes of the request body. */
  maxRequestBytes: 5 * MIB,
  /** Bytes of one record value, serialized as written to Kafka (derived fields included). */
  maxValueBytes: 1 * MIB,
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
  /** The normalized value with derived fields added. */
  readonly value: Readonly<Record<string, unknown>>;
  /** `value` as the JSON text written to Kafka. */
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits a parsed JSON body into its records: one record `{value, ...}` or `{records: [...]}`
 * of 1 to 500 records. Throws {@link BadRequestError} (40002) or {@link PayloadTooLargeError} (41301).
 */
export function parseIngestBody(body: unknown): ParsedBody {
  if (!isObject(body)) throw new BadRequestError('body must be a JSON object: one record {value, ...} or {records: [...]}');
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
  if (!('value' in body)) throw new BadRequestError('body must be one record {value, key?, headers?, partition?, timestamp?} or {records: [...]}');
  return { form: 'single', records: [body] };
}

/** The path of a record's field in the request, for messages: `records[3].value` or `value`. */
export function recordPath(form: BodyForm, index: number, field: string): string {
  return form === 'batch' ? `records[${index}].${field}` : field;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
/** The ISO 8601 form an event time may take (a zone is required); the OpenAPI document uses it. */
export const EVENT_TIME_PATTERN = ISO_8601;

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

function fieldProblem(spec: FieldSpec, value: unknown, path: string): string | undefined {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${path} must be a number`;
      if (spec.type === 'integer' && !Number.isInteger(value)) return `${path} must be an integer`;
      if (spec.min !== undefined && value < spec.min) return `${path} must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `${path} must be at most ${spec.max}`;
      return undefined;
    }
    case 'string':
      if (typeof value !== 'string') return `${path} must be a string`;
      if (spec.maxLength !== undefined && [...value].length > spec.maxLength) return `${path} must be at most ${spec.maxLength} characters`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${path} must be a boolean`;
  }
}

/**
 * Turns a value into the object its topic's schema describes, or throws
 * {@link SchemaViolationError} (42201) naming the first offending field (all of them in
 * `details.violations`). Where the topic accepts `'tuple'`, `[id, {fields}]` becomes `{id, ...fields}`.
 */
export function normalizeValue(topic: ResolvedTopic, value: unknown, path: string): Record<string, unknown> {
  let object: Record<string, unknown>;
  if (Array.isArray(value) && topic.accepts.includes('tuple')) {
    const [id, fields] = value as unknown[];
    if (value.length !== 2 || !isObject(fields)) throw new SchemaViolationError(`${path} must be an object or a tuple [id, {fields}]`, { details: { field: path } });
    object = { id, ...fields };
  } else if (isObject(value)) {
    object = { ...value };
  } else {
    const expected = topic.accepts.includes('tuple') ? 'an object or a tuple [id, {fields}]' : 'a JSON object';
    throw new SchemaViolationError(`${path} must be ${expected}`, { details: { field: path } });
  }
  const { fields, additionalFields = true } = topic.schema;
  const violations: string[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    if (!(name in object) || object[name] === undefined) {
      if (spec.required !== false) violations.push(`${path}.${name} is required`);
      continue;
    }
    const problem = fieldProblem(spec, object[name], `${path}.${name}`);
    if (problem !== undefined) violations.push(problem);
  }
  if (!additionalFields) {
    const derived = new Set(topic.derived.map((d) => d.name));
    for (const name of Object.keys(object)) {
      if (!(name in fields) && !derived.has(name)) violations.push(`${path}.${name} is not a field of topic "${topic.name}"`);
    }
  }
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    throw new SchemaViolationError(`${violations[0]}${more}`, { details: { violations } });
  }
  return object;
}

/** Body-mass index (IMC): kg / m², from a height in centimetres. Full precision. */
export function bmi(weightKg: number, heightCm: number): number {
  const metres = heightCm / 100;
  return weightKg / (metres * metres);
}

const HASHTAG = /#([\p{L}\p{N}_]+)/gu;

/** The distinct hashtags of a text, lower-cased, without `#`, in order of first appearance. */
export function hashtags(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(HASHTAG)) seen.add(match[1].toLowerCase());
  return [...seen];
}

function derive(field: DerivedField, value: Readonly<Record<string, unknown>>): unknown {
  switch (field.kind) {
    case 'bmi': {
      const weight = value[field.weightKgField];
      const height = value[field.heightCmField];
      return typeof weight === 'number' && typeof height === 'number' && height > 0 ? bmi(weight, height) : undefined;
    }
    case 'hashtags': {
      const text = value[field.textField];
      return typeof text === 'string' ? hashtags(text) : undefined;
    }
  }
}

/**
 * Adds the topic's derived fields to a normalized value. A derived field always overwrites a
 * field of the same name sent by the client; it is left out when its inputs are absent.
 */
export function addDerivedFields(topic: ResolvedTopic, value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...value };
  for (const field of topic.derived) {
    const derived = derive(field, value);
    if (derived === undefined) delete result[field.name];
    else result[field.name] = derived;
  }
  return result;
}

function checkKey(input: unknown, path: string): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') return input;
  if (typeof input === 'number' && Number.isFinite(input)) return String(input);
  throw new BadRequestError(`${path} must be a string or a number`);
}

function checkHeaders(input: unknown, path: string): Record<string, string> {
  if (input === undefined) return {};
  if (!isObject(input)) throw new BadRequestError(`${path} must be an object of string values`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (name === '') throw new BadRequestError(`${path} must not have an empty name`);
    if (name.toLowerCase() === INGEST_TIME_HEADER) throw new BadRequestError(`${path}.${name} is reserved: fluxo sets it`);
    if (typeof value !== 'string') throw new BadRequestError(`${path}.${name} must be a string`);
    headers[name] = value;
  }
  return headers;
}

function checkPartition(topic: ResolvedTopic, input: unknown, path: string): number | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0) throw new BadRequestError(`${path} must be a whole number from 0`);
  if (input >= topic.partitions) {
    throw new UnknownPartitionError(`${path}: topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}, not ${input}`, {
      details: { topic: topic.name, partition: input, partitions: topic.partitions },
    });
  }
  return input;
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
    if (!isObject(input)) throw new BadRequestError(`${where} must be a record object {value, key?, headers?, partition?, timestamp?}`);
    const unknownField = Object.keys(input).find((k) => !(RECORD_FIELDS as readonly string[]).includes(k));
    if (unknownField !== undefined) throw new BadRequestError(`${at(unknownField)} is not a record field (${RECORD_FIELDS.join(', ')})`);
    if (!('value' in input)) throw new BadRequestError(`${at('value')} is required`);
    const key = checkKey(input.key, at('key'));
    const headers = checkHeaders(input.headers, at('headers'));
    const partition = checkPartition(topic, input.partition, at('partition'));
    const timestamp = input.timestamp === undefined ? now : parseEventTime(input.timestamp, at('timestamp'));
    const value = addDerivedFields(topic, normalizeValue(topic, input.value, at('value')));
    const serializedValue = JSON.stringify(value);
    const bytes = Buffer.byteLength(serializedValue, 'utf8');
    if (bytes > INGEST_LIMITS.maxValueBytes) {
      throw new PayloadTooLargeError(`${at('value')} is ${bytes} bytes as written; the limit is ${INGEST_LIMITS.maxValueBytes}`, {
        details: { bytes, limit: INGEST_LIMITS.maxValueBytes },
      });
    }
    return { ok: true, record: { key, value, serializedValue, headers: { ...headers, [INGEST_TIME_HEADER]: String(now) }, partition, timestamp } };
  } catch (error) {
    if (error instanceof FluxoError) return { ok: false, error };
    throw error;
  }
}
