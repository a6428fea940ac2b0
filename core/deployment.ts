/**
 * One description of fluxo's functions, tables and topics, read by the CDK constructs (lib/) and by the
 * local runtime (local/): each function's handler, timeout, memory and environment variable
 * names, how it is bundled, and each table's keys. A setting that differs between AWS and the
 * local stack is a bug unless this file says why; test/infra/deployment.test.ts fails when the
 * two read it differently. Pure data: no AWS imports.
 */
import { ENV } from './config';
import { BY_WINDOW_INDEX, IDEMPOTENCY_KEY, RESULTS_KEY, TTL_ATTRIBUTE } from './keys';
import type { ResolvedTopic } from './spec';

/** The Lambda folders under `lambdas/`, each with an `index.ts` exporting `handler`. */
export type FunctionName = 'producer' | 'consumer' | 'results' | 'topics';

/** An environment variable a handler reads (core/config.ts). */
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** How one function runs, on AWS and locally. */
export interface FunctionDescription {
  /** The handler's source file, relative to the repository root. */
  readonly entry: string;
  /** Invocation timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Memory in MiB (locally only reported to the handler: a worker thread has no such limit). */
  readonly memoryMB: number;
  /** The variables it reads, set on AWS by the `bind*` helper that grants their use, and locally. */
  readonly environment: readonly EnvName[];
  /**
   * Variables only the local stack sets: `DYNAMODB_ENDPOINT` points the SDK at DynamoDB Local; on
   * AWS it stays unset and the SDK finds DynamoDB by region.
   */
  readonly localEnvironment: readonly EnvName[];
}

/** The Lambda runtime every function runs on (AWS Lambda Developer Guide, "Lambda runtimes"). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

/** Environment of every function besides its own variables: stack traces point into the sources. */
export const COMMON_ENVIRONMENT: Readonly<Record<string, string>> = { NODE_OPTIONS: '--enable-source-maps' };

/** API Gateway waits at most 29 s for an integration: a longer timeout only burns the function. */
const API_TIMEOUT_SECONDS = 29;

/** fluxo's functions. */
export const FUNCTIONS: Readonly<Record<FunctionName, FunctionDescription>> = {
  producer: {
    entry: 'lambdas/producer/index.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    memoryMB: 256,
    environment: [ENV.kafkaBrokers, ENV.kafkaAuth, ENV.idempotencyTable],
    localEnvironment: [ENV.dynamodbEndpoint],
  },
  consumer: {
    entry: 'lambdas/consumer/index.ts',
    // A batch reads and conditionally writes its aggregates with bounded DynamoDB retries.
    timeoutSeconds: 60,
    memoryMB: 256,
    environment: [ENV.consumerName, ENV.resultsTable, ENV.reportBatchItemFailures],
    localEnvironment: [ENV.dynamodbEndpoint],
  },
  results: {
    entry: 'lambdas/results/index.ts',
    timeoutSeconds: API_TIMEOUT_SECONDS,
    memoryMB: 256,
    environment: [ENV.resultsTable],
    localEnvironment: [ENV.dynamodbEndpoint],
  },
  topics: {
    entry: 'lambdas/topics/index.ts',
    // Creating a topic waits for its partitions' leaders; deleting waits for the controller.
    timeoutSeconds: 120,
    memoryMB: 256,
    environment: [ENV.kafkaBrokers, ENV.kafkaAuth],
    localEnvironment: [],
  },
};

/** How a handler is bundled (esbuild): CDK's NodejsFunction on AWS, local/emulation/runtime/bundle.ts locally. */
export interface BundlingDescription {
  /** Module format of the bundle. */
  readonly format: 'cjs';
  readonly minify: boolean;
  /** Writes a source map next to the bundle (read with `NODE_OPTIONS=--enable-source-maps`). */
  readonly sourceMap: boolean;
  /** esbuild's `target`. */
  readonly target: string;
  /** Left out of the bundle: the Lambda runtime ships the AWS SDK v3; bundling it only grows the cold start. */
  readonly externalModules: readonly string[];
}

/** The bundling of the deployed functions, for {@link LAMBDA_RUNTIME}. */
export const BUNDLING: BundlingDescription = {
  format: 'cjs',
  minify: true,
  sourceMap: true,
  target: 'node24',
  externalModules: ['@aws-sdk/*'],
};

/**
 * The one bundling setting the local stack changes: its bundles run on this machine's Node.js,
 * which package.json `engines` allows from 20, and syntax newer than the running Node would not
 * load. The external `@aws-sdk/*` resolves from the repository's node_modules, as on Lambda from
 * the runtime.
 */
export const LOCAL_BUNDLE_TARGET = 'node20';

/** A table's key and TTL attributes, all strings (`S`) but the TTL. */
export interface TableDescription {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** The attribute holding each item's expiry, in epoch seconds. */
  readonly ttlAttribute: string;
  /** Global secondary indexes, projecting every attribute. */
  readonly indexes: readonly { readonly name: string; readonly partitionKey: string; readonly sortKey: string }[];
}

/** fluxo's DynamoDB tables (on demand everywhere). */
export const TABLES: Readonly<Record<'results' | 'idempotency', TableDescription>> = {
  results: {
    partitionKey: RESULTS_KEY.partition,
    sortKey: RESULTS_KEY.sort,
    ttlAttribute: TTL_ATTRIBUTE,
    indexes: [{ name: BY_WINDOW_INDEX.name, partitionKey: BY_WINDOW_INDEX.partition, sortKey: BY_WINDOW_INDEX.sort }],
  },
  idempotency: { partitionKey: IDEMPOTENCY_KEY.partition, ttlAttribute: IDEMPOTENCY_KEY.ttl, indexes: [] },
};

/**
 * A topic as every runtime creates and reconciles it: the topic-admin custom resource on AWS
 * (lambdas/topics) and the local stack both apply it with `ensureTopic` (lambdas/clients/kafka.ts).
 * Without `replicationFactor`, the broker's `default.replication.factor` applies.
 */
export type TopicSettings = Pick<ResolvedTopic, 'name' | 'partitions' | 'retentionHours' | 'replicationFactor'>;

/** The settings of a spec topic. */
export function topicSettings(topic: ResolvedTopic): TopicSettings {
  return {
    name: topic.name,
    partitions: topic.partitions,
    retentionHours: topic.retentionHours,
    ...(topic.replicationFactor === undefined ? {} : { replicationFactor: topic.replicationFactor }),
  };
}

/** The topic-admin custom resource's properties for one topic, as the stack sets them (lib/constructs/topic-admin.ts). */
export interface TopicResourceProperties {
  /** The topic name. */
  readonly Name: string;
  /** Number of partitions (only ever raised). */
  readonly Partitions: number;
  /** `retention.ms` in hours. */
  readonly RetentionHours: number;
  /** Absent: the broker's default (MSK Serverless fixes it at 3). */
  readonly ReplicationFactor?: number;
}

/** How Kafka clients authenticate to the brokers: `iam` on MSK, `none` on the EC2 broker and locally. */
export type KafkaAuth = 'iam' | 'none';

/** `retention.ms` for a retention in hours. */
export function retentionMs(hours: number): string {
  return String(hours * 3_600_000);
}
