/**
 * The one record type fluxo's consumer code sees, whether the record came from an AWS MSK event,
 * a self-managed Kafka event, or the local event-source-mapping emulator. The codec that
 * decodes (and, for the emulator, encodes) the Lambda Kafka event lives in `msk-event.ts`.
 */

/** One Kafka record, decoded. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset in its partition. */
  readonly offset: number;
  /** The record's Kafka timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** `CREATE_TIME` or `LOG_APPEND_TIME`, as Kafka reports it. */
  readonly timestampType: string;
  /** The key as UTF-8 text; undefined when the record has no key. */
  readonly key: string | undefined;
  /** The value as UTF-8 text; undefined for a null (tombstone) value. */
  readonly value: string | undefined;
  /** Header values as UTF-8 text, by header name (last one wins when a name repeats). */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw bytes as delivered, kept for dead letters and byte-exact comparisons. */
  readonly raw: {
    readonly key: Buffer | undefined;
    readonly value: Buffer | undefined;
    readonly headers: ReadonlyArray<Readonly<Record<string, Buffer>>>;
  };
}

/** Header carrying the time the producer accepted the record (epoch ms, decimal text). */
export const INGEST_TIME_HEADER = 'fluxo-ingest-time';

/** `"topic-partition"`: how a Lambda Kafka event keys its record lists and batch item failures. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
