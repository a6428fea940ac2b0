/**
 * Figure 4, the cold-start proxy: each Lambda bundle's minified size (built with the CDK app's
 * NodejsFunction settings through the local stack's own esbuild helper) and the time its module
 * takes to initialise (`require`) in a fresh Node process with the function's environment. Also
 * what the producer bundle is made of, and the size of measured alternatives.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { pipeline as builtIn } from '../pipeline';
import { bundleFunction, type Bundle, type BundleOptions } from '../local/emulation/runtime/bundle';
import { localFunctionEnvironment } from '../local/emulation/runtime/environment';
import { BUNDLING, FUNCTIONS, type FunctionName } from '../core/deployment';
import { BenchError, type BenchContext } from './context';
import type { BundleAlternative, BundleRow } from './report';
import { median } from '../local/tools/stats';

/** Every Lambda of the CDK app and its handler. */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FUNCTIONS).map(([name, fn]) => [name, fn.entry]),
);

/** The esbuild settings of the CDK app's FluxoFunction (core/deployment.ts `BUNDLING`). */
export const DEPLOYED_SETTINGS = { external: BUNDLING.externalModules, target: BUNDLING.target } as const;

/** The package an esbuild metafile input belongs to: `node_modules/<pkg>` (scoped too), else `fluxo`. */
export function bundlePackage(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match ? (match[1] as string) : 'fluxo';
}

/** Bytes in the output per package, largest first. */
export function packageSizes(meta: Metafile): { name: string; bytes: number }[] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = bundlePackage(input);
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function metafileOf(bundle: Bundle): Metafile {
  return JSON.parse(readFileSync(join(dirname(bundle.file), 'meta.json'), 'utf8')) as Metafile;
}

/** The module-load timer run in a fresh process: prints `{"initMs": ...}`. */
const INIT_SCRIPT = `
const { performance } = require('node:perf_hooks');
const began = performance.now();
const loaded = require(process.argv[1]);
const initMs = performance.now() - began;
if (typeof loaded.handler !== 'function') { process.stderr.write('no handler export'); process.exit(2); }
process.stdout.write(JSON.stringify({ initMs }));
process.exit(0);
`;

function measureInit(ctx: BenchContext, name: string, file: string): { initMs: number; processMs: number } {
  // The environment createLocalFunction (local/stack.ts) gives the function.
  const env = localFunctionEnvironment({
    ...ctx.factory,
    functionName: `fluxo-${name}`,
    handler: name as FunctionName,
    consumerName: name === 'consumer' ? (builtIn.consumers[0]?.name as string) : undefined,
  });
  const inits: number[] = [];
  const processes: number[] = [];
  for (let rep = 0; rep < ctx.settings.initRepetitions; rep += 1) {
    const began = performance.now();
    const run = spawnSync(process.execPath, ['-e', INIT_SCRIPT, file], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    processes.push(performance.now() - began);
    if (run.status !== 0) throw new BenchError(`${name}: loading ${file} failed (${run.status}): ${run.stderr.slice(-500)}`);
    inits.push((JSON.parse(run.stdout) as { initMs: number }).initMs);
  }
  return { initMs: median(inits), processMs: median(processes) };
}

/** Bundles every Lambda as deployed and as run locally, measures sizes and init times, and the producer's alternatives. */
export async function measureBundles(ctx: BenchContext): Promise<{ rows: BundleRow[]; producerAlternatives: BundleAlternative[] }> {
  // Under the repository, so a bundle's external `@aws-sdk/*` resolves from node_modules as on Lambda from the runtime.
  const buildRoot = join(ctx.root, '.fluxo', 'bench-build');
  const deployedOptions: BundleOptions = { root: ctx.root, outDir: join(buildRoot, 'deployed'), ...DEPLOYED_SETTINGS };
  const localOptions: BundleOptions = { root: ctx.root, outDir: join(buildRoot, 'local') };
  const rows: BundleRow[] = [];
  let producerDeployed: Bundle | undefined;
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const deployed = await bundleFunction({ name, entry }, deployedOptions);
    const local = await bundleFunction({ name, entry }, localOptions);
    if (name === 'producer') producerDeployed = deployed;
    const deployedInit = measureInit(ctx, name, deployed.file);
    const localInit = measureInit(ctx, name, local.file);
    rows.push({
      name,
      deployedBytes: deployed.bytes,
      localBytes: local.bytes,
      deployedInitMs: deployedInit.initMs,
      localInitMs: localInit.initMs,
      deployedProcessMs: deployedInit.processMs,
      topPackages: packageSizes(metafileOf(deployed)).slice(0, 4),
    });
    ctx.log(`bundle ${name}: ${deployed.bytes} bytes deployed, init ${deployedInit.initMs.toFixed(1)} ms`);
  }
  const producerAlternatives: BundleAlternative[] = [];
  if (producerDeployed !== undefined) {
    const parts = packageSizes(metafileOf(producerDeployed));
    const own = parts.find((p) => p.name === 'fluxo')?.bytes ?? 0;
    producerAlternatives.push({
      name: 'as deployed',
      bytes: producerDeployed.bytes,
      note: `kafkajs ${Math.round(((parts.find((p) => p.name === 'kafkajs')?.bytes ?? 0) * 100) / producerDeployed.bytes)} % of it; fluxo's own code ${Math.round((own * 100) / producerDeployed.bytes)} %`,
    });
    const smithy = await bundleFunction(
      { name: 'producer-smithy-external', entry: LAMBDA_ENTRIES.producer as string },
      { ...deployedOptions, external: ['@aws-sdk/*', '@smithy/*'] },
    );
    producerAlternatives.push({
      name: '`@smithy/*` external too',
      bytes: smithy.bytes,
      note: "the Lambda runtime ships @smithy with its AWS SDK, but its version is the runtime's, not the lock file's",
    });
    const layer = await bundleFunction(
      { name: 'producer-kafkajs-layer', entry: LAMBDA_ENTRIES.producer as string },
      { ...deployedOptions, external: ['@aws-sdk/*', 'kafkajs'] },
    );
    producerAlternatives.push({
      name: 'kafkajs in a Lambda layer',
      bytes: layer.bytes,
      note: 'smaller function zip, same bytes loaded at a cold start',
    });
    const entries = join(buildRoot, 'entries');
    mkdirSync(entries, { recursive: true });
    writeFileSync(join(entries, 'kafkajs-only.ts'), "export { Kafka } from 'kafkajs';\n");
    const kafkajsOnly = await bundleFunction({ name: 'kafkajs-only', entry: join(entries, 'kafkajs-only.ts') }, deployedOptions);
    producerAlternatives.push({
      name: 'kafkajs alone',
      bytes: kafkajsOnly.bytes,
      note: 'the floor of any producer on kafkajs: already above 250 KiB',
    });
  }
  return { rows, producerAlternatives };
}
