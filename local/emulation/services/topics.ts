/**
 * Creating the pipeline spec's topics on the local Kafka cluster, idempotently, with the same
 * reconciliation as the AWS topic-admin custom resource (lambdas/topics).
 */
import type { Admin, ITopicMetadata } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicSettings } from '../../../core/deployment';
import { resolveTopic, type PipelineSpec, type ResolvedTopic } from '../../../core/spec';
import { createKafka, ensureTopic, isUnknownTopicError, type EnsureTopicOutcome } from '../../../lambdas/clients/kafka';

/**
 * What {@link ensureTopics} did: the topics it created, those whose partitions or retention it
 * changed, and those already as the spec says.
 */
export type EnsureTopicsResult = Readonly<Record<EnsureTopicOutcome, string[]>>;

/** A kafkajs admin client for local (plaintext) brokers that logs nothing. */
export function localKafkaAdmin(kafkaBrokers: string, clientId = 'fluxo-local-admin'): Admin {
  return createKafka({ clientId, brokers: kafkaBrokers.split(','), retries: 5 }).admin();
}

/** The topic metadata a broker answers with, or undefined while it does not know the topics yet. */
async function metadataOrUndefined(kafkaBrokers: string, names: readonly string[]): Promise<ITopicMetadata[] | undefined> {
  // A fresh client per attempt: a failed lookup must not leave unknown topics in a client's metadata targets.
  const admin = createKafka({ clientId: 'fluxo-local-admin', brokers: kafkaBrokers.split(','), retries: 0 }).admin();
  try {
    await admin.connect();
    return (await admin.fetchTopicMetadata({ topics: [...names] })).topics;
  } catch (error) {
    if (isUnknownTopicError(error) || (error as { type?: unknown }).type === 'LEADER_NOT_AVAILABLE') return undefined;
    throw error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Waits until the brokers answer for the topics with at least their partitions, each with a
 * leader. CreateTopics returns once the controller has committed them; in KRaft the brokers learn
 * of them a moment later, and a metadata request in between answers UNKNOWN_TOPIC_OR_PARTITION
 * (which kafkajs' own `waitForLeaders` does not wait out).
 */
export async function waitForTopics(
  kafkaBrokers: string,
  topics: readonly Pick<ResolvedTopic, 'name' | 'partitions'>[],
  deadlineMs: number = Date.now() + 30_000,
): Promise<void> {
  if (topics.length === 0) return;
  const names = topics.map((t) => t.name);
  for (;;) {
    const metadata = await metadataOrUndefined(kafkaBrokers, names);
    const ready =
      metadata !== undefined &&
      topics.every((topic) => {
        const partitions = metadata.find((m) => m.name === topic.name)?.partitions ?? [];
        return partitions.length >= topic.partitions && partitions.every((p) => p.leader >= 0);
      });
    if (ready) return;
    if (Date.now() > deadlineMs) throw new Error(`topics ${names.join(', ')} have no leaders yet at ${kafkaBrokers}`);
    await sleep(50);
  }
}

/**
 * Makes the cluster's topics match the spec, each as the AWS topic-admin custom resource does it
 * (`ensureTopic` of lambdas/clients/kafka.ts, from the deployment description's settings): creates
 * missing ones, adds partitions and sets `retention.ms` on existing ones, keeping their other
 * configs, and refuses to shrink one. Then waits until the broker knows every created or grown
 * topic with a leader per partition. Never deletes a topic. Idempotent.
 */
export async function ensureTopics(kafkaBrokers: string, pipeline: PipelineSpec): Promise<EnsureTopicsResult> {
  const topics = pipeline.topics.map(resolveTopic);
  const admin = localKafkaAdmin(kafkaBrokers);
  await admin.connect();
  try {
    // Locally only: a replication factor above the number of brokers cannot be met (one broker here).
    const brokerCount = (await admin.describeCluster()).brokers.length;
    const result: Record<EnsureTopicOutcome, string[]> = { created: [], updated: [], unchanged: [] };
    for (const topic of topics) {
      const replicationFactor = Math.max(1, Math.min(topic.replicationFactor ?? 1, brokerCount));
      // waitForTopics below waits out KRaft's moment when brokers do not know a new topic yet.
      result[await ensureTopic(admin, { ...topicSettings(topic), replicationFactor }, { waitForLeaders: false })].push(topic.name);
    }
    const changed = topics.filter((t) => !result.unchanged.includes(t.name));
    await waitForTopics(kafkaBrokers, changed);
    return result;
  } finally {
    await admin.disconnect();
  }
}
