/**
 * The local stack's runtime on top of running services: the Lambda functions (bundled, one worker
 * each), the HTTP gateway and one event-source-mapping emulator per consumer and its topics.
 * `npm start` and the integration tests' global setup both build it with {@link startLocalStack}.
 */
import { join, resolve } from 'node:path';
import { FUNCTIONS, type FunctionName } from '../core/deployment';
import { resolveConsumer, resolveTopic, type PipelineSpec, type ResolvedConsumer } from '../core/spec';
import { EventSourceMappingEmulator } from './emulation/esm/emulator';
import { DEFAULT_ON_FAILURE_FILE, JsonlDestination, type OnFailureDestination } from './emulation/esm/on-failure';
import { startDashboard } from './tools/dashboard/server';
import { startGateway, type Gateway } from './emulation/gateway';
import { localHealthCheck } from './emulation/health';
import { bundleFunction, bundleWorker, type Bundle } from './emulation/runtime/bundle';
import { localFunctionEnvironment, type LocalEnvironmentOptions } from './emulation/runtime/environment';
import { LocalFunction, type InvocationResult } from './emulation/runtime/local-function';
import { LOCAL_TABLES } from './emulation/services';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** The pipeline spec: which consumers get an emulator. */
  readonly spec: PipelineSpec;
  /** Kafka bootstrap brokers, `host:port,...`. */
  readonly kafkaBrokers: string;
  /** DynamoDB endpoint. */
  readonly dynamodbEndpoint: string;
  /** Gateway port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Project root. @default the repository this file is in */
  readonly root?: string;
  /** Where bundles go. @default `<root>/.fluxo/build` */
  readonly buildDir?: string;
  /** Bundle the handlers against this spec module instead of `pipeline.ts` (tests). */
  readonly specFile?: string;
  /** Run emulators only for these consumers. @default every consumer of the spec */
  readonly consumers?: readonly string[];
  /** The on-failure destination. @default a JSONL file at `<root>/.fluxo/dlq/on-failure.jsonl` */
  readonly destination?: OnFailureDestination;
  /** Retry backoff of the emulators. @default 100 ms doubling to 5 s */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Receives log lines of functions, emulators and requests. @default discard */
  readonly log?: (line: string) => void;
  /** API Gateway's integration timeout, ms, read per request (tests shorten it). @default 29000 (gateway.ts) */
  readonly integrationTimeoutMs?: number | (() => number);
  /**
   * Test seams of the fault suite: the producer's timeout in seconds (shorter than on AWS, so a
   * killed producer's in-progress idempotency record expires in seconds), and its handler's
   * source file (a test entry wrapping the real one). @default deployment.ts's, the real handler
   */
  readonly producer?: { readonly timeoutSeconds?: number; readonly entry?: string; readonly env?: Readonly<Record<string, string>> };
  /** Observes every consumer invocation. */
  readonly onInvoke?: (consumer: string, event: unknown, result: InvocationResult) => void;
}

/** A running local stack. */
export interface LocalStack {
  readonly url: string;
  readonly bundles: readonly Bundle[];
  /** Stops emulators (leaving their groups), the gateway, then the functions. */
  stop(): Promise<void>;
}

/** Everything a bundled handler needs besides its code. */
export interface FunctionFactoryOptions extends Pick<LocalEnvironmentOptions, 'kafkaBrokers' | 'dynamodbEndpoint' | 'tables'> {
  readonly workerFile: string;
  readonly log: (line: string) => void;
}

/**
 * Creates a local function of `handler` for a bundle: its timeout, memory and environment
 * variable names as core/deployment.ts describes them for AWS too, pointed at the local
 * services (`consumerName` for consumer functions).
 */
export function createLocalFunction(
  name: string,
  handler: FunctionName,
  bundle: Bundle,
  options: FunctionFactoryOptions,
  consumerName?: string,
  overrides: { readonly timeoutSeconds?: number; readonly env?: Readonly<Record<string, string>> } = {},
): LocalFunction {
  const described = FUNCTIONS[handler];
  return new LocalFunction({
    name,
    bundleFile: bundle.file,
    workerFile: options.workerFile,
    timeoutSeconds: overrides.timeoutSeconds ?? described.timeoutSeconds,
    memoryMB: described.memoryMB,
    env: {
      ...localFunctionEnvironment({ ...options, functionName: name, handler, consumerName }),
      ...overrides.env,
    },
    onLog: (line) => options.log(`[${name}] ${line}`),
  });
}

/** Bundles the handlers, starts their functions, the gateway and the emulators. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const root = resolve(options.root ?? join(__dirname, '..'));
  const log = options.log ?? (() => undefined);
  const bundleOptions = { root, outDir: options.buildDir, specFile: options.specFile };
  const worker = await bundleWorker(bundleOptions);
  // The handlers' source files as deployment.ts describes them (the CDK stack bundles the same). A
  // test entry for the producer gets a bundle name of its own, so it never replaces the real one's.
  const testEntry = options.producer?.entry;
  const producerBundle = await bundleFunction(
    testEntry === undefined
      ? { name: 'producer', entry: FUNCTIONS.producer.entry }
      : { name: `producer-${testEntry.replace(/^.*\//, '').replace(/\.ts$/, '')}`, entry: testEntry },
    bundleOptions,
  );
  const resultsBundle = await bundleFunction({ name: 'results', entry: FUNCTIONS.results.entry }, bundleOptions);
  const consumerBundle = await bundleFunction({ name: 'consumer', entry: FUNCTIONS.consumer.entry }, bundleOptions);
  const bundles = [worker, producerBundle, resultsBundle, consumerBundle];
  const factory: FunctionFactoryOptions = {
    kafkaBrokers: options.kafkaBrokers,
    dynamodbEndpoint: options.dynamodbEndpoint,
    tables: LOCAL_TABLES,
    workerFile: worker.file,
    log,
  };

  const producer = createLocalFunction('fluxo-producer', 'producer', producerBundle, factory, undefined, options.producer ?? {});
  const results = createLocalFunction('fluxo-results', 'results', resultsBundle, factory);
  const consumers: ResolvedConsumer[] = options.spec.consumers
    .map(resolveConsumer)
    .filter((c) => options.consumers === undefined || options.consumers.includes(c.name));
  const consumerFunctions = new Map(
    consumers.map((c) => [c.name, createLocalFunction(`fluxo-consumer-${c.name}`, 'consumer', consumerBundle, factory, c.name)]),
  );
  const functions = [producer, results, ...consumerFunctions.values()];
  const stopFunctions = () => Promise.all(functions.map((f) => f.close()));
  // Warm start: a function whose module fails to load says so now, not at the first request.
  const initErrors = await Promise.all(functions.map(async (f) => [f.name, await f.start()] as const));
  for (const [name, error] of initErrors) if (error !== undefined) log(`[${name}] init failed: ${error.errorType}: ${error.errorMessage}`);

  // The dashboard at / and /openapi.json: local-only pages of the gateway. It shows what the
  // emulators (created below) filtered out, as the CloudWatch dashboard shows FilteredOutEventCount.
  let emulators: EventSourceMappingEmulator[] = [];
  const filteredOut = (consumer: string): number | undefined => {
    const own = emulators.filter((e) => e.consumerName === consumer);
    return own.length === 0 ? undefined : own.reduce((sum, e) => sum + e.stats.recordsFiltered, 0);
  };
  const dashboard = startDashboard({ spec: options.spec, kafkaBrokers: options.kafkaBrokers, filteredOut });
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      functions: { producer, results },
      localRoutes: dashboard.routes,
      port: options.port ?? 3000,
      integrationTimeoutMs: options.integrationTimeoutMs,
      health: localHealthCheck({ kafkaBrokers: options.kafkaBrokers, dynamodbEndpoint: options.dynamodbEndpoint }),
      onRequest: ({ method, path, status, ms }) => log(`[gateway] ${method} ${path} ${status} ${ms} ms`),
    });
  } catch (error) {
    await dashboard.close();
    await stopFunctions();
    throw error;
  }

  const destination = options.destination ?? new JsonlDestination(join(root, DEFAULT_ON_FAILURE_FILE));
  const brokers = options.kafkaBrokers.split(',').filter((b) => b !== '');
  // One emulator per event source mapping: per consumer and topic, each its own consumer group, as on AWS.
  emulators = consumers.flatMap((consumer) =>
    consumer.mappings.map(
      ({ topic }) =>
        new EventSourceMappingEmulator({
          consumer,
          topic,
          topics: options.spec.topics.map(resolveTopic),
          brokers,
          invoker: consumerFunctions.get(consumer.name) as LocalFunction,
          destination,
          backoff: options.backoff,
          onInvoke: (event, result) => {
            if (!result.ok) log(`[esm ${consumer.name}] invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
            options.onInvoke?.(consumer.name, event, result);
          },
          onWarning: (message) => log(`[esm ${consumer.name}] ${message}`),
        }),
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.allSettled(emulators.map((e) => e.stop()));
    await dashboard.close();
    await gateway.close();
    await stopFunctions();
  };
  try {
    await Promise.all(
      emulators.map(async (e) => {
        const began = Date.now();
        await e.start();
        log(`[esm ${e.consumerName} <- ${e.mapping.topic}] joined consumer group ${e.mapping.groupId} in ${Date.now() - began} ms`);
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: gateway.url, bundles, stop };
}
