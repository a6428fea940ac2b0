/** Builders shared by the consumer tests. */
import { INGEST_TIME_HEADER, type KafkaRecord } from '../../../core/kafka-record';
import { kafkaRecordFrom } from '../../../core/msk-event';
import {
  resolveConsumer,
  resolveTopic,
  type ConsumerSpec,
  type ResolvedConsumer,
  type ResolvedTopic,
  type TopicSpec,
} from '../../../core/spec';
import type { BatchLog } from '../../../lambdas/consumer/batch';
import { planConsumer, type ConsumerPlan } from '../../../lambdas/consumer/classify';
import { pipeline } from '../../../pipeline';

/** A json topic that declares no fields: any JSON object is canonical as it is. */
export function freeTopic(name: string, spec: Partial<TopicSpec> = {}): ResolvedTopic {
  return resolveTopic({ name, schema: { fields: {} }, ...spec });
}

/** A consumer's plan: the built-in spec's topics, and {@link freeTopic} for any other topic it reads. */
export function planOf(consumer: ResolvedConsumer, topics: readonly ResolvedTopic[] = []): ConsumerPlan {
  const known = [...topics, ...pipeline.topics.map(resolveTopic)];
  const others = consumer.topics.filter((name) => !known.some((t) => t.name === name)).map((name) => freeTopic(name));
  return planConsumer(consumer, [...known, ...others]);
}

/** A Kafka record with a JSON (or raw text) value, ingested at its timestamp unless told otherwise. */
export function kafkaRecord(options: {
  topic?: string;
  partition?: number;
  offset: number;
  timestamp?: number;
  value?: unknown;
  rawValue?: string | null;
  ingestTime?: number;
  key?: string;
  /** Written straight to Kafka by another client: no fluxo-ingest-time header. */
  direct?: boolean;
  /** More headers (e.g. `fluxo-record-id`). */
  headers?: Record<string, string>;
}): KafkaRecord {
  const timestamp = options.timestamp ?? 1_000;
  const text = options.rawValue !== undefined ? options.rawValue : JSON.stringify(options.value ?? {});
  return kafkaRecordFrom({
    topic: options.topic ?? 'ticks',
    partition: options.partition ?? 0,
    offset: options.offset,
    timestamp,
    key: options.key === undefined ? null : Buffer.from(options.key),
    value: text === null ? null : Buffer.from(text),
    headers: { ...(options.direct ? {} : { [INGEST_TIME_HEADER]: String(options.ingestTime ?? timestamp) }), ...options.headers },
  });
}

/** A resolved consumer from a partial spec. */
export function consumerOf(spec: Partial<ConsumerSpec>) {
  return resolveConsumer({
    name: 'test-consumer',
    topics: ['ticks'],
    groupBy: { kind: 'topic' },
    window: { sizeSeconds: 60, graceSeconds: 60 },
    ...spec,
  });
}

/** A log that records its lines. */
export function recordingLog(): BatchLog & { lines: Array<{ level: string; message: string; extra: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
  const push =
    (level: string) =>
    (message: string, ...extra: Array<Record<string, unknown>>) => {
      lines.push({ level, message, extra: Object.assign({}, ...extra) as Record<string, unknown> });
    };
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}
