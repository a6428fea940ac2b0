/**
 * The local event source mapping: for one consumer of the pipeline spec, a kafkajs consumer group
 * (the spec's group id) that polls the consumer's topics and invokes the consumer function with
 * the very event Lambda delivers for Amazon MSK, honouring the mapping's settings:
 *
 * - starting position: TRIM_HORIZON reads a new group from the beginning, LATEST from the end;
 * - FilterCriteria (the consumer's filters plus pass-throughs, filter-pushdown.ts): records that
 *   match no pattern are never delivered, and their offsets are committed, as AWS does;
 * - batch size and batching window: a batch closes at `batchSize` matching records, or when the
 *   window has passed since its first record (window 0: whatever each fetch returned);
 * - offsets are committed only after the records before them were handled (auto-commit is off);
 * - retries, bisect on error, maximum record age, partial batch failures and the on-failure
 *   destination: see delivery.ts.
 *
 * Batches hold records of one partition; each partition has at most one invocation in flight,
 * and partitions run concurrently, as Lambda's pollers do.
 */
import type { Consumer } from 'kafkajs';
import { createKafka } from '../../../lambdas/clients/kafka';
import { compileFilters, filterableRecord } from '../../../core/filter';
import { mappingFilters } from '../../../core/filter-pushdown';
import { topicPartitionKey, type KafkaRecord } from '../../../core/kafka-record';
import { encodeMskEvent, kafkaRecordFrom } from '../../../core/msk-event';
import type { ConsumerMapping, ResolvedConsumer, ResolvedTopic } from '../../../core/spec';
import type { InvocationResult, Invoker } from '../runtime/local-function';
import { namedError } from '../../../core/errors';
import { deliver } from './delivery';
import { describeFailedBatch, type OnFailureDestination } from './on-failure';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../../../core/backoff';

/** The ARN the emulator's events carry: shaped like an MSK cluster ARN, in a `local` region. */
export const LOCAL_CLUSTER_ARN = 'arn:aws:kafka:local:000000000000:cluster/fluxo-local/00000000-0000-0000-0000-000000000000-1';

/** Options of {@link EventSourceMappingEmulator}. */
export interface EmulatorOptions {
  /** The consumer, with its defaults filled in (spec.ts `resolveConsumer`). */
  readonly consumer: ResolvedConsumer;
  /**
   * The topic of the mapping this emulates: like a Lambda Kafka mapping, it reads one topic, as
   * the consumer group of `consumer.mappings`. @default the consumer's only topic (required when it reads several)
   */
  readonly topic?: string;
  /**
   * The spec's topics (at least the one this mapping reads): its FilterCriteria are the
   * consumer's filters plus the pass-throughs its topic's form needs, as on AWS (filter-pushdown.ts).
   */
  readonly topics: readonly ResolvedTopic[];
  /** Kafka bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The consumer function. */
  readonly invoker: Invoker;
  /** Where batches go when retries or age run out. */
  readonly destination: OnFailureDestination;
  /** Backoff between retries: first wait and cap, ms. @default { initialMs: 100, maxMs: 5000 } */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Observes every invocation: the exact event and its outcome. */
  readonly onInvoke?: (event: unknown, result: InvocationResult) => void;
  /** Reports problems that do not stop the mapping (commit failures, kafkajs restarts). */
  readonly onWarning?: (message: string) => void;
}

/** The emulator could not start. */
export class EmulatorStartError extends namedError('EmulatorStartError') {}

interface Entry {
  readonly record: KafkaRecord;
  readonly passes: boolean;
}

/** One partition's records taken from Kafka but not yet handled. */
class Lane {
  public entries: Entry[] = [];
  public firstAt = 0;
  public timer: NodeJS.Timeout | undefined;
  public committed = -1;
  public generation = 0;
  private chain: Promise<void> = Promise.resolve();

  public constructor(
    public readonly topic: string,
    public readonly partition: number,
  ) {}

  /** Runs `task` after every task queued before it (one delivery per partition at a time). */
  public run(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  public reset(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.entries = [];
    this.generation += 1;
  }
}

/** One event source mapping, run locally. */
export class EventSourceMappingEmulator {
  /** What it did so far: `recordsFiltered`, the records that matched no filter (committed, never delivered). */
  public readonly stats = { recordsFiltered: 0 };
  private readonly options: EmulatorOptions;
  /** The topic and consumer group this mapping reads. */
  public readonly mapping: ConsumerMapping;
  private readonly kafkaConsumer: Consumer;
  private readonly matches: (event: Readonly<Record<string, unknown>>) => boolean;
  private readonly lanes = new Map<string, Lane>();
  private running = false;

  public constructor(options: EmulatorOptions) {
    if (options.brokers.length === 0) throw new RangeError('at least one broker is required');
    const { mappings } = options.consumer;
    const mapping =
      options.topic === undefined ? (mappings.length === 1 ? mappings[0] : undefined) : mappings.find((m) => m.topic === options.topic);
    if (mapping === undefined) {
      throw new RangeError(
        `consumer ${options.consumer.name} has one mapping per topic (${options.consumer.topics.join(', ')}): name the topic of this one`,
      );
    }
    this.mapping = mapping;
    this.options = options;
    const topicSpec = options.topics.find((t) => t.name === mapping.topic);
    if (topicSpec === undefined)
      throw new RangeError(`topic ${mapping.topic} of consumer ${options.consumer.name} is not among the topics given`);
    // The mapping's FilterCriteria, as the CDK app deploys them. Compiling validates the patterns up
    // front, as creating a mapping with bad FilterCriteria fails.
    this.matches = compileFilters(mappingFilters(options.consumer, topicSpec));
    // kafkajs' own request timeout (30 s): a JoinGroup may wait out a whole rebalance.
    const kafka = createKafka({ clientId: `fluxo-esm-${options.consumer.name}`, brokers: options.brokers, requestTimeoutMs: 30_000 });
    this.kafkaConsumer = kafka.consumer({
      groupId: mapping.groupId,
      // The broker answers a fetch as soon as a record arrives (kafkajs' minBytes is 1), so this
      // only sets how often an idle mapping asks: every 500 ms cost `npm start` 0.8 % of a core
      // idle (issue 15; BENCHMARKS.md). 5 s is kafkajs' default. Measured ad hoc (issue 15): the
      // delay from a record's ack to its batch was the same at 500 ms and 5 s (p50 1-3 ms); a
      // stop waits for the fetch in flight, about 4 s instead of under 0.5 s.
      maxWaitTimeInMs: 5000,
      // A member that vanished without leaving (a killed `npm start`) holds up the next start's
      // join until its session expires: keep that short. Invocations heartbeat between retries.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 30_000,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  /** The consumer this mapping serves. */
  public get consumerName(): string {
    return this.options.consumer.name;
  }

  /** Joins the consumer group and starts polling; resolves once the group assigned partitions (at most 60 s). */
  public async start(): Promise<void> {
    const joinTimeoutMs = 60_000;
    const consumer = this.kafkaConsumer;
    const { consumer: spec } = this.options;
    const groupJoined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // After a rebalance, records taken but not handled are read again from the committed offsets.
        for (const lane of this.lanes.values()) lane.reset();
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.options.onWarning?.(`${spec.name}: Kafka consumer crashed (${event.payload.error.message}); restart: ${event.payload.restart}`);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.mapping.topic], fromBeginning: spec.startingPosition === 'TRIM_HORIZON' });
      this.running = true;
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 16,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const lane = this.lane(batch.topic, batch.partition);
          const generation = lane.generation;
          for (const message of batch.messages) {
            const record = kafkaRecordFrom({
              ...message,
              topic: batch.topic,
              partition: batch.partition,
              // The timestamp type is attribute bit 3 of the message, named as Lambda names it.
              timestampType: (message.attributes & 0x08) === 0 ? 'CREATE_TIME' : 'LOG_APPEND_TIME',
            });
            if (lane.entries.length === 0) lane.firstAt = Date.now();
            lane.entries.push({ record, passes: this.matches(filterableRecord(record)) });
            // The lane owns the record now; the next fetch continues after it.
            resolveOffset(message.offset);
          }
          const active = (): boolean => this.running && isRunning() && !isStale() && lane.generation === generation;
          const windowMs = spec.batchingWindowSeconds * 1000;
          const windowClosed = windowMs === 0 || Date.now() - lane.firstAt >= windowMs;
          await lane.run(() => this.drain(lane, windowClosed, active, heartbeat));
          if (lane.entries.length > 0 && lane.timer === undefined) {
            const wait = Math.max(0, lane.firstAt + windowMs - Date.now());
            lane.timer = setTimeout(() => {
              lane.timer = undefined;
              const at = lane.generation;
              const stillOurs = (): boolean => this.running && lane.generation === at;
              void lane.run(() => this.drain(lane, true, stillOurs, async () => undefined));
            }, wait);
          }
        },
      });
    } catch (error) {
      await this.stop();
      throw new EmulatorStartError(`event source mapping of ${spec.name} could not start: ${(error as Error).message}`, { cause: error });
    }
    const joinWait = new AbortController();
    const timedOut = sleep(joinTimeoutMs, undefined, { signal: joinWait.signal }).then(() => {
      throw new EmulatorStartError(`event source mapping of ${spec.name} did not join its consumer group within ${joinTimeoutMs} ms`);
    });
    await Promise.race([groupJoined, timedOut]).finally(() => joinWait.abort());
  }

  /** Stops polling and leaves the group; an invocation in flight finishes first. */
  public async stop(): Promise<void> {
    this.running = false;
    for (const lane of this.lanes.values()) lane.reset();
    await this.kafkaConsumer.disconnect();
  }

  private lane(topic: string, partition: number): Lane {
    const key = topicPartitionKey(topic, partition);
    const lane = this.lanes.get(key) ?? new Lane(topic, partition);
    this.lanes.set(key, lane);
    return lane;
  }

  /**
   * Delivers the lane's records in batches of up to `batchSize` matching records. Unless
   * `windowClosed`, a last batch smaller than `batchSize` waits for more records.
   */
  private async drain(lane: Lane, windowClosed: boolean, active: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
    const { consumer } = this.options;
    const source = { eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: this.options.brokers.join(',') };
    while (lane.entries.length > 0 && active()) {
      let end = -1;
      const batch: KafkaRecord[] = [];
      for (let i = 0; i < lane.entries.length && batch.length < consumer.batchSize; i += 1) {
        const entry = lane.entries[i] as Entry;
        end = i;
        if (entry.passes) batch.push(entry.record);
      }
      if (batch.length < consumer.batchSize && !windowClosed) return;
      const handled = lane.entries.slice(0, end + 1);
      this.stats.recordsFiltered += handled.length - batch.length;
      if (batch.length > 0) {
        const outcome = await deliver(batch, consumer, {
          invoker: this.options.invoker,
          encode: (records) => encodeMskEvent(records, { kind: 'msk', ...source }),
          commit: (next) => this.commit(lane, next),
          giveUp: (failed) =>
            this.options.destination.send(
              describeFailedBatch({ ...failed, ...source, consumer: consumer.name, functionName: `fluxo-consumer-${consumer.name}` }),
            ),
          heartbeat,
          isActive: active,
          backoff: (retry) => sleep(backoffMs(retry, this.options.backoff ?? { initialMs: 100, maxMs: 5000 })),
          onInvoke: this.options.onInvoke,
        });
        if (outcome === 'aborted') return;
        // A rebalance during the invocation reset the lane: its entries are no longer these.
        if (!active()) return;
      }
      // Records that matched no filter after the batch's last record are done too.
      await this.commit(lane, (handled[handled.length - 1] as Entry).record.offset + 1);
      lane.entries.splice(0, handled.length);
      if (lane.entries.length > 0) lane.firstAt = Date.now();
    }
  }

  private async commit(lane: Lane, next: number): Promise<void> {
    if (next <= lane.committed) return;
    try {
      await this.kafkaConsumer.commitOffsets([{ topic: lane.topic, partition: lane.partition, offset: String(next) }]);
      lane.committed = next;
    } catch (error) {
      // A rebalance moved the partition: its new owner re-reads from the last committed offset.
      this.options.onWarning?.(
        `${this.options.consumer.name}: commit of ${lane.topic}-${lane.partition}@${next} failed: ${(error as Error).message}`,
      );
    }
  }
}
