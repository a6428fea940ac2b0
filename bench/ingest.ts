/**
 * Figure 1, ingest throughput: HTTP through the gateway and the producer Lambda, against a raw
 * kafkajs producer sending the same records with the same settings, against the broker's own
 * `kafka-producer-perf-test` (the Java client) as the ceiling. HTTP and raw repetitions alternate,
 * so slow drift of the machine affects both sides alike.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { findTopic } from '../core/spec';
import { KAFKA_BUNDLE, installBundle } from '../local/emulation/services/install';
import { findJava } from '../local/emulation/services/tools';
import { BRIDGE_VERSION, startBridge, type RunningBridge } from './bridge';
import { BenchError, runLoad, type BenchContext } from './context';
import { freePort } from '../local/emulation/services/ports';
import { healthWireRecords, type ThroughputResult } from './load';
import type { BridgeInfo, CeilingResult, CeilingVariant, IngestRow } from './report';
import { BENCH, pipeline } from './spec';
import { median, percentile, perSecond, ratio } from '../local/tools/stats';

/**
 * The perf test's producer settings. The ceiling (the first) keeps fluxo's durability and
 * compression (acks=all, idempotent, GZIP) but lets the Java client batch as it does best; the
 * second uses fluxo's producer settings exactly (kafka-client.ts), for comparison.
 */
export const CEILING_VARIANTS: readonly { readonly name: string; readonly props: readonly string[] }[] = [
  {
    name: 'Java client, batching freely (the ceiling)',
    props: ['acks=all', 'enable.idempotence=true', 'compression.type=gzip', 'linger.ms=5', 'batch.size=262144'],
  },
  {
    name: "Java client, fluxo's producer settings",
    props: ['acks=all', 'enable.idempotence=true', 'compression.type=gzip', 'max.in.flight.requests.per.connection=1', 'linger.ms=0'],
  },
];

/** records/s from ProducerPerformance's final line, e.g. `30000 records sent, 51282.1 records/sec (4.11 MB/sec), ...`. */
export function parsePerfTestOutput(output: string): { records: number; recordsPerSecond: number } {
  const matches = [...output.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)];
  const last = matches.at(-1);
  if (last === undefined) throw new BenchError(`no summary line in kafka-producer-perf-test output: ${output.slice(-500)}`);
  return { records: Number(last[1]), recordsPerSecond: Number(last[2]) };
}

async function runPerfTest(java: string, libDir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, ['-Xmx512m', '-cp', join(libDir, '*'), 'org.apache.kafka.tools.ProducerPerformance', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new BenchError(`kafka-producer-perf-test exited ${code}: ${output.slice(-500)}`)),
    );
  });
}

async function measureCeiling(ctx: BenchContext): Promise<CeilingResult> {
  const { settings } = ctx;
  const topic = findTopic(pipeline, BENCH.ingestTopic);
  if (topic === undefined) throw new BenchError(`${BENCH.ingestTopic} is not in the bench spec`);
  const values = healthWireRecords(topic, 0, 1000).map((r) => r.value);
  const payloadFile = join(ctx.scratchDir, 'payloads.txt');
  writeFileSync(payloadFile, values.join('\n'));
  const { libDir } = await installBundle(KAFKA_BUNDLE);
  const java = findJava();
  const variants: CeilingVariant[] = [];
  for (const variant of CEILING_VARIANTS) {
    const samples: number[] = [];
    for (let rep = 0; rep < settings.ceilingRepetitions; rep += 1) {
      const output = await runPerfTest(java, libDir, [
        '--topic',
        BENCH.ingestTopic,
        '--num-records',
        String(settings.ceilingRecords),
        '--throughput',
        '-1',
        '--payload-file',
        payloadFile,
        '--producer-props',
        `bootstrap.servers=${ctx.services.kafkaBrokers}`,
        ...variant.props,
      ]);
      const { recordsPerSecond } = parsePerfTestOutput(output);
      ctx.log(`ceiling (${variant.name}): ${recordsPerSecond.toFixed(0)} records/s`);
      samples.push(recordsPerSecond);
    }
    variants.push({ name: variant.name, producerProps: variant.props.join(' '), recordsPerSecond: samples, median: median(samples) });
  }
  return {
    median: (variants[0] as CeilingVariant).median,
    records: settings.ceilingRecords,
    averageValueBytes: values.reduce((sum, v) => sum + Buffer.byteLength(v), 0) / values.length,
    variants,
  };
}

/** A load job's result with the event-loop utilisation of this thread and the process's CPU time, µs, while it ran. */
type CpuResult = ThroughputResult & { eventLoopUtilization: number; cpuUs: number };

/**
 * Runs a load job and measures, in this process, the event-loop utilisation of this thread (the
 * gateway's) and the CPU time of the whole process (every thread: gateway, Lambda workers, load
 * worker, its start and warm-up included) while it ran.
 */
async function withCpu(run: () => Promise<ThroughputResult>): Promise<CpuResult> {
  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const result = await run();
  const cpu = process.cpuUsage(cpuBefore);
  return { ...result, eventLoopUtilization: performance.eventLoopUtilization(eluBefore).utilization, cpuUs: cpu.user + cpu.system };
}

/** A bare Node `http` server on 127.0.0.1 that reads each request's body and answers an empty 200. */
async function startBareServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.statusCode = 200;
      response.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await once(server.listen(0, '127.0.0.1'), 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server };
}

/** Starts the Strimzi bridge, or says why it could not (the rows then carry no bridge figures). */
async function bridgeOrReason(ctx: BenchContext): Promise<{ bridge?: RunningBridge; info: BridgeInfo }> {
  const workDir = join(ctx.scratchDir, 'bridge');
  mkdirSync(workDir, { recursive: true });
  try {
    const bridge = await startBridge({
      brokers: ctx.services.kafkaBrokers,
      port: await freePort(),
      workDir,
      install: { onProgress: ctx.log },
    });
    ctx.log(`Strimzi bridge ${BRIDGE_VERSION} on ${bridge.url}`);
    return { bridge, info: { version: BRIDGE_VERSION, available: true } };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? String(error);
    ctx.log(`Strimzi bridge ${BRIDGE_VERSION} not measured: ${reason}`);
    return { info: { version: BRIDGE_VERSION, available: false, reason } };
  }
}

/**
 * Runs, at each batch size, the closed loops of every path: fluxo over HTTP, the raw kafkajs
 * client (plain and coalescing), the Strimzi bridge and the bare Node server; then the ceiling.
 */
export async function measureIngest(ctx: BenchContext): Promise<{ rows: IngestRow[]; ceiling: CeilingResult; bridge: BridgeInfo }> {
  const bare = await startBareServer();
  const { bridge, info } = await bridgeOrReason(ctx);
  try {
    const result = await measurePaths(ctx, bare.url, bridge);
    return { ...result, bridge: info };
  } finally {
    await bridge?.stop();
    await new Promise((resolve) => bare.server.close(resolve));
    bare.server.closeAllConnections();
  }
}

async function measurePaths(
  ctx: BenchContext,
  bareUrl: string,
  bridge: RunningBridge | undefined,
): Promise<{ rows: IngestRow[]; ceiling: CeilingResult }> {
  const { settings, stack, services } = ctx;
  const brokers = services.kafkaBrokers.split(',');
  const base = { topic: BENCH.ingestTopic, durationMs: settings.ingestDurationMs };
  // Warm-up: the producer Lambda connects to Kafka on its first request, as a warm container already has.
  await runLoad(ctx.loadWorkerFile, {
    kind: 'http-closed',
    url: stack.url,
    ...base,
    clients: settings.ingestClients,
    batch: 10,
    durationMs: 500,
  });
  const measured: Omit<IngestRow, 'httpOverCeiling'>[] = [];
  const shapes = [...settings.ingestBatches.map((batch) => ({ batch, clients: settings.ingestClients })), ...settings.ingestExtra];
  const rate = (run: ThroughputResult): number => perSecond(run.records, run.elapsedMs);
  const cpuPerRecord = (run: CpuResult): number => run.cpuUs / Math.max(1, run.records);
  const requestP50 = (runs: readonly ThroughputResult[]): number =>
    percentile(
      runs.flatMap((run) => run.requestMs),
      50,
    );
  for (const { batch, clients } of shapes) {
    const reps: { http: CpuResult; raw: CpuResult; coalesced: ThroughputResult; bridged?: ThroughputResult; bared: ThroughputResult }[] =
      [];
    for (let rep = 0; rep < settings.ingestRepetitions; rep += 1) {
      const http = await withCpu(() => runLoad(ctx.loadWorkerFile, { kind: 'http-closed', url: stack.url, ...base, clients, batch }));
      const raw = await withCpu(() => runLoad(ctx.loadWorkerFile, { kind: 'raw-closed', brokers, ...base, clients, batch }));
      const coalesced = await runLoad(ctx.loadWorkerFile, { kind: 'raw-closed', coalesce: true, brokers, ...base, clients, batch });
      const bridged =
        bridge === undefined
          ? undefined
          : await runLoad(ctx.loadWorkerFile, { kind: 'bridge-closed', url: bridge.url, ...base, clients, batch });
      const bared = await runLoad(ctx.loadWorkerFile, { kind: 'bare-closed', url: bareUrl, durationMs: base.durationMs, clients, batch });
      reps.push({ http, raw, coalesced, bridged, bared });
      ctx.log(
        `ingest batch ${batch} × ${clients} clients rep ${rep + 1}: HTTP ${rate(http).toFixed(0)}, raw ${rate(raw).toFixed(0)}, raw coalesced ${rate(coalesced).toFixed(0)}, ` +
          `bridge ${bridged === undefined ? '-' : rate(bridged).toFixed(0)}, bare Node ${rate(bared).toFixed(0)} records/s`,
      );
    }
    // Every run of the row, bridge and bare Node first in each repetition: the first error among them is the report's.
    const runs = reps.flatMap((r) => [r.bridged, r.bared, r.http, r.raw, r.coalesced]).filter((run) => run !== undefined);
    const http = reps.map((r) => rate(r.http));
    const raw = reps.map((r) => rate(r.raw));
    const coalesced = reps.map((r) => rate(r.coalesced));
    const bridged = reps.flatMap((r) => (r.bridged === undefined ? [] : [r.bridged]));
    const viaBridge = bridged.map(rate);
    const viaBare = reps.map((r) => rate(r.bared));
    const httpMedian = median(http);
    const rawMedian = median(raw);
    const bridgeMedian = viaBridge.length > 0 ? median(viaBridge) : undefined;
    const bareMedian = median(viaBare);
    measured.push({
      ...(bridgeMedian === undefined
        ? {}
        : {
            bridge: viaBridge,
            bridgeMedian,
            httpOverBridge: ratio(httpMedian, bridgeMedian),
            bridgeRequestP50Ms: requestP50(bridged),
          }),
      bare: viaBare,
      bareMedian,
      httpOverBare: ratio(httpMedian, bareMedian),
      batch,
      clients,
      http,
      raw,
      httpMedian,
      rawMedian,
      gatewayEventLoopUtilization: median(reps.map((r) => r.http.eventLoopUtilization)),
      httpCpuUsPerRecord: median(reps.map((r) => cpuPerRecord(r.http))),
      rawCpuUsPerRecord: median(reps.map((r) => cpuPerRecord(r.raw))),
      rawCoalesced: coalesced,
      rawCoalescedMedian: median(coalesced),
      httpOverRaw: ratio(httpMedian, rawMedian),
      httpRequestP50Ms: requestP50(reps.map((r) => r.http)),
      rawRequestP50Ms: requestP50(reps.map((r) => r.raw)),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      firstError: runs.find((run) => run.firstError !== undefined)?.firstError,
    });
  }
  const ceiling = await measureCeiling(ctx);
  return { rows: measured.map((row) => ({ ...row, httpOverCeiling: ratio(row.httpMedian, ceiling.median) })), ceiling };
}
