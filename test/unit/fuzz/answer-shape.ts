/**
 * The documented shapes of the HTTP API's answers (lambdas/producer/README.md,
 * lambdas/results/README.md, core/errors.ts), checked by the fuzz properties and the
 * bad-input corpus alike, and against the OpenAPI document (core/api/openapi.ts). Each check throws a plain Error saying what is wrong, so it works inside
 * fast-check properties and jest tests.
 */
import { ERROR_CODES } from '../../../core/errors';
import { OpenApiValidator, pathTemplate } from '../core/api/validate';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An answer that breaks its documented shape. */
export class AnswerShapeError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'AnswerShapeError';
  }
}

function fail(what: string, body: unknown): never {
  throw new AnswerShapeError(`${what}: ${JSON.stringify(body)?.slice(0, 300)}`);
}

/** Parses an answer body as JSON; throws when it is not. */
export function parseAnswer(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '') as unknown;
  } catch {
    throw new AnswerShapeError(`the answer is not JSON: ${String(text).slice(0, 300)}`);
  }
}

/**
 * Checks `{error_code, message, details?}` (plus `results` on an all-rejected batch): a documented
 * code whose status is `status` (so `error_code` = status × 100 + sub-code) and a non-empty message.
 * Returns the body.
 */
export function expectErrorBody(body: unknown, status: number): { error_code: number; message: string; details?: JsonObject } {
  if (!isObject(body)) fail('an error answer must be a JSON object', body);
  const code = body.error_code;
  if (typeof code !== 'number' || !Object.hasOwn(ERROR_CODES, code)) fail('error_code must be a documented code', body);
  if (ERROR_CODES[code as keyof typeof ERROR_CODES].status !== status || Math.floor(code / 100) !== status) {
    fail(`error_code must be ${status} × 100 + a sub-code`, body);
  }
  if (typeof body.message !== 'string' || body.message === '') fail('message must be a non-empty string', body);
  if (body.details !== undefined && !isObject(body.details)) fail('details must be an object when present', body);
  const extra = Object.keys(body).filter((k) => !['error_code', 'message', 'details', 'results'].includes(k));
  if (extra.length > 0) fail(`unexpected field ${extra[0]} in an error answer`, body);
  return body as { error_code: number; message: string; details?: JsonObject };
}

/** Checks one per-record result: `{partition, offset, timestamp}` or an error body. Returns whether it was written. */
export function expectRecordResult(result: unknown): boolean {
  if (!isObject(result)) fail('a record result must be an object', result);
  if ('error_code' in result) {
    const code = result.error_code;
    if (typeof code !== 'number' || !Object.hasOwn(ERROR_CODES, code)) fail('a rejected record must carry a documented code', result);
    expectErrorBody(result, ERROR_CODES[code as keyof typeof ERROR_CODES].status);
    return false;
  }
  const { partition, offset, timestamp } = result;
  if (!Number.isInteger(partition) || (partition as number) < 0) fail('partition must be a whole number', result);
  if (!Number.isInteger(offset) || (offset as number) < 0) fail('offset must be a whole number', result);
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) fail('timestamp must be an ISO 8601 date', result);
  return true;
}

/** How many records an ingest answer reports written; checks its shape for its status. */
export function expectIngestAnswer(status: number, body: unknown): number {
  if (status >= 400) {
    const error = expectErrorBody(body, status);
    if ('results' in error) {
      const results = (error as JsonObject).results;
      if (!Array.isArray(results) || results.some(expectRecordResult)) fail('an all-rejected batch reports no record written', body);
    }
    return 0;
  }
  if (!isObject(body)) fail('an ingest answer must be a JSON object', body);
  if ('results' in body) {
    if (!Array.isArray(body.results) || body.results.length === 0) fail('results must be a non-empty array', body);
    const written = body.results.map(expectRecordResult).filter(Boolean).length;
    if (status === 200 && written !== body.results.length) fail('200 means every record was written', body);
    if (status === 207 && (written === 0 || written === body.results.length)) fail('207 means some records were written', body);
    return written;
  }
  if (status !== 200 || !expectRecordResult(body)) fail('a single record answered 200 must be written', body);
  return 1;
}

/**
 * Checks an answer against the OpenAPI document when it describes the request's path (a path
 * the gateway could not route, e.g. an empty segment, has no operation to check against).
 */
export function expectOpenApiAnswer(validator: OpenApiValidator, method: string, path: string, status: number, body: unknown): void {
  if (pathTemplate(validator.document, method, path) === undefined) return;
  const problems = validator.responseErrors(method, path, status, body);
  if (problems.length > 0)
    throw new AnswerShapeError(
      `${method} ${path} ${status} breaks the OpenAPI document: ${problems.slice(0, 3).join('; ')}: ${JSON.stringify(body)?.slice(0, 300)}`,
    );
}

/** Checks a results-API page: `{consumer?, items: [...], nextCursor?}`. Returns its items. */
export function expectPage(body: unknown): unknown[] {
  if (!isObject(body) || !Array.isArray(body.items)) fail('a page must be {items: [...]}', body);
  if (body.nextCursor !== undefined && (typeof body.nextCursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(body.nextCursor))) {
    fail('nextCursor must be a base64url string', body);
  }
  return body.items;
}
