import {
  asFluxoError,
  BadParameterError,
  BadRequestError,
  BodyNotJsonError,
  ERROR_CODES,
  errorBody,
  FluxoError,
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InternalError,
  KafkaUnavailableError,
  PayloadTooLargeError,
  RouteNotFoundError,
  SchemaViolationError,
  ServiceUnavailableError,
  toHttpError,
  UnknownConsumerError,
  UnknownPartitionError,
  UnknownTopicError,
  UnsupportedMediaTypeError,
} from '../../../core/errors';

describe('the error code table', () => {
  it('derives every code from its status: status × 100 + sub-code', () => {
    // Act
    const mismatched = Object.entries(ERROR_CODES).filter(([code, info]) => Math.floor(Number(code) / 100) !== info.status);

    // Assess
    expect(mismatched).toEqual([]);
  });

  it.each([
    [new BodyNotJsonError(), 'BodyNotJsonError', 400, 40001],
    [new BadRequestError('x'), 'BadRequestError', 400, 40002],
    [new BadParameterError('x'), 'BadParameterError', 400, 40003],
    [new UnknownTopicError('t'), 'UnknownTopicError', 404, 40401],
    [new UnknownConsumerError('c'), 'UnknownConsumerError', 404, 40402],
    [new UnknownPartitionError('x'), 'UnknownPartitionError', 404, 40403],
    [new RouteNotFoundError('GET', '/x'), 'RouteNotFoundError', 404, 40404],
    [new IdempotencyInProgressError(), 'IdempotencyInProgressError', 409, 40901],
    [new PayloadTooLargeError('x'), 'PayloadTooLargeError', 413, 41301],
    [new UnsupportedMediaTypeError('text/plain'), 'UnsupportedMediaTypeError', 415, 41501],
    [new SchemaViolationError('x'), 'SchemaViolationError', 422, 42201],
    [new IdempotencyKeyReusedError(), 'IdempotencyKeyReusedError', 422, 42202],
    [new InternalError(), 'InternalError', 500, 50001],
    [new KafkaUnavailableError(), 'KafkaUnavailableError', 503, 50301],
    [new ServiceUnavailableError('x', { code: 50302 }), 'ServiceUnavailableError', 503, 50302],
  ])('gives %s the name %s, status %d and code %d from the table', (error, name, status, code) => {
    // Assess
    expect(error).toBeInstanceOf(FluxoError);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(error.errorCode).toBe(code);
    expect(ERROR_CODES[error.errorCode].status).toBe(status);
  });

  it('keeps the cause it was given', () => {
    // Prepare
    const cause = new Error('socket hang up');

    // Act
    const error = new KafkaUnavailableError('Kafka is down', { cause });

    // Assess
    expect(error.cause).toBe(cause);
  });

  it('names the topic and consumer in messages and details', () => {
    // Act
    const topic = new UnknownTopicError('nope');
    const consumer = new UnknownConsumerError('who');

    // Assess
    expect(errorBody(topic)).toEqual({ error_code: 40401, message: 'topic "nope" does not exist', details: { topic: 'nope' } });
    expect(errorBody(consumer)).toEqual({ error_code: 40402, message: 'consumer "who" does not exist', details: { consumer: 'who' } });
  });
});

describe('errors as HTTP answers', () => {
  it('answers a fluxo error with its status and {error_code, message}', () => {
    // Act
    const answer = toHttpError(new SchemaViolationError('records[3].value.peso must be a number'));

    // Assess
    expect(answer).toEqual({ status: 422, headers: {}, body: { error_code: 42201, message: 'records[3].value.peso must be a number' } });
  });

  it.each([
    ['adds Retry-After to a 503', new KafkaUnavailableError('down', { retryAfterSeconds: 5 }), '5'],
    ['defaults Retry-After to one second', new KafkaUnavailableError(), '1'],
  ])('%s', (_, error, retryAfter) => {
    // Act
    const answer = toHttpError(error);

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ 'Retry-After': retryAfter });
    expect(answer.body.error_code).toBe(50301);
  });

  it('answers anything else with 500/50001 without leaking its message', () => {
    // Prepare
    const secret = new Error('password=hunter2');

    // Act
    const answer = toHttpError(secret);
    const wrapped = asFluxoError(secret);

    // Assess
    expect(answer).toEqual({ status: 500, headers: {}, body: { error_code: 50001, message: 'internal error' } });
    expect(wrapped.cause).toBe(secret);
  });

  it('passes details through to the body', () => {
    // Act
    const body = errorBody(new PayloadTooLargeError('too big', { details: { bytes: 10, limit: 5 } }));

    // Assess
    expect(body).toEqual({ error_code: 41301, message: 'too big', details: { bytes: 10, limit: 5 } });
  });
});
