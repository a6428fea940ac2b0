import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { idempotencyOptionsFromEnv, mapIdempotencyError } from '../../../lambdas/producer/idempotency';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../../../core/errors';

describe('idempotency configuration', () => {
  it('is off without IDEMPOTENCY_TABLE', () => {
    // Act / Assess
    expect(idempotencyOptionsFromEnv({})).toBeUndefined();
    expect(idempotencyOptionsFromEnv({ IDEMPOTENCY_TABLE: '' })).toBeUndefined();
  });

  it('uses the table on AWS and DynamoDB Local when DYNAMODB_ENDPOINT is set', () => {
    // Act
    const aws = idempotencyOptionsFromEnv({ IDEMPOTENCY_TABLE: 'fluxo-idem' });
    const local = idempotencyOptionsFromEnv({ IDEMPOTENCY_TABLE: 'fluxo-idempotency', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    const localRegion = idempotencyOptionsFromEnv({
      IDEMPOTENCY_TABLE: 't',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      AWS_REGION: 'sa-east-1',
    });

    // Assess
    expect(aws).toEqual({ tableName: 'fluxo-idem' });
    expect(local).toEqual({ tableName: 'fluxo-idempotency', endpoint: 'http://127.0.0.1:8000', region: 'local' });
    expect(localRegion?.region).toBe('sa-east-1');
  });
});

describe("Powertools' errors as fluxo's", () => {
  it('maps in-progress to 409 and a reused key to 422, keeping the cause', () => {
    // Prepare
    const inProgress = new IdempotencyAlreadyInProgressError('in progress');
    const mismatch = new IdempotencyValidationError('payload does not match');

    // Act
    const conflict = mapIdempotencyError(inProgress);
    const reused = mapIdempotencyError(mismatch);

    // Assess
    expect(conflict).toBeInstanceOf(IdempotencyInProgressError);
    expect((conflict as Error).cause).toBe(inProgress);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('passes other errors through unchanged', () => {
    // Prepare
    const other = new Error('boom');

    // Act / Assess
    expect(mapIdempotencyError(other)).toBe(other);
  });
});
