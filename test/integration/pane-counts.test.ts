/**
 * Pane key counts on DynamoDB Local: the consumer's batch writes them with the aggregates, and the
 * results reader's `paneCounts` reads them back — from the pane items, or from the aggregates for a
 * pane whose item overflowed and for a consumer that keeps none.
 */
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeGroupKey } from '../../core/aggregate';
import { ENV } from '../../core/config';
import { paneCountsKey } from '../../core/keys';
import { processBatch } from '../../lambdas/consumer/batch';
import { ResultsStore } from '../../lambdas/consumer/store';
import { ResultsReader } from '../../lambdas/results/reader';
import { LOCAL_TABLES, localDynamoDbClient } from '../../local/emulation/services';
import { consumerOf, kafkaRecord, planOf, recordingLog } from '../unit/consumer/helpers';
import { unique } from './helpers';

const PANE = 60_000;
const BASE = Math.floor(Date.UTC(2026, 10, 29, 12, 0) / PANE) * PANE;
const TAGS = ['kafka', 'aws', 'c#', '100%', 'msk'];

function client(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoDbClient(process.env[ENV.dynamodbEndpoint]!));
}

/** 300 records over three panes, 1 to 3 tags each, and the count of each tag per pane. */
function tweets(topic: string): { records: ReturnType<typeof kafkaRecord>[]; expected: Map<number, Map<string, number>> } {
  const expected = new Map<number, Map<string, number>>([0, 1, 2].map((p) => [BASE + p * PANE, new Map()]));
  const records = Array.from({ length: 300 }, (_, offset) => {
    const pane = BASE + (offset % 3) * PANE;
    const tags = TAGS.filter((_, t) => (offset + t) % (1 + (t % 3)) === 0).slice(0, 3);
    for (const tag of tags) expected.get(pane)!.set(tag, (expected.get(pane)!.get(tag) ?? 0) + 1);
    return kafkaRecord({ topic, offset, timestamp: pane + offset, value: { tags } });
  });
  return { records, expected };
}

/** Stored (escaped) keys back to tags, for comparing with the records. */
const decoded = (panes: Map<number, Map<string, number>>) =>
  new Map([...panes].map(([start, counts]) => [start, new Map([...counts].map(([key, n]) => [decodeGroupKey(key), n]))]));

describe('pane key counts on DynamoDB Local', () => {
  it('are written once per record however often a batch is delivered, and read back per pane', async () => {
    // Prepare
    const consumer = consumerOf({
      name: unique('it-panes'),
      groupBy: { kind: 'each', field: 'tags' },
      window: { sizeSeconds: 60, graceSeconds: 3600 },
    });
    const deps = { plan: planOf(consumer), store: new ResultsStore(client(), LOCAL_TABLES.results), log: recordingLog(), now: () => BASE };
    const { records, expected } = tweets('ticks');

    // Act: the whole batch, then its second half again, then all of it again
    await processBatch(records, deps);
    await processBatch(records.slice(150), deps);
    const last = await processBatch(records, deps);
    const read = await new ResultsReader(client(), LOCAL_TABLES.results).paneCounts(
      consumer.name,
      [...expected.keys(), BASE + 3 * PANE],
      true,
    );

    // Assess
    expect(last.unapplied).toEqual([]);
    expect(decoded(read)).toEqual(new Map([...expected, [BASE + 3 * PANE, new Map()]]));
  });

  it('count a pane whose item overflowed, and every pane of a consumer that keeps none, from the aggregates', async () => {
    // Prepare
    const keyed = consumerOf({
      name: unique('it-panes'),
      groupBy: { kind: 'each', field: 'tags' },
      window: { sizeSeconds: 60, graceSeconds: 3600 },
    });
    const byTopic = consumerOf({ name: unique('it-panes'), groupBy: { kind: 'topic' }, window: { sizeSeconds: 60, graceSeconds: 3600 } });
    const store = new ResultsStore(client(), LOCAL_TABLES.results);
    const { records, expected } = tweets('ticks');
    await processBatch(records, { plan: planOf(keyed), store, log: recordingLog(), now: () => BASE });
    await processBatch(records, { plan: planOf(byTopic), store, log: recordingLog(), now: () => BASE });
    const overflowed = {
      ...paneCountsKey(keyed.name, BASE),
      kind: 'paneCounts',
      consumer: keyed.name,
      overflow: true,
      keys: 0,
      paneStart: BASE,
      paneEnd: BASE + PANE,
      wm: { 'ticks-0': 299 },
      version: 9,
      expiresAt: 0,
    };
    await client().send(new PutCommand({ TableName: LOCAL_TABLES.results, Item: overflowed }));
    const reader = new ResultsReader(client(), LOCAL_TABLES.results);

    // Act
    const keyedPanes = await reader.paneCounts(keyed.name, [...expected.keys()], true);
    const topicPanes = await reader.paneCounts(byTopic.name, [...expected.keys()], false);

    // Assess
    expect(decoded(keyedPanes)).toEqual(expected);
    expect(topicPanes).toEqual(new Map([0, 1, 2].map((p) => [BASE + p * PANE, new Map([['ticks', 100]])])));
  });
});
