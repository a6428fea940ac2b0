/**
 * Messages between the local function runner (parent) and a function's worker thread. An
 * invocation is one `invoke` message answered by one `result` message with the same id.
 */
import type { Context } from 'aws-lambda';

/** What the worker needs to build the Lambda context object. */
export interface InvocationContextData {
  readonly awsRequestId: string;
  readonly functionName: string;
  /** @default `arn:aws:lambda:local:000000000000:function:<functionName>` */
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB: string;
  /** Epoch ms after which the invocation has timed out (`getRemainingTimeInMillis` counts down to it). */
  readonly deadlineMs: number;
}

/**
 * The Lambda context object of one invocation, as the worker hands it to a handler (and the bench
 * and tests that call a handler in-process). `done`, `fail` and `succeed` throw: the handlers are async.
 */
export function invocationContext(data: InvocationContextData): Context {
  const unsupported = (): never => {
    throw new Error('context.done/fail/succeed are not supported; return or throw from an async handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: data.invokedFunctionArn ?? `arn:aws:lambda:local:000000000000:function:${data.functionName}`,
    memoryLimitInMB: data.memoryLimitInMB,
    awsRequestId: data.awsRequestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: `local/[$LATEST]${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, data.deadlineMs - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Parent → worker: run the handler once. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: InvocationContextData;
}

/** A handler's error as Lambda reports it (`errorType`, `errorMessage`, `trace`). */
export interface FunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** Worker → parent: the handler's answer or its error. */
export type ResultMessage =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly payload: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: FunctionErrorPayload };

/** Worker → parent: the handler module was loaded (the "init" phase) or failed to load. */
export type InitMessage = { readonly type: 'ready' } | { readonly type: 'init-error'; readonly error: FunctionErrorPayload };

/** Data the worker is started with. */
export interface WorkerData {
  /** Absolute path of the bundled handler module (CommonJS). */
  readonly modulePath: string;
  /** The exported handler's name. */
  readonly exportName: string;
}

/** Turns anything thrown into Lambda's error payload. */
export function toErrorPayload(error: unknown): FunctionErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)) };
}
