/**
 * Bundles each Lambda handler the way CDK's NodejsFunction does, with the bundling both read from
 * core/deployment.ts (esbuild: platform node, CommonJS, minified, source map, the AWS SDK
 * left external), for the local Node.js ({@link LOCAL_BUNDLING}), into `.fluxo/build/<fn>/index.js`,
 * so the local stack runs the same artefact AWS runs. A bundle whose inputs have not changed since
 * the last build is reused, which keeps a second `npm start` fast.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BUNDLING, LOCAL_BUNDLE_TARGET, type BundlingDescription } from '../../../core/deployment';
import { namedError } from '../../../core/errors';

/**
 * The local bundling: the deployed one ({@link BUNDLING}) for the Node.js of this machine
 * (LOCAL_BUNDLE_TARGET says why that is the one difference).
 */
export const LOCAL_BUNDLING: BundlingDescription = { ...BUNDLING, target: LOCAL_BUNDLE_TARGET };

/** One function to bundle. */
export interface BundleEntry {
  /** The function's name; its bundle lands in `<outDir>/<name>/index.js`. */
  readonly name: string;
  /** The handler's source file, e.g. `lambdas/producer/index.ts`. */
  readonly entry: string;
}

/** Options of {@link bundleFunctions}. */
export interface BundleOptions {
  /** Project root the entries are relative to. @default process.cwd() */
  readonly root?: string;
  /** Where bundles are written. @default `<root>/.fluxo/build` */
  readonly outDir?: string;
  /**
   * A module bundled in place of the root `pipeline.ts` (tests run the handlers against a spec of
   * their own). It may itself import the real `pipeline.ts`. @default the root `pipeline.ts`
   */
  readonly specFile?: string;
  /**
   * Modules left out of the bundle, as esbuild's `external` (CDK's `externalModules`); they
   * resolve from the repository's node_modules, so `outDir` must be under `root`.
   * @default LOCAL_BUNDLING.externalModules (`@aws-sdk/*`, as deployed)
   */
  readonly external?: readonly string[];
  /** esbuild's `target`. @default LOCAL_BUNDLING.target */
  readonly target?: string;
}

/** A bundled function. */
export interface Bundle {
  readonly name: string;
  /** Absolute path of the bundle. */
  readonly file: string;
  /** Bundle size in bytes. */
  readonly bytes: number;
  /** Whether it was reused from a previous build. */
  readonly cached: boolean;
}

/** esbuild could not bundle a handler. */
export class BundleError extends namedError('BundleError') {}

const META_FILE = 'meta.json';
const KEY_FILE = 'key.json';

/** Redirects imports of the root `pipeline.ts` to another spec module (except from that module). */
function specPlugin(root: string, specFile: string): Plugin {
  const original = resolve(root, 'pipeline.ts');
  const replacement = resolve(root, specFile);
  return {
    name: 'fluxo-spec',
    setup(context) {
      context.onResolve({ filter: /pipeline$/ }, (args) => {
        if (args.importer === replacement) return undefined;
        const target = resolve(args.resolveDir, `${args.path}.ts`);
        return target === original ? { path: replacement } : undefined;
      });
    },
  };
}

async function mtimeMs(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.mtimeMs;
}

/** True when the bundle exists and no input recorded in its metafile is newer than it. */
async function isFresh(root: string, dir: string, key: string): Promise<boolean> {
  const built = await mtimeMs(join(dir, 'index.js'));
  if (built === undefined) return false;
  let meta: Metafile;
  try {
    if ((await readFile(join(dir, KEY_FILE), 'utf8')) !== key) return false;
    meta = JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as Metafile;
  } catch {
    return false;
  }
  for (const input of Object.keys(meta.inputs)) {
    const changed = await mtimeMs(resolve(root, input));
    if (changed === undefined || changed > built) return false;
  }
  return true;
}

/** Bundles one entry (or reuses its fresh bundle). */
export async function bundleFunction(entry: BundleEntry, options: BundleOptions = {}): Promise<Bundle> {
  const root = resolve(options.root ?? process.cwd());
  const dir = join(resolve(root, options.outDir ?? '.fluxo/build'), entry.name);
  const file = join(dir, 'index.js');
  const external = [...(options.external ?? LOCAL_BUNDLING.externalModules)];
  const target = options.target ?? LOCAL_BUNDLING.target;
  // Every setting that shapes the bundle, so a bundle built otherwise is never reused.
  const key = JSON.stringify({ entry: entry.entry, specFile: options.specFile ?? null, external, target, bundling: LOCAL_BUNDLING });
  if (await isFresh(root, dir, key)) {
    return { name: entry.name, file, bytes: (await stat(file)).size, cached: true };
  }
  await mkdir(dir, { recursive: true });
  let result;
  try {
    result = await build({
      absWorkingDir: root,
      entryPoints: [resolve(root, entry.entry)],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: LOCAL_BUNDLING.format,
      target,
      minify: LOCAL_BUNDLING.minify,
      external,
      sourcemap: LOCAL_BUNDLING.sourceMap,
      metafile: true,
      logLevel: 'silent',
      plugins: options.specFile === undefined ? [] : [specPlugin(root, options.specFile)],
    });
  } catch (error) {
    throw new BundleError(`could not bundle ${entry.name} from ${entry.entry}`, { cause: error });
  }
  await writeFile(join(dir, META_FILE), JSON.stringify(result.metafile));
  await writeFile(join(dir, KEY_FILE), key);
  return { name: entry.name, file, bytes: (await stat(file)).size, cached: false };
}

/** Bundles the worker bootstrap, worker.ts, itself (it runs as plain JavaScript inside each worker thread). */
export function bundleWorker(options: BundleOptions = {}): Promise<Bundle> {
  return bundleFunction({ name: '_worker', entry: 'local/emulation/runtime/worker.ts' }, options);
}
