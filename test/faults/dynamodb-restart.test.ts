/**
 * Fault 3: DynamoDB Local killed and restarted (same port, same database file) while a consumer
 * works through a backlog. The consumer answers what it could not store as batch item failures,
 * the mapping retries, and the aggregates end up equal to those computed from the records.
 */
import { eventually, post } from '../integration/helpers';
import { aggregatesByKey, consumerLag, expectedByKey, faultValue, givenUpBatches, report, totalOf } from './counts';
import { consumerGroupId } from './fault-spec';
import { startFaultRun, type FaultRun } from './harness';

describe('DynamoDB Local restarted during consumption', () => {
  let run: FaultRun;
  const invocations = { total: 0, partial: 0, failed: 0 };

  beforeAll(async () => {
    run = await startFaultRun('dynamo', {
      consumers: ['f-dynamo'],
      // On disk: the restarted DynamoDB Local must find the tables and items it had.
      dynamoDbOnDisk: true,
      // The emulator's own default backoff (100 ms doubling to 5 s): 10 retries span about 26 s.
      backoff: { initialMs: 100, maxMs: 5000 },
      onInvoke: (_consumer, _event, result) => {
        invocations.total += 1;
        if (!result.ok) invocations.failed += 1;
        else if (((result.payload as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? []).length > 0)
          invocations.partial += 1;
      },
    });
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('retries what it could not store and ends with every record counted once', async () => {
    // Prepare: a backlog of 2,000 acknowledged records
    const ids = Array.from({ length: 2000 }, (_, id) => id);
    let acknowledged = 0;
    for (let i = 0; i < ids.length; i += 200)
      acknowledged += (
        await post(
          'f-dynamo',
          ids.slice(i, i + 200).map((id) => ({ value: faultValue(id) })),
        )
      ).length;

    // Act: kill DynamoDB while the consumer works, restart it once invocations have failed against it
    await eventually(
      () => invocations.total,
      (n) => n >= 5,
      60_000,
    );
    const invokedBeforeKill = invocations.total;
    await run.services.killDynamoDb();
    const failingBefore = invocations.partial + invocations.failed;
    await eventually(
      () => invocations.partial + invocations.failed,
      (n) => n >= failingBefore + 3,
      60_000,
    );
    const failedDuringOutage = invocations.partial + invocations.failed - failingBefore;
    await run.services.startDynamoDb();
    const lag = await eventually(
      () => consumerLag(consumerGroupId('f-dynamo'), 'f-dynamo'),
      (n) => n === 0,
      120_000,
    );
    const stored = await aggregatesByKey('f-dynamo');

    // Assess
    const counted = totalOf(stored);
    report('DynamoDB Local killed and restarted during consumption', {
      sent: ids.length,
      acknowledged,
      stored: counted,
      duplicates: Math.max(0, counted - ids.length),
      lost: Math.max(0, ids.length - counted),
      invocations: invocations.total,
      invokedBeforeKill,
      invocationsFailedDuringOutage: failedDuringOutage,
      consumerLag: lag,
      givenUpBatches: givenUpBatches(run.onFailureFile),
    });
    expect(acknowledged).toBe(ids.length);
    expect(failedDuringOutage).toBeGreaterThanOrEqual(3);
    expect(lag).toBe(0);
    expect(givenUpBatches(run.onFailureFile)).toBe(0);
    expect(stored).toEqual(expectedByKey(ids.map((id) => faultValue(id))));
  });
});
