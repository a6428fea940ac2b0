/**
 * Record ids of requests sent with an `Idempotency-Key`: every record the producer writes for
 * such a request carries the header `fluxo-record-id: <request>.<index>`, where `<request>` is a
 * hash of the topic and the key and `<index>` the record's position in the request body. Every
 * attempt of the same request (a retry after a 503, a timeout, a killed producer) writes the
 * same ids, so a consumer can count one copy of each and drop the others
 * (lambdas/consumer/README.md, "Retried requests"). Pure: no AWS imports, no I/O.
 */
import { createHash } from 'node:crypto';

/** The header carrying a record's id. Reserved: a request may not set it. */
export const RECORD_ID_HEADER = 'fluxo-record-id';

const REQUEST_ID = /^[A-Za-z0-9_-]{22}$/;
const RECORD_ID = /^([A-Za-z0-9_-]{22})\.(\d{1,9})$/;

/** A request's id: 22 base64url characters of SHA-256 over the topic and the idempotency key (128 bits). */
export function requestIdOf(topic: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${topic}\n${idempotencyKey}`, 'utf8').digest('base64url').slice(0, 22);
}

/** The id of the record at `index` of request `requestId`. */
export function recordIdOf(requestId: string, index: number): string {
  if (!REQUEST_ID.test(requestId)) throw new RangeError(`not a request id: ${requestId}`);
  if (!Number.isSafeInteger(index) || index < 0 || index > 999_999_999)
    throw new RangeError(`record index must be 0 to 999999999, not ${index}`);
  return `${requestId}.${index}`;
}

/** A record id read back: its request and index. */
export interface RecordId {
  readonly request: string;
  readonly index: number;
}

/** Reads a `fluxo-record-id` header value; undefined when it is absent or not of the form `<22 base64url>.<index>`. */
export function parseRecordId(value: string | undefined): RecordId | undefined {
  const match = value === undefined ? null : RECORD_ID.exec(value);
  if (match === null) return undefined;
  return { request: match[1] as string, index: Number(match[2]) };
}

/**
 * The first round-robin slot of a request's keyless records, from its id: every attempt of
 * the request sends record i to the same partition (while the topic's partition count holds).
 */
export function firstSlotOf(requestId: string): number {
  return Buffer.from(requestId, 'base64url').readUInt32BE(0) % 1_000_000;
}
