/**
 * A stand-in for a connected kafkajs producer that behaves like kafkajs' sendBatch where it
 * matters to fluxo: it asks the producer's partitioner for each message's partition, groups the
 * messages per partition in order, and answers one RecordMetadata per partition with the base
 * offset of its batch. Logs every message it "wrote".
 */
import type { ICustomPartitioner, Message, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';

/** A message as the fake broker stored it. */
export interface StoredMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly message: Message;
}

/** The fake producer and what it wrote. */
export interface FakeKafka {
  readonly producer: Producer;
  readonly sendBatch: jest.Mock;
  readonly connect: jest.Mock;
  readonly disconnect: jest.Mock;
  readonly written: StoredMessage[];
  /** Next offset per `topic-partition`. */
  readonly nextOffset: Map<string, number>;
}

/** A fake producer for topics of `partitions` partitions, partitioning with `createPartitioner`. */
export function fakeKafka(createPartitioner: ICustomPartitioner, partitions = 3): FakeKafka {
  const partition = createPartitioner();
  const written: StoredMessage[] = [];
  const nextOffset = new Map<string, number>();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const sendBatch = jest.fn(async ({ topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> => {
    const metadata: RecordMetadata[] = [];
    for (const { topic, messages } of topicMessages) {
      const grouped = new Map<number, Message[]>();
      for (const message of messages) {
        const p = partition({ topic, partitionMetadata, message });
        grouped.set(p, [...(grouped.get(p) ?? []), message]);
      }
      for (const [p, group] of grouped) {
        const key = `${topic}-${p}`;
        const base = nextOffset.get(key) ?? 0;
        group.forEach((message, i) => written.push({ topic, partition: p, offset: base + i, message }));
        nextOffset.set(key, base + group.length);
        metadata.push({ topicName: topic, partition: p, errorCode: 0, baseOffset: String(base), logAppendTime: '-1', logStartOffset: '0' });
      }
    }
    return metadata;
  });
  const connect = jest.fn(async () => undefined);
  const disconnect = jest.fn(async () => undefined);
  const producer = { sendBatch, connect, disconnect } as unknown as Producer;
  return { producer, sendBatch, connect, disconnect, written, nextOffset };
}
