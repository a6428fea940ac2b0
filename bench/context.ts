/**
 * What every bench phase works with: the running services and local stack, the bundles, the run's
 * settings, and {@link runLoad}, which runs one load job in a fresh worker thread.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { matchRoute } from '../core/api/routes';
import { toProxyEvent } from '../local/emulation/proxy-event';
import type { LocalServices } from '../local/emulation/services';
import type { LocalStack, FunctionFactoryOptions } from '../local/stack';
import type { Bundle } from '../local/emulation/runtime/bundle';
import type { AckMessage, LoadJob, LoadMessage, ThroughputResult } from './load';
import { namedError } from '../core/errors';

/** The settings of a full run and of a `--quick` run: how long and how often each phase runs. */
export function benchSettings(quick: boolean) {
  return {
    quick,
    /** How long `npm start` idles, measured, after its banner (ms). */
    idleMs: quick ? 10_000 : 30_000,
    /** Concurrent clients of the closed-loop ingest phase. */
    ingestClients: 4,
    ingestBatches: [1, 100, 500],
    /** Extra ingest rows: the same paths with more clients (is the path latency-bound?). */
    ingestExtra: quick ? [] : [{ batch: 100, clients: 16 }],
    ingestRepetitions: quick ? 1 : 5,
    ingestDurationMs: quick ? 1500 : 5000,
    ceilingRepetitions: quick ? 1 : 3,
    ceilingRecords: quick ? 30_000 : 200_000,
    latencyRepetitions: quick ? 1 : 3,
    lowLoad: { requestsPerSecond: 20, recordsPerRequest: 1, durationMs: quick ? 3000 : 10_000 },
    sustainedLoad: { requestsPerSecond: 50, recordsPerRequest: 20, durationMs: quick ? 4000 : 15_000 },
    /** Unrecorded load before each consumer's latency phases, ms. */
    warmupMs: quick ? 1000 : 3000,
    /** How long a request's aggregate may take to appear before it counts as not visible. */
    visibleDeadlineMs: 10_000,
    drainRecords: quick ? 3000 : 20_000,
    drainKeys: 8,
    initRepetitions: quick ? 3 : 10,
    /** Distinct keys in the window of the hopping-window query phase. */
    queryKeys: quick ? 1000 : 10_000,
    /** Timed queries of each kind in the hopping-window query phase. */
    querySamples: quick ? 10 : 50,
  };
}

/** How long and how often each phase runs. */
export type BenchSettings = ReturnType<typeof benchSettings>;

/** The running bench stack. */
export interface BenchContext {
  readonly root: string;
  readonly settings: BenchSettings;
  readonly services: LocalServices;
  readonly stack: LocalStack;
  /** The consumer handler's bundle (built against bench/spec.ts). */
  readonly consumerBundle: Bundle;
  /** What {@link createLocalFunction} needs for more functions. */
  readonly factory: FunctionFactoryOptions;
  /** The load generator's bundle. */
  readonly loadWorkerFile: string;
  /** Where this run's scratch files go (removed at the end). */
  readonly scratchDir: string;
  readonly log: (line: string) => void;
}

/**
 * A bench phase could not measure what it measures: a tool or process it needs did not start or
 * failed, a deadline passed, or the stack answered something the bench did not expect.
 */
export class BenchError extends namedError('BenchError') {}

/**
 * A maker of API Gateway proxy events for `method url`, built as the local gateway builds them
 * (the route from core/api, the event from local/emulation/proxy-event.ts): each call makes one,
 * with a fresh request id, and `body` sent as JSON when there is one.
 */
export function proxyEvents(method: string, url: URL): (body?: Buffer) => APIGatewayProxyEvent {
  const match = matchRoute(method, url.pathname);
  if (match === undefined) throw new BenchError(`no route for ${method} ${url.pathname}`);
  return (body) =>
    toProxyEvent({
      method,
      url,
      rawHeaders: body === undefined ? [] : ['content-type', 'application/json'],
      body: body ?? Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      route: match.route,
      pathParameters: match.pathParameters,
      stage: 'local',
      requestId: randomUUID(),
      now: Date.now(),
    });
}

/** Runs `job` in a fresh load worker; `onAck` sees each open-loop answer as it arrives. */
export function runLoad(workerFile: string, job: LoadJob, onAck?: (ack: AckMessage) => void): Promise<ThroughputResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: job });
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
      void worker.terminate();
    };
    worker.on('message', (message: LoadMessage) => {
      if (message.type === 'ack') onAck?.(message);
      else if (message.type === 'done') finish(() => resolve(message.result));
      else finish(() => reject(new BenchError(`load job ${job.kind} failed: ${message.message}`)));
    });
    worker.on('error', (error) => finish(() => reject(new BenchError(`load worker crashed running ${job.kind}`, { cause: error }))));
    worker.on('exit', (code) => finish(() => reject(new BenchError(`load worker exited (${code}) before answering ${job.kind}`))));
  });
}

/** Reads the last 4,000 characters a child wrote to stdout and stderr, for the error when it fails. */
export function outputTail(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** Whether `child` has exited, or exits within `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
