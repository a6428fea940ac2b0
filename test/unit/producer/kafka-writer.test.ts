import type { Producer, RecordMetadata } from 'kafkajs';
import { InternalError, KafkaUnavailableError, PayloadTooLargeError } from '../../../core/errors';
import type { PreparedRecord } from '../../../core/ingest';
import { KafkaConfigurationError, LazyProducer } from '../../../lambdas/clients/kafka';
import { assignOffsets, classifySendError, trackingPartitioner, writeRecords } from '../../../lambdas/producer/kafka-writer';
import { fakeKafka } from './fake-kafka';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function record(overrides: Partial<PreparedRecord> = {}): PreparedRecord {
  const value = { n: 1 };
  return {
    key: undefined,
    value,
    serializedValue: JSON.stringify(value),
    headers: { 'fluxo-ingest-time': String(T0) },
    partition: undefined,
    timestamp: T0,
    ...overrides,
  };
}

describe('mapping acknowledgements back to records', () => {
  it('gives each record its base offset plus its position within its partition, in request order', () => {
    // Prepare
    const partitions = [0, 1, 0, 2, 1, 0];
    const metadata: RecordMetadata[] = [
      { topicName: 't', partition: 0, errorCode: 0, baseOffset: '100' },
      { topicName: 't', partition: 1, errorCode: 0, baseOffset: '7' },
      { topicName: 't', partition: 2, errorCode: 0, baseOffset: '0' },
    ];

    // Act
    const written = assignOffsets(
      partitions,
      partitions.map((_, i) => T0 + i),
      metadata,
    );

    // Assess
    expect(written.map((w) => [w.partition, w.offset])).toEqual([
      [0, 100],
      [1, 7],
      [0, 101],
      [2, 0],
      [1, 8],
      [0, 102],
    ]);
    expect(written.map((w) => w.timestamp)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5]);
  });

  it("reports the broker's append time on LogAppendTime topics", () => {
    // Act
    const [written] = assignOffsets(
      [0],
      [T0],
      [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: '5', logAppendTime: String(T0 + 99) }],
    );

    // Assess
    expect(written).toEqual({ partition: 0, offset: 5, timestamp: T0 + 99 });
  });

  it.each([
    ['a partition without acknowledgement', []],
    ['a partition answered with an error code', [{ topicName: 't', partition: 0, errorCode: 19, baseOffset: '1' }]],
    ['an acknowledgement without base offset', [{ topicName: 't', partition: 0, errorCode: 0 }]],
  ])('never reports a record written for %s', (_, metadata) => {
    // Act
    const act = () => assignOffsets([0], [T0], metadata as RecordMetadata[]);

    // Assess
    expect(act).toThrow(KafkaUnavailableError);
  });
});

describe('choosing partitions', () => {
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }));

  it('keeps an explicit partition and hashes a key like the Java client', () => {
    // Prepare
    const partition = trackingPartitioner();

    // Act
    const explicit = partition({ topic: 't', partitionMetadata, message: { value: 'x', partition: 2 } });
    const keyed = [1, 2, 3].map(() => partition({ topic: 't', partitionMetadata, message: { key: 'peso', value: 'x' } }));

    // Assess
    expect(explicit).toBe(2);
    expect(new Set(keyed).size).toBe(1);
  });
});

describe('writing records', () => {
  it('writes every record with acks=all and GZIP and reports offsets in request order', async () => {
    // Prepare
    const kafka = fakeKafka(trackingPartitioner, 3);
    const producers = new LazyProducer(() => kafka.producer);
    const records = [record({ key: 'a' }), record(), record({ partition: 2 }), record(), record({ key: 'a' }), record()];

    // Act
    const written = await writeRecords(producers, 'health', records, { deadlineMs: 1000, firstSlot: 0 });

    // Assess
    expect(kafka.sendBatch).toHaveBeenCalledWith(expect.objectContaining({ acks: -1, compression: 1, timeout: 1000 }));
    expect(written).toHaveLength(6);
    for (const [i, w] of written.entries()) {
      const stored = kafka.written.find((s) => s.partition === w.partition && s.offset === w.offset);
      expect(stored?.message.value).toBe(records[i].serializedValue);
      expect(stored?.message).toBe(kafka.sendBatch.mock.calls[0][0].topicMessages[0].messages[i]);
    }
    expect(written[2].partition).toBe(2);
    expect(written[4].partition).toBe(written[0].partition);
  });

  it('spreads records with neither key nor partition round robin from the first slot', async () => {
    // Prepare
    const kafka = fakeKafka(trackingPartitioner, 3);
    const producers = new LazyProducer(() => kafka.producer);

    // Act
    const written = await writeRecords(producers, 't', [record(), record(), record(), record()], { deadlineMs: 1000, firstSlot: 1 });

    // Assess
    expect(written.map((w) => [w.partition, w.offset])).toEqual([
      [1, 0],
      [2, 0],
      [0, 0],
      [1, 1],
    ]);
  });

  it('sends the event time as the Kafka timestamp, with key, value and headers', async () => {
    // Prepare
    const kafka = fakeKafka(trackingPartitioner, 1);
    const producers = new LazyProducer(() => kafka.producer);

    // Act
    const [written] = await writeRecords(producers, 't', [record({ key: 'k', timestamp: T0 - 5000 })], { deadlineMs: 1000 });

    // Assess
    expect(kafka.written[0].message).toEqual({
      key: 'k',
      value: '{"n":1}',
      headers: { 'fluxo-ingest-time': String(T0) },
      timestamp: String(T0 - 5000),
    });
    expect(written.timestamp).toBe(T0 - 5000);
  });

  it('fails with 50301 and reconnects next time when Kafka is unreachable', async () => {
    // Prepare
    const kafka = fakeKafka(trackingPartitioner, 1);
    kafka.sendBatch.mockRejectedValueOnce(
      Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }),
    );
    const create = jest.fn(() => kafka.producer);
    const producers = new LazyProducer(create);

    // Act
    const failed = writeRecords(producers, 't', [record()], { deadlineMs: 1000 });
    await expect(failed).rejects.toThrow(KafkaUnavailableError);
    const retried = await writeRecords(producers, 't', [record()], { deadlineMs: 1000 });

    // Assess
    expect(kafka.disconnect).toHaveBeenCalledTimes(1);
    expect(create).toHaveBeenCalledTimes(2);
    expect(retried).toEqual([{ partition: 0, offset: 0, timestamp: T0 }]);
  });

  it('fails with 50301 when the connection cannot be made', async () => {
    // Prepare
    const producers = new LazyProducer(
      () => ({ connect: () => Promise.reject(new Error('ENOTFOUND')), disconnect: jest.fn() }) as unknown as Producer,
    );

    // Act
    const act = writeRecords(producers, 't', [record()], { deadlineMs: 1000 });

    // Assess
    await expect(act).rejects.toMatchObject({ errorCode: 50301, status: 503 });
  });

  it('fails with 50301 when Kafka does not answer before the deadline', async () => {
    // Prepare
    jest.useFakeTimers();
    const kafka = fakeKafka(trackingPartitioner, 1);
    kafka.sendBatch.mockImplementationOnce(() => new Promise(() => undefined));
    const producers = new LazyProducer(() => kafka.producer);

    try {
      // Act
      const pending = writeRecords(producers, 't', [record()], { deadlineMs: 2000 });
      const assessed = expect(pending).rejects.toThrow('Kafka did not acknowledge within 2000 ms; nothing is reported written');
      await jest.advanceTimersByTimeAsync(2000);

      // Assess
      await assessed;
      expect(kafka.disconnect).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('what a failed send means', () => {
  it.each([
    ['NOT_ENOUGH_REPLICAS', 50301],
    ['REQUEST_TIMED_OUT', 50301],
    ['MESSAGE_TOO_LARGE', 41301],
    ['RECORD_LIST_TOO_LARGE', 41301],
  ])('maps Kafka error %s to %d', (type, code) => {
    // Prepare
    const protocolError = Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
    const wrapped = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: protocolError });

    // Act
    const error = classifySendError(wrapped);

    // Assess
    expect(error.errorCode).toBe(code);
    expect(error.cause).toBe(wrapped);
  });

  it('names the Kafka error in details', () => {
    // Act
    const error = classifySendError(Object.assign(new Error('x'), { type: 'NOT_ENOUGH_REPLICAS' }));

    // Assess
    expect(error.details).toEqual({ kafkaError: 'NOT_ENOUGH_REPLICAS' });
    expect(error).not.toBeInstanceOf(PayloadTooLargeError);
  });

  it('treats a missing Kafka configuration as an internal error, not a retryable one', () => {
    // Act
    const error = classifySendError(new KafkaConfigurationError('environment variable KAFKA_BROKERS is not set'));

    // Assess
    expect(error).toBeInstanceOf(InternalError);
    expect(error.status).toBe(500);
  });
});
