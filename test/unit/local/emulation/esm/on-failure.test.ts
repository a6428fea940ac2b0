import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaRecord } from '../../../../../core/kafka-record';
import { JsonlDestination, describeFailedBatch, readOnFailureEntries } from '../../../../../local/emulation/esm/on-failure';
import { tempDirPerTest } from '../../../../support/temp-dir';
import { kafkaRecord } from '../../../consumer/helpers';

const record = (offset: number, timestamp: number): KafkaRecord =>
  kafkaRecord({ topic: 'health', partition: 2, offset, timestamp, rawValue: 'x', direct: true });

const dir = tempDirPerTest('fluxo-dlq-');

describe('on-failure destination', () => {
  it('describes a failed batch the way Lambda does for Kafka, with its offsets and error', () => {
    // Act
    const entry = describeFailedBatch({
      consumer: 'c',
      functionName: 'fn',
      eventSourceArn: 'arn:x',
      bootstrapServers: '127.0.0.1:9092',
      records: [record(7, 0), record(9, 1000)],
      condition: 'RetryAttemptsExhausted',
      invocations: 3,
      payloadSize: 42,
      requestId: 'req',
      error: { errorType: 'Boom', errorMessage: 'bad' },
      now: 0,
    });

    // Assess
    expect(entry).toEqual({
      requestContext: {
        requestId: 'req',
        functionArn: 'arn:aws:lambda:local:000000000000:function:fn',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Boom' },
      version: '1.0',
      timestamp: '1970-01-01T00:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 2,
        eventSourceArn: 'arn:x',
        bootstrapServers: '127.0.0.1:9092',
        payloadSize: 42,
        recordsInfo: {
          'health-2': {
            firstRecordOffset: '7',
            lastRecordOffset: '9',
            firstRecordTimestamp: '1970-01-01T00:00:00.000Z',
            lastRecordTimestamp: '1970-01-01T00:00:01.000Z',
          },
        },
      },
      fluxo: { consumer: 'c', topic: 'health', partition: 2, offsets: [7, 9], error: { errorType: 'Boom', errorMessage: 'bad' } },
    });
  });

  it('appends entries as JSON lines and reads them back, skipping a torn last line', async () => {
    // Prepare
    const file = join(dir(), 'sub', 'on-failure.jsonl');
    const destination = new JsonlDestination(file);
    const entry = describeFailedBatch({
      consumer: 'c',
      functionName: 'fn',
      eventSourceArn: 'a',
      bootstrapServers: 'b',
      records: [record(1, 0)],
      condition: 'MaximumRecordAgeExceeded',
      invocations: 0,
      payloadSize: 0,
      requestId: 'r',
    });

    // Act
    await destination.send(entry);
    await destination.send(entry);
    appendFileSync(file, '{"torn":');
    const read = await readOnFailureEntries(file);

    // Assess
    expect(read).toEqual([entry, entry]);
    expect(read[0]?.responseContext).toBeNull();
    expect(await readOnFailureEntries(join(dir(), 'missing.jsonl'))).toEqual([]);
  });
});
