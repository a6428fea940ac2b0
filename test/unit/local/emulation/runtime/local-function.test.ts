import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleFunction, bundleWorker } from '../../../../../local/emulation/runtime/bundle';
import { LocalFunction, type LocalFunctionOptions } from '../../../../../local/emulation/runtime/local-function';

const root = resolve(__dirname, '../../../../..');
let outDir: string;
let bundleFile: string;
let workerFile: string;
const started: LocalFunction[] = [];

function fn(overrides: Partial<LocalFunctionOptions> & { exportName: string }): LocalFunction {
  const created = new LocalFunction({
    name: 'test-fn',
    bundleFile,
    workerFile,
    env: { CONSUMER_NAME: 'c1', AWS_REGION: 'local' },
    onLog: () => undefined,
    ...overrides,
  });
  started.push(created);
  return created;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'fluxo-fn-'));
  bundleFile = (
    await bundleFunction({ name: 'fixtures', entry: 'test/unit/local/emulation/runtime/fixtures/handlers.ts' }, { root, outDir })
  ).file;
  workerFile = (await bundleWorker({ root, outDir })).file;
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.close()));
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('LocalFunction', () => {
  it('runs the handler with its own environment and a Lambda context, keeping module scope between invocations', async () => {
    // Prepare
    const echo = fn({ exportName: 'echo', timeoutSeconds: 5 });

    // Act
    const first = await echo.invoke({ n: 1 });
    const second = await echo.invoke({ n: 2 });

    // Assess
    expect(first).toMatchObject({
      ok: true,
      payload: { event: { n: 1 }, invocations: 1, consumer: 'c1', region: 'local', functionName: 'test-fn' },
    });
    expect(second).toMatchObject({ ok: true, payload: { event: { n: 2 }, invocations: 2 } });
    const payload = (second as { payload: { remainingMs: number; requestId: string } }).payload;
    expect(payload.remainingMs).toBeGreaterThan(0);
    expect(payload.remainingMs).toBeLessThanOrEqual(5000);
    expect(payload.requestId).toBe(second.requestId);
    expect(echo.coldStarts).toBe(1);
  });

  it('reports a handler error as an invocation error and keeps the environment', async () => {
    // Prepare
    const fails = fn({ exportName: 'fails' });

    // Act
    const result = await fails.invoke({});

    // Assess
    expect(result).toMatchObject({
      ok: false,
      kind: 'handled',
      error: { errorType: 'PurposeError', errorMessage: 'the handler failed on purpose' },
    });
    await fails.invoke({});
    expect(fails.coldStarts).toBe(1);
  });

  it.each([
    ['times an invocation out and starts a fresh environment for the next one', 'hangs', 0.3, 'timeout', 'Sandbox.Timedout'],
    ['reports a crashed environment as an invocation error and restarts it', 'crashes', undefined, 'crash', 'Runtime.ExitError'],
  ])('%s', async (_, exportName, timeoutSeconds, kind, errorType) => {
    // Prepare
    const broken = fn({ exportName, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });

    // Act
    const first = await broken.invoke({});
    const second = await broken.invoke({});

    // Assess
    expect(first).toMatchObject({ ok: false, kind, error: { errorType } });
    expect(second).toMatchObject({ ok: false, kind });
    expect(broken.coldStarts).toBe(2);
  });

  it('fails every invocation with an init error when the module has no such handler', async () => {
    // Prepare
    const missing = fn({ exportName: 'nope' });

    // Act
    const result = await missing.invoke({});

    // Assess
    expect(result).toMatchObject({ ok: false, kind: 'init' });
    expect(!result.ok && result.error.errorMessage).toContain('does not export a function "nope"');
  });

  it('reuses a bundle whose inputs did not change', async () => {
    // Act
    const again = await bundleFunction(
      { name: 'fixtures', entry: 'test/unit/local/emulation/runtime/fixtures/handlers.ts' },
      { root, outDir },
    );

    // Assess
    expect(again).toMatchObject({ cached: true, file: bundleFile });
    expect(again.bytes).toBeGreaterThan(0);
  });
});
