/**
 * The bench's figures as data ({@link BenchResults}, written as JSON) and as BENCHMARKS.md
 * ({@link renderReport}). The markdown is regenerated on every run; the hand-written analysis
 * between {@link ANALYSIS_BEGIN} and {@link ANALYSIS_END} is carried over from the previous file.
 * Pure functions, no I/O.
 */
import type { LatencySummary } from '../local/tools/stats';
import type { IdleResult } from './idle';

/** Where and with what the figures were measured. */
export interface BenchMeta {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly commit: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly os: string };
  readonly versions: Readonly<Record<string, string>>;
  /** Settings of the run, one line each (`name: value`). */
  readonly settings: Readonly<Record<string, string>>;
  readonly wallSeconds: number;
}

/** Ingest throughput at one batch size. */
export interface IngestRow {
  readonly batch: number;
  readonly clients: number;
  /** records/s of each repetition. */
  readonly http: readonly number[];
  readonly raw: readonly number[];
  readonly httpMedian: number;
  readonly rawMedian: number;
  /** Median event-loop utilisation of the gateway's thread during the HTTP repetitions (0..1). */
  readonly gatewayEventLoopUtilization: number;
  /** Median CPU time of the whole Node process per record acknowledged, µs, during the HTTP and the raw repetitions. */
  readonly httpCpuUsPerRecord: number;
  readonly rawCpuUsPerRecord: number;
  /** records/s of the raw client merging concurrent batches into one `sendBatch` (the coalescing a producer could do). */
  readonly rawCoalesced: readonly number[];
  readonly rawCoalescedMedian: number;
  /** httpMedian / rawMedian. */
  readonly httpOverRaw: number;
  /** httpMedian / the ceiling's median. */
  readonly httpOverCeiling: number;
  /** Median request latency, ms (HTTP request, raw `sendBatch`). */
  readonly httpRequestP50Ms: number;
  readonly rawRequestP50Ms: number;
  /** records/s of the Strimzi bridge (absent when it could not be started), its median, httpMedian / it, its request p50 (ms). */
  readonly bridge?: readonly number[];
  readonly bridgeMedian?: number;
  readonly httpOverBridge?: number;
  readonly bridgeRequestP50Ms?: number;
  /** records/s (requests/s × records per request) of the bare Node server answering an empty 200; httpMedian / its median. */
  readonly bare?: readonly number[];
  readonly bareMedian?: number;
  readonly httpOverBare?: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** Whether the Strimzi bridge ran, and why not. */
export interface BridgeInfo {
  readonly version: string;
  readonly available: boolean;
  readonly reason?: string;
}

/** One configuration of the broker's own perf test. */
export interface CeilingVariant {
  readonly name: string;
  readonly producerProps: string;
  /** records/s of each repetition. */
  readonly recordsPerSecond: readonly number[];
  readonly median: number;
}

/** The broker's own perf test: the ceiling is the first variant's median. */
export interface CeilingResult {
  readonly median: number;
  readonly records: number;
  readonly averageValueBytes: number;
  readonly variants: readonly CeilingVariant[];
}

/** End-to-end latency of one consumer setting at one load. */
export interface LatencyRow {
  readonly consumer: string;
  readonly batchingWindowMs: number;
  readonly load: 'low' | 'sustained';
  /** Records/s offered, and the request shape. */
  readonly recordsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly recordsPerRequest: number;
  /** Median over repetitions of each repetition's percentile. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Every repetition's summary. */
  readonly repetitions: readonly LatencySummary[];
  /** Requests whose aggregate was not seen within the deadline, over all repetitions. */
  readonly notVisible: number;
  readonly errors: number;
}

/** Consumer figures for one consumer run. */
export interface ConsumerRow {
  readonly scenario: string;
  readonly records: number;
  readonly invocations: number;
  readonly recordsPerInvocation: number;
  /** Median over invocations of records / invocation duration. */
  readonly recordsPerSecondPerInvocation: number;
  readonly invocationP50Ms: number;
  /** How long the oldest record of a batch had waited when its invocation started (since the client sent it), p50 and p99, ms. */
  readonly waitedP50Ms: number;
  readonly waitedP99Ms: number;
  /** Records / wall time from the first invocation's start to the last one's end. */
  readonly drainRecordsPerSecond: number;
  /** DynamoDB write requests per record (undefined: not counted in this scenario). */
  readonly writeRequestsPerRecord?: number;
  readonly itemsWrittenPerRecord?: number;
  readonly readRequestsPerRecord?: number;
  /** Median DynamoDB round trip by operation, ms (when counted). */
  readonly dynamodbP50Ms?: Readonly<Record<string, number>>;
  /** The group keys of the records (a count, or how they were chosen). */
  readonly keys: string;
}

/** One kind of hopping-window query (figure 6). */
export interface QueryRow {
  /** `top-10` or `trending-10`. */
  readonly query: string;
  readonly keysInWindow: number;
  /** Items read per query: pane key counts items, and for top-10 the winners' pane aggregates. */
  readonly paneItemsRead: number;
  /** DynamoDB Query requests per API query (one or more pages per pane). */
  readonly queryRequests: number;
  /** Read capacity units DynamoDB Local reported consumed (ReturnConsumedCapacity), per query; 0 when it reports none. */
  readonly readUnitsReported: number;
  /** Read units estimated from the items' sizes (bench/queries.ts `estimatedReadUnits`), per query. */
  readonly readUnitsEstimated: number;
  /** What 1,000 such queries cost on AWS on demand (read units: reported, else estimated), US$. */
  readonly usdPer1000Queries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

/** One Lambda bundle. */
export interface BundleRow {
  readonly name: string;
  /** Bytes as CDK deploys it (minified, `@aws-sdk/*` external). */
  readonly deployedBytes: number;
  /** Bytes of the self-contained local bundle (AWS SDK included). */
  readonly localBytes: number;
  /** Median module init (require) time in a fresh Node process, ms, of the deployed and the local bundle. */
  readonly deployedInitMs: number;
  readonly localInitMs: number;
  /** Median wall time of `node -e require(...)` (process start to exit), ms, deployed bundle. */
  readonly deployedProcessMs: number;
  /** Largest contributors to the deployed bundle, by package. */
  readonly topPackages: readonly { readonly name: string; readonly bytes: number }[];
}

/** A measured alternative to the producer bundle. */
export interface BundleAlternative {
  readonly name: string;
  readonly bytes: number;
  readonly note: string;
}

/** Peak resident memory of one process. */
export interface ResourceRow {
  readonly process: string;
  readonly peakRssMiB: number;
  readonly note: string;
}

/** One goal and how the run did against it. */
export interface GoalRow {
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Everything one bench run measured. */
export interface BenchResults {
  readonly meta: BenchMeta;
  /** Idle CPU of `npm start` (absent from runs before it was measured, and from runs without the phase). */
  readonly idle?: IdleResult;
  readonly ingest: { readonly rows: readonly IngestRow[]; readonly ceiling: CeilingResult; readonly bridge?: BridgeInfo };
  readonly latency: readonly LatencyRow[];
  readonly consumer: readonly ConsumerRow[];
  readonly bundles: { readonly rows: readonly BundleRow[]; readonly producerAlternatives: readonly BundleAlternative[] };
  readonly resources: readonly ResourceRow[];
  /** Hopping-window queries (absent from runs before they were measured, and from runs without the phase). */
  readonly queries?: readonly QueryRow[];
  readonly goals: readonly GoalRow[];
}

/** Marks the start of the hand-written analysis that survives a re-run. */
export const ANALYSIS_BEGIN = '<!-- analysis:begin (hand-written; kept by npm run bench) -->';
/** Marks its end. */
export const ANALYSIS_END = '<!-- analysis:end -->';

/** The hand-written analysis of an existing BENCHMARKS.md, without its markers; undefined when it has none. */
export function extractAnalysis(markdown: string): string | undefined {
  const begin = markdown.indexOf(ANALYSIS_BEGIN);
  const end = markdown.indexOf(ANALYSIS_END);
  if (begin < 0 || end < begin) return undefined;
  return markdown.slice(begin + ANALYSIS_BEGIN.length, end).trim();
}

/** Column alignment of {@link renderTable}. */
export type Align = 'left' | 'right';

/** A GitHub markdown table; `|` in cells is escaped, numbers are right-aligned unless told otherwise. */
export function renderTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly Align[]): string {
  const cell = (value: string | number): string => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const aligns = headers.map((_, i) => align?.[i] ?? (rows.every((r) => typeof r[i] === 'number') && rows.length > 0 ? 'right' : 'left'));
  const lines = [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${aligns.map((a) => (a === 'right' ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${headers.map((_, i) => cell(row[i] ?? '')).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** A number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio as a percentage, e.g. `71 %` (one decimal under 10 %). */
export function pct(value: number): string {
  return `${fmt(value * 100, value < 0.1 ? 1 : 0)} %`;
}

/** Bytes as KiB with one decimal. */
export function kib(bytes: number): string {
  return `${fmt(bytes / 1024, 1)} KiB`;
}

/** `value` ms with `digits` decimals. */
const ms = (value: number, digits = 1): string => `${fmt(value, digits)} ms`;

/** A figure a row may not have (`–`). */
const maybe = (value: number | undefined, render: (v: number) => string): string => (value === undefined ? '–' : render(value));

/** One column of {@link renderColumns}: its header, its cell in a row, and `left` unless it is right-aligned. */
type Column<T> = readonly [header: string, cell: (row: T) => string | number, align?: Align];

/** A table of `rows` with one column per entry of `columns`. */
function renderColumns<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  return renderTable(
    columns.map(([header]) => header),
    rows.map((row) => columns.map(([, cell]) => cell(row))),
    columns.map(([, , align]) => align ?? 'right'),
  );
}

const DEFAULT_ANALYSIS = '_No analysis written yet: profile the missed goals (see "How to reproduce") and write it here._';

/** BENCHMARKS.md for `results`, with `analysis` (hand-written markdown) in its section. */
export function renderReport(results: BenchResults, analysis: string = DEFAULT_ANALYSIS): string {
  const { meta, idle, ingest, latency, consumer, bundles, resources, queries, goals } = results;
  // Blocks of markdown, a blank line between two.
  const out: string[] = [];
  out.push(
    '# fluxo benchmarks',
    `Written by \`npm run bench${meta.quick ? ' -- --quick' : ''}\` on ${meta.finishedAt} (commit ${meta.commit}, ${fmt(meta.wallSeconds)} s). ` +
      'Every figure comes from this one run on the local stack (real Kafka broker, DynamoDB Local, the bundled handlers); ' +
      'each is the median over the repetitions listed, so a ratio compares paths measured seconds to minutes apart on the same machine. ' +
      'The same figures are in `BENCHMARKS.json`. Everything outside the "Analysis" section is regenerated.',
  );
  if (meta.quick) out.push('> **Quick run** (CI smoke): short phases, few repetitions; the figures are indicative only.');

  out.push(
    '## Goals',
    renderColumns(goals, [
      ['goal', (g) => g.goal, 'left'],
      ['target', (g) => g.target, 'left'],
      ['measured', (g) => g.measured, 'left'],
      ['', (g) => (g.met ? 'met' : '**missed**'), 'left'],
    ]),
  );

  if (idle !== undefined) {
    out.push(
      '## 0. Idle',
      "`npm start` as a user runs it (npm, tsx and the stack's Node process with all its threads: gateway, ESM emulators, Lambda worker threads), " +
        "pointed at the bench's Kafka and DynamoDB Local, measured from its banner with no traffic at all. CPU is the kernel's count (utime + stime, /proc) for every process the command started; the JVMs are not in it.",
      renderColumns(
        [idle],
        [
          ['window', (i) => `${fmt(i.seconds, 1)} s`],
          ['CPU time', (i) => `${fmt(i.cpuSeconds, 2)} s`],
          ['share of one core', (i) => pct(i.coreShare)],
          ['Node threads', (i) => i.nodeThreads],
          ['processes', (i) => i.processes.join(', '), 'left'],
          ['start to banner', (i) => `${fmt(i.startSeconds, 1)} s`],
        ],
      ),
    );
  }

  out.push(
    '## 1. Ingest throughput',
    'Closed loop: each of the concurrent clients sends a request as soon as its previous one is answered. ' +
      '*HTTP*: POST /topics/bench-ingest/records through the local gateway and the producer Lambda (health tuples, validated, IMC derived). ' +
      '*raw*: the same records as written by the producer (same bytes, headers) sent by a kafkajs idempotent producer with the same settings ' +
      '(acks=all, idempotent, max.in.flight 1, GZIP, one `sendBatch` per request, no linger), from the same kind of worker thread. ' +
      '*raw, coalesced*: the same client, but batches that queue while a send is in flight go out together in the next `sendBatch` ' +
      '(the coalescing a producer could do; measured as a possible fix, not what fluxo does). ' +
      '*gateway thread busy*: event-loop utilisation of the thread running the gateway during the HTTP repetitions; *Node CPU/record*: CPU time of the ' +
      "whole Node process (gateway, producer Lambda worker, load worker with its start and 0.3 s warm-up) per record acknowledged — the clients' cost is in both; " +
      "the broker's is in neither.",
    renderColumns(ingest.rows, [
      ['records/request', (r) => r.batch],
      ['clients', (r) => r.clients],
      ['HTTP records/s', (r) => fmt(r.httpMedian)],
      ['raw kafkajs records/s', (r) => fmt(r.rawMedian)],
      ['raw, coalesced', (r) => fmt(r.rawCoalescedMedian)],
      ['HTTP / raw', (r) => pct(r.httpOverRaw)],
      ['HTTP / ceiling', (r) => pct(r.httpOverCeiling)],
      ['HTTP request p50', (r) => ms(r.httpRequestP50Ms)],
      ['raw send p50', (r) => ms(r.rawRequestP50Ms)],
      ['gateway thread busy', (r) => pct(r.gatewayEventLoopUtilization)],
      ['Node CPU/record, HTTP', (r) => `${fmt(r.httpCpuUsPerRecord, 1)} µs`],
      ['Node CPU/record, raw', (r) => `${fmt(r.rawCpuUsPerRecord, 1)} µs`],
      ['repetitions', (r) => r.http.length],
      ['errors', (r) => r.errors],
    ]),
    `*Side by side*, same run, same records, same concurrent clients, same closed loop: *Strimzi bridge*: the Strimzi HTTP Bridge for Apache Kafka ${ingest.bridge?.version ?? ''} ` +
      '(`io.strimzi:kafka-bridge`, fetched with its dependencies by Maven and started by the bench against the same broker), `POST /topics/bench-ingest` with the same tuples ' +
      "in its JSON embedded format, its producer set as fluxo's (`acks=all enable.idempotence=true max.in.flight.requests.per.connection=1 compression.type=gzip linger.ms=0`); " +
      "it writes the values as sent (no schema check, no derived fields, no headers). *bare Node*: a Node `http` server in the gateway's thread that reads the body of fluxo's " +
      "request and answers an empty 200, counted as the request's records: the per-request ceiling of the runtime on this machine.",
  );
  if (ingest.bridge !== undefined && !ingest.bridge.available)
    out.push(`> The Strimzi bridge was not measured in this run: ${ingest.bridge.reason ?? 'unknown reason'}.`);
  out.push(
    renderColumns(ingest.rows, [
      ['records/request', (r) => r.batch],
      ['clients', (r) => r.clients],
      ['fluxo HTTP records/s', (r) => fmt(r.httpMedian)],
      ['Strimzi bridge records/s', (r) => maybe(r.bridgeMedian, (v) => fmt(v))],
      ['fluxo / bridge', (r) => maybe(r.httpOverBridge, (v) => `${fmt(v, 2)}×`)],
      ['bridge request p50', (r) => maybe(r.bridgeRequestP50Ms, (v) => ms(v))],
      ['bare Node records/s', (r) => maybe(r.bareMedian, (v) => fmt(v))],
      ['fluxo / bare Node', (r) => maybe(r.httpOverBare, pct)],
      ['raw kafkajs records/s', (r) => fmt(r.rawMedian)],
      ['fluxo / raw', (r) => pct(r.httpOverRaw)],
    ]),
    `Ceiling: the broker's own \`kafka-producer-perf-test\` (org.apache.kafka.tools.ProducerPerformance, the Java client, one producer) sending ` +
      `${fmt(ingest.ceiling.records)} records drawn from the same record values (${fmt(ingest.ceiling.averageValueBytes)} bytes on average; no headers) ` +
      'to the same topic; HTTP / ceiling above divides by the first line.',
    renderColumns(ingest.ceiling.variants, [
      ['perf test', (v) => v.name, 'left'],
      ['producer settings', (v) => `\`${v.producerProps}\``, 'left'],
      ['records/s (median)', (v) => fmt(v.median)],
      ['repetitions', (v) => v.recordsPerSecond.map((x) => fmt(x)).join(', ')],
    ]),
  );

  out.push(
    '## 2. End-to-end latency',
    "From the HTTP answer (the records are on the topic, acks=all) to the aggregate holding all of the request's records in DynamoDB " +
      "(a strongly consistent read sees `count` equal to the records sent). Open loop at a fixed request rate; each request's records " +
      'share one fresh group key, so its aggregate is its own (keyed windowed aggregation, 60 s windows). A poller reads the pending ' +
      'aggregates back to back, so a figure includes up to one read round trip (about 1–3 ms) of detection delay.',
    renderColumns(latency, [
      ['batching window', (r) => `${r.batchingWindowMs} ms`, 'left'],
      ['load', (r) => r.load, 'left'],
      ['records/s', (r) => fmt(r.recordsPerSecond)],
      ['requests/s × records', (r) => `${fmt(r.requestsPerSecond)} × ${r.recordsPerRequest}`],
      ['p50', (r) => ms(r.p50)],
      ['p95', (r) => ms(r.p95)],
      ['p99', (r) => ms(r.p99)],
      ['repetitions', (r) => `${r.repetitions.length} (${r.repetitions.map((s) => s.count).join(', ')} samples)`],
      ['not visible', (r) => r.notVisible],
      ['errors', (r) => r.errors],
    ]),
  );

  out.push(
    '## 3. Consumer',
    'Per invocation of the consumer Lambda (in its worker thread, invoked by the ESM emulator). *backlog*: records already on the topic when ' +
      'the mapping starts, so batches are full. DynamoDB requests are counted on the wire by a proxy in front of DynamoDB Local.',
    renderColumns(consumer, [
      ['scenario', (c) => c.scenario, 'left'],
      ['records', (c) => fmt(c.records)],
      ['invocations', (c) => fmt(c.invocations)],
      ['records/invocation', (c) => fmt(c.recordsPerInvocation, 1)],
      ['records/s per invocation', (c) => fmt(c.recordsPerSecondPerInvocation)],
      ['invocation p50', (c) => ms(c.invocationP50Ms)],
      ['oldest record waited p50 / p99', (c) => `${fmt(c.waitedP50Ms)} / ${ms(c.waitedP99Ms, 0)}`],
      ['drain records/s', (c) => fmt(c.drainRecordsPerSecond)],
      ['keys', (c) => c.keys],
      ['write requests/record', (c) => maybe(c.writeRequestsPerRecord, (v) => fmt(v, 3))],
      ['items written/record', (c) => maybe(c.itemsWrittenPerRecord, (v) => fmt(v, 3))],
      ['read requests/record', (c) => maybe(c.readRequestsPerRecord, (v) => fmt(v, 3))],
      [
        'DynamoDB p50 by request',
        (c) =>
          c.dynamodbP50Ms === undefined
            ? '–'
            : Object.entries(c.dynamodbP50Ms)
                .map(([op, p50]) => `${op} ${ms(p50)}`)
                .join(', '),
        'left',
      ],
    ]),
  );

  out.push(
    '## 4. Bundles and module initialisation',
    "*deployed*: esbuild as the CDK app's NodejsFunction runs it (minified, CommonJS, target node24, `@aws-sdk/*` external because the Lambda runtime ships it). " +
      "*local*: the self-contained bundle the local stack runs. Init: `require()` of the bundle in a fresh `node` process with the function's environment " +
      '(the deployed bundle loads the AWS SDK from node_modules, as Lambda loads it from the runtime); median over the repetitions.',
    renderColumns(bundles.rows, [
      ['function', (b) => b.name, 'left'],
      ['deployed size', (b) => kib(b.deployedBytes)],
      ['local size', (b) => kib(b.localBytes)],
      ['init (deployed)', (b) => ms(b.deployedInitMs)],
      ['init (local)', (b) => ms(b.localInitMs)],
      ['node process (deployed)', (b) => ms(b.deployedProcessMs, 0)],
      ['largest parts (deployed)', (b) => b.topPackages.map((p) => `${p.name} ${kib(p.bytes)}`).join(', '), 'left'],
    ]),
  );
  if (bundles.producerAlternatives.length > 0) {
    out.push(
      'Producer bundle, measured alternatives (same esbuild settings):',
      renderColumns(bundles.producerAlternatives, [
        ['variant', (a) => a.name, 'left'],
        ['size', (a) => kib(a.bytes)],
        ['what it means', (a) => a.note, 'left'],
      ]),
    );
  }

  out.push(
    '## 5. Resources',
    renderColumns(resources, [
      ['process', (r) => r.process, 'left'],
      ['peak RSS', (r) => `${fmt(r.peakRssMiB)} MiB`],
      ['what', (r) => r.note, 'left'],
    ]),
  );

  if (queries !== undefined && queries.length > 0) {
    out.push(
      '## 6. Hopping-window queries',
      '`GET /results/bench-trending?top=10&at=T` (the hopping window [w - 5 min, w): 10 panes of 30 s; ranked from their pane key counts, then the 10 ' +
        "winners' pane aggregates merged) and `GET /results/bench-trending/trending?top=10&at=T` (that window and the 3 before it: the key counts of 40 panes), " +
        'timed one after the other through the local ' +
        "gateway and the results Lambda's worker thread on DynamoDB Local, after 3 unrecorded queries. The table holds pane aggregates " +
        "and pane key counts items (core/pane-counts.ts) written directly with the consumer's own core functions: per window, 1 % of the keys in every pane, 9 % in 3 panes, 90 % in one (half of them new " +
        'in each window), and a planted break-out; every answer is checked against the ranking computed from that layout. *read units*: the read capacity ' +
        "units DynamoDB Local reported (ReturnConsumedCapacity), and the estimate from the items' sizes (eventually consistent, 4 KB per half unit, " +
        'whole items: the index projects every attribute); the cost uses the reported figure when there is one, at US$ 0.125 per million read request ' +
        'units (on demand, us-east-1; UNVERIFIED, see bench/queries.ts).',
      renderColumns(queries, [
        ['query', (q) => q.query, 'left'],
        ['keys in the window', (q) => fmt(q.keysInWindow)],
        ['pane items read', (q) => fmt(q.paneItemsRead)],
        ['Query requests', (q) => fmt(q.queryRequests)],
        ['read units (reported / estimated)', (q) => `${fmt(q.readUnitsReported, 1)} / ${fmt(q.readUnitsEstimated, 1)}`],
        ['US$ per 1,000 queries', (q) => `$${fmt(q.usdPer1000Queries, 4)}`],
        ['p50', (q) => ms(q.p50Ms)],
        ['p99', (q) => ms(q.p99Ms)],
        ['samples', (q) => q.samples],
      ]),
    );
  }

  out.push(
    '## Analysis',
    [ANALYSIS_BEGIN, analysis.trim(), ANALYSIS_END].join('\n'),
    '## Machine, versions, settings',
    renderTable(
      ['', ''],
      [
        ['CPU', `${meta.machine.cpu} (${meta.machine.cores} cores)`],
        ['memory', `${fmt(meta.machine.memoryGiB, 1)} GiB`],
        ['OS', meta.machine.os],
        ...Object.entries(meta.versions),
        ...Object.entries(meta.settings),
        ['started', meta.startedAt],
      ],
    ),
    '## How to reproduce',
    [
      '```sh',
      'npm run bench                 # full run (about 15 minutes on 2 cores): rewrites BENCHMARKS.md and BENCHMARKS.json, keeps the Analysis section',
      'npm run bench -- --quick      # CI smoke (about 3 minutes): writes bench/results/ only',
      'npm run bench -- --profile    # CPU profiles: the ingest phase under node --cpu-prof (every thread), then the producer handler alone (source frames); summary.md in bench/results/profile-*/',
      'npm run bench -- --render     # re-renders BENCHMARKS.md from BENCHMARKS.json (after editing the Analysis section or the template)',
      '```',
    ].join('\n'),
    'The run starts its own Kafka and DynamoDB Local in a temporary directory (jars from `.fluxo/cache`), fetches the Strimzi bridge into the same cache on its first run, ' +
      'starts `npm start` for the idle phase and the bridge for the ingest phase, bundles the handlers against `bench/spec.ts`, ' +
      'and stops everything it started. JSON of every run lands in `bench/results/` (not committed).',
  );
  return `${out.join('\n\n')}\n`;
}
