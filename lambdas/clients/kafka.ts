/**
 * The kafkajs client factory every fluxo process uses: the producer Lambda, the topic-admin
 * custom resource, the local stack and the tests. Configuration comes from one options object
 * (or from the environment: `KAFKA_BROKERS`, `KAFKA_AUTH`, `AWS_REGION`):
 *
 * - `auth: 'iam'`: TLS + SASL/OAUTHBEARER with a token from aws-msk-iam-sasl-signer-js (MSK IAM).
 * - `auth: 'none'`: plaintext (the local broker and the ec2 broker mode).
 *
 * Timeouts are short because a Lambda behind API Gateway has at most 29 s to answer, and
 * kafkajs' own logging is off: callers log what matters with context.
 */
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { Admin, ICustomPartitioner, KafkaConfig, Producer } from 'kafkajs';
import { ENV } from '../../core/config';
import { retentionMs, type KafkaAuth, type TopicSettings } from '../../core/deployment';
import { namedError } from '../../core/errors';

/** Options of {@link createKafka}. */
export interface KafkaClientOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** `iam` for MSK IAM (TLS + OAUTHBEARER), `none` for plaintext. @default 'none' */
  readonly auth?: KafkaAuth;
  /** AWS region the IAM token is signed for; required with `auth: 'iam'`. */
  readonly region?: string;
  /** The client id brokers see in their logs and quotas. @default 'fluxo' */
  readonly clientId?: string;
  /** TCP connect timeout, ms. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one request to a broker, ms. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed request (client-wide; the producer caps its own too). @default 2, or {@link IAM_RETRY}'s with `auth: 'iam'` */
  readonly retries?: number;
}

/**
 * The client-wide retry of `auth: 'iam'` clients. MSK admits only so many new IAM-authenticated
 * connections per broker and second ("Maximum TCP connection rate per broker (IAM)": 4 per second
 * on kafka.t3 brokers, 100 on m5 and m7g; Amazon MSK Developer Guide, "Amazon MSK quota",
 * https://docs.aws.amazon.com/msk/latest/developerguide/limits.html), and a burst of cold starts
 * past it has connections refused. Without reserved concurrency nothing caps that burst but the
 * API's usage plan, so refused connections come back with a longer first wait and more jitter
 * (kafkajs `factor`, the randomization), spread over the next seconds instead of all at once;
 * every wait together stays far below the 29 s API Gateway gives the producer.
 */
export const IAM_RETRY = { retries: 3, initialRetryTime: 300, maxRetryTime: 2000, factor: 0.5 } as const;

/** The Kafka settings are missing or wrong. */
export class KafkaConfigurationError extends namedError('KafkaConfigurationError') {}

/** A topic's partition count would have to shrink, which Kafka cannot do. */
export class PartitionDecreaseError extends namedError('PartitionDecreaseError') {
  public constructor(topic: string, current: number, wanted: number) {
    super(`topic "${topic}" has ${current} partitions; Kafka cannot decrease them to ${wanted} (delete and recreate the topic instead)`);
  }
}

const BROKER = /^[^\s:,]+:\d{1,5}$/;

/** Reads {@link KafkaClientOptions} from `KAFKA_BROKERS`, `KAFKA_AUTH` and `AWS_REGION`, checking them first. */
export function kafkaOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaClientOptions {
  const brokers = (env[ENV.kafkaBrokers] ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw new KafkaConfigurationError(`environment variable ${ENV.kafkaBrokers} is not set`);
  const bad = brokers.find((b) => !BROKER.test(b));
  if (bad !== undefined) throw new KafkaConfigurationError(`${ENV.kafkaBrokers}: "${bad}" is not host:port`);
  const auth = env[ENV.kafkaAuth] ?? 'none';
  if (auth !== 'iam' && auth !== 'none') throw new KafkaConfigurationError(`${ENV.kafkaAuth} must be "iam" or "none" (got "${auth}")`);
  return { brokers, auth, region: env.AWS_REGION };
}

/** The kafkajs configuration {@link createKafka} uses; exported so tests can check it. */
export function kafkaConfig({
  brokers,
  auth = 'none',
  region,
  clientId = 'fluxo',
  connectionTimeoutMs = 3000,
  requestTimeoutMs = 5000,
  retries,
}: KafkaClientOptions): KafkaConfig {
  if (brokers.length === 0) throw new KafkaConfigurationError('at least one broker is required');
  const config: KafkaConfig = {
    clientId,
    brokers: [...brokers],
    connectionTimeout: connectionTimeoutMs,
    authenticationTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    retry: { retries: retries ?? 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  };
  if (auth === 'none') return config;
  if (region === undefined || region === '') throw new KafkaConfigurationError('auth "iam" needs the AWS region (AWS_REGION)');
  return {
    ...config,
    retry: { ...IAM_RETRY, retries: retries ?? IAM_RETRY.retries },
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    },
  };
}

/** Creates a kafkajs client. Connecting happens later, per producer, consumer or admin. */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka(kafkaConfig(options));
}

/** Options of {@link createIdempotentProducer}. */
export interface IdempotentProducerOptions {
  /** Chooses each message's partition. @default kafkajs' DefaultPartitioner */
  readonly createPartitioner?: ICustomPartitioner;
}

/**
 * Creates an idempotent producer: the broker drops a retried duplicate, so a retry inside one
 * send never writes a record twice. kafkajs requires `acks: -1` for it ({@link SEND_OPTIONS});
 * one request in flight keeps the per-partition sequence numbers in order (KIP-98), and costs
 * nothing in a Lambda, which sends one request at a time. Topics are never auto-created.
 */
export function createIdempotentProducer(kafka: Kafka, { createPartitioner }: IdempotentProducerOptions = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Bounded: a Lambda must answer in time.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    ...(createPartitioner === undefined ? {} : { createPartitioner }),
  });
}

/** What every send uses: all in-sync replicas acknowledge, GZIP (built into kafkajs). */
export const SEND_OPTIONS = { acks: -1, compression: CompressionTypes.GZIP } as const;

/**
 * One lazily connected producer per container: the first {@link get} connects, later calls
 * reuse it, and {@link reset} (after a failure) disconnects it so the next call reconnects.
 */
export class LazyProducer {
  private connecting: Promise<Producer> | undefined;

  public constructor(private readonly create: () => Producer) {}

  /** The connected producer; connects on first use or after {@link reset}. */
  public get(): Promise<Producer> {
    if (this.connecting === undefined) {
      const producer = this.create();
      const connecting = producer.connect().then(() => producer);
      // A failed connect is forgotten, so the next call tries again.
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
      this.connecting = connecting;
    }
    return this.connecting;
  }

  /** Drops the producer (disconnecting it, errors ignored): the next {@link get} reconnects. */
  public async reset(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting === undefined) return;
    try {
      await (await connecting).disconnect();
    } catch {
      // Disconnecting a broken producer may fail; there is nothing left to release.
    }
  }
}

/** What {@link ensureTopic} did. */
export type EnsureTopicOutcome = 'created' | 'updated' | 'unchanged';

const RETENTION_MS = 'retention.ms';
/** kafkajs' `configSource` of a config set on the topic itself (DYNAMIC_TOPIC_CONFIG). */
const DYNAMIC_TOPIC_CONFIG = 1;

/**
 * Makes a topic match its settings, idempotently: creates it when missing, adds partitions when
 * it has fewer (never removes: throws {@link PartitionDecreaseError}), and sets `retention.ms`,
 * keeping the topic's other dynamic configs. The admin must be connected. `waitForLeaders: false`
 * returns once the controller has the topic (the caller then waits its own way).
 */
export async function ensureTopic(
  admin: Admin,
  settings: TopicSettings,
  { waitForLeaders = true }: { readonly waitForLeaders?: boolean } = {},
): Promise<EnsureTopicOutcome> {
  const { name, partitions, retentionHours, replicationFactor } = settings;
  const retention = { name: RETENTION_MS, value: retentionMs(retentionHours) };
  if (!(await admin.listTopics()).includes(name)) {
    const topic = { topic: name, numPartitions: partitions, replicationFactor: replicationFactor ?? -1, configEntries: [retention] };
    const created = await admin.createTopics({ waitForLeaders, topics: [topic] });
    // false: created by someone else meanwhile; fall through and reconcile it.
    if (created) return 'created';
  }
  let changed = false;
  const metadata = await admin.fetchTopicMetadata({ topics: [name] });
  const current = metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0;
  if (partitions < current) throw new PartitionDecreaseError(name, current, partitions);
  if (partitions > current) {
    await admin.createPartitions({ topicPartitions: [{ topic: name, count: partitions }] });
    changed = true;
  }
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name }] });
  const entries = described.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
  if (entries.find((e) => e.configName === RETENTION_MS)?.configValue !== retention.value) {
    // AlterConfigs replaces every dynamic config of the topic: send the others back unchanged.
    const kept = entries
      .filter((e) => e.configSource === DYNAMIC_TOPIC_CONFIG && e.configName !== RETENTION_MS && !e.isSensitive)
      .map((e) => ({ name: e.configName, value: e.configValue }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [...kept, retention] }],
    });
    changed = true;
  }
  return changed ? 'updated' : 'unchanged';
}

/** The Kafka error types (kafkajs' `type`) of an error and of those it wraps (`originalError`, `cause`), outermost first. */
export function kafkaErrorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    const type = (e as Error & { type?: unknown }).type;
    if (typeof type === 'string') types.push(type);
    e = (e as Error & { originalError?: unknown }).originalError ?? e.cause;
  }
  return types;
}

/** Whether an error (or one it wraps) is Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
export function isUnknownTopicError(error: unknown): boolean {
  return kafkaErrorTypes(error).includes('UNKNOWN_TOPIC_OR_PARTITION');
}

/** Deletes a topic; a topic that does not exist is not an error. Returns whether it existed. The admin must be connected. */
export async function deleteTopicIfExists(admin: Admin, name: string): Promise<boolean> {
  if (!(await admin.listTopics()).includes(name)) return false;
  try {
    await admin.deleteTopics({ topics: [name] });
    return true;
  } catch (error) {
    if (isUnknownTopicError(error)) return false;
    throw error;
  }
}
