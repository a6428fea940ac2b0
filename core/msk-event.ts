/**
 * The codec of the event Lambda delivers for Kafka: decoded once into {@link KafkaRecord}s by the
 * consumer handler, and encoded by the local event-source-mapping emulator so that the handler
 * sees, locally, the very event shape AWS sends.
 *
 * Shape (AWS Lambda Developer Guide, "Using Lambda with Amazon MSK" and "Using Lambda with
 * self-managed Apache Kafka", example events): `eventSource` is `aws:kafka` (MSK, with
 * `eventSourceArn`) or `SelfManagedKafka`; `bootstrapServers` is a comma-separated list;
 * `records` maps `"topic-partition"` to that partition's records; each record carries `topic`,
 * `partition`, `offset`, `timestamp`, `timestampType`, base64 `key` and `value` (absent when
 * null) and `headers`, a list of one-entry objects `{name: [byte, ...]}`.
 *
 * Pure TypeScript: no AWS imports, no I/O.
 */
import { isPlainObject } from './filter';
import { topicPartitionKey, type KafkaRecord } from './kafka-record';
import { namedError } from './errors';

/** One record of a Lambda Kafka event, exactly as Lambda sends it. */
export interface MskEventRecord {
  /** The topic name. */
  topic: string;
  /** The partition number. */
  partition: number;
  /** The record's offset in its partition. */
  offset: number;
  /** Epoch milliseconds. */
  timestamp: number;
  /** `CREATE_TIME` or `LOG_APPEND_TIME`. */
  timestampType: string;
  /** The key's bytes, base64; absent when the record has no key. */
  key?: string;
  /** The value's bytes, base64; absent for a null (tombstone) value. */
  value?: string;
  /** Headers in record order, each `{name: [byte, ...]}`. */
  headers: Array<Record<string, number[]>>;
}

/** The event Lambda delivers for Amazon MSK (`aws:kafka`) or self-managed Kafka. */
export interface MskEvent {
  /** `aws:kafka` for Amazon MSK, `SelfManagedKafka` for any other Kafka cluster. */
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** The MSK cluster ARN (MSK only). */
  eventSourceArn?: string;
  /** Comma-separated `host:port` list. */
  bootstrapServers?: string;
  /** Records by `"topic-partition"`, each list in offset order. */
  records: Record<string, MskEventRecord[]>;
}

/** Where an encoded event claims to come from. */
export type MskEventSource =
  | { readonly kind: 'msk'; readonly eventSourceArn: string; readonly bootstrapServers: string }
  | { readonly kind: 'self-managed'; readonly bootstrapServers: string };

/** A Lambda Kafka event that does not have the documented shape. The message names the field. */
export class MskEventError extends namedError('MskEventError') {
  /** Path of the offending field, e.g. `records["orders-0"][3].offset`. */
  public readonly field: string;

  public constructor(field: string, problem: string, options?: { cause?: unknown }) {
    super(`malformed Kafka event: ${field} ${problem}`, options);
    this.field = field;
  }
}

/** Header value as kafkajs hands it over (repeated headers come as an array). */
export type HeaderInput = Buffer | string | ReadonlyArray<Buffer | string> | undefined;

/** The parts {@link kafkaRecordFrom} builds a record from: what a Kafka client hands over. */
export interface KafkaRecordParts {
  /** The topic name. */
  readonly topic: string;
  /** The partition number. */
  readonly partition: number;
  /** The offset; kafkajs gives it as decimal text. */
  readonly offset: number | string;
  /** Epoch milliseconds; kafkajs gives it as decimal text. */
  readonly timestamp: number | string;
  /** @default 'CREATE_TIME' */
  readonly timestampType?: string;
  /** The key's bytes; null or undefined when the record has no key. */
  readonly key?: Buffer | null;
  /** The value's bytes; null or undefined for a tombstone. */
  readonly value?: Buffer | null;
  /**
   * Headers: a kafkajs-style object (a repeated header as an array of values) or, to keep their
   * exact order, a list of `{name: value}` objects as in the Lambda event.
   */
  readonly headers?: Readonly<Record<string, HeaderInput>> | ReadonlyArray<Readonly<Record<string, Buffer | string>>>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EVENT_SOURCES: ReadonlySet<string> = new Set(['aws:kafka', 'SelfManagedKafka']);

/** `out[name] = value` as an own property, `__proto__` included (assigning that name would set the prototype instead). */
function setOwn<T>(out: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  else out[name] = value;
}

/** One header object with each value turned by `f`, names and their order kept (a loop: every record's headers pass here). */
function mapValues<T, U>(header: Readonly<Record<string, T>>, f: (value: T, name: string) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [name, value] of Object.entries(header)) setOwn(out, name, f(value, name));
  return out;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function decodeBase64(text: unknown, field: string): Buffer | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') throw new MskEventError(field, 'must be a base64 string');
  if (!BASE64.test(text)) throw new MskEventError(field, 'is not valid base64');
  return Buffer.from(text, 'base64');
}

function decodeHeaderBytes(bytes: unknown, field: string): Buffer {
  if (!Array.isArray(bytes)) throw new MskEventError(field, 'must be an array of bytes');
  const buffer = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const byte: unknown = bytes[i];
    // Bytes arrive unsigned (0..255); a signed (Java-style, -128..127) byte is accepted too.
    if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < -128 || byte > 255)
      throw new MskEventError(`${field}[${i}]`, 'must be a byte (an integer from 0 to 255)');
    buffer[i] = byte & 0xff;
  }
  return buffer;
}

function decodeHeaders(headers: unknown, field: string): Array<Record<string, Buffer>> {
  if (headers === undefined || headers === null) return [];
  if (!Array.isArray(headers)) throw new MskEventError(field, 'must be an array');
  return headers.map((header: unknown, i) => {
    if (!isPlainObject(header)) throw new MskEventError(`${field}[${i}]`, 'must be an object {name: [bytes]}');
    return mapValues(header, (bytes, name) => decodeHeaderBytes(bytes, `${field}[${i}]${JSON.stringify([name])}`));
  });
}

/** The headers as text (UTF-8), one name each: the last value of a repeated name wins. */
function headerText(raw: KafkaRecord['raw']['headers']): Record<string, string> {
  const text: Record<string, string> = {};
  for (const header of raw) for (const [name, bytes] of Object.entries(header)) setOwn(text, name, bytes.toString('utf8'));
  return text;
}

/** A record from its position and raw bytes: the text of key, value and headers decoded from UTF-8. */
function buildRecord(position: Omit<KafkaRecord, 'key' | 'value' | 'headers' | 'raw'>, raw: KafkaRecord['raw']): KafkaRecord {
  const { key, value, headers } = raw;
  const { topic, partition, offset, timestamp, timestampType } = position;
  return {
    topic,
    partition,
    offset,
    timestamp,
    timestampType,
    key: key?.toString('utf8'),
    value: value?.toString('utf8'),
    headers: headerText(headers),
    raw,
  };
}

function decodeRecord(input: unknown, listKey: string, field: string): KafkaRecord {
  if (!isPlainObject(input)) throw new MskEventError(field, 'must be an object');
  const { topic, partition, offset, timestamp, timestampType } = input;
  if (typeof topic !== 'string' || topic.length === 0) throw new MskEventError(`${field}.topic`, 'must be a non-empty string');
  if (!isNonNegativeInteger(partition)) throw new MskEventError(`${field}.partition`, 'must be a non-negative integer');
  if (!isNonNegativeInteger(offset)) throw new MskEventError(`${field}.offset`, 'must be a non-negative integer');
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
    throw new MskEventError(`${field}.timestamp`, 'must be a number (epoch ms)');
  if (typeof timestampType !== 'string') throw new MskEventError(`${field}.timestampType`, 'must be a string');
  if (topicPartitionKey(topic, partition) !== listKey) {
    throw new MskEventError(field, `is ${topicPartitionKey(topic, partition)} but is listed under "${listKey}"`);
  }
  return buildRecord(
    { topic, partition, offset, timestamp, timestampType },
    {
      key: decodeBase64(input.key, `${field}.key`),
      value: decodeBase64(input.value, `${field}.value`),
      headers: decodeHeaders(input.headers, `${field}.headers`),
    },
  );
}

function compareRecords(a: KafkaRecord, b: KafkaRecord): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition || a.offset - b.offset;
}

/**
 * Checks a Lambda Kafka event (MSK or self-managed) and decodes it into records: base64 key and
 * value to bytes and UTF-8 text, byte-array headers to bytes and text. Records come ordered by
 * topic, partition, then offset.
 *
 * @throws {@link MskEventError} naming the first field that does not have the documented shape.
 */
export function decodeMskEvent(event: unknown): KafkaRecord[] {
  if (!isPlainObject(event)) throw new MskEventError('event', 'must be an object');
  if (typeof event.eventSource !== 'string' || !EVENT_SOURCES.has(event.eventSource)) {
    throw new MskEventError('eventSource', `must be "aws:kafka" or "SelfManagedKafka" (got ${JSON.stringify(event.eventSource)})`);
  }
  if (event.eventSource === 'aws:kafka' && typeof event.eventSourceArn !== 'string') {
    throw new MskEventError('eventSourceArn', 'must be a string for an aws:kafka event');
  }
  if (event.bootstrapServers !== undefined && typeof event.bootstrapServers !== 'string') {
    throw new MskEventError('bootstrapServers', 'must be a comma-separated string');
  }
  if (!isPlainObject(event.records)) throw new MskEventError('records', 'must be an object keyed by "topic-partition"');
  const records: KafkaRecord[] = [];
  for (const [listKey, list] of Object.entries(event.records)) {
    const field = `records${JSON.stringify([listKey])}`;
    if (!Array.isArray(list)) throw new MskEventError(field, 'must be an array of records');
    list.forEach((record: unknown, i) => records.push(decodeRecord(record, listKey, `${field}[${i}]`)));
  }
  return records.sort(compareRecords);
}

/** A header value's bytes as the event's array of numbers (a loop: spreading a Buffer is ~3× slower). */
function byteArray(bytes: Buffer): number[] {
  const array = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) array[i] = bytes[i] as number;
  return array;
}

function encodeRecord(record: KafkaRecord): MskEventRecord {
  // Field order as in AWS's documented events, so the JSON text is the same as well.
  const { key, value, headers } = record.raw;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    ...(key === undefined ? {} : { key: key.toString('base64') }),
    ...(value === undefined ? {} : { value: value.toString('base64') }),
    headers: headers.map((header) => mapValues(header, byteArray)),
  };
}

/**
 * Builds the event Lambda would deliver for these records: the inverse of
 * {@link decodeMskEvent}. Records are grouped by `"topic-partition"` (groups in order of first
 * appearance, records in the order given); keys and values are base64 of the raw bytes; a null
 * key or value is left out, as Lambda does.
 */
export function encodeMskEvent(records: readonly KafkaRecord[], source: MskEventSource): MskEvent {
  const grouped: Record<string, MskEventRecord[]> = {};
  for (const record of records) {
    const key = topicPartitionKey(record.topic, record.partition);
    (grouped[key] ??= []).push(encodeRecord(record));
  }
  return source.kind === 'msk'
    ? { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.bootstrapServers, records: grouped }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: source.bootstrapServers, records: grouped };
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function headerList(headers: KafkaRecordParts['headers']): Array<Record<string, Buffer>> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) {
    return (headers as ReadonlyArray<Readonly<Record<string, Buffer | string>>>).map((header) => mapValues(header, toBuffer));
  }
  const list: Array<Record<string, Buffer>> = [];
  for (const [name, value] of Object.entries(headers as Readonly<Record<string, HeaderInput>>)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? (value as ReadonlyArray<Buffer | string>) : [value as Buffer | string];
    for (const one of values) list.push({ [name]: toBuffer(one) });
  }
  return list;
}

function wholeNumber(value: number | string, field: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (!isNonNegativeInteger(n)) throw new MskEventError(field, `must be a non-negative integer (got ${JSON.stringify(value)})`);
  return n;
}

/**
 * Builds a record from a Kafka client's message parts (the local emulator's kafkajs messages):
 * the same record type the decoder yields, raw bytes kept, so that {@link encodeMskEvent} turns
 * it into exactly what Lambda would deliver.
 *
 * @throws {@link MskEventError} when the partition, offset or timestamp is not a whole number.
 */
export function kafkaRecordFrom(parts: KafkaRecordParts): KafkaRecord {
  return buildRecord(
    {
      topic: parts.topic,
      partition: wholeNumber(parts.partition, 'partition'),
      offset: wholeNumber(parts.offset, 'offset'),
      timestamp: wholeNumber(parts.timestamp, 'timestamp'),
      timestampType: parts.timestampType ?? 'CREATE_TIME',
    },
    { key: parts.key ?? undefined, value: parts.value ?? undefined, headers: headerList(parts.headers) },
  );
}
