/**
 * Fault 2: the consumer's execution environment dies in the middle of a batch, after some of the
 * batch's aggregate writes reached DynamoDB and while others are in flight; the mapping retries
 * (bisecting) and the redelivered records must not be counted twice nor dropped.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventSourceMappingEmulator } from '../../local/emulation/esm/emulator';
import { JsonlDestination } from '../../local/emulation/esm/on-failure';
import type { LocalFunction } from '../../local/emulation/runtime/local-function';
import { eventually, post } from '../integration/helpers';
import { aggregatesByKey, alreadyAppliedInLog, consumerLag, expectedByKey, faultValue, givenUpBatches, report, totalOf } from './counts';
import { resolveTopic } from '../../core/spec';
import { consumerGroupId, faultConsumer, pipeline } from './fault-spec';
import { consumerFunction, startFaultRun, type FaultRun } from './harness';

const CRASHES = 6;

describe('consumer crashing mid-batch', () => {
  let run: FaultRun;
  let fn: LocalFunction | undefined;

  beforeAll(async () => {
    run = await startFaultRun('crash');
  });

  afterAll(async () => {
    await fn?.close();
    await run?.stop();
  });

  it('stores aggregates equal to those computed from the records after crashes between DynamoDB writes and redelivery', async () => {
    // Prepare: 800 acknowledged records waiting on the topic, a consumer that dies after its 2nd aggregate write, 6 times
    const ids = Array.from({ length: 800 }, (_, id) => id);
    const written = [];
    for (let i = 0; i < ids.length; i += 100)
      written.push(
        ...(await post(
          'f-crash',
          ids.slice(i, i + 100).map((id) => ({ value: faultValue(id) })),
        )),
      );
    const budgetFile = join(run.services.dir, 'crash-budget');
    writeFileSync(budgetFile, String(CRASHES));
    fn = await consumerFunction(run, {
      consumer: 'f-crash',
      entry: 'test/faults/crashing-consumer.ts',
      env: { FLUXO_FAULT_CRASH_AFTER_WRITES: '2', FLUXO_FAULT_CRASH_BUDGET_FILE: budgetFile, POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    const invocations = { ok: 0, crashed: 0 };
    const mapping = new EventSourceMappingEmulator({
      consumer: faultConsumer('f-crash'),
      topics: pipeline.topics.map(resolveTopic),
      brokers: [run.services.kafkaBrokers],
      invoker: fn,
      destination: new JsonlDestination(run.onFailureFile),
      backoff: { initialMs: 20, maxMs: 200 },
      onInvoke: (_event, result) => {
        if (result.ok) invocations.ok += 1;
        else if (result.kind === 'crash') invocations.crashed += 1;
      },
    });

    // Act
    await mapping.start();
    let lag: number;
    try {
      lag = await eventually(
        () => consumerLag(consumerGroupId('f-crash'), 'f-crash'),
        (n) => n === 0,
        120_000,
      );
    } finally {
      await mapping.stop();
    }
    const stored = await aggregatesByKey('f-crash');

    // Assess
    const expected = expectedByKey(ids.map((id) => faultValue(id)));
    const counted = totalOf(stored);
    report('consumer crashing mid-batch after some DynamoDB writes, then redelivery', {
      sent: ids.length,
      acknowledged: written.length,
      stored: counted,
      duplicates: Math.max(0, counted - ids.length),
      lost: Math.max(0, ids.length - counted),
      crashes: fn.coldStarts - 1,
      invocationsFailedByCrashes: invocations.crashed,
      invocations: invocations.ok + invocations.crashed,
      executionEnvironments: fn.coldStarts,
      redeliveredContributionsSkipped: alreadyAppliedInLog(run.logFile),
      consumerLag: lag,
      givenUpBatches: givenUpBatches(run.onFailureFile),
    });
    expect(written).toHaveLength(ids.length);
    expect(readFileSync(budgetFile, 'utf8')).toBe('0');
    // Both partitions' invocations share the environment: one crash may fail two of them.
    expect(fn.coldStarts).toBe(CRASHES + 1);
    expect(invocations.crashed).toBeGreaterThanOrEqual(CRASHES);
    // The crashes left some of their batches' aggregates written: redeliveries met them and skipped those records.
    expect(alreadyAppliedInLog(run.logFile)).toBeGreaterThan(0);
    expect(lag).toBe(0);
    expect(givenUpBatches(run.onFailureFile)).toBe(0);
    expect(new Map([...stored].map(([key, f]) => [key, { ...f }]))).toEqual(expected);
  });
});
