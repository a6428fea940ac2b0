/**
 * The fault suite's own local stack, one per test file: Kafka and DynamoDB Local started one by
 * one (local/emulation/services) so that a test can kill, pause and restart each on the same port and data
 * directory, and the gateway, functions and emulators of local/stack.ts on top of them.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENV } from '../../core/config';
import { FUNCTIONS } from '../../core/deployment';
import { JsonlDestination } from '../../local/emulation/esm/on-failure';
import { startDynamoDbLocal } from '../../local/emulation/services/dynamodb-local';
import { DYNAMODB_LOCAL_BUNDLE, KAFKA_BUNDLE, installBundle, type InstalledBundle } from '../../local/emulation/services/install';
import { startKafka } from '../../local/emulation/services/kafka';
import type { RunningService } from '../../local/emulation/services/process';
import { freePorts } from '../../local/emulation/services/ports';
import { findJava } from '../../local/emulation/services/tools';
import { ensureTables, ensureTopics } from '../../local/emulation/services';
import { bundleFunction } from '../../local/emulation/runtime/bundle';
import { localFunctionEnvironment } from '../../local/emulation/runtime/environment';
import { LocalFunction } from '../../local/emulation/runtime/local-function';
import { LOCAL_TABLES } from '../../local/emulation/services';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { FAULT_SPEC_FILE, pipeline } from './fault-spec';

/** The repository root. */
export const ROOT = resolve(__dirname, '../..');
/** Where the suite's bundles go (kept between runs: unchanged bundles are reused). */
export const FAULT_BUILD_DIR = join(ROOT, '.fluxo', 'fault-build');

/** Kafka and DynamoDB Local, each of which a test may kill, pause and restart in place. */
export class FaultServices {
  /** The run's temporary directory: service data, logs, the on-failure file. */
  public readonly dir: string;
  public readonly kafkaBrokers: string;
  public readonly dynamodbEndpoint: string;
  private kafka: RunningService | undefined;
  private dynamo: RunningService | undefined;

  private constructor(
    private readonly inMemory: boolean,
    private readonly java: string,
    private readonly jars: { readonly kafka: InstalledBundle; readonly dynamodb: InstalledBundle },
    private readonly ports: { readonly kafka: number; readonly controller: number; readonly dynamodb: number },
    dir: string,
  ) {
    this.dir = dir;
    this.kafkaBrokers = `127.0.0.1:${ports.kafka}`;
    this.dynamodbEndpoint = `http://127.0.0.1:${ports.dynamodb}`;
  }

  /**
   * Starts both services in a new temporary directory, with the tables and the fault topics.
   * DynamoDB Local keeps its tables in memory unless `dynamoDbOnDisk` (needed to restart it).
   */
  public static async start(label: string, { dynamoDbOnDisk = false }: { dynamoDbOnDisk?: boolean } = {}): Promise<FaultServices> {
    const java = findJava();
    const jars = { kafka: await installBundle(KAFKA_BUNDLE), dynamodb: await installBundle(DYNAMODB_LOCAL_BUNDLE) };
    const [kafka = 0, controller = 0, dynamodb = 0] = await freePorts(3);
    const services = new FaultServices(
      !dynamoDbOnDisk,
      java,
      jars,
      { kafka, controller, dynamodb },
      mkdtempSync(join(tmpdir(), `fluxo-fault-${label}-`)),
    );
    try {
      await Promise.all([services.startKafka(), services.startDynamoDb()]);
      await ensureTables(services.dynamodbEndpoint);
      await ensureTopics(services.kafkaBrokers, pipeline);
    } catch (error) {
      await services.stop();
      throw error;
    }
    return services;
  }

  /** Starts the broker (again) on its port and data directory; resolves once it answers and its group coordinator is ready. */
  public async startKafka(): Promise<void> {
    this.kafka = await startKafka({
      java: this.java,
      libDir: this.jars.kafka.libDir,
      paths: { dataDir: join(this.dir, 'kafka'), runDir: join(this.dir, 'run', 'kafka'), logDir: join(this.dir, 'logs') },
      port: this.ports.kafka,
      controllerPort: this.ports.controller,
      startTimeoutMs: 60_000,
    });
  }

  /** Starts DynamoDB Local (again) on its port and database file. */
  public async startDynamoDb(): Promise<void> {
    this.dynamo = await startDynamoDbLocal({
      java: this.java,
      libDir: this.jars.dynamodb.libDir,
      nativeDir: this.jars.dynamodb.nativeDir,
      dataDir: join(this.dir, 'dynamodb'),
      runDir: join(this.dir, 'run'),
      logDir: join(this.dir, 'logs'),
      port: this.ports.dynamodb,
      inMemory: this.inMemory,
      startTimeoutMs: 60_000,
    });
  }

  /** SIGKILLs the broker (no shutdown of any kind) and resolves once it is gone. */
  public async killKafka(): Promise<void> {
    await kill(this.kafka?.process);
    this.kafka = undefined;
  }

  /** SIGKILLs DynamoDB Local and resolves once it is gone. */
  public async killDynamoDb(): Promise<void> {
    await kill(this.dynamo?.process);
    this.dynamo = undefined;
  }

  /** Freezes the broker (SIGSTOP): connections stay open, nothing is answered. */
  public pauseKafka(): void {
    signal(this.kafka?.process, 'SIGSTOP');
  }

  /** Thaws a frozen broker (SIGCONT). */
  public resumeKafka(): void {
    signal(this.kafka?.process, 'SIGCONT');
  }

  /** The `process.env` entries the integration helpers (and kafkajs clients) read. */
  public get env(): Record<string, string> {
    return { [ENV.kafkaBrokers]: this.kafkaBrokers, [ENV.kafkaAuth]: 'none', [ENV.dynamodbEndpoint]: this.dynamodbEndpoint };
  }

  /** Stops what runs and removes the directory (kept with `FLUXO_KEEP_TEST_LOGS`). */
  public async stop(): Promise<void> {
    if (this.kafka) signal(this.kafka.process, 'SIGCONT');
    await Promise.allSettled([this.kafka?.process.stop(5_000), this.dynamo?.process.stop(5_000)]);
    this.kafka = undefined;
    this.dynamo = undefined;
    if (process.env.FLUXO_KEEP_TEST_LOGS) process.stderr.write(`fault services of this run kept in ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

type Process = RunningService['process'];

function signal(target: Process | undefined, name: NodeJS.Signals): void {
  if (target === undefined || target.hasExited()) throw new Error(`no running service to send ${name} to`);
  process.kill(target.pid, name);
}

async function kill(target: Process | undefined): Promise<void> {
  if (target === undefined || target.hasExited()) throw new Error('no running service to kill');
  process.kill(target.pid, 'SIGKILL');
  await target.exited;
}

/** A fault run: its services and the stack on them. */
export interface FaultRun {
  readonly services: FaultServices;
  readonly stack: LocalStack;
  /** The on-failure destination's file (batches the emulators gave up on). */
  readonly onFailureFile: string;
  /** The stack's log (functions, emulators, requests). */
  readonly logFile: string;
  /** Stops the stack, then the services. */
  stop(): Promise<void>;
}

/**
 * Starts the services and a stack with emulators for `consumers` only (none by default), and
 * points `process.env` (`FLUXO_URL`, `KAFKA_BROKERS`, ...) at them for the integration helpers.
 */
export async function startFaultRun(
  label: string,
  options: Pick<LocalStackOptions, 'consumers' | 'onInvoke' | 'backoff' | 'producer' | 'integrationTimeoutMs'> & {
    readonly dynamoDbOnDisk?: boolean;
  } = {},
): Promise<FaultRun> {
  const services = await FaultServices.start(label, { dynamoDbOnDisk: options.dynamoDbOnDisk });
  const onFailureFile = join(services.dir, 'on-failure.jsonl');
  const logFile = join(services.dir, 'stack.log');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      spec: pipeline,
      specFile: FAULT_SPEC_FILE,
      root: ROOT,
      buildDir: FAULT_BUILD_DIR,
      kafkaBrokers: services.kafkaBrokers,
      dynamodbEndpoint: services.dynamodbEndpoint,
      port: 0,
      consumers: options.consumers ?? [],
      destination: new JsonlDestination(onFailureFile),
      backoff: options.backoff ?? { initialMs: 50, maxMs: 1000 },
      onInvoke: options.onInvoke,
      producer: options.producer,
      integrationTimeoutMs: options.integrationTimeoutMs,
      log: (line) => appendFileSync(logFile, `${line}\n`),
    });
  } catch (error) {
    await services.stop();
    throw error;
  }
  Object.assign(process.env, services.env, { FLUXO_URL: stack.url });
  return {
    services,
    stack,
    onFailureFile,
    logFile,
    stop: async () => {
      try {
        await stack.stop();
      } finally {
        await services.stop();
      }
    },
  };
}

/** Options of {@link consumerFunction}. */
export interface ConsumerFunctionOptions {
  /** The consumer it runs (`CONSUMER_NAME`). */
  readonly consumer: string;
  /** Its handler's source file. @default the real consumer handler */
  readonly entry?: string;
  /** Environment variables besides the local ones (e.g. a test entry's fault settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** The function's name; two names give two execution environments. @default `fluxo-consumer-<consumer>` */
  readonly name?: string;
}

/**
 * A consumer function the test drives itself (outside the stack's emulators), bundled against
 * the fault spec and running on the run's services.
 */
export async function consumerFunction(run: FaultRun, options: ConsumerFunctionOptions): Promise<LocalFunction> {
  const entry = options.entry ?? 'lambdas/consumer/index.ts';
  const bundleName = entry === 'lambdas/consumer/index.ts' ? 'consumer' : entry.replace(/^.*\//, '').replace(/\.ts$/, '');
  const bundle = await bundleFunction({ name: bundleName, entry }, { root: ROOT, outDir: FAULT_BUILD_DIR, specFile: FAULT_SPEC_FILE });
  const worker = run.stack.bundles.find((b) => b.name === '_worker');
  if (worker === undefined) throw new Error('the stack has no worker bundle');
  const name = options.name ?? `fluxo-consumer-${options.consumer}`;
  const fn = new LocalFunction({
    name,
    bundleFile: bundle.file,
    workerFile: worker.file,
    timeoutSeconds: FUNCTIONS.consumer.timeoutSeconds,
    memoryMB: FUNCTIONS.consumer.memoryMB,
    env: {
      ...localFunctionEnvironment({
        functionName: name,
        handler: 'consumer',
        kafkaBrokers: run.services.kafkaBrokers,
        dynamodbEndpoint: run.services.dynamodbEndpoint,
        tables: LOCAL_TABLES,
        consumerName: options.consumer,
      }),
      ...options.env,
    },
    onLog: (line) => appendFileSync(run.logFile, `[${name}] ${line}\n`),
  });
  const initError = await fn.start();
  if (initError !== undefined) {
    await fn.close();
    throw new Error(`${name} failed to start: ${initError.errorType}: ${initError.errorMessage}`);
  }
  return fn;
}
