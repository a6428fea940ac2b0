/**
 * Fault 1: the broker SIGKILLed and restarted during sustained ingest. Every record the API
 * acknowledged must be on the topic where the API said, and in the aggregates exactly once;
 * requests answered while the broker is down get 503 with Retry-After, never 200.
 */
import { consumerGroupId } from './fault-spec';
import { eventually } from '../integration/helpers';
import { aggregatesByKey, consumerLag, givenUpBatches, readTopic, report, startIngest, tally } from './counts';
import { startFaultRun, type FaultRun } from './harness';

describe('broker killed during sustained ingest', () => {
  let run: FaultRun;

  beforeAll(async () => {
    run = await startFaultRun('broker', { consumers: ['f-broker'] });
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('keeps every acknowledged record on the topic and in the aggregates exactly once, and answers 503 with Retry-After while the broker is down', async () => {
    // Prepare: sustained ingest from 4 clients, 10 records per request
    let sending = true;
    const { log, finished } = startIngest({
      url: run.stack.url,
      topic: 'f-broker',
      clients: 4,
      recordsPerRequest: 10,
      running: () => sending,
    });

    // Act: kill the broker once records flow, restart it after some 503s, stop once records flow again
    await eventually(
      () => log.acked.size,
      (n) => n >= 300,
      60_000,
    );
    const killedAt = Date.now();
    await run.services.killKafka();
    await eventually(
      () => log.statuses['503'] ?? 0,
      (n) => n >= 20,
      60_000,
    );
    const restartingAt = Date.now();
    await run.services.startKafka();
    const ackedBeforeRestart = log.acked.size;
    await eventually(
      () => log.acked.size,
      (n) => n >= ackedBeforeRestart + 300,
      90_000,
    );
    sending = false;
    await finished;
    const onTopic = await readTopic('f-broker');
    const endLag = await eventually(
      () => consumerLag(consumerGroupId('f-broker'), 'f-broker'),
      (lag) => lag === 0,
      90_000,
    );
    const topicIds = new Set(onTopic.flatMap((r) => (r.id === undefined ? [] : [r.id])));
    const aggregates = await eventually(
      () => aggregatesByKey('f-broker'),
      (byKey) => [...topicIds].every((id) => byKey.has(String(id))),
      60_000,
    );

    // Assess
    const atPosition = new Map(onTopic.map((r) => [`${r.partition}@${r.offset}`, r.id]));
    const lost = [...log.acked].filter(([id, at]) => atPosition.get(`${at.partition}@${at.offset}`) !== id).map(([id]) => id);
    const duplicatesOnTopic = [...tally(onTopic.map((r) => r.id))].filter(([, n]) => n > 1).length;
    const countedTwice = [...aggregates].filter(([, f]) => f.count > 1).length;
    const notOnTopic = [...aggregates.keys()].filter((key) => !topicIds.has(Number(key))).length;
    const missingFromAggregates = [...topicIds].filter((id) => aggregates.get(String(id))?.count !== 1).length;
    const duringOutage = log.requests.filter((r) => r.sentAt > killedAt && r.answeredAt < restartingAt);
    const acknowledgedIds = new Set(log.acked.keys());
    report('broker SIGKILLed and restarted during sustained ingest', {
      sent: log.sent.length,
      acknowledged: log.acked.size,
      stored: topicIds.size,
      duplicates: duplicatesOnTopic + countedTwice,
      lost: lost.length + [...acknowledgedIds].filter((id) => !aggregates.has(String(id))).length,
      unacknowledgedButOnTopic: [...topicIds].filter((id) => !acknowledgedIds.has(id)).length,
      statuses: log.statuses,
      answeredDuringOutage: duringOutage.length,
      outageMs: restartingAt - killedAt,
      consumerLag: endLag,
      givenUpBatches: givenUpBatches(run.onFailureFile),
    });
    expect(lost).toEqual([]);
    expect(duplicatesOnTopic).toBe(0);
    expect(countedTwice).toBe(0);
    expect(notOnTopic).toBe(0);
    expect(missingFromAggregates).toBe(0);
    expect(log.untruthful).toEqual([]);
    expect(log.missingRetryAfter).toBe(0);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((r) => r.status !== 503)).toEqual([]);
    expect(endLag).toBe(0);
    expect(givenUpBatches(run.onFailureFile)).toBe(0);
  });
});
