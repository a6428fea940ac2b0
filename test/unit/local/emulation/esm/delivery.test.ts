import type { KafkaRecord } from '../../../../../core/kafka-record';
import {
  deliver,
  firstFailedOffset,
  type DeliveryHooks,
  type DeliveryPolicy,
  type GivenUpBatch,
} from '../../../../../local/emulation/esm/delivery';
import type { InvocationResult } from '../../../../../local/emulation/runtime/local-function';
import { kafkaRecord } from '../../../consumer/helpers';

/** A record written straight to partition t-0 with this text value. */
const record = (offset: number, value: string, timestamp = Date.now()): KafkaRecord =>
  kafkaRecord({ topic: 't', offset, timestamp, rawValue: value, direct: true });

const records = (n: number, poison: number[] = []): KafkaRecord[] =>
  Array.from({ length: n }, (_, i) => record(i, poison.includes(i) ? 'poison' : `{"n":${i}}`));

type Answer = (batch: readonly KafkaRecord[]) => InvocationResult;
const success: InvocationResult = { ok: true, payload: { batchItemFailures: [] }, requestId: 'r', durationMs: 1 };
const error: InvocationResult = {
  ok: false,
  kind: 'handled',
  error: { errorType: 'Boom', errorMessage: 'poison' },
  requestId: 'r',
  durationMs: 1,
};

/** Fake hooks: the "event" is the batch itself; every call is recorded. */
function hooks(answer: Answer, active = () => true) {
  const invoked: number[][] = [];
  const commits: number[] = [];
  const givenUp: GivenUpBatch[] = [];
  const backoffs: number[] = [];
  const h: DeliveryHooks = {
    invoker: { invoke: async (event) => answer(event as KafkaRecord[]) },
    encode: (batch) => batch,
    commit: async (next) => void commits.push(next),
    giveUp: async (batch) => void givenUp.push(batch),
    heartbeat: async () => undefined,
    isActive: active,
    backoff: async (retry) => void backoffs.push(retry),
    onInvoke: (event) => invoked.push((event as KafkaRecord[]).map((r) => r.offset)),
  };
  return { h, invoked, commits, givenUp, backoffs };
}

const policy: DeliveryPolicy = { retryAttempts: 2, bisectOnError: true, maxRecordAgeSeconds: -1 };
const failsOnPoison: Answer = (batch) => (batch.some((r) => r.value === 'poison') ? error : success);

describe('event source mapping delivery', () => {
  it('invokes once and commits after the last record when the function succeeds', async () => {
    // Prepare
    const { h, invoked, commits, givenUp } = hooks(() => success);

    // Act
    const outcome = await deliver(records(5), policy, h);

    // Assess
    expect(outcome).toBe('delivered');
    expect(invoked).toEqual([[0, 1, 2, 3, 4]]);
    expect(commits).toEqual([5]);
    expect(givenUp).toEqual([]);
  });

  it('commits up to the first reported failure and redelivers from it', async () => {
    // Prepare
    let calls = 0;
    const { h, invoked, commits } = hooks(() =>
      ++calls === 1
        ? {
            ...success,
            payload: {
              batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 4 } }, { itemIdentifier: { partition: 't-0', offset: 3 } }],
            },
          }
        : success,
    );

    // Act
    await deliver(records(6), policy, h);

    // Assess
    expect(invoked).toEqual([
      [0, 1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
    expect(commits).toEqual([3, 6]);
  });

  it('bisects a failing batch until the poison record is alone, gives it up after its retries, and keeps the rest flowing', async () => {
    // Prepare
    const { h, invoked, commits, givenUp, backoffs } = hooks(failsOnPoison);

    // Act
    await deliver(records(8, [5]), policy, h);

    // Assess
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatchObject({ condition: 'RetryAttemptsExhausted', invocations: 3, error: { errorType: 'Boom' } });
    expect(givenUp[0]?.records.map((r) => r.offset)).toEqual([5]);
    expect(invoked.filter((batch) => batch.includes(5) && batch.length === 1)).toHaveLength(3);
    expect(backoffs).toEqual([1, 2]);
    expect(commits[commits.length - 1]).toBe(8);
    expect([...commits].sort((a, b) => a - b)).toEqual(commits);
    expect(
      invoked
        .flat()
        .filter((o) => o !== 5)
        .sort((a, b) => a - b),
    ).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 6, 7]));
  });

  it('retries the whole batch without bisecting and gives it all up when retries run out', async () => {
    // Prepare
    const { h, invoked, commits, givenUp } = hooks(failsOnPoison);

    // Act
    await deliver(records(4, [1]), { ...policy, bisectOnError: false, retryAttempts: 1 }, h);

    // Assess
    expect(invoked).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(givenUp.map((b) => b.records.map((r) => r.offset))).toEqual([[0, 1, 2, 3]]);
    expect(commits).toEqual([4]);
  });

  it('gives up records older than the maximum record age without invoking for them', async () => {
    // Prepare
    const now = Date.now();
    const batch = [record(0, '{}', now - 120_000), record(1, '{}', now - 90_000), record(2, '{}', now)];
    const { h, invoked, commits, givenUp } = hooks(() => success);

    // Act
    await deliver(batch, { ...policy, maxRecordAgeSeconds: 60 }, { ...h, now: () => now });

    // Assess
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatchObject({ condition: 'MaximumRecordAgeExceeded', invocations: 0 });
    expect(givenUp[0]?.records.map((r) => r.offset)).toEqual([0, 1]);
    expect(invoked).toEqual([[2]]);
    expect(commits).toEqual([2, 3]);
  });

  it('treats an unreadable batchItemFailures answer as a failure of the whole batch', async () => {
    // Prepare
    const { h, givenUp } = hooks(() => ({
      ...success,
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 'other-0', offset: 1 } }] },
    }));

    // Act
    await deliver(records(1), { ...policy, retryAttempts: 0 }, h);

    // Assess
    expect(givenUp[0]).toMatchObject({ condition: 'RetryAttemptsExhausted', error: { errorType: 'BatchItemFailures' } });
  });

  it('starts no invocation once the partition is no longer active', async () => {
    // Prepare
    const { h, invoked, commits } = hooks(
      () => success,
      () => false,
    );

    // Act
    const outcome = await deliver(records(3), policy, h);

    // Assess
    expect(outcome).toBe('aborted');
    expect(invoked).toEqual([]);
    expect(commits).toEqual([]);
  });
});

describe('firstFailedOffset', () => {
  const batch = records(3);

  it.each([
    ['no list', {}, undefined],
    ['an empty list', { batchItemFailures: [] }, undefined],
    ['a null answer', null, undefined],
    // The documented shape: {"partition": "<topic>-<partition>", "offset": <number>}.
    ['the documented identifier', { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 2 } }] }, 2],
    [
      'the lowest of several documented identifiers',
      { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 2 } }, { itemIdentifier: { partition: 't-0', offset: 1 } }] },
      1,
    ],
    // Anything else fails the whole batch, as on AWS.
    [
      'the key of an earlier revision of the page, "topic-partition"',
      { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 't-0', offset: 1 } }] },
      'invalid',
    ],
    ['an offset given as text', { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: '1' } }] }, 'invalid'],
    ['a "topic-partition-offset" string', { batchItemFailures: [{ itemIdentifier: 't-0-1' }] }, 'invalid'],
    ['a topic and a partition number', { batchItemFailures: [{ itemIdentifier: { topic: 't', partition: 0, offset: 1 } }] }, 'invalid'],
    ['a negative offset', { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: -1 } }] }, 'invalid'],
    ['an offset outside the batch', { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 9 } }] }, 'invalid'],
    ['a list that is not a list', { batchItemFailures: 'x' }, 'invalid'],
  ])('reads %s', (_name, payload, expected) => {
    // Act
    const offset = firstFailedOffset(payload, batch);

    // Assess
    expect(offset).toBe(expected);
  });
});
