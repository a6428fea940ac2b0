/**
 * The results API's time range and cursors. Pure: no AWS imports.
 *
 * The route declarations (core/api/routes.ts) check each parameter's form; this module reads
 * what a form cannot say:
 *
 * - `from`, `to`, `at`: ISO 8601 with a zone or epoch milliseconds, as epoch ms. A window is selected
 *   when it overlaps `[from, to)`; both are optional, and a range where `from` is not before `to`
 *   selects nothing.
 * - `cursor`: opaque to clients; base64url of the JSON of DynamoDB's LastEvaluatedKey. It is
 *   checked on the way in: only key attributes, string values, and the partition the request
 *   reads, so a cursor cannot be used to read another consumer's items.
 */
import { BadParameterError } from '../../core/errors';
import { parseEventTime } from '../../core/ingest';

/** The latest epoch ms a sortable key can hold (15 digits). */
export const END_OF_TIME = 999_999_999_999_999;

/** A DynamoDB key, as a cursor carries it. */
export type CursorKey = Readonly<Record<string, string>>;

/** Which attributes a cursor may carry. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** Reads a time parameter (`from`, `to`, `at`) as epoch ms. Throws 40003 naming the parameter when it is not a time. */
export function parseTime(raw: string, name: string): number {
  try {
    return parseEventTime(/^\d+$/.test(raw) ? Number(raw) : raw, name);
  } catch (error) {
    throw new BadParameterError(`${name} must be an ISO 8601 date-time with a zone or epoch milliseconds (got "${raw}")`, { cause: error });
  }
}

/** Reads `from` and `to` as the range `[from, to)`, epoch ms (absent: the start and the end of time). Throws 40003 when either is not a time. */
export function parseTimeRange({ from, to }: { readonly from?: string; readonly to?: string }): { from: number; to: number } {
  return { from: from === undefined ? 0 : parseTime(from, 'from'), to: to === undefined ? END_OF_TIME : parseTime(to, 'to') };
}

/** Encodes a LastEvaluatedKey as an opaque cursor. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor, checking that it holds only key attributes with string values and that its
 * partition attribute equals `partition` (e.g. `{gsi1pk: "WIN#peso-acima-80"}`). Throws 40003.
 */
export function decodeCursor(raw: string | undefined, partition: Readonly<Record<string, string>>): CursorKey | undefined {
  if (raw === undefined) return undefined;
  const invalid = (why: string, cause?: unknown): BadParameterError => new BadParameterError(`cursor is not valid: ${why}`, { cause });
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(raw)) throw invalid('not base64url');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid('not JSON', error);
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid('not a key');
  const entries = Object.entries(key as Record<string, unknown>);
  if (entries.length === 0 || entries.some(([name, value]) => !KEY_ATTRIBUTES.has(name) || typeof value !== 'string'))
    throw invalid('not a key');
  const record = key as Record<string, string>;
  if (Object.entries(partition).some(([name, value]) => record[name] !== value)) throw invalid('it belongs to another query');
  return record;
}

/** ISO 8601 of epoch ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
