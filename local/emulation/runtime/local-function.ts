/**
 * Runs one Lambda function locally the way Lambda does: in its own execution environment (a
 * worker thread with its own module scope and its own environment variables), one `invoke`
 * message per invocation, with a context object whose `getRemainingTimeInMillis` counts down to
 * the function's timeout. A handler error is an invocation error; a timeout or a crash ends the
 * environment, and the next invocation gets a fresh one (a Lambda cold start).
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { FunctionErrorPayload, InitMessage, InvokeMessage, ResultMessage, WorkerData } from './protocol';

/** Why an invocation failed. `handled`: the handler threw or rejected. */
export type InvocationFailureKind = 'handled' | 'timeout' | 'crash' | 'init' | 'stopped';

/** The outcome of one invocation: the handler's JSON answer, or an invocation error. */
export type InvocationResult = Outcome & { readonly requestId: string; readonly durationMs: number };

/** An invocation's outcome before its request id and duration are added. */
type Outcome =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly kind: InvocationFailureKind; readonly error: FunctionErrorPayload };

/** Anything that invokes a function: a {@link LocalFunction}, or a fake in tests. */
export interface Invoker {
  /** Invokes once; never rejects: a failure is an `ok: false` result. */
  invoke(event: unknown): Promise<InvocationResult>;
}

/** Options of {@link LocalFunction}. */
export interface LocalFunctionOptions {
  /** The function's name, as in `context.functionName`. */
  readonly name: string;
  /** Absolute path of the bundled handler (see bundle.ts). */
  readonly bundleFile: string;
  /** Absolute path of the bundled worker bootstrap (see bundle.ts `bundleWorker`). */
  readonly workerFile: string;
  /** The handler's export name. @default 'handler' */
  readonly exportName?: string;
  /** The function's environment variables: the worker's whole `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Invocation timeout in seconds. @default 30 */
  readonly timeoutSeconds?: number;
  /** Reported as `context.memoryLimitInMB`. @default 1024 */
  readonly memoryMB?: number;
  /** Receives each line the function logs; when unset, the worker writes to this process's stdout/stderr. */
  readonly onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
}

interface Pending {
  readonly requestId: string;
  readonly started: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (result: InvocationResult) => void;
}

/** A Lambda function run in a worker thread. */
export class LocalFunction implements Invoker {
  /** The function's name. */
  public readonly name: string;
  /** Invocation timeout in seconds. */
  public readonly timeoutSeconds: number;
  /** Memory reported as `context.memoryLimitInMB`. */
  public readonly memoryMB: number;
  /** How many execution environments were started (1 + restarts after timeouts and crashes). */
  public coldStarts = 0;
  private readonly options: LocalFunctionOptions;
  private worker: Worker | undefined;
  private ready: Promise<FunctionErrorPayload | undefined> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;

  public constructor(options: LocalFunctionOptions) {
    if (options.name === '') throw new TypeError('a function needs a name');
    if ((options.timeoutSeconds ?? 30) <= 0) throw new RangeError('timeoutSeconds must be positive');
    this.name = options.name;
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.memoryMB = options.memoryMB ?? 1024;
    this.options = options;
  }

  /** Starts the execution environment ahead of the first invocation (a warm start). Resolves to the init error, if any. */
  public start(): Promise<FunctionErrorPayload | undefined> {
    return (this.ready ??= this.spawn());
  }

  /** Invokes the handler once with `event`. */
  public async invoke(event: unknown): Promise<InvocationResult> {
    const requestId = randomUUID();
    const started = Date.now();
    const failed = (kind: 'stopped' | 'init', error: FunctionErrorPayload): InvocationResult => ({
      ok: false,
      kind,
      error,
      requestId,
      durationMs: Date.now() - started,
    });
    if (this.stopped) return failed('stopped', { errorType: 'FunctionStopped', errorMessage: `${this.name} is stopped` });
    const initError = await this.start();
    const worker = this.worker;
    if (initError !== undefined || worker === undefined) {
      this.discard();
      return failed('init', initError ?? { errorType: 'Runtime.Unknown', errorMessage: `${this.name} has no execution environment` });
    }
    const timeoutMs = this.timeoutSeconds * 1000;
    const id = this.nextId++;
    return new Promise<InvocationResult>((resolve) => {
      const timer = setTimeout(() => {
        this.settle(id, {
          ok: false,
          kind: 'timeout',
          error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutMs / 1000} seconds` },
        });
        // Lambda ends an environment whose invocation timed out; the next invocation starts a new one.
        this.restart(worker, 'the execution environment was reset after a timeout');
      }, timeoutMs);
      this.pending.set(id, { requestId, started, timer, resolve });
      const message: InvokeMessage = {
        type: 'invoke',
        id,
        event,
        context: {
          awsRequestId: requestId,
          functionName: this.name,
          memoryLimitInMB: String(this.memoryMB),
          deadlineMs: started + timeoutMs,
        },
      };
      worker.postMessage(message);
    });
  }

  /** Stops the function: in-flight invocations fail with kind `stopped`. */
  public async close(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.failAll('stopped', { errorType: 'FunctionStopped', errorMessage: `${this.name} was stopped` });
    this.discard();
    if (worker !== undefined) await worker.terminate();
  }

  private spawn(): Promise<FunctionErrorPayload | undefined> {
    const data: WorkerData = { modulePath: this.options.bundleFile, exportName: this.options.exportName ?? 'handler' };
    const logs = this.options.onLog;
    const worker = new Worker(this.options.workerFile, {
      workerData: data,
      env: { ...this.options.env },
      stdout: logs !== undefined,
      stderr: logs !== undefined,
    });
    if (logs !== undefined) {
      createInterface({ input: worker.stdout }).on('line', (line) => logs(line, 'stdout'));
      createInterface({ input: worker.stderr }).on('line', (line) => logs(line, 'stderr'));
    }
    this.worker = worker;
    this.coldStarts += 1;
    // The init phase ends at the first of 'ready', 'init-error' or a crash: later resolves are no-ops.
    return new Promise((resolve) => {
      worker.on('message', (message: InitMessage | ResultMessage) => {
        if (message.type === 'ready') {
          resolve(undefined);
        } else if (message.type === 'init-error') {
          resolve({ ...message.error, errorType: `Runtime.ImportModuleError: ${message.error.errorType}` });
        } else {
          this.settle(
            message.id,
            message.ok ? { ok: true, payload: message.payload } : { ok: false, kind: 'handled', error: message.error },
          );
        }
      });
      const crashed = (error: FunctionErrorPayload): void => {
        resolve(error);
        if (this.worker === worker) {
          this.failAll('crash', error);
          this.discard();
        }
      };
      worker.on('error', (error) => crashed({ errorType: 'Runtime.ExitError', errorMessage: `${this.name} crashed: ${error.message}` }));
      worker.on('exit', (code) => crashed({ errorType: 'Runtime.ExitError', errorMessage: `${this.name} exited with code ${code}` }));
    });
  }

  private settle(id: number, outcome: Outcome): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    pending.resolve({ ...outcome, requestId: pending.requestId, durationMs: Date.now() - pending.started });
  }

  private failAll(kind: InvocationFailureKind, error: FunctionErrorPayload): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, kind, error });
  }

  private restart(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.failAll('crash', { errorType: 'Runtime.ExitError', errorMessage: `${this.name}: ${reason}` });
    this.discard();
    void worker.terminate();
  }

  /** Forgets the current environment; the next invocation starts a new one. */
  private discard(): void {
    this.worker = undefined;
    this.ready = undefined;
  }
}
