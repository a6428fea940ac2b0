/**
 * Copies of one record id (`fluxo-record-id`: a keyed request written again after an unknown
 * outcome) are counted once, whatever the deliveries: the first copy claimed is the one counted.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { AggregateItem } from '../../../core/aggregate-item';
import { aggregateKey } from '../../../core/keys';
import { RECORD_ID_HEADER, recordIdOf, requestIdOf } from '../../../core/record-id';
import type { KafkaRecord } from '../../../core/kafka-record';
import { processBatch, type BatchDeps } from '../../../lambdas/consumer/batch';
import { ResultsStore } from '../../../lambdas/consumer/store';
import { FakeTable, serviceError } from './fake-table';
import { consumerOf, kafkaRecord, planOf, recordingLog } from './helpers';

const TABLE = 'results';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
const consumer = consumerOf({ measures: [{ fn: 'sum', field: 'volume' }] });
const REQUEST = requestIdOf('ticks', 'client-key-1');

let table: FakeTable;

function deps(): BatchDeps {
  return {
    plan: planOf(consumer),
    store: new ResultsStore(client, TABLE, { sleep: () => Promise.resolve() }),
    log: recordingLog(),
    now: () => 1_700_000_000_000,
  };
}

/** A record of the keyed request at `index` (volume `10 + index`), or an unkeyed one. */
function tick(partition: number, offset: number, index?: number): KafkaRecord {
  const headers: Record<string, string> = index === undefined ? {} : { [RECORD_ID_HEADER]: recordIdOf(REQUEST, index) };
  return kafkaRecord({ partition, offset, timestamp: 1_000, value: { price: 1, volume: 10 + (index ?? 100) }, headers });
}

function stored(): AggregateItem | undefined {
  const key = aggregateKey('test-consumer', 'ticks', 0);
  return table.items.get(`${key.pk}\u0000${key.sk}`) as AggregateItem | undefined;
}

beforeEach(() => {
  table = new FakeTable(TABLE, Math.random);
  table.install(ddb);
});

afterEach(() => {
  ddb.reset();
});

describe('copies of a record id', () => {
  it('counts the first copy of each id in a partition and skips the later ones, on every delivery', async () => {
    // Prepare: indexes 0 and 1 written twice (a retry), an unkeyed record between
    const batch = [tick(0, 0, 0), tick(0, 1, 1), tick(0, 2), tick(0, 3, 0), tick(0, 4, 1), tick(0, 5, 2)];

    // Act: delivered, then delivered again
    const first = await processBatch(batch, deps());
    const again = await processBatch(batch, deps());

    // Assess: 4 distinct records: ids 0, 1, 2 and the unkeyed one
    expect(first.unapplied).toEqual([]);
    expect(first.counts.duplicates).toBe(2);
    expect(again.counts.duplicates).toBe(2);
    expect(stored()?.count).toBe(4);
    expect(stored()?.fields.volume?.sum).toBe(10 + 11 + 110 + 12);
    expect(table.itemsWithPrefix('DUP#test-consumer#')).toHaveLength(1);
  });

  it('counts one copy when the copies are in different partitions delivered at the same time', async () => {
    // Prepare: the same three ids in partitions 0 and 1
    const p0 = [tick(0, 0, 0), tick(0, 1, 1), tick(0, 2, 2)];
    const p1 = [tick(1, 7, 0), tick(1, 8, 1), tick(1, 9, 2)];

    // Act: two invocations at once, each twice
    await Promise.all([processBatch(p0, deps()), processBatch(p1, deps()), processBatch(p1, deps()), processBatch(p0, deps())]);

    // Assess
    expect(stored()?.count).toBe(3);
    expect(stored()?.fields.volume?.sum).toBe(10 + 11 + 12);
  });

  it('applies nothing at or past a copy whose claim cannot be stored, and counts it exactly once when delivered again', async () => {
    // Prepare: the claim item refuses writes once
    let refuse = true;
    table.fault = (point, key) =>
      point === 'write' && key.pk.startsWith('DUP#') && refuse ? serviceError('ValidationException') : undefined;
    const batch = [tick(0, 0), tick(0, 1, 0), tick(0, 2), tick(0, 3, 0)];

    // Act: delivered, then from the offset answered
    const first = await processBatch(batch, deps());
    refuse = false;
    const resumeAt = first.unapplied[0]?.offset ?? 0;
    await processBatch(
      batch.filter((r) => r.offset >= resumeAt),
      deps(),
    );

    // Assess: the unkeyed records and one copy of id 0
    expect(first.unapplied).toEqual([{ topicPartition: 'ticks-0', offset: 1 }]);
    expect(stored()?.count).toBe(3);
    expect(stored()?.fields.volume?.sum).toBe(110 + 10 + 110);
  });

  it('claims a request of 250 records seen twice in one batch with 3 updates, each under the expression limit', async () => {
    // Prepare: indexes 0..249, then all of them again
    const first = Array.from({ length: 250 }, (_, i) => tick(0, i, i));
    const again = Array.from({ length: 250 }, (_, i) => tick(0, 250 + i, i));

    // Act
    const result = await processBatch([...first, ...again], deps());

    // Assess
    expect(result.unapplied).toEqual([]);
    expect(result.counts.duplicates).toBe(250);
    expect(stored()?.count).toBe(250);
    expect(result.counts.writes).toBe(3 + 1);
  });

  it('writes no claim for records without a record id', async () => {
    // Act
    const result = await processBatch([tick(0, 0), tick(0, 1)], deps());

    // Assess
    expect(result.counts.writes).toBe(1);
    expect(table.itemsWithPrefix('DUP#')).toEqual([]);
  });
});
