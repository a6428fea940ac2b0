/**
 * A request sent with an Idempotency-Key stamps every record it writes with the same record ids
 * in every attempt; a request without one stamps none, and a client may not set the header.
 */
import { ingestRecords } from '../../../lambdas/producer/records';
import type { PreparedRecord } from '../../../core/ingest';
import { firstSlotOf, parseRecordId, RECORD_ID_HEADER, recordIdOf, requestIdOf } from '../../../core/record-id';
import { findTopic } from '../../../core/spec';
import { pipeline } from '../../../pipeline';

const health = findTopic(pipeline, 'health');

/** Runs one ingest of `body`, returning the records handed to Kafka. */
async function written(body: unknown, requestId?: string, now = 1_000): Promise<{ status: number; records: PreparedRecord[] }> {
  const records: PreparedRecord[] = [];
  const answer = await ingestRecords(
    health!,
    body,
    async (_topic, batch) => {
      records.push(...batch);
      return batch.map((_, i) => ({ partition: 0, offset: i, timestamp: now }));
    },
    now,
    requestId,
  );
  return { status: answer.statusCode, records };
}

describe('record ids of keyed requests', () => {
  const body = {
    records: [
      { value: { id: 1, idade: 30, altura: 170, peso: 95 } },
      { value: { id: 2, idade: 30, altura: 170, peso: 'heavy' } },
      { value: { id: 3, idade: 41, altura: 150, peso: 90 } },
    ],
  };

  it('stamps each written record with the request id and its index in the body, the same in every attempt', async () => {
    // Prepare
    const requestId = requestIdOf('health', 'key-1');

    // Act: two attempts at different times
    const first = await written(body, requestId, 1_000);
    const retry = await written(body, requestId, 9_000);

    // Assess: record 1 is rejected, so 0 and 2 are written
    expect(first.status).toBe(207);
    expect(first.records.map((r) => r.headers[RECORD_ID_HEADER])).toEqual([recordIdOf(requestId, 0), recordIdOf(requestId, 2)]);
    expect(retry.records.map((r) => r.headers[RECORD_ID_HEADER])).toEqual(first.records.map((r) => r.headers[RECORD_ID_HEADER]));
    expect(parseRecordId(recordIdOf(requestId, 2))).toEqual({ request: requestId, index: 2 });
  });

  it('stamps nothing without a key', async () => {
    // Act
    const { records } = await written(body);

    // Assess
    expect(records.every((r) => r.headers[RECORD_ID_HEADER] === undefined)).toBe(true);
  });

  it('refuses a record that sets the reserved header itself', async () => {
    // Act
    const answer = await written({ value: { idade: 30, altura: 170, peso: 95 }, headers: { [RECORD_ID_HEADER]: 'x' } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.records).toEqual([]);
  });

  it('derives request ids and first slots from the topic and the key alone', () => {
    expect(requestIdOf('health', 'k')).toBe(requestIdOf('health', 'k'));
    expect(requestIdOf('health', 'k')).not.toBe(requestIdOf('tweets', 'k'));
    expect(requestIdOf('health', 'k')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(firstSlotOf(requestIdOf('health', 'k'))).toBe(firstSlotOf(requestIdOf('health', 'k')));
    expect(parseRecordId('not-an-id.1')).toBeUndefined();
    expect(parseRecordId(undefined)).toBeUndefined();
  });
});
