/**
 * What every bench phase works with: the running services and local stack, the bundles, the run's
 * settings, and {@link runLoad}, which runs one load job in a fresh worker thread.
 */
import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { LocalServices } from '../local/emulation/services';
import type { LocalStack, FunctionFactoryOptions } from '../local/stack';
import type { Bundle } from '../local/emulation/runtime/bundle';
import type { AckMessage, LoadJob, LoadMessage, ThroughputResult } from './load';

/** How long and how often each phase runs. */
export interface BenchSettings {
  readonly quick: boolean;
  /** How long `npm start` idles, measured, after its banner (ms). */
  readonly idleMs: number;
  /** Concurrent clients of the closed-loop ingest phase. */
  readonly ingestClients: number;
  readonly ingestBatches: readonly number[];
  /** Extra ingest rows: the same paths with more clients (is the path latency-bound?). */
  readonly ingestExtra: readonly { readonly batch: number; readonly clients: number }[];
  readonly ingestRepetitions: number;
  readonly ingestDurationMs: number;
  readonly ceilingRepetitions: number;
  readonly ceilingRecords: number;
  readonly latencyRepetitions: number;
  readonly lowLoad: { readonly requestsPerSecond: number; readonly recordsPerRequest: number; readonly durationMs: number };
  readonly sustainedLoad: { readonly requestsPerSecond: number; readonly recordsPerRequest: number; readonly durationMs: number };
  /** Unrecorded load before each consumer's latency phases, ms. */
  readonly warmupMs: number;
  /** How long a request's aggregate may take to appear before it counts as not visible. */
  readonly visibleDeadlineMs: number;
  readonly drainRecords: number;
  readonly drainKeys: number;
  readonly initRepetitions: number;
  /** Distinct keys in the window of the hopping-window query phase, and timed queries of each kind. */
  readonly queryKeys: number;
  readonly querySamples: number;
}

/** The settings of a full run and of a `--quick` run. */
export function benchSettings(quick: boolean): BenchSettings {
  return {
    quick,
    idleMs: quick ? 10_000 : 30_000,
    ingestClients: 4,
    ingestBatches: [1, 100, 500],
    ingestExtra: quick ? [] : [{ batch: 100, clients: 16 }],
    ingestRepetitions: quick ? 1 : 5,
    ingestDurationMs: quick ? 1500 : 5000,
    ceilingRepetitions: quick ? 1 : 3,
    ceilingRecords: quick ? 30_000 : 200_000,
    latencyRepetitions: quick ? 1 : 3,
    lowLoad: { requestsPerSecond: 20, recordsPerRequest: 1, durationMs: quick ? 3000 : 10_000 },
    sustainedLoad: { requestsPerSecond: 50, recordsPerRequest: 20, durationMs: quick ? 4000 : 15_000 },
    warmupMs: quick ? 1000 : 3000,
    visibleDeadlineMs: 10_000,
    drainRecords: quick ? 3000 : 20_000,
    drainKeys: 8,
    initRepetitions: quick ? 3 : 10,
    queryKeys: quick ? 1000 : 10_000,
    querySamples: quick ? 10 : 50,
  };
}

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

/** The load worker failed or ended without an answer. */
export class LoadWorkerError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LoadWorkerError';
  }
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
      else finish(() => reject(new LoadWorkerError(`load job ${job.kind} failed: ${message.message}`)));
    });
    worker.on('error', (error) => finish(() => reject(new LoadWorkerError(`load worker crashed running ${job.kind}`, { cause: error }))));
    worker.on('exit', (code) => finish(() => reject(new LoadWorkerError(`load worker exited (${code}) before answering ${job.kind}`))));
  });
}

/** A TCP port free on 127.0.0.1 right now (for a server the bench starts that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new RangeError('no port assigned')),
      );
    });
  });
}
