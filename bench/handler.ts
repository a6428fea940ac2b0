/**
 * The producer handler alone: `createProducerHandler` called in this thread, from source (not the
 * minified bundle, so a CPU profile names its frames), with API Gateway events built by the
 * gateway's own `toProxyEvent`, against the same broker. Compared with the HTTP path and the raw
 * kafkajs client it tells the handler's cost from the gateway's and the thread hops'. Run by
 * `npm run bench -- --profile` (phase `handler`).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { createProducerHandler } from '../lambdas/producer/index';
import { trackingPartitioner } from '../lambdas/producer/kafka-writer';
import { createIdempotentProducer, createKafka, LazyProducer } from '../lambdas/clients/kafka';
import { proxyEvents, type BenchContext } from './context';
import { healthBody, now } from './load';
import { BENCH, pipeline } from './spec';
import { percentile, perSecond } from '../local/tools/stats';
import { invocationContext } from '../local/emulation/runtime/protocol';

const context = (): Context =>
  invocationContext({
    functionName: 'fluxo-producer',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    deadlineMs: Date.now() + 29_000,
  });

/** Profiles `run` with V8's sampling profiler in this thread; writes the profile to `file`. */
async function profiled<T>(file: string, run: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/**
 * Calls the producer handler in closed loops at each ingest batch size. With `profileDir`, the
 * loop at 100 records per call is CPU-profiled into `<profileDir>/handler-batch-100.cpuprofile`.
 */
export async function measureHandler(ctx: BenchContext, profileDir?: string): Promise<void> {
  const producers = new LazyProducer(() =>
    createIdempotentProducer(createKafka({ brokers: ctx.services.kafkaBrokers.split(',') }), { createPartitioner: trackingPartitioner }),
  );
  const handle = createProducerHandler({ spec: pipeline, producers });
  const eventOf = proxyEvents('POST', new URL(`http://127.0.0.1/topics/${BENCH.ingestTopic}/records`));
  try {
    const loop = async (batch: number): Promise<void> => {
      const bodies = Array.from({ length: 16 }, (_, i) => Buffer.from(healthBody(i * batch, batch)));
      const began = now();
      const until = began + ctx.settings.ingestDurationMs;
      let records = 0;
      const callMs: number[] = [];
      await Promise.all(
        Array.from({ length: ctx.settings.ingestClients }, async (_, client) => {
          for (let i = 0; now() < until; i += 1) {
            const event = eventOf(bodies[(client + i) % bodies.length] as Buffer);
            const sent = now();
            const answer = await handle(event, context());
            callMs.push(now() - sent);
            if (answer.statusCode === 200) records += batch;
          }
        }),
      );
      const recordsPerSecond = perSecond(records, now() - began);
      ctx.log(`handler alone, batch ${batch}: ${recordsPerSecond.toFixed(0)} records/s, call p50 ${percentile(callMs, 50).toFixed(1)} ms`);
    };
    // Warm-up: connect and let the JIT see the path, as a warm container has.
    await loop(100);
    for (const batch of ctx.settings.ingestBatches) {
      if (profileDir !== undefined && batch === 100) await profiled(join(profileDir, 'handler-batch-100.cpuprofile'), () => loop(batch));
      else await loop(batch);
    }
  } finally {
    await producers.reset();
  }
}
