/**
 * Creating the pipeline spec's topics on a Kafka cluster, idempotently, with kafkajs admin:
 * missing topics are created, existing ones get more partitions when the spec asks for more and
 * the spec's retention when theirs differs.
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type ITopicMetadata } from 'kafkajs';
import { resolveTopic, type PipelineSpec, type ResolvedTopic } from '../../../core/spec';
import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link ensureTopics} did. */
export interface EnsureTopicsResult {
  /** Topics it created. */
  readonly created: string[];
  /** Existing topics whose partitions or retention it changed. */
  readonly updated: string[];
  /** Topics already as the spec says. */
  readonly unchanged: string[];
}

/** `retention.ms` of a topic, from its retention in hours. */
export function retentionMs(topic: Pick<ResolvedTopic, 'retentionHours'>): string {
  return String(topic.retentionHours * 3_600_000);
}

/** A kafkajs admin client for local (plaintext) brokers that logs nothing. */
export function localKafkaAdmin(kafkaBrokers: string, clientId = 'fluxo-local-admin'): Admin {
  return new Kafka({ clientId, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } }).admin();
}


/** The topic metadata a broker answers with, or undefined while it does not know the topics yet. */
async function metadataOrUndefined(kafkaBrokers: string, names: readonly string[]): Promise<ITopicMetadata[] | undefined> {
  // A fresh client per attempt: a failed lookup must not leave unknown topics in a client's metadata targets.
  const admin = new Kafka({ clientId: 'fluxo-local-admin', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    return (await admin.fetchTopicMetadata({ topics: [...names] })).topics;
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE') return undefined;
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
  for (;;) {
    const metadata = await metadataOrUndefined(kafkaBrokers, topics.map((t) => t.name));
    const ready = metadata !== undefined && topics.every((topic) => {
      const partitions = metadata.find((m) => m.name === topic.name)?.partitions ?? [];
      return partitions.length >= topic.partitions && partitions.every((p) => p.leader >= 0);
    });
    if (ready) return;
    if (Date.now() > deadlineMs) throw new Error(`topics ${topics.map((t) => t.name).join(', ')} have no leaders yet at ${kafkaBrokers}`);
    await sleep(50);
  }
}

async function updateExisting(admin: Admin, topics: readonly ResolvedTopic[]): Promise<Set<string>> {
  const updated = new Set<string>();
  if (topics.length === 0) return updated;
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
  const grow = topics
    .map((t) => ({ topic: t.name, count: t.partitions, current: metadata.topics.find((m) => m.name === t.name)?.partitions.length ?? 0 }))
    .filter((t) => t.count > t.current);
  if (grow.length > 0) {
    await admin.createPartitions({ topicPartitions: grow.map(({ topic, count }) => ({ topic, count })) });
    for (const { topic } of grow) updated.add(topic);
  }
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['retention.ms'] })),
  });
  const stale = topics.filter((t) => {
    const resource = configs.resources.find((r) => r.resourceName === t.name);
    return resource?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue !== retentionMs(t);
  });
  if (stale.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: stale.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configEntries: [{ name: 'retention.ms', value: retentionMs(t) }] })),
    });
    for (const t of stale) updated.add(t.name);
  }
  return updated;
}

/**
 * Makes the cluster's topics match the spec: creates missing ones (the spec's partitions,
 * `retention.ms` from `retentionHours`, replication factor 1, or the topic's own when the cluster
 * has that many brokers); adds partitions and sets retention on existing ones; then waits until
 * the broker knows every created or grown topic with a leader per partition. Never deletes a
 * topic or removes partitions. Idempotent.
 */
export async function ensureTopics(kafkaBrokers: string, pipeline: PipelineSpec): Promise<EnsureTopicsResult> {
  const topics = pipeline.topics.map(resolveTopic);
  const admin = localKafkaAdmin(kafkaBrokers);
  await admin.connect();
  try {
    // A replication factor above the number of brokers cannot be met (one broker locally).
    const brokerCount = (await admin.describeCluster()).brokers.length;
    const present = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !present.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: Math.max(1, Math.min(t.replicationFactor ?? 1, brokerCount)),
          configEntries: [{ name: 'retention.ms', value: retentionMs(t) }],
        })),
      });
    }
    const existing = topics.filter((t) => present.has(t.name));
    const updated = await updateExisting(admin, existing);
    await waitForTopics(kafkaBrokers, [...missing, ...existing.filter((t) => updated.has(t.name))]);
    return {
      created: missing.map((t) => t.name),
      updated: [...updated],
      unchanged: existing.map((t) => t.name).filter((name) => !updated.has(name)),
    };
  } finally {
    await admin.disconnect();
  }
}
