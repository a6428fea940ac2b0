/**
 * Fault 7: overload. Many clients ingest faster than the consumer (10-record batches) can
 * apply. Answers stay truthful (200, or 429/503 — never a 5xx of
 * another kind nor a 200 for a record not on the topic), the consumer group's lag grows while
 * the load lasts and then drains to 0, and every record on the topic is counted exactly once.
 */
import { eventually } from '../integration/helpers';
import {
  aggregatesByKey,
  consumerLag,
  expectedByKey,
  faultValue,
  givenUpBatches,
  readTopic,
  report,
  startIngest,
  tally,
  totalOf,
} from './counts';
import { consumerGroupId } from './fault-spec';
import { startFaultRun, type FaultRun } from './harness';

describe('overload: ingest faster than consumption', () => {
  let run: FaultRun;

  beforeAll(async () => {
    run = await startFaultRun('overload', { consumers: ['f-overload'] });
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('answers truthfully, lets the lag grow and drain, and loses nothing', async () => {
    // Prepare: 16 clients of 50 records per request
    let sending = true;
    const group = consumerGroupId('f-overload');
    const { log, finished } = startIngest({
      url: run.stack.url,
      topic: 'f-overload',
      clients: 16,
      recordsPerRequest: 50,
      running: () => sending,
    });

    // Act: load until 2,000 records are acknowledged, sampling the lag; then let the consumer drain
    const lagSamples: number[] = [];
    await eventually(
      async () => {
        lagSamples.push(await consumerLag(group, 'f-overload'));
        return log.acked.size;
      },
      (n) => n >= 2000,
      120_000,
    );
    sending = false;
    await finished;
    const loadEndedAt = Date.now();
    const lagAtLoadEnd = await consumerLag(group, 'f-overload');
    const endLag = await eventually(
      () => consumerLag(group, 'f-overload'),
      (n) => n === 0,
      180_000,
    );
    const drainMs = Date.now() - loadEndedAt;
    const onTopic = await readTopic('f-overload');
    const topicIds = new Set(onTopic.flatMap((r) => (r.id === undefined ? [] : [r.id])));
    const stored = await aggregatesByKey('f-overload');

    // Assess
    const atPosition = new Map(onTopic.map((r) => [`${r.partition}@${r.offset}`, r.id]));
    const lost = [...log.acked].filter(([id, at]) => atPosition.get(`${at.partition}@${at.offset}`) !== id).length;
    const duplicatesOnTopic = [...tally(onTopic.map((r) => r.id))].filter(([, n]) => n > 1).length;
    const counted = totalOf(stored);
    const peakLag = Math.max(lagAtLoadEnd, ...lagSamples);
    report('overload: ingest faster than consumption', {
      sent: log.sent.length,
      acknowledged: log.acked.size,
      stored: topicIds.size,
      duplicates: duplicatesOnTopic + Math.max(0, counted - topicIds.size),
      lost: lost + Math.max(0, topicIds.size - counted),
      statuses: log.statuses,
      peakLag,
      lagAtLoadEnd,
      drainMs,
      consumerLag: endLag,
      givenUpBatches: givenUpBatches(run.onFailureFile),
    });
    expect(log.untruthful).toEqual([]);
    expect(log.missingRetryAfter).toBe(0);
    expect(lost).toBe(0);
    expect(duplicatesOnTopic).toBe(0);
    // The consumer fell behind: at some point more than a tenth of the load was waiting.
    expect(peakLag).toBeGreaterThan(log.acked.size / 10);
    expect(endLag).toBe(0);
    expect(stored).toEqual(expectedByKey([...topicIds].map((id) => faultValue(id))));
    expect(givenUpBatches(run.onFailureFile)).toBe(0);
  });
});
