/**
 * `npm run bench`: measures every fluxo path against the raw Kafka path on the local stack, in one
 * run, and writes BENCHMARKS.md and BENCHMARKS.json (keeping BENCHMARKS.md's hand-written analysis)
 * plus a JSON copy in bench/results/.
 *
 * Options: `--quick` (CI smoke, about 3 minutes: short phases, writes bench/results/ only),
 * `--profile` (CPU profiles of the ingest path and of the producer handler alone, summarised),
 * `--render` (re-renders BENCHMARKS.md from BENCHMARKS.json), `--only <phase,...>` (ingest,
 * latency, consumer, queries, bundles, handler; writes no BENCHMARKS.*).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JsonlDestination } from '../local/emulation/esm/on-failure';
import { bundleFunction } from '../local/emulation/runtime/bundle';
import {
  DYNAMODB_LOCAL_VERSION,
  KAFKA_VERSION,
  LOCAL_TABLES,
  ensureTables,
  ensureTopics,
  startServices,
  type LocalServices,
} from '../local/emulation/services';
import { findJava } from '../local/emulation/services/tools';
import { startLocalStack, type LocalStack } from '../local/stack';
import { BRIDGE_VERSION } from './bridge';
import { measureBundles } from './bundles';
import { benchSettings, type BenchContext } from './context';
import { measureConsumer } from './consumer';
import { measureHandler } from './handler';
import { measureIdle } from './idle';
import { measureIngest } from './ingest';
import { measureLatency } from './latency';
import { measureQueries } from './queries';
import { renderProfileSummary, summarizeProfileDir } from './profile';
import { extractAnalysis, fmt, pct, renderReport, renderTable, type BenchResults, type GoalRow } from './report';
import { ownPeakRssMiB, peakRssMiB } from './resources';
import { BENCH_PARTITIONS, pipeline } from './spec';
import { namedError } from '../core/errors';

const ROOT = resolve(__dirname, '..');
const PHASES = ['idle', 'ingest', 'latency', 'consumer', 'queries', 'bundles', 'handler'] as const;
/** What a plain run measures; `handler` only runs when asked for (--profile). */
const DEFAULT_PHASES: readonly Phase[] = ['idle', 'ingest', 'latency', 'consumer', 'queries', 'bundles'];
type Phase = (typeof PHASES)[number];
/** Where a profiled child run writes the handler's profile. */
const PROFILE_DIR_ENV = 'FLUXO_BENCH_PROFILE_DIR';
const USAGE = `usage: npm run bench [-- --quick] [-- --profile] [-- --render] [-- --only ${PHASES.join(',')}]`;

/** A command-line option is wrong. */
export class BenchUsageError extends namedError('BenchUsageError') {
  public constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function command(cmd: string, args: readonly string[]): string {
  const run = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  return `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
}

/** The version in `<dir>/package.json`. */
function versionIn(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

const packageVersion = (name: string): string => versionIn(join(ROOT, 'node_modules', name));

function versions(): Record<string, string> {
  return {
    fluxo: versionIn(ROOT),
    node: process.version,
    java: command(findJava(), ['-version']).split('\n')[0] ?? '',
    'Apache Kafka (broker, perf test)': KAFKA_VERSION,
    'DynamoDB Local': DYNAMODB_LOCAL_VERSION,
    kafkajs: `${packageVersion('kafkajs')} (patched at install: patches/kafkajs+2.2.4.patch)`,
    'Strimzi Kafka Bridge': `${BRIDGE_VERSION} (io.strimzi:kafka-bridge)`,
    esbuild: packageVersion('esbuild'),
    '@aws-sdk/client-dynamodb': packageVersion('@aws-sdk/client-dynamodb'),
  };
}

/** The goals the run measured against, in the order of the report's sections; a goal whose phase did not run is left out (undefined or false). */
function goals(results: Omit<BenchResults, 'goals' | 'meta'>): GoalRow[] {
  const { idle } = results;
  const ingest100 = results.ingest.rows.find((r) => r.batch === 100);
  const sustained = results.latency.find((r) => r.batchingWindowMs === 0 && r.load === 'sustained');
  const drain = results.consumer.find((c) => c.writeRequestsPerRecord !== undefined);
  const rows: (GoalRow | undefined | false)[] = [
    idle && {
      goal: `idle CPU of \`npm start\` (every process and thread), ${fmt(idle.seconds)} s with no traffic`,
      target: '<= 1 % of a core',
      measured: pct(idle.coreShare),
      met: idle.coreShare <= 0.01,
    },
    ingest100?.httpOverBridge !== undefined && {
      goal: `HTTP ingest, 100 records/request, ${ingest100.clients} clients, vs the Strimzi bridge`,
      target: '>= 1.5×',
      measured: `${fmt(ingest100.httpOverBridge, 2)}×`,
      met: ingest100.httpOverBridge >= 1.5,
    },
    ingest100 && {
      goal: `HTTP ingest, 100 records/request, ${ingest100.clients} clients, vs raw kafkajs`,
      target: '>= 70 %',
      measured: pct(ingest100.httpOverRaw),
      met: ingest100.httpOverRaw >= 0.7,
    },
    sustained && {
      goal: `end-to-end p99, window 0, ${fmt(sustained.recordsPerSecond)} records/s`,
      target: '<= 150 ms',
      measured: `${fmt(sustained.p99, 1)} ms`,
      met: sustained.p99 <= 150 && sustained.notVisible === 0,
    },
    drain?.writeRequestsPerRecord !== undefined && {
      goal: `DynamoDB write requests per record, keyed windowed aggregation (${drain.keys} keys, hopping window: 30 s panes)`,
      target: '<= 0.05',
      measured: fmt(drain.writeRequestsPerRecord, 3),
      met: drain.writeRequestsPerRecord <= 0.05,
    },
    ...(results.queries ?? []).map((q) => ({
      goal: `${q.query} (hopping window of 10 panes${q.query.startsWith('trending') ? ', plus 3 baseline windows' : ''}) at ${fmt(q.keysInWindow)} distinct keys, p99 through the local gateway`,
      target: '<= 250 ms',
      measured: `${fmt(q.p99Ms, 1)} ms (p50 ${fmt(q.p50Ms, 1)} ms; ${fmt(q.readUnitsReported > 0 ? q.readUnitsReported : q.readUnitsEstimated, 1)} read units, $${fmt(q.usdPer1000Queries, 4)} per 1,000 on AWS)`,
      met: q.p99Ms <= 250 && q.keysInWindow >= 10_000,
    })),
  ];
  return rows.filter((row) => typeof row === 'object');
}

/**
 * Profiles in two child runs: the ingest phase under `node --cpu-prof` (one profile per thread:
 * gateway, producer Lambda, load workers: how busy each is), then the producer handler alone with
 * an in-process profile of its 100-records-per-call loop (source frames, not minified ones).
 */
function profile(): void {
  const dir = join(ROOT, 'bench', 'results', `profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const child = (nodeArgs: readonly string[], phases: string, env: NodeJS.ProcessEnv = process.env): void => {
    const run = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'bench', 'run.ts'), '--quick', '--only', phases], {
      cwd: ROOT,
      stdio: 'inherit',
      env,
    });
    if (run.status !== 0) throw new BenchUsageError(`the profiled run failed (${run.status})`);
  };
  log(`profiling the ingest phase, every thread, into ${dir}`);
  child(['--cpu-prof', `--cpu-prof-dir=${dir}`], 'ingest');
  log('profiling the producer handler alone');
  child([], 'handler', { ...process.env, [PROFILE_DIR_ENV]: dir });
  const summaries = summarizeProfileDir(dir).map(({ file, summary }) => renderProfileSummary(file, summary));
  writeFileSync(join(dir, 'summary.md'), `${summaries.join('\n\n')}\n`);
  process.stdout.write(`${summaries.join('\n\n')}\n\nprofiles and summary.md in ${dir}\n`);
}

async function measure(ctx: BenchContext, only: readonly Phase[], services: LocalServices): Promise<Omit<BenchResults, 'goals' | 'meta'>> {
  const wants = (phase: Phase): boolean => only.includes(phase);
  const idle = wants('idle') ? await measureIdle(ctx) : undefined;
  const ingest = wants('ingest')
    ? await measureIngest(ctx)
    : { rows: [], ceiling: { median: 0, records: 0, averageValueBytes: 0, variants: [] } };
  const latency = wants('latency') ? await measureLatency(ctx) : { rows: [], consumers: [] };
  const drain = wants('consumer') ? [await measureConsumer(ctx), await measureConsumer(ctx, { keyed: true })] : [];
  const queries = wants('queries') ? await measureQueries(ctx) : undefined;
  const bundles = wants('bundles') ? await measureBundles(ctx) : { rows: [], producerAlternatives: [] };
  if (wants('handler')) await measureHandler(ctx, process.env[PROFILE_DIR_ENV]);
  const jvm = (name: string, pid: number | undefined, note: string) => {
    const mib = pid === undefined ? undefined : peakRssMiB(pid);
    return mib === undefined ? [] : [{ process: name, peakRssMiB: mib, note }];
  };
  const resources = [
    {
      process: 'Node (bench + local stack)',
      peakRssMiB: ownPeakRssMiB(),
      note: 'one process: gateway, ESM emulators, the Lambda worker threads and the load worker threads',
    },
    ...jvm('Kafka broker (JVM)', services.pids.kafka, 'KRaft broker + controller, -Xmx512m'),
    ...jvm('DynamoDB Local (JVM)', services.pids.dynamodb, 'in memory'),
  ];
  // A phase left out leaves idle or queries undefined, which the JSON omits.
  return { idle, ingest, latency: latency.rows, consumer: [...drain, ...latency.consumers], bundles, resources, queries };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.profile) {
    profile();
    return;
  }
  if (values.render) {
    const results = JSON.parse(readFileSync(join(ROOT, 'BENCHMARKS.json'), 'utf8')) as BenchResults;
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderReport(results, extractAnalysis(readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8'))));
    log('re-rendered BENCHMARKS.md from BENCHMARKS.json');
    return;
  }
  const only = (values.only ?? DEFAULT_PHASES.join(',')).split(',').map((p) => p.trim()) as Phase[];
  const unknown = only.find((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown !== undefined) throw new BenchUsageError(`unknown phase "${unknown}"`);
  const partial = values.only !== undefined;
  const settings = benchSettings(values.quick);
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const scratchDir = mkdtempSync(join(tmpdir(), 'fluxo-bench-'));
  let services: LocalServices | undefined;
  let stack: LocalStack | undefined;
  try {
    services = await startServices({ dataDir: join(scratchDir, 'data'), fresh: true, inMemory: true, onProgress: log });
    await ensureTables(services.dynamodbEndpoint);
    await ensureTopics(services.kafkaBrokers, pipeline);
    const buildDir = join(ROOT, '.fluxo', 'bench-build');
    stack = await startLocalStack({
      spec: pipeline,
      specFile: 'bench/spec.ts',
      root: ROOT,
      buildDir: join(buildDir, 'stack'),
      kafkaBrokers: services.kafkaBrokers,
      dynamodbEndpoint: services.dynamodbEndpoint,
      port: 0,
      consumers: [],
      destination: new JsonlDestination(join(scratchDir, 'on-failure.jsonl')),
      log: (line) => (line.includes('failed') ? log(line) : undefined),
    });
    const worker = stack.bundles.find((b) => b.name === '_worker');
    const consumerBundle = stack.bundles.find((b) => b.name === 'consumer');
    if (worker === undefined || consumerBundle === undefined) throw new BenchUsageError('the local stack bundled no worker or consumer');
    const loadWorker = await bundleFunction({ name: 'load-worker', entry: 'bench/load-worker.ts' }, { root: ROOT, outDir: buildDir });
    const ctx: BenchContext = {
      root: ROOT,
      settings,
      services,
      stack,
      consumerBundle,
      factory: {
        kafkaBrokers: services.kafkaBrokers,
        dynamodbEndpoint: services.dynamodbEndpoint,
        tables: LOCAL_TABLES,
        workerFile: worker.file,
        log: (line) => (line.includes('"level":"ERROR"') ? log(line) : undefined),
      },
      loadWorkerFile: loadWorker.file,
      scratchDir,
      log,
    };
    log(`stack on ${stack.url}, Kafka ${services.kafkaBrokers}, DynamoDB ${services.dynamodbEndpoint}`);
    const figures = await measure(ctx, only, services);
    const finishedAt = new Date();
    const meta: BenchResults['meta'] = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      quick: settings.quick,
      commit: command('git', ['rev-parse', '--short', 'HEAD']),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: totalmem() / 2 ** 30,
        os: `${osType()} ${release()}`,
      },
      versions: versions(),
      settings: {
        idle: `\`npm start\` against the bench's Kafka and DynamoDB Local, ${settings.idleMs / 1000} s from its banner`,
        'bench topics': `${BENCH_PARTITIONS} partitions each, one broker (replication 1), DynamoDB Local in memory`,
        ingest: `${settings.ingestClients} clients${settings.ingestExtra.map((e) => ` (and ${e.clients} at ${e.batch} records/request)`).join('')}, ${settings.ingestRepetitions} × ${settings.ingestDurationMs / 1000} s per row and path, each repetition after 0.3 s of unrecorded warm-up`,
        ceiling: `${settings.ceilingRepetitions} × ${fmt(settings.ceilingRecords)} records`,
        latency: `${settings.latencyRepetitions} repetition(s); low ${settings.lowLoad.requestsPerSecond} req/s × ${settings.lowLoad.recordsPerRequest} for ${settings.lowLoad.durationMs / 1000} s; sustained ${settings.sustainedLoad.requestsPerSecond} req/s × ${settings.sustainedLoad.recordsPerRequest} for ${settings.sustainedLoad.durationMs / 1000} s`,
        consumer: `backlog of ${fmt(settings.drainRecords)} records over ${settings.drainKeys} keys, batch size 100; bench-drain in 5-minute windows advancing 30 s (one item per key and 30 s pane), bench-drain-keyed in 60 s windows`,
        init: `${settings.initRepetitions} fresh processes per bundle`,
        queries: `${fmt(settings.queryKeys)} distinct keys in the window, ${settings.querySamples} timed queries of each kind`,
        // The machine may be shared: a load above the core count means the figures include waiting for a CPU.
        'load average (1 min), start / end': `${loadAtStart.toFixed(2)} / ${(loadavg()[0] ?? 0).toFixed(2)} on ${cpus().length} cores`,
      },
      wallSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    };
    const results: BenchResults = { meta, ...figures, goals: goals(figures) };
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const json = `${JSON.stringify(results, null, 2)}\n`;
    const stamp = finishedAt.toISOString().replace(/[:.]/g, '-');
    writeFileSync(join(resultsDir, `${stamp}${settings.quick ? '-quick' : ''}${partial ? '-partial' : ''}.json`), json);
    const previous = existsSync(join(ROOT, 'BENCHMARKS.md')) ? readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8') : '';
    const markdown = renderReport(results, extractAnalysis(previous));
    if (settings.quick || partial) {
      writeFileSync(join(resultsDir, `${stamp}.md`), markdown);
      log(`quick or partial run: BENCHMARKS.md left as it is; report in bench/results/${stamp}.md`);
    } else {
      writeFileSync(join(ROOT, 'BENCHMARKS.json'), json);
      writeFileSync(join(ROOT, 'BENCHMARKS.md'), markdown);
      log('wrote BENCHMARKS.md and BENCHMARKS.json');
    }
    process.stdout.write(
      `${renderTable(
        ['goal', 'target', 'measured', ''],
        results.goals.map((g) => [g.goal, g.target, g.measured, g.met ? 'met' : 'missed']),
      )}\n`,
    );
    log(`done in ${fmt(meta.wallSeconds)} s`);
  } finally {
    await stack?.stop().catch((error: unknown) => log(`stopping the stack failed: ${(error as Error).message}`));
    await services?.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
