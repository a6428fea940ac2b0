/**
 * The local stack of the integration run, on top of the services global-setup.ts starts: the
 * handlers bundled against pipeline-spec.ts, the gateway on a free port and an emulator per
 * consumer (except {@link MANUAL_CONSUMERS}). Its addresses reach the test workers through
 * `process.env`: `FLUXO_URL`, `FLUXO_TEST_BUILD_DIR`, `FLUXO_TEST_ON_FAILURE_FILE`.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENV } from '../../core/config';
import { JsonlDestination } from '../../local/emulation/esm/on-failure';
import { ensureTopics } from '../../local/emulation/services';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { MANUAL_CONSUMERS, pipeline } from './pipeline-spec';

const ROOT = resolve(__dirname, '../..');
/** Where the integration run's bundles go (kept between runs: unchanged bundles are reused). */
export const TEST_BUILD_DIR = join(ROOT, '.fluxo', 'test-build');
/** The spec module the handlers are bundled with. */
export const TEST_SPEC_FILE = 'test/integration/pipeline-spec.ts';

const HANDLE: unique symbol = Symbol.for('fluxo.integration.stack');
const registry = globalThis as typeof globalThis & { [HANDLE]?: { stack: LocalStack; dir: string } };

/** Starts the stack; the services must be running and their addresses in `process.env`. */
export async function startTestStack(): Promise<void> {
  const kafkaBrokers = process.env[ENV.kafkaBrokers] ?? '';
  const dynamodbEndpoint = process.env[ENV.dynamodbEndpoint] ?? '';
  await ensureTopics(kafkaBrokers, pipeline);
  const dir = mkdtempSync(join(tmpdir(), 'fluxo-it-stack-'));
  const logFile = join(dir, 'stack.log');
  const onFailureFile = join(dir, 'on-failure.jsonl');
  const stack = await startLocalStack({
    spec: pipeline,
    specFile: TEST_SPEC_FILE,
    root: ROOT,
    buildDir: TEST_BUILD_DIR,
    kafkaBrokers,
    dynamodbEndpoint,
    port: 0,
    consumers: pipeline.consumers.map((c) => c.name).filter((name) => !MANUAL_CONSUMERS.includes(name)),
    destination: new JsonlDestination(onFailureFile),
    backoff: { initialMs: 20, maxMs: 200 },
    log: (line) => appendFileSync(logFile, `${line}\n`),
  });
  registry[HANDLE] = { stack, dir };
  Object.assign(process.env, { FLUXO_URL: stack.url, FLUXO_TEST_BUILD_DIR: TEST_BUILD_DIR, FLUXO_TEST_ON_FAILURE_FILE: onFailureFile });
  process.stderr.write(`fluxo stack: ${stack.url} (log ${logFile})\n`);
}

/** Stops the stack started by {@link startTestStack}. */
export async function stopTestStack(): Promise<void> {
  const handle = registry[HANDLE];
  if (handle === undefined) return;
  delete registry[HANDLE];
  try {
    await handle.stack.stop();
  } finally {
    if (!process.env.FLUXO_KEEP_TEST_LOGS) rmSync(handle.dir, { recursive: true, force: true });
  }
}
