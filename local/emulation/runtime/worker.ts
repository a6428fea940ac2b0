/**
 * A function's worker thread: the local equivalent of one Lambda execution environment. It
 * loads the bundled handler once (its own module scope, its own `process.env`, set by the
 * parent), then runs one invocation per `invoke` message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { invocationContext, toErrorPayload, type InitMessage, type InvokeMessage, type ResultMessage, type WorkerData } from './protocol';

type Handler = (event: unknown, context: Context) => unknown;

// As Node.js on Lambda does with NODE_OPTIONS=--enable-source-maps (deployment.ts COMMON_ENVIRONMENT):
// a worker thread takes its options from the parent process, not from its own environment.
if ((process.env.NODE_OPTIONS ?? '').split(/\s+/).includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

function loadHandler(data: WorkerData): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(data.modulePath);
  const handler = (loaded as Record<string, unknown> | undefined)?.[data.exportName];
  if (typeof handler !== 'function') throw new TypeError(`${data.modulePath} does not export a function "${data.exportName}"`);
  return handler as Handler;
}

function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('worker.ts must run in a worker thread');
  let handler: Handler;
  try {
    handler = loadHandler(workerData as WorkerData);
  } catch (error) {
    port.postMessage({ type: 'init-error', error: toErrorPayload(error) } satisfies InitMessage);
    return;
  }
  port.on('message', (message: InvokeMessage) => {
    void (async () => {
      let answer: ResultMessage;
      try {
        const returned = await handler(message.event, invocationContext(message.context));
        // Lambda hands the caller the handler's answer serialised as JSON, and so does this.
        const payload: unknown = returned === undefined ? null : JSON.parse(JSON.stringify(returned));
        answer = { type: 'result', id: message.id, ok: true, payload };
      } catch (error) {
        answer = { type: 'result', id: message.id, ok: false, error: toErrorPayload(error) };
      }
      port.postMessage(answer);
    })();
  });
  port.postMessage({ type: 'ready' } satisfies InitMessage);
}

main();
