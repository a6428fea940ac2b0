/**
 * Figure 2, end-to-end latency, and the consumer's per-invocation figures under that load: open-loop
 * HTTP load at a low and at a sustained rate, with the batching window at 0 and at 500 ms. Each
 * request's records share one fresh group key; the request counts as visible once a strongly
 * consistent read of its aggregate shows all of its records.
 */
import { join } from 'node:path';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { encodeGroupKey, paneOf } from '../core/aggregate';
import { aggregateKey } from '../core/keys';
import { findConsumer, resolveTopic, type ResolvedConsumer } from '../core/spec';
import { EventSourceMappingEmulator } from '../local/emulation/esm/emulator';
import { JsonlDestination } from '../local/emulation/esm/on-failure';
import type { InvocationResult, LocalFunction } from '../local/emulation/runtime/local-function';
import { LOCAL_TABLES, localDynamoDbClient } from '../local/emulation/services';
import { createLocalFunction, type FunctionFactoryOptions } from '../local/stack';
import { BenchError, runLoad, type BenchContext, type BenchSettings } from './context';
import { now, type AckMessage } from './load';
import type { ConsumerRow, LatencyRow } from './report';
import { BENCH, pipeline } from './spec';
import { median, percentile, perSecond, summarizeLatencies, type LatencySummary } from '../local/tools/stats';

/** A bench consumer from the bench spec. */
export function benchConsumer(name: string): ResolvedConsumer {
  const consumer = findConsumer(pipeline, name);
  if (consumer === undefined) throw new BenchError(`consumer ${name} is not in the bench spec`);
  return consumer;
}

/** One invocation as the emulator reported it. */
export interface InvocationSample {
  readonly records: number;
  readonly durationMs: number;
  readonly endedAt: number;
  readonly ok: boolean;
  /** Invocation start minus the oldest record's Kafka timestamp (its event time: when the client sent it), ms. */
  readonly waitedMs: number;
}

/** An invocation as a sample, from the MSK event (its records and the oldest one's timestamp) and the emulator's result. */
export function invocationSample(event: unknown, result: InvocationResult): InvocationSample {
  const records = Object.values((event as { records?: Record<string, { timestamp?: number }[]> }).records ?? {}).flat();
  const oldest = Math.min(...records.map((r) => Number(r.timestamp)));
  const endedAt = Date.now();
  return { records: records.length, durationMs: result.durationMs, endedAt, ok: result.ok, waitedMs: endedAt - result.durationMs - oldest };
}

/**
 * The consumer Lambda of `consumer` (a local function made with `factory`) and its ESM emulator,
 * neither started: failed invocations and warnings are logged, and every invocation is handed to
 * `onInvocation` as a sample.
 */
export function consumerMapping(
  ctx: BenchContext,
  consumer: ResolvedConsumer,
  factory: FunctionFactoryOptions,
  onInvocation: (sample: InvocationSample) => void,
): { fn: LocalFunction; emulator: EventSourceMappingEmulator } {
  const { name } = consumer;
  const fn = createLocalFunction(`fluxo-consumer-${name}`, 'consumer', ctx.consumerBundle, factory, name);
  const emulator = new EventSourceMappingEmulator({
    consumer,
    topics: pipeline.topics.map(resolveTopic),
    brokers: ctx.services.kafkaBrokers.split(','),
    invoker: fn,
    destination: new JsonlDestination(join(ctx.scratchDir, 'on-failure.jsonl')),
    onInvoke: (event, result) => {
      onInvocation(invocationSample(event, result));
      if (!result.ok) ctx.log(`[${name}] invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
    },
    onWarning: (message) => ctx.log(`[esm ${name}] ${message}`),
  });
  return { fn, emulator };
}

/** Per-invocation figures of a set of invocations. */
export function consumerRow(scenario: string, samples: readonly InvocationSample[], keys: string): ConsumerRow {
  const ok = samples.filter((s) => s.ok && s.records > 0);
  const records = ok.reduce((sum, s) => sum + s.records, 0);
  const first = Math.min(...ok.map((s) => s.endedAt - s.durationMs));
  const last = Math.max(...ok.map((s) => s.endedAt));
  const durations = ok.map((s) => s.durationMs);
  const waited = ok.map((s) => s.waitedMs);
  return {
    scenario,
    records,
    invocations: ok.length,
    recordsPerInvocation: records / ok.length,
    recordsPerSecondPerInvocation: median(ok.map((s) => perSecond(s.records, Math.max(s.durationMs, 0.5)))),
    invocationP50Ms: percentile(durations, 50),
    waitedP50Ms: percentile(waited, 50),
    waitedP99Ms: percentile(waited, 99),
    drainRecordsPerSecond: perSecond(records, Math.max(last - first, 1)),
    keys,
  };
}

/**
 * Reads the aggregates of the pending requests back to back until stopped; a request leaves
 * `pending` once its aggregate holds all of its records, and its latency joins `latencies`.
 */
function startPoller(client: DynamoDBDocumentClient, consumer: ResolvedConsumer) {
  const pending = new Map<string, { readonly ackAt: number; readonly records: number; readonly pk: string; readonly sk: string }>();
  const latencies: number[] = [];
  let running = true;
  const poll = async (): Promise<void> => {
    while (running) {
      if (pending.size === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const keys = [...pending.values()].slice(0, 100).map(({ pk, sk }) => ({ pk, sk }));
      const answer = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [LOCAL_TABLES.results]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: 'pk, sk, #c',
              ExpressionAttributeNames: { '#c': 'count' },
            },
          },
        }),
      );
      const seenAt = now();
      for (const item of answer.Responses?.[LOCAL_TABLES.results] ?? []) {
        const id = `${String(item.pk)}\u0000${String(item.sk)}`;
        const request = pending.get(id);
        if (request !== undefined && Number(item.count) >= request.records) {
          // An aggregate seen before the answer reached the client counts as visible at once.
          latencies.push(Math.max(0, seenAt - request.ackAt));
          pending.delete(id);
        }
      }
    }
  };
  const loop = poll();
  return {
    pending,
    latencies,
    add: (ack: AckMessage): void => {
      if (!ack.ok) return;
      const { pk, sk } = aggregateKey(consumer.name, encodeGroupKey(ack.key), paneOf(ack.timestamp, consumer.window).start);
      pending.set(`${pk}\u0000${sk}`, { ackAt: ack.ackAt, records: ack.records, pk, sk });
    },
    stop: async (): Promise<void> => {
      running = false;
      await loop;
    },
  };
}

/** Runs both batching windows at both loads. */
export async function measureLatency(ctx: BenchContext): Promise<{ rows: LatencyRow[]; consumers: ConsumerRow[] }> {
  const { settings } = ctx;
  const rows: LatencyRow[] = [];
  const consumers: ConsumerRow[] = [];
  const documents = DynamoDBDocumentClient.from(localDynamoDbClient(ctx.services.dynamodbEndpoint));
  const runId = Date.now().toString(36);
  try {
    for (const [name, windowMs] of [
      [BENCH.latencyW0, 0],
      [BENCH.latencyW500, 500],
    ] as const) {
      const consumer: ResolvedConsumer = { ...benchConsumer(name), batchingWindowSeconds: windowMs / 1000 };
      let recording = false;
      const invocations: InvocationSample[] = [];
      const { fn, emulator } = consumerMapping(ctx, consumer, ctx.factory, (sample) => {
        if (recording) invocations.push(sample);
      });
      await fn.start();
      await emulator.start();
      try {
        // Warm-up, not recorded: the function's first DynamoDB connections and the JIT of every
        // process on the path, which a long-running deployment has behind it.
        await onePhase(ctx, documents, consumer, { ...settings.sustainedLoad, durationMs: settings.warmupMs }, `${name}-warmup-${runId}`);
        for (const [load, shape] of [
          ['low', settings.lowLoad],
          ['sustained', settings.sustainedLoad],
        ] as const) {
          recording = load === 'sustained';
          const reps: LatencySummary[] = [];
          let notVisible = 0;
          let errors = 0;
          for (let rep = 0; rep < settings.latencyRepetitions; rep += 1) {
            const outcome = await onePhase(ctx, documents, consumer, shape, `${name}-${load}-${rep}-${runId}`);
            notVisible += outcome.notVisible;
            errors += outcome.errors;
            if (outcome.latencies.length > 0) reps.push(summarizeLatencies(outcome.latencies));
            const last = reps.at(-1);
            ctx.log(
              `latency ${name} ${load} rep ${rep + 1}: p50 ${last?.p50.toFixed(1)} p95 ${last?.p95.toFixed(1)} p99 ${last?.p99.toFixed(1)} ms (${outcome.latencies.length} samples, ${outcome.notVisible} not visible)`,
            );
          }
          rows.push({
            consumer: name,
            batchingWindowMs: windowMs,
            load,
            recordsPerSecond: shape.requestsPerSecond * shape.recordsPerRequest,
            requestsPerSecond: shape.requestsPerSecond,
            recordsPerRequest: shape.recordsPerRequest,
            p50: median(reps.map((r) => r.p50)),
            p95: median(reps.map((r) => r.p95)),
            p99: median(reps.map((r) => r.p99)),
            repetitions: reps,
            notVisible,
            errors,
          });
        }
      } finally {
        await emulator.stop();
        await fn.close();
      }
      const row = consumerRow(
        `sustained ${settings.sustainedLoad.requestsPerSecond * settings.sustainedLoad.recordsPerRequest} records/s, window ${windowMs} ms`,
        invocations,
        'one per request',
      );
      ctx.log(
        `consumer ${name}: ${row.invocations} invocations, ${row.recordsPerInvocation.toFixed(1)} records each, p50 ${row.invocationP50Ms} ms; oldest record waited p50 ${row.waitedP50Ms} ms, p99 ${row.waitedP99Ms} ms`,
      );
      consumers.push(row);
    }
  } finally {
    documents.destroy();
  }
  return { rows, consumers };
}

async function onePhase(
  ctx: BenchContext,
  documents: DynamoDBDocumentClient,
  consumer: ResolvedConsumer,
  shape: BenchSettings['lowLoad'],
  keyPrefix: string,
): Promise<{ latencies: number[]; notVisible: number; errors: number }> {
  const poller = startPoller(documents, consumer);
  try {
    const result = await runLoad(
      ctx.loadWorkerFile,
      { kind: 'http-open', url: ctx.stack.url, topic: consumer.topics[0] as string, keyPrefix, ...shape },
      (ack) => poller.add(ack),
    );
    if (result.firstError !== undefined) ctx.log(`latency ${keyPrefix}: ${result.errors} failed requests, first: ${result.firstError}`);
    const deadline = Date.now() + ctx.settings.visibleDeadlineMs;
    while (poller.pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return { latencies: [...poller.latencies], notVisible: poller.pending.size, errors: result.errors };
  } finally {
    await poller.stop();
  }
}
