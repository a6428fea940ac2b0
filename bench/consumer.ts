/**
 * Figure 3, the consumer: a backlog of keyed records (written by a raw producer before the mapping
 * starts) drained by the consumer Lambda through the ESM emulator in full batches, its DynamoDB
 * requests counted on the wire by a proxy in front of DynamoDB Local.
 */
import { BenchError, runLoad, type BenchContext } from './context';
import { startDynamoDbCounter, writeRequests } from './dynamodb-counter';
import { benchConsumer, consumerMapping, consumerRow, type InvocationSample } from './latency';
import type { ConsumerRow } from './report';
import { BENCH } from './spec';
import { percentile } from '../local/tools/stats';

/** Records per keyed request in the `bench-drain-keyed` backlog. */
export const KEYED_REQUEST_RECORDS = 100;

/**
 * Fills `bench-drain` (or, `keyed`, `bench-drain-keyed` with a `fluxo-record-id` on every record,
 * as keyed requests of {@link KEYED_REQUEST_RECORDS} records), then drains it and reports
 * per-invocation figures and DynamoDB requests per record.
 */
export async function measureConsumer(ctx: BenchContext, { keyed = false }: { keyed?: boolean } = {}): Promise<ConsumerRow> {
  const { settings } = ctx;
  const topic = keyed ? BENCH.drainKeyed : BENCH.drain;
  const consumer = benchConsumer(topic);
  await runLoad(ctx.loadWorkerFile, {
    kind: 'raw-fill',
    brokers: ctx.services.kafkaBrokers.split(','),
    topic,
    records: settings.drainRecords,
    keys: settings.drainKeys,
    ...(keyed ? { recordIdsPerRequest: KEYED_REQUEST_RECORDS } : {}),
  });
  const counter = await startDynamoDbCounter(ctx.services.dynamodbEndpoint);
  const invocations: InvocationSample[] = [];
  let delivered = 0;
  const { fn, emulator } = consumerMapping(ctx, consumer, { ...ctx.factory, dynamodbEndpoint: counter.endpoint }, (sample) => {
    if (sample.ok) delivered += sample.records;
    invocations.push(sample);
  });
  try {
    await fn.start();
    counter.reset();
    await emulator.start();
    const deadline = Date.now() + 120_000;
    while (delivered < settings.drainRecords) {
      if (Date.now() > deadline) throw new BenchError(`${delivered} of ${settings.drainRecords} records drained in 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const counts = counter.counts();
    const label = keyed ? `, each with a fluxo-record-id (keyed requests of ${KEYED_REQUEST_RECORDS})` : '';
    const row = consumerRow(
      `backlog of ${settings.drainRecords} records${label}, batch size ${consumer.batchSize}, window 0 ms`,
      invocations,
      String(settings.drainKeys),
    );
    ctx.log(`consumer: ${JSON.stringify(counts.requests)}, ${counts.itemsWritten} items written`);
    return {
      ...row,
      writeRequestsPerRecord: writeRequests(counts) / row.records,
      itemsWrittenPerRecord: counts.itemsWritten / row.records,
      readRequestsPerRecord: ((counts.requests.BatchGetItem ?? 0) + (counts.requests.GetItem ?? 0)) / row.records,
      dynamodbP50Ms: Object.fromEntries(Object.entries(counts.durationsMs).map(([op, list]) => [op, percentile(list, 50)])),
    };
  } finally {
    await emulator.stop();
    await fn.close();
    await counter.close();
  }
}
