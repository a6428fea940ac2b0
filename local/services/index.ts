/**
 * The local stack's services: a real Apache Kafka broker (KRaft, single node) and DynamoDB
 * Local, both JVMs started from jars Maven fetched once into `.fluxo/cache/`, no Docker, no AWS
 * account. `KAFKA_BROKERS` and `DYNAMODB_ENDPOINT` make it use services the user already runs.
 *
 * ```ts
 * const services = await startServices({ onProgress: console.log });
 * await ensureTables(services.dynamodbEndpoint);
 * await ensureTopics(services.kafkaBrokers, pipeline);
 * // ... later
 * await services.stop();
 * ```
 */
import { join, resolve } from 'node:path';
import { ENV } from '../../lambdas/shared/config';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, waitForDynamoDb, type RunningDynamoDbLocal } from './dynamodb-local';
import { ServiceStartError } from './errors';
import { DYNAMODB_LOCAL_BUNDLE, KAFKA_BUNDLE, PROJECT_ROOT, installBundle } from './install';
import { startKafka, waitForKafka, type RunningKafka } from './kafka';
import { freePorts } from './ports';
import { findJava } from './tools';

export { DataDirInUseError, DependencyInstallError, MissingToolError, ServiceStartError } from './errors';
export { DYNAMODB_LOCAL_VERSION, KAFKA_VERSION, installLocalDeps } from './install';
export { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from './dynamodb-local';
export { LOCAL_TABLES, IDEMPOTENCY_KEY, ensureTables, type EnsureTablesResult } from './tables';
export { ensureTopics, localKafkaAdmin, type EnsureTopicsResult } from './topics';

/** Options of {@link startServices}. */
export interface StartServicesOptions {
  /**
   * Directory of the services' data (`data/kafka`, `data/dynamodb`), logs (`logs/`) and
   * generated configuration and PID files (`run/`); relative paths resolve against the current
   * directory. @default `<repository>/.fluxo`
   */
  readonly dataDir?: string;
  /** Directory of the cached jars. @default `FLUXO_CACHE_DIR`, else `<repository>/.fluxo/cache` */
  readonly cacheDir?: string;
  /** Wipe the services' data before starting (topics, offsets, tables). @default false */
  readonly fresh?: boolean;
  /** Keep DynamoDB Local's tables in memory only. @default false */
  readonly inMemory?: boolean;
  /** Kafka's client port. @default a free port */
  readonly kafkaPort?: number;
  /** DynamoDB Local's port. @default a free port */
  readonly dynamoPort?: number;
  /**
   * Stop the JVMs when this process gets SIGINT, SIGTERM or SIGHUP. Pass false when the caller
   * handles those signals itself and calls `stop()` in its own order (they are still killed if
   * this process exits with them running). @default true
   */
  readonly stopOnSignals?: boolean;
  /**
   * Run the JVMs in a process group of their own, so Ctrl-C in a terminal reaches only this
   * process, which then stops them in its own order (with `stopOnSignals: false`, e.g. to let
   * consumers leave their groups before the broker goes). @default false
   */
  readonly ownProcessGroup?: boolean;
  /** How long each service may take to answer, in ms. @default 90000 */
  readonly startTimeoutMs?: number;
  /** Receives one line per step (downloads, starts, timings). @default ignore */
  readonly onProgress?: (line: string) => void;
  /** Environment read for `KAFKA_BROKERS`, `DYNAMODB_ENDPOINT`, `JAVA_HOME`, `PATH`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The running services. */
export interface LocalServices {
  /** Kafka bootstrap brokers, e.g. `127.0.0.1:39092`. */
  readonly kafkaBrokers: string;
  /** DynamoDB endpoint, e.g. `http://127.0.0.1:38000`. */
  readonly dynamodbEndpoint: string;
  /** Which services this call started (false: taken from `KAFKA_BROKERS` / `DYNAMODB_ENDPOINT`). */
  readonly started: { readonly kafka: boolean; readonly dynamodb: boolean };
  /** Process ids of the JVMs this call started. */
  readonly pids: { readonly kafka?: number; readonly dynamodb?: number };
  /** How long each start took, in ms (0 when not started here). */
  readonly startMs: { readonly kafka: number; readonly dynamodb: number };
  /**
   * The environment handlers and clients need to reach these services: `KAFKA_BROKERS`,
   * `KAFKA_AUTH=none`, `DYNAMODB_ENDPOINT` and placeholder AWS credentials and region.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the JVMs this call started (SIGTERM, then SIGKILL after a deadline); resolves once they have exited. */
  stop(): Promise<void>;
}

/** Resolved directories under the data directory. */
export interface ServicePaths {
  readonly root: string;
  readonly kafkaData: string;
  readonly dynamodbData: string;
  readonly logs: string;
  readonly run: string;
}

/** The directories the services use under `dataDir`. */
export function servicePaths(dataDir: string = join(PROJECT_ROOT, '.fluxo')): ServicePaths {
  const root = resolve(dataDir);
  return {
    root,
    kafkaData: join(root, 'data', 'kafka'),
    dynamodbData: join(root, 'data', 'dynamodb'),
    logs: join(root, 'logs'),
    run: join(root, 'run'),
  };
}

async function ensureReachable(kind: 'kafka' | 'dynamodb', address: string, check: (deadline: number) => Promise<void>): Promise<void> {
  try {
    await check(Date.now() + 15_000);
  } catch (error) {
    const variable = kind === 'kafka' ? ENV.kafkaBrokers : ENV.dynamodbEndpoint;
    throw new ServiceStartError(kind, `${variable}=${address} is set but nothing answers there; unset it to let fluxo start its own`, '', { cause: error });
  }
}

/**
 * Starts Kafka and DynamoDB Local (in parallel), fetching their jars on the first run, and
 * resolves once both answer clients. A service whose address is already in `KAFKA_BROKERS` or
 * `DYNAMODB_ENDPOINT` is not started, only checked. If one fails to start, the other is stopped
 * before the error is thrown. The JVMs never outlive this process (see `process.ts`).
 */
export async function startServices(options: StartServicesOptions = {}): Promise<LocalServices> {
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? (() => undefined);
  const paths = servicePaths(options.dataDir);
  const externalKafka = env[ENV.kafkaBrokers] || undefined;
  const externalDynamoDb = env[ENV.dynamodbEndpoint] || undefined;

  const java = externalKafka && externalDynamoDb ? '' : findJava(env);
  const install = { cacheDir: options.cacheDir, onProgress, env };
  const kafkaJars = externalKafka ? undefined : await installBundle(KAFKA_BUNDLE, install);
  const dynamoJars = externalDynamoDb ? undefined : await installBundle(DYNAMODB_LOCAL_BUNDLE, install);
  const [kafkaPort, controllerPort, dynamoPort] = await freePorts(3);
  const timeout = options.startTimeoutMs ?? 90_000;
  const signals = { stopOnSignals: options.stopOnSignals ?? true, ownProcessGroup: options.ownProcessGroup ?? false };

  const timed = async <T>(start: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const began = Date.now();
    const value = await start();
    return { value, ms: Date.now() - began };
  };
  const kafkaStart = externalKafka
    ? ensureReachable('kafka', externalKafka, (deadline) => waitForKafka(externalKafka, deadline)).then(() => undefined)
    : timed(() =>
        startKafka({
          java,
          libDir: kafkaJars?.libDir ?? '',
          paths: { dataDir: paths.kafkaData, runDir: join(paths.run, 'kafka'), logDir: paths.logs },
          port: options.kafkaPort ?? kafkaPort,
          controllerPort,
          fresh: options.fresh,
          signals,
          startTimeoutMs: timeout,
          onProgress,
        }),
      );
  const dynamoStart = externalDynamoDb
    ? ensureReachable('dynamodb', externalDynamoDb, (deadline) => waitForDynamoDb(externalDynamoDb, deadline)).then(() => undefined)
    : timed(() =>
        startDynamoDbLocal({
          java,
          libDir: dynamoJars?.libDir ?? '',
          nativeDir: dynamoJars?.nativeDir ?? '',
          dataDir: paths.dynamodbData,
          runDir: paths.run,
          logDir: paths.logs,
          port: options.dynamoPort ?? dynamoPort,
          inMemory: options.inMemory,
          fresh: options.fresh,
          signals,
          startTimeoutMs: timeout,
          onProgress,
        }),
      );
  const [kafkaResult, dynamoResult] = await Promise.allSettled([kafkaStart, dynamoStart]);
  const kafka: { value: RunningKafka; ms: number } | undefined = kafkaResult.status === 'fulfilled' ? kafkaResult.value : undefined;
  const dynamo: { value: RunningDynamoDbLocal; ms: number } | undefined = dynamoResult.status === 'fulfilled' ? dynamoResult.value : undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all([kafka?.value.process.stop(), dynamo?.value.process.stop()]);
  };
  if (kafkaResult.status === 'rejected' || dynamoResult.status === 'rejected') {
    await stopAll();
    throw kafkaResult.status === 'rejected' ? kafkaResult.reason : (dynamoResult as PromiseRejectedResult).reason;
  }
  if (kafka) onProgress(`kafka: ready on ${kafka.value.brokers} in ${(kafka.ms / 1000).toFixed(1)} s (pid ${kafka.value.process.pid})`);
  if (dynamo) onProgress(`dynamodb: ready on ${dynamo.value.endpoint} in ${(dynamo.ms / 1000).toFixed(1)} s (pid ${dynamo.value.process.pid})`);

  const kafkaBrokers = externalKafka ?? kafka?.value.brokers ?? '';
  const dynamodbEndpoint = externalDynamoDb ?? dynamo?.value.endpoint ?? '';
  let stopping: Promise<void> | undefined;
  return {
    kafkaBrokers,
    dynamodbEndpoint,
    started: { kafka: kafka !== undefined, dynamodb: dynamo !== undefined },
    pids: { kafka: kafka?.value.process.pid, dynamodb: dynamo?.value.process.pid },
    startMs: { kafka: kafka?.ms ?? 0, dynamodb: dynamo?.ms ?? 0 },
    env: {
      [ENV.kafkaBrokers]: kafkaBrokers,
      [ENV.kafkaAuth]: 'none',
      [ENV.dynamodbEndpoint]: dynamodbEndpoint,
      // Placeholders: local services do not check credentials, and real ones have no business here.
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    stop(): Promise<void> {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
