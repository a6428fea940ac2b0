/**
 * Environment variables the Lambdas read. The CDK stack sets them together with the grant that
 * uses them; the local stack sets them for its in-process handlers.
 */
import { namedError } from './errors';

export const ENV = {
  /** Comma-separated Kafka bootstrap brokers (`host:port,...`). */
  kafkaBrokers: 'KAFKA_BROKERS',
  /** `iam` (MSK IAM, TLS + OAUTHBEARER) or `none` (plaintext, local and the ec2 broker mode). */
  kafkaAuth: 'KAFKA_AUTH',
  /** DynamoDB table of aggregates, kept records and dead letters. */
  resultsTable: 'RESULTS_TABLE',
  /** DynamoDB table of ingest idempotency records. */
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** The consumer (spec name) a consumer Lambda runs. */
  consumerName: 'CONSUMER_NAME',
  /** Endpoint override for DynamoDB (DynamoDB Local); unset on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /**
   * `false` when the consumer's event source mapping reads no partial batch response (on-demand
   * pollers): the consumer then fails a batch with unapplied records as a whole. Unset: `true`.
   */
  reportBatchItemFailures: 'REPORT_BATCH_ITEM_FAILURES',
} as const;

/** A required environment variable is missing. */
export class ConfigurationError extends namedError('ConfigurationError') {}

/** Reads a required environment variable or throws a {@link ConfigurationError} naming it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}
