/**
 * The consumer Lambda: takes the exact event Lambda delivers for Amazon MSK or self-managed
 * Kafka, applies it to the consumer's aggregates with an exactly-once effect (see README.md), and
 * answers a partial batch response naming the first unapplied record of each partition that has
 * one. The consumer it runs is `CONSUMER_NAME`, looked up in the pipeline spec at init.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { pipeline } from '../../pipeline';
import { ConfigurationError, ENV, requireEnv } from '../../core/config';
import { createDocumentClient } from '../clients/dynamodb';
import type { KafkaRecord } from '../../core/kafka-record';
import { decodeMskEvent, MskEventError } from '../../core/msk-event';
import { findConsumer, resolveTopic, type ResolvedConsumer } from '../../core/spec';
import { CONSUMER_SERVICE, METRICS_NAMESPACE } from '../../core/metrics';
import { processBatch, type BatchCounts, type UnappliedRecord } from './batch';
import { planConsumer } from './classify';
import { ResultsStore } from './store';
import { reportsBatchItemFailures, UnappliedRecordsError } from './whole-batch';

/**
 * The partial batch response Lambda reads when the mapping has `ReportBatchItemFailures`. Each
 * entry is `{"itemIdentifier": {"partition": "<topic>-<partition>", "offset": N}}`, as AWS
 * documents it ("To report batch errors, you will use this JSON schema", "Configuring error
 * handling controls for Kafka event sources",
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html#kafka-partial-batch-response),
 * and as AWS's Powertools for Python builds it (`KafkaItemIdentifier`: `partition`, `offset`). An
 * earlier revision of that page named the key `topic-partition`; the current one, and Powertools,
 * say `partition`. "Any invalid topic-partition_number or offset returned that was not present in
 * the invoked event will be treated as failure and entire batch will be retried."
 */
export interface KafkaBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: { readonly partition: string; readonly offset: number } }>;
}

/** Resolves the consumer this function runs, or throws a {@link ConfigurationError} naming the known ones. */
export function consumerFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedConsumer {
  const name = requireEnv(ENV.consumerName, env);
  const consumer = findConsumer(pipeline, name);
  if (consumer === undefined) {
    const known = pipeline.consumers.map((c) => c.name).join(', ');
    throw new ConfigurationError(`${ENV.consumerName} "${name}" is not a consumer of the pipeline spec (known: ${known})`);
  }
  return consumer;
}

/** Turns the first unapplied record per partition into the partial batch response. */
export function batchResponse(unapplied: readonly UnappliedRecord[]): KafkaBatchResponse {
  return { batchItemFailures: unapplied.map(({ topicPartition, offset }) => ({ itemIdentifier: { partition: topicPartition, offset } })) };
}

// Created once per container: a bad CONSUMER_NAME or filter fails the init, not every invocation.
const consumer = consumerFromEnv();
const plan = planConsumer(consumer, pipeline.topics.map(resolveTopic));
const store = new ResultsStore(createDocumentClient(), requireEnv(ENV.resultsTable));
const logger = new Logger({ serviceName: 'fluxo-consumer', persistentKeys: { consumer: consumer.name } });
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: CONSUMER_SERVICE,
  defaultDimensions: { consumer: consumer.name },
});

function addMetrics(counts: BatchCounts, failedPartitions: number): void {
  metrics.addMetric('RecordsIn', MetricUnit.Count, counts.recordsIn);
  metrics.addMetric('FilteredOut', MetricUnit.Count, counts.filteredOut);
  metrics.addMetric('Aggregated', MetricUnit.Count, counts.aggregated);
  metrics.addMetric('Late', MetricUnit.Count, counts.late);
  metrics.addMetric('DeadLettered', MetricUnit.Count, counts.deadLettered);
  metrics.addMetric('DynamoDBWrites', MetricUnit.Count, counts.writes);
  metrics.addMetric('AlreadyApplied', MetricUnit.Count, counts.alreadyApplied);
  metrics.addMetric('WriteConflicts', MetricUnit.Count, counts.conflicts);
  metrics.addMetric('Duplicates', MetricUnit.Count, counts.duplicates);
  metrics.addMetric('PartitionsRetried', MetricUnit.Count, failedPartitions);
}

function decode(event: unknown): KafkaRecord[] {
  try {
    return decodeMskEvent(event);
  } catch (error) {
    if (error instanceof MskEventError) logger.error('malformed Kafka event', { field: error.field, error: error.message });
    metrics.addMetric('MalformedEvents', MetricUnit.Count, 1);
    throw error;
  }
}

/**
 * The handler. A malformed event throws (the mapping retries it, then sends it to the on-failure
 * destination); every other problem is answered per partition in `batchItemFailures`.
 */
export async function handler(event: unknown, context: Context): Promise<KafkaBatchResponse> {
  logger.addContext(context);
  try {
    const result = await processBatch(decode(event), { plan, store, log: logger });
    addMetrics(result.counts, result.unapplied.length);
    // On-demand pollers read no partial batch response: fail the whole batch (whole-batch.ts).
    if (result.unapplied.length > 0 && !reportsBatchItemFailures()) throw new UnappliedRecordsError(result.unapplied);
    return batchResponse(result.unapplied);
  } finally {
    metrics.publishStoredMetrics();
  }
}
