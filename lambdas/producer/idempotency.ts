/**
 * `Idempotency-Key` for ingest, with Powertools idempotency on a DynamoDB table
 * (`IDEMPOTENCY_TABLE`, partition key `id`, TTL attribute `expiration`):
 *
 * - the key is the header value plus the topic, kept 24 hours;
 * - the first answer (200, 207, or a 4xx when every record was rejected) is stored and a retry
 *   gets it back, with `Idempotent-Replayed: true`, writing nothing new;
 * - the parsed body is validated: the same key with a different body is 422/42202;
 * - a retry while the first request runs is 409/40901;
 * - a failure (503, whole-request errors) is not stored, so a retry runs again;
 * - when the records were written but their answer cannot be stored, the client still gets the
 *   true answer; a retry then meets 409 until the in-progress record expires (the Lambda's
 *   remaining time) and runs again.
 * A request that runs again may write its records to the topic a second time; the consumers
 * count one copy of each `fluxo-record-id` (../consumer/README.md, "Retried requests").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { ENV } from '../../core/config';
import { IDEMPOTENCY_KEY } from '../../core/keys';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, ServiceUnavailableError } from '../../core/errors';

/** The request header carrying the client's idempotency key. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** The answer header set when an answer is a stored one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What the idempotent part of ingest receives: the key, the topic and the parsed body it guards. */
export interface IdempotentRequest {
  readonly idempotencyKey: string;
  readonly topic: string;
  /** The parsed JSON body: hashed to detect a key reused with another body. */
  readonly body: unknown;
}

/** The processing an `Idempotency-Key` guards. */
export type IngestProcessor = (request: IdempotentRequest, context: Context) => Promise<APIGatewayProxyResult>;

/** Options of {@link makeIdempotentIngest}. */
export interface IdempotentIngestOptions {
  /** The idempotency table. */
  readonly tableName: string;
  /** Endpoint override (DynamoDB Local). @default the SDK's */
  readonly endpoint?: string;
  /** Region of the endpoint override. @default AWS_REGION or 'local' */
  readonly region?: string;
}

/** Powertools' errors as fluxo's: 409/40901, 422/42202, 503/50302; others pass through. */
export function mapIdempotencyError(error: unknown): unknown {
  const name = error instanceof Error ? error.name : undefined;
  if (name === 'IdempotencyAlreadyInProgressError') return new IdempotencyInProgressError(undefined, { cause: error });
  if (name === 'IdempotencyValidationError') return new IdempotencyKeyReusedError(undefined, { cause: error });
  if (name === 'IdempotencyPersistenceLayerError') {
    return new ServiceUnavailableError('the idempotency store cannot be used now', { code: 50302, cause: error });
  }
  return error;
}

/** Wraps ingest processing so that each `(Idempotency-Key, topic)` runs once and its answer is replayed. */
export function makeIdempotentIngest(process: IngestProcessor, { tableName, endpoint, region }: IdempotentIngestOptions): IngestProcessor {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    keyAttr: IDEMPOTENCY_KEY.partition,
    expiryAttr: IDEMPOTENCY_KEY.ttl,
    awsSdkV3Client: new DynamoDBClient(endpoint === undefined ? {} : { endpoint, region: region ?? 'local' }),
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[idempotencyKey, topic]',
    payloadValidationJmesPath: 'body',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
    responseHook: (response) => {
      const answer = response as unknown as APIGatewayProxyResult;
      return { ...answer, headers: { ...answer.headers, [REPLAYED_HEADER]: 'true' } };
    },
  });
  // The answer of each call that ran to completion: if storing it then fails, the records are
  // on Kafka all the same, and the client must hear so rather than a 503 that invites a rewrite.
  const completed = new WeakMap<IdempotentRequest, APIGatewayProxyResult>();
  const run: IngestProcessor = async (request, context) => {
    const answer = await process(request, context);
    completed.set(request, answer);
    return answer;
  };
  const idempotent = makeIdempotent(run, { persistenceStore, config, keyPrefix: 'fluxo.ingest' });
  return async (request, context) => {
    try {
      return await idempotent(request, context);
    } catch (error) {
      const answer = completed.get(request);
      if (answer !== undefined) return answer;
      throw mapIdempotencyError(error);
    }
  };
}

/** Options of {@link makeIdempotentIngest} from the environment; undefined when `IDEMPOTENCY_TABLE` is unset. */
export function idempotencyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): IdempotentIngestOptions | undefined {
  const tableName = env[ENV.idempotencyTable];
  if (tableName === undefined || tableName === '') return undefined;
  const endpoint = env[ENV.dynamodbEndpoint];
  return { tableName, ...(endpoint ? { endpoint, region: env.AWS_REGION ?? 'local' } : {}) };
}
