/**
 * Figure 1, ingest throughput: HTTP through the gateway and the producer Lambda, against a raw
 * kafkajs producer sending the same records with the same settings, against the broker's own
 * `kafka-producer-perf-test` (the Java client) as the ceiling. HTTP and raw repetitions alternate,
 * so slow drift of the machine affects both sides alike.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { findTopic } from '../core/spec';
import { KAFKA_BUNDLE, installBundle } from '../local/emulation/services/install';
import { findJava } from '../local/emulation/services/tools';
import { runLoad, type BenchContext } from './context';
import { healthWireRecords, type ThroughputResult } from './load';
import type { CeilingResult, CeilingVariant, IngestRow } from './report';
import { BENCH, pipeline } from './spec';
import { median, percentile, perSecond, ratio } from '../local/tools/stats';

/**
 * The perf test's producer settings. The ceiling (the first) keeps fluxo's durability and
 * compression (acks=all, idempotent, GZIP) but lets the Java client batch as it does best; the
 * second uses fluxo's producer settings exactly (kafka-client.ts), for comparison.
 */
export const CEILING_VARIANTS: readonly { readonly name: string; readonly props: readonly string[] }[] = [
  { name: 'Java client, batching freely (the ceiling)', props: ['acks=all', 'enable.idempotence=true', 'compression.type=gzip', 'linger.ms=5', 'batch.size=262144'] },
  { name: "Java client, fluxo's producer settings", props: ['acks=all', 'enable.idempotence=true', 'compression.type=gzip', 'max.in.flight.requests.per.connection=1', 'linger.ms=0'] },
];

/** The perf test's summary line could not be found. */
export class CeilingRunError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CeilingRunError';
  }
}

/** records/s from ProducerPerformance's final line, e.g. `30000 records sent, 51282.1 records/sec (4.11 MB/sec), ...`. */
export function parsePerfTestOutput(output: string): { records: number; recordsPerSecond: number } {
  const matches = [...output.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)];
  const last = matches.at(-1);
  if (last === undefined) throw new CeilingRunError(`no summary line in kafka-producer-perf-test output: ${output.slice(-500)}`);
  return { records: Number(last[1]), recordsPerSecond: Number(last[2]) };
}

async function runPerfTest(java: string, libDir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, ['-Xmx512m', '-cp', join(libDir, '*'), 'org.apache.kafka.tools.ProducerPerformance', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new CeilingRunError(`kafka-producer-perf-test exited ${code}: ${output.slice(-500)}`))));
  });
}

async function measureCeiling(ctx: BenchContext): Promise<CeilingResult> {
  const { settings } = ctx;
  const topic = findTopic(pipeline, BENCH.ingestTopic);
  if (topic === undefined) throw new CeilingRunError(`${BENCH.ingestTopic} is not in the bench spec`);
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

/**
 * Runs a load job and measures, in this process, the event-loop utilisation of this thread (the
 * gateway's) and the CPU time of the whole process (every thread: gateway, Lambda workers, load
 * worker, its start and warm-up included) while it ran.
 */
async function withCpu(run: () => Promise<ThroughputResult>): Promise<ThroughputResult & { eventLoopUtilization: number; cpuUs: number }> {
  const eluBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const result = await run();
  const cpu = process.cpuUsage(cpuBefore);
  return { ...result, eventLoopUtilization: performance.eventLoopUtilization(eluBefore).utilization, cpuUs: cpu.user + cpu.system };
}

/** Runs the HTTP and raw closed loops at each batch size, then the ceiling. */
export async function measureIngest(ctx: BenchContext): Promise<{ rows: IngestRow[]; ceiling: CeilingResult }> {
  const { settings, stack, services } = ctx;
  const brokers = services.kafkaBrokers.split(',');
  const base = { topic: BENCH.ingestTopic, durationMs: settings.ingestDurationMs };
  // Warm-up: the producer Lambda connects to Kafka on its first request, as a warm container already has.
  await runLoad(ctx.loadWorkerFile, { kind: 'http-closed', url: stack.url, ...base, clients: settings.ingestClients, batch: 10, durationMs: 500 });
  const measured: Omit<IngestRow, 'httpOverCeiling'>[] = [];
  const shapes = [...settings.ingestBatches.map((batch) => ({ batch, clients: settings.ingestClients })), ...settings.ingestExtra];
  for (const { batch, clients } of shapes) {
    const http: number[] = [];
    const raw: number[] = [];
    const coalesced: number[] = [];
    const gatewayElu: number[] = [];
    const httpCpu: number[] = [];
    const rawCpu: number[] = [];
    const httpMs: number[] = [];
    const rawMs: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    for (let rep = 0; rep < settings.ingestRepetitions; rep += 1) {
      const viaHttp = await withCpu(() => runLoad(ctx.loadWorkerFile, { kind: 'http-closed', url: stack.url, ...base, clients, batch }));
      const viaRaw = await withCpu(() => runLoad(ctx.loadWorkerFile, { kind: 'raw-closed', brokers, ...base, clients, batch }));
      const viaCoalesced = await runLoad(ctx.loadWorkerFile, { kind: 'raw-closed', coalesce: true, brokers, ...base, clients, batch });
      gatewayElu.push(viaHttp.eventLoopUtilization);
      httpCpu.push(viaHttp.cpuUs / Math.max(1, viaHttp.records));
      rawCpu.push(viaRaw.cpuUs / Math.max(1, viaRaw.records));
      http.push(perSecond(viaHttp.records, viaHttp.elapsedMs));
      raw.push(perSecond(viaRaw.records, viaRaw.elapsedMs));
      coalesced.push(perSecond(viaCoalesced.records, viaCoalesced.elapsedMs));
      httpMs.push(...viaHttp.requestMs);
      rawMs.push(...viaRaw.requestMs);
      errors += viaHttp.errors + viaRaw.errors + viaCoalesced.errors;
      firstError ??= viaHttp.firstError ?? viaRaw.firstError ?? viaCoalesced.firstError;
      ctx.log(`ingest batch ${batch} × ${clients} clients rep ${rep + 1}: HTTP ${http.at(-1)?.toFixed(0)}, raw ${raw.at(-1)?.toFixed(0)}, raw coalesced ${coalesced.at(-1)?.toFixed(0)} records/s`);
    }
    const httpMedian = median(http);
    const rawMedian = median(raw);
    measured.push({
      batch,
      clients,
      http,
      raw,
      httpMedian,
      rawMedian,
      gatewayEventLoopUtilization: median(gatewayElu),
      httpCpuUsPerRecord: median(httpCpu),
      rawCpuUsPerRecord: median(rawCpu),
      rawCoalesced: coalesced,
      rawCoalescedMedian: median(coalesced),
      httpOverRaw: ratio(httpMedian, rawMedian),
      httpRequestP50Ms: percentile(httpMs, 50),
      rawRequestP50Ms: percentile(rawMs, 50),
      errors,
      firstError,
    });
  }
  const ceiling = await measureCeiling(ctx);
  return { rows: measured.map((row) => ({ ...row, httpOverCeiling: ratio(row.httpMedian, ceiling.median) })), ceiling };
}
