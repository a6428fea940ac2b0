/**
 * Writes one request's records to Kafka and reports, for each record in order, the partition,
 * offset and timestamp Kafka acknowledged. A record is reported written only when its
 * partition's produce response acknowledged it (acks = all); anything else throws.
 *
 * kafkajs answers one metadata entry per partition with the batch's base offset, so a record's
 * offset is that base plus its position among the request's records sent to that partition.
 * The partition each record went to is recorded by {@link trackingPartitioner}, which chooses
 * deterministically, so a retry inside kafkajs regroups the records exactly as before.
 */
import { Partitioners } from 'kafkajs';
import type { ICustomPartitioner, Message, RecordMetadata } from 'kafkajs';
import { InternalError, KafkaUnavailableError, PayloadTooLargeError } from '../../core/errors';
import type { FluxoError } from '../../core/errors';
import type { PreparedRecord } from '../../core/ingest';
import { KafkaConfigurationError, kafkaErrorTypes, SEND_OPTIONS } from '../clients/kafka';
import type { LazyProducer } from '../clients/kafka';

/** Where Kafka put a record. */
export interface WrittenRecord {
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp, epoch ms (the event time, or the broker's append time on LogAppendTime topics). */
  readonly timestamp: number;
}

/** The partition the partitioner chose for each message, as last chosen. */
const chosenPartition = new WeakMap<Message, number>();
/** A fixed round-robin slot for messages with neither key nor partition. */
const keylessSlot = new WeakMap<Message, number>();

/**
 * kafkajs' DefaultPartitioner (explicit partition, else murmur2 of the key, Java-compatible),
 * except that a message with neither gets the partition of its pre-assigned slot instead of a
 * moving round-robin counter; and every choice is recorded for {@link writeRecords}.
 */
export const trackingPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    const slot = keylessSlot.get(message);
    const keyless = (message.key === undefined || message.key === null) && (message.partition === undefined || message.partition === null);
    const partition = slot !== undefined && keyless ? slot % partitionMetadata.length : fallback(args);
    chosenPartition.set(message, partition);
    return partition;
  };
};

/** A produce error Kafka answers for a record or batch that is too large. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * What a failed send means to the client: too large (41301) when Kafka says so, otherwise Kafka
 * could not take the write (50301, retry later): unreachable, timed out, not enough replicas, ...
 */
export function classifySendError(error: unknown): FluxoError {
  if (error instanceof KafkaConfigurationError) return new InternalError(`Kafka is not configured: ${error.message}`, { cause: error });
  const type = kafkaErrorTypes(error).at(0);
  if (type !== undefined && TOO_LARGE.has(type))
    return new PayloadTooLargeError(`Kafka rejected the records as too large (${type})`, { cause: error });
  const message = `Kafka did not acknowledge the records${type === undefined ? '' : ` (${type})`}; nothing is reported written`;
  return new KafkaUnavailableError(message, { cause: error, details: type === undefined ? undefined : { kafkaError: type } });
}

/**
 * Maps kafkajs' per-partition acknowledgements back to each record, in order. `partitions[i]` is
 * the partition record i was sent to. Throws {@link KafkaUnavailableError} when a partition is
 * not acknowledged.
 */
export function assignOffsets(
  partitions: readonly number[],
  timestamps: readonly number[],
  metadata: readonly RecordMetadata[],
): WrittenRecord[] {
  const byPartition = new Map(metadata.map((m) => [m.partition, m]));
  const nextInPartition = new Map<number, number>();
  return partitions.map((partition, i) => {
    const ack = byPartition.get(partition);
    if (ack === undefined || ack.errorCode !== 0 || ack.baseOffset === undefined) {
      throw new KafkaUnavailableError(`Kafka did not acknowledge partition ${partition}`, { details: { partition } });
    }
    const position = nextInPartition.get(partition) ?? 0;
    nextInPartition.set(partition, position + 1);
    const appendTime = ack.logAppendTime === undefined ? -1 : Number(ack.logAppendTime);
    return { partition, offset: Number(ack.baseOffset) + position, timestamp: appendTime >= 0 ? appendTime : timestamps[i] };
  });
}

/** Options of {@link writeRecords}. */
export interface WriteOptions {
  /** How long the write may take before it counts as failed, ms. */
  readonly deadlineMs: number;
  /** The first round-robin slot for records with neither key nor partition. @default random */
  readonly firstSlot?: number;
}

/** A promise that rejects with a 50301 after `ms`; `clear` stops the timer. */
function deadline(ms: number): { promise: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaUnavailableError(`Kafka did not acknowledge within ${ms} ms; nothing is reported written`)),
      ms,
    );
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/**
 * Sends records to one topic with the container's producer and returns where each landed, in
 * order. On any failure the producer is dropped (the next call reconnects) and a
 * {@link FluxoError} is thrown: 50301 (retry later) or 41301.
 */
export async function writeRecords(
  producers: LazyProducer,
  topic: string,
  records: readonly PreparedRecord[],
  { deadlineMs, firstSlot = Math.floor(Math.random() * 1_000_000) }: WriteOptions,
): Promise<WrittenRecord[]> {
  let slot = firstSlot;
  const messages: Message[] = records.map((record) => {
    const message: Message = {
      key: record.key ?? null,
      value: record.serializedValue,
      headers: { ...record.headers },
      timestamp: String(record.timestamp),
      ...(record.partition === undefined ? {} : { partition: record.partition }),
    };
    if (record.key === undefined && record.partition === undefined) keylessSlot.set(message, slot++);
    return message;
  });
  const timer = deadline(deadlineMs);
  try {
    const sending = producers
      .get()
      .then((producer) => producer.sendBatch({ ...SEND_OPTIONS, timeout: deadlineMs, topicMessages: [{ topic, messages }] }));
    // When the deadline wins, a later failure of the send has nobody left to hear it.
    sending.catch(() => undefined);
    const metadata = await Promise.race([sending, timer.promise]);
    const partitions = messages.map((m) => {
      const partition = chosenPartition.get(m) ?? m.partition;
      if (partition === undefined) throw new KafkaUnavailableError('kafkajs did not report the partition of a record');
      return partition;
    });
    const timestamps = records.map((r) => r.timestamp);
    return assignOffsets(partitions, timestamps, metadata);
  } catch (error) {
    const failure = error instanceof KafkaUnavailableError ? error : classifySendError(error);
    if (failure instanceof KafkaUnavailableError) await producers.reset();
    throw failure;
  } finally {
    timer.clear();
  }
}
