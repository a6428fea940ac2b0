/**
 * The DynamoDB document client, created once per container. `DYNAMODB_ENDPOINT` points it at
 * DynamoDB Local; on AWS it is unset and the SDK's defaults apply. Also which of its errors a
 * later retry can clear, for the consumer's store and the results reader alike.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../core/config';

/** Creates a document client that drops undefined attributes, honouring `DYNAMODB_ENDPOINT`. */
export function createDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const endpoint = env[ENV.dynamodbEndpoint];
  const client = new DynamoDBClient(endpoint ? { endpoint, region: env.AWS_REGION ?? 'local' } : {});
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Error names DynamoDB and the SDK use for conditions that a later retry can clear. */
const TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether an error from DynamoDB is worth retrying later (throttling, timeouts, service errors). */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }).$metadata;
  return (meta?.httpStatusCode ?? 0) >= 500 || (error as { $retryable?: unknown }).$retryable !== undefined;
}
