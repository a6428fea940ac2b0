/**
 * fluxo's errors and the one table that maps them to HTTP answers.
 *
 * Every error a client can see is a {@link FluxoError}: it carries the HTTP `status`, an
 * `errorCode` (status × 100 + a sub-code, as Confluent REST Proxy v3 does) and optional
 * `details`. {@link ERROR_CODES} documents every code; the producer, the results API, the local
 * gateway and the OpenAPI document all read it. Pure TypeScript: no AWS imports.
 */

/** One documented error code. */
export interface ErrorCodeInfo {
  /** The HTTP status the code is answered with. */
  readonly status: number;
  /** What the code means, for documentation (README, OpenAPI). */
  readonly description: string;
}

/**
 * Every error code fluxo answers with, by code. `error_code` = HTTP status × 100 + sub-code.
 * Per-record results of a batch use the same codes.
 */
export const ERROR_CODES = {
  40001: { status: 400, description: 'The request body is not valid JSON.' },
  40002: { status: 400, description: 'The request body does not have the expected shape (one record or {records: [...]}).' },
  40003: { status: 400, description: 'A query parameter, path parameter or header has a bad value.' },
  40301: { status: 403, description: 'Missing or invalid API key (AWS: send it as the x-api-key header). Answered by API Gateway.' },
  40401: { status: 404, description: 'The topic is not declared in the pipeline spec.' },
  40402: { status: 404, description: 'The consumer is not declared in the pipeline spec.' },
  40403: { status: 404, description: 'The record names a partition the topic does not have.' },
  40404: { status: 404, description: 'No route matches the method and path.' },
  40901: { status: 409, description: 'A request with the same Idempotency-Key is still in progress; retry later.' },
  40501: { status: 405, description: 'The path exists but not with this method; the Allow header lists the methods it takes.' },
  41301: { status: 413, description: 'The request or a record value is too large (500 records, 5 MiB per request, 1 MiB per value).' },
  41501: { status: 415, description: 'The request body is not declared as JSON (Content-Type must be application/json).' },
  42201: { status: 422, description: 'A record violates its topic schema.' },
  42202: { status: 422, description: 'The Idempotency-Key was already used with a different request body.' },
  42901: {
    status: 429,
    description: 'Too many requests: the usage plan throttles this API key; retry with backoff. Answered by API Gateway.',
  },
  42902: { status: 429, description: "The API key's daily request quota is used up. Answered by API Gateway." },
  50001: { status: 500, description: 'An unexpected error; nothing is reported as written.' },
  50301: {
    status: 503,
    description: 'Kafka cannot take the write now (unreachable, timed out, not enough replicas); retry after Retry-After seconds.',
  },
  50302: {
    status: 503,
    description: 'A DynamoDB table (results or idempotency store) cannot be used now; retry after Retry-After seconds.',
  },
} as const satisfies Record<number, ErrorCodeInfo>;

/** A documented error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options every fluxo error takes. */
export interface FluxoErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
  /** Machine-readable context returned to the client (e.g. the offending field). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The base class of one kind of error that is not an answer to a client: `new (message, options?)`,
 * with `name` set as text (the deployed bundle is minified, so class names are not kept) and `{ cause }` passed.
 */
export function namedError(name: string) {
  return class extends Error {
    public constructor(message: string, options?: { cause?: unknown }) {
      super(message, options);
      this.name = name;
    }
  };
}

/** The base of every error fluxo answers a client with. */
export class FluxoError extends Error {
  /** The HTTP status. */
  public readonly status: number;
  /** The documented code: status × 100 + sub-code. */
  public readonly errorCode: ErrorCode;
  /** Machine-readable context returned to the client. */
  public readonly details?: Readonly<Record<string, unknown>>;

  /** `name` is the subclass's: set as text, since the deployed bundle is minified (class names are not kept). */
  public constructor(errorCode: ErrorCode, message: string, options: FluxoErrorOptions = {}, name = 'FluxoError') {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.errorCode = errorCode;
    this.status = ERROR_CODES[errorCode].status;
    if (options.details !== undefined) this.details = options.details;
  }
}

/**
 * The base class of one code's errors: `new (message, options?)`. Its `name` is given as text:
 * the deployed bundle is minified, so class names are not kept.
 */
function codeError(errorCode: ErrorCode, name: string) {
  return class extends FluxoError {
    public constructor(message: string, options?: FluxoErrorOptions) {
      super(errorCode, message, options, name);
    }
  };
}

/** 40001: the request body is not JSON. */
export class BodyNotJsonError extends codeError(40001, 'BodyNotJsonError') {
  public constructor(message = 'request body is not valid JSON', options?: FluxoErrorOptions) {
    super(message, options);
  }
}

/** 40002: the request body does not have the expected shape. */
export class BadRequestError extends codeError(40002, 'BadRequestError') {}

/** 40003: a query parameter, path parameter or header has a bad value. */
export class BadParameterError extends codeError(40003, 'BadParameterError') {}

/** 40401: the topic is not in the spec. */
export class UnknownTopicError extends codeError(40401, 'UnknownTopicError') {
  public constructor(topic: string, options: FluxoErrorOptions = {}) {
    super(`topic "${topic}" does not exist`, { ...options, details: { topic, ...options.details } });
  }
}

/** 40402: the consumer is not in the spec. */
export class UnknownConsumerError extends codeError(40402, 'UnknownConsumerError') {
  public constructor(consumer: string, options: FluxoErrorOptions = {}) {
    super(`consumer "${consumer}" does not exist`, { ...options, details: { consumer, ...options.details } });
  }
}

/** 40403: a record names a partition its topic does not have. */
export class UnknownPartitionError extends codeError(40403, 'UnknownPartitionError') {}

/** 40404: no route matches the request. */
export class RouteNotFoundError extends codeError(40404, 'RouteNotFoundError') {
  public constructor(method: string, path: string, options?: FluxoErrorOptions) {
    super(`no route for ${method} ${path}`, options);
  }
}

/** 40901: a request with the same Idempotency-Key is still being processed. */
export class IdempotencyInProgressError extends codeError(40901, 'IdempotencyInProgressError') {
  public constructor(message = 'a request with this Idempotency-Key is in progress; retry later', options?: FluxoErrorOptions) {
    super(message, options);
  }
}

/** 41301: the request or a record value is too large. */
export class PayloadTooLargeError extends codeError(41301, 'PayloadTooLargeError') {}

/** 41501: the body is not declared as JSON. */
export class UnsupportedMediaTypeError extends codeError(41501, 'UnsupportedMediaTypeError') {
  public constructor(contentType: string, options?: FluxoErrorOptions) {
    super(`Content-Type must be application/json (got "${contentType}")`, options);
  }
}

/** 42201: a record violates its topic schema. The message names the offending field. */
export class SchemaViolationError extends codeError(42201, 'SchemaViolationError') {}

/** 42202: an Idempotency-Key was reused with a different body. */
export class IdempotencyKeyReusedError extends codeError(42202, 'IdempotencyKeyReusedError') {
  public constructor(message = 'this Idempotency-Key was already used with a different request body', options?: FluxoErrorOptions) {
    super(message, options);
  }
}

/** 50001: an unexpected error. */
export class InternalError extends codeError(50001, 'InternalError') {
  public constructor(message = 'internal error', options?: FluxoErrorOptions) {
    super(message, options);
  }
}

/** How long a client should wait before retrying a 503, in seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** 50301/50302: a dependency cannot serve the request now; the client should retry. */
export class ServiceUnavailableError extends FluxoError {
  /** Seconds the client should wait (the `Retry-After` header). */
  public readonly retryAfterSeconds: number;

  public constructor(
    message: string,
    options: FluxoErrorOptions & { readonly code?: 50301 | 50302; readonly retryAfterSeconds?: number } = {},
  ) {
    super(options.code ?? 50301, message, options);
    this.name = 'ServiceUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  }
}

/** 50301: Kafka cannot take the write now. */
export class KafkaUnavailableError extends ServiceUnavailableError {
  public constructor(message = 'Kafka is unavailable', options: FluxoErrorOptions & { readonly retryAfterSeconds?: number } = {}) {
    super(message, { ...options, code: 50301 });
    this.name = 'KafkaUnavailableError';
  }
}

/** The JSON body of an error answer (and of a rejected record's result). */
export interface ErrorBody {
  readonly error_code: number;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An error as an HTTP answer: status, extra headers and body. */
export interface HttpErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ErrorBody;
}

/** Wraps anything thrown into a {@link FluxoError}; an unknown error becomes a 50001 that hides its message. */
export function asFluxoError(error: unknown): FluxoError {
  if (error instanceof FluxoError) return error;
  return new InternalError('internal error', { cause: error });
}

/** The body of an error: `{error_code, message, details?}`. */
export function errorBody(error: FluxoError): ErrorBody {
  return error.details === undefined
    ? { error_code: error.errorCode, message: error.message }
    : { error_code: error.errorCode, message: error.message, details: error.details };
}

/**
 * The one mapping from an error to an HTTP answer: status, `Retry-After` on 503 and the body.
 * Anything that is not a {@link FluxoError} answers 500/50001 without leaking its message.
 */
export function toHttpError(error: unknown): HttpErrorAnswer {
  const fluxoError = asFluxoError(error);
  const headers: Record<string, string> = {};
  if (fluxoError instanceof ServiceUnavailableError) headers['Retry-After'] = String(fluxoError.retryAfterSeconds);
  return { status: fluxoError.status, headers, body: errorBody(fluxoError) };
}
