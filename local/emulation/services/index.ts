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
import { ENV } from '../../../core/config';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, waitForDynamoDb } from './dynamodb-local';
import { ServiceStartError } from './errors';
import { DYNAMODB_LOCAL_BUNDLE, KAFKA_BUNDLE, PROJECT_ROOT, installBundle } from './install';
import { kafkaToolCommand, startKafka, waitForKafka, type KafkaToolCommand } from './kafka';
import type { JvmServiceOptions, ManagedProcess, RunningService } from './process';
import { freePorts } from './ports';

export { COURSE_KAFKA_PORT, portIsFree } from './ports';
import { findJava } from './tools';

export { DataDirInUseError } from './errors';
export { DYNAMODB_LOCAL_VERSION, KAFKA_VERSION } from './install';
export { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from './dynamodb-local';
export { LOCAL_TABLES, ensureTables } from './tables';
export { ensureTopics, localKafkaAdmin } from './topics';

/** Options of {@link startServices}. */
export interface StartServicesOptions extends Pick<JvmServiceOptions, 'stopOnSignals' | 'ownProcessGroup'> {
  /**
   * Directory of the services' data (`data/kafka`, `data/dynamodb`), logs (`logs/`) and
   * generated configuration and PID files (`run/`); relative paths resolve against the current
   * directory. @default `<repository>/.fluxo`
   */
  readonly dataDir?: string;
  /** Directory of the cached jars. @default `FLUXO_CACHE_DIR`, else `<repository>/.fluxo/cache` */
  readonly cacheDir?: string;
  /** Wipe the data of the services started here (topics, offsets, tables) first; never touches services from the environment. @default false */
  readonly fresh?: boolean;
  /** Keep DynamoDB Local's tables in memory only. @default false */
  readonly inMemory?: boolean;
  /** Kafka's client port. @default a free port */
  readonly kafkaPort?: number;
  /** DynamoDB Local's port. @default a free port */
  readonly dynamoPort?: number;
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
  /** The data directory itself. */
  readonly root: string;
  /** Kafka's `log.dirs`. */
  readonly kafkaData: string;
  /** DynamoDB Local's `-dbPath`. */
  readonly dynamodbData: string;
  /** Log files of both services. */
  readonly logs: string;
  /** Generated configuration and PID files. */
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

/** A service this call either started or found at the address the environment gave. */
interface ServiceHandle {
  /** Brokers or endpoint. */
  readonly address: string;
  /** The process this call started; undefined for a service taken from the environment. */
  readonly process?: ManagedProcess;
  /** How long the start took, in ms (0 when not started here). */
  readonly ms: number;
}

/** Checks, with a short deadline, that a service named by the environment answers. */
async function useExisting(kind: 'kafka' | 'dynamodb', address: string): Promise<ServiceHandle> {
  const deadline = Date.now() + 15_000;
  try {
    await (kind === 'kafka' ? waitForKafka(address, deadline) : waitForDynamoDb(address, deadline));
  } catch (error) {
    const variable = kind === 'kafka' ? ENV.kafkaBrokers : ENV.dynamodbEndpoint;
    throw new ServiceStartError(kind, `${variable}=${address} is set but nothing answers there; unset it to let fluxo start its own`, '', {
      cause: error,
    });
  }
  return { address, ms: 0 };
}

async function timed(start: () => Promise<RunningService>): Promise<ServiceHandle> {
  const began = Date.now();
  const started = await start();
  return { ...started, ms: Date.now() - began };
}

/** `count` free ports, none of them among `taken`. */
async function portsOtherThan(count: number, taken: readonly (number | undefined)[]): Promise<number[]> {
  const ports = await freePorts(count + taken.length);
  return ports.filter((port) => !taken.includes(port)).slice(0, count);
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
  const [kafkaPort = 0, controllerPort = 0, dynamoPort = 0] = await portsOtherThan(3, [options.kafkaPort, options.dynamoPort]);
  const common = {
    java,
    fresh: options.fresh,
    stopOnSignals: options.stopOnSignals,
    ownProcessGroup: options.ownProcessGroup,
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
    onProgress,
  };

  const kafkaStart = externalKafka
    ? useExisting('kafka', externalKafka)
    : timed(() =>
        startKafka({
          ...common,
          libDir: kafkaJars?.libDir ?? '',
          paths: { dataDir: paths.kafkaData, runDir: join(paths.run, 'kafka'), logDir: paths.logs },
          port: options.kafkaPort ?? kafkaPort,
          controllerPort,
        }),
      );
  const dynamoStart = externalDynamoDb
    ? useExisting('dynamodb', externalDynamoDb)
    : timed(() =>
        startDynamoDbLocal({
          ...common,
          libDir: dynamoJars?.libDir ?? '',
          nativeDir: dynamoJars?.nativeDir ?? '',
          dataDir: paths.dynamodbData,
          runDir: paths.run,
          logDir: paths.logs,
          port: options.dynamoPort ?? dynamoPort,
          inMemory: options.inMemory,
        }),
      );
  const settled = await Promise.allSettled([kafkaStart, dynamoStart]);
  const handles = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= Promise.all(handles.map((h) => h.process?.stop())).then(() => undefined));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  const [kafka, dynamo] = handles as [ServiceHandle, ServiceHandle];
  for (const [name, { address, process: jvm, ms }] of Object.entries({ kafka, dynamodb: dynamo })) {
    if (jvm) onProgress(`${name}: ready on ${address} in ${(ms / 1000).toFixed(1)} s (pid ${jvm.pid})`);
  }
  return {
    kafkaBrokers: kafka.address,
    dynamodbEndpoint: dynamo.address,
    started: { kafka: kafka.process !== undefined, dynamodb: dynamo.process !== undefined },
    pids: { kafka: kafka.process?.pid, dynamodb: dynamo.process?.pid },
    startMs: { kafka: kafka.ms, dynamodb: dynamo.ms },
    env: {
      [ENV.kafkaBrokers]: kafka.address,
      [ENV.kafkaAuth]: 'none',
      [ENV.dynamodbEndpoint]: dynamo.address,
      // Placeholders: local services do not check credentials, and real ones have no business here.
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    stop,
  };
}

/**
 * The command line of a Kafka command-line tool from the cached jars (fetched first if needed),
 * e.g. `kafkaTool('org.apache.kafka.tools.ProducerPerformance', ['--topic', 't', ...])` for
 * kafka-producer-perf-test. Run it with `spawn(command, args)`.
 */
export async function kafkaTool(
  mainClass: string,
  args: readonly string[],
  options: Pick<StartServicesOptions, 'cacheDir' | 'env' | 'onProgress'> = {},
): Promise<KafkaToolCommand> {
  const env = options.env ?? process.env;
  const java = findJava(env);
  const jars = await installBundle(KAFKA_BUNDLE, { cacheDir: options.cacheDir, onProgress: options.onProgress, env });
  return kafkaToolCommand(java, jars.libDir, mainClass, args);
}
