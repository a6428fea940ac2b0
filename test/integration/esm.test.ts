/**
 * The event-source-mapping emulator on a real Kafka broker, with a fake consumer function that
 * records every event: batching, batching window, filters, starting position, partial batch
 * failures, retries with bisect, maximum record age and the on-failure destination.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { resolveConsumer, resolveTopic, type ConsumerSpec } from '../../core/spec';
import type { MskEvent } from '../../core/msk-event';
import { EventSourceMappingEmulator } from '../../local/emulation/esm/emulator';
import { JsonlDestination, readOnFailureEntries } from '../../local/emulation/esm/on-failure';
import type { InvocationResult, Invoker } from '../../local/emulation/runtime/local-function';
import { brokers, eventually, kafka, unique } from './helpers';

/** A consumer function that records its events and answers what `answer` says. */
class RecordingFunction implements Invoker {
  public readonly events: MskEvent[] = [];
  public constructor(
    private readonly answer: (event: MskEvent, call: number) => InvocationResult | Promise<InvocationResult> = () => ok(),
  ) {}
  public async invoke(event: unknown): Promise<InvocationResult> {
    this.events.push(event as MskEvent);
    return this.answer(event as MskEvent, this.events.length);
  }
  /** Every delivered record as `partition:offset:value`, in delivery order. */
  public delivered(): string[] {
    return this.events.flatMap((e) =>
      Object.values(e.records)
        .flat()
        .map((r) => `${r.partition}:${r.offset}:${Buffer.from(r.value ?? '', 'base64').toString()}`),
    );
  }
}

function ok(payload: unknown = { batchItemFailures: [] }): InvocationResult {
  return { ok: true, payload, requestId: 'req', durationMs: 1 };
}

const failed: InvocationResult = {
  ok: false,
  kind: 'handled',
  error: { errorType: 'PoisonError', errorMessage: 'cannot process' },
  requestId: 'req',
  durationMs: 1,
};

let admin: Admin;
let dir: string;
const running: EventSourceMappingEmulator[] = [];

beforeAll(async () => {
  admin = kafka('esm-test-admin').admin();
  await admin.connect();
  dir = mkdtempSync(join(tmpdir(), 'fluxo-esm-test-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function topic(partitions = 1): Promise<string> {
  const name = unique('esm');
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: partitions }] });
  return name;
}

async function produce(name: string, messages: Array<{ value: string; partition?: number; timestamp?: string }>): Promise<void> {
  const producer = kafka('esm-test-producer').producer();
  await producer.connect();
  try {
    await producer.send({ topic: name, messages });
  } finally {
    await producer.disconnect();
  }
}

async function start(
  name: string,
  fn: Invoker,
  overrides: Partial<ConsumerSpec> = {},
): Promise<{ emulator: EventSourceMappingEmulator; groupId: string; dlqFile: string }> {
  const consumer = resolveConsumer({
    name: unique('c'),
    topics: [name],
    groupBy: { kind: 'constant', key: 'all' },
    window: { sizeSeconds: 60 },
    ...overrides,
  });
  const dlqFile = join(dir, `${consumer.name}.jsonl`);
  // A text topic: the mapping's FilterCriteria are the consumer's filters alone, on the value as written.
  const topics = [resolveTopic({ name, format: 'text' })];
  const emulator = new EventSourceMappingEmulator({
    consumer,
    topics,
    brokers: brokers(),
    invoker: fn,
    destination: new JsonlDestination(dlqFile),
    backoff: { initialMs: 10, maxMs: 50 },
  });
  running.push(emulator);
  await emulator.start();
  return { emulator, groupId: consumer.groupId, dlqFile };
}

async function committed(groupId: string, name: string): Promise<Record<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [name] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

const values = (n: number, from = 0): Array<{ value: string }> =>
  Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ v: from + i }) }));

describe('event source mapping emulator', () => {
  it('delivers each partition in offset order in batches of at most batchSize and commits after success', async () => {
    // Prepare
    const name = await topic(2);
    const fn = new RecordingFunction();
    const { groupId } = await start(name, fn, { batchSize: 4 });

    // Act
    await produce(name, [...values(10).map((m) => ({ ...m, partition: 0 })), ...values(5, 100).map((m) => ({ ...m, partition: 1 }))]);
    const offsets = await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 10 && o[1] === 5,
    );

    // Assess
    expect(offsets).toEqual({ 0: 10, 1: 5 });
    for (const event of fn.events) {
      expect(Object.keys(event.records)).toHaveLength(1);
      expect(Object.values(event.records)[0]!.length).toBeLessThanOrEqual(4);
    }
    const p0 = fn
      .delivered()
      .filter((d) => d.startsWith('0:'))
      .map((d) => Number(d.split(':')[1]));
    expect(p0).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(fn.delivered()).toHaveLength(15);
  });

  it('gathers records produced one by one into one batch while the batching window is open', async () => {
    // Prepare
    const name = await topic();
    const fn = new RecordingFunction();
    await start(name, fn, { batchingWindowSeconds: 3 });

    // Act
    for (const message of values(3)) await produce(name, [message]);
    await eventually(
      () => fn.delivered().length,
      (n) => n >= 3,
    );

    // Assess
    expect(fn.events).toHaveLength(1);
    expect(fn.delivered()).toEqual(['0:0:{"v":0}', '0:1:{"v":1}', '0:2:{"v":2}']);
  });

  it('never delivers records its filters reject, and commits past them', async () => {
    // Prepare
    const name = await topic();
    const fn = new RecordingFunction();
    const { groupId } = await start(name, fn, { filters: [{ value: { v: [{ numeric: ['>', 10] }] } }] });

    // Act
    await produce(name, [{ value: '{"v":5}' }, { value: '{"v":15}' }, { value: 'not json' }, { value: '{"v":20}' }, { value: '{"v":1}' }]);
    const offsets = await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 5,
    );

    // Assess
    expect(offsets[0]).toBe(5);
    expect(fn.delivered()).toEqual(['0:1:{"v":15}', '0:3:{"v":20}']);
  });

  it('starts a new consumer group at the end of the topic with LATEST', async () => {
    // Prepare
    const name = await topic();
    await produce(name, values(3));
    const fn = new RecordingFunction();
    await start(name, fn, { startingPosition: 'LATEST' });

    // Act
    await produce(name, values(2, 50));
    await eventually(
      () => fn.delivered().length,
      (n) => n >= 2,
    );

    // Assess
    expect(fn.delivered()).toEqual(['0:3:{"v":50}', '0:4:{"v":51}']);
  });

  it('redelivers a batch from the first offset the function reports as failed, in the documented shape', async () => {
    // Prepare
    const name = await topic();
    const fn = new RecordingFunction((_event, call) =>
      call === 1 ? ok({ batchItemFailures: [{ itemIdentifier: { partition: `${name}-0`, offset: 2 } }] }) : ok(),
    );
    const { groupId } = await start(name, fn);

    // Act
    await produce(name, values(5));
    await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 5,
    );

    // Assess
    expect(fn.events.map((e) => Object.values(e.records)[0]!.map((r) => r.offset))).toEqual([
      [0, 1, 2, 3, 4],
      [2, 3, 4],
    ]);
  });

  it('retries the whole batch when the function names a failure in any other shape, as Lambda does', async () => {
    // Prepare: the key of an earlier revision of AWS's page, which Lambda does not read.
    const name = await topic();
    const fn = new RecordingFunction((_event, call) =>
      call === 1 ? ok({ batchItemFailures: [{ itemIdentifier: { 'topic-partition': `${name}-0`, offset: 2 } }] }) : ok(),
    );
    const { groupId } = await start(name, fn);

    // Act
    await produce(name, values(5));
    await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 5,
    );

    // Assess
    expect(fn.events.map((e) => Object.values(e.records)[0]!.map((r) => r.offset))).toEqual([
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
    ]);
  });

  it('bisects a failing batch, sends the poison record to the on-failure destination and keeps the partition flowing', async () => {
    // Prepare
    const name = await topic();
    const fn = new RecordingFunction((event) =>
      Object.values(event.records)
        .flat()
        .some((r) => Buffer.from(r.value ?? '', 'base64').toString() === 'poison')
        ? failed
        : ok(),
    );
    const { groupId, dlqFile } = await start(name, fn, { retryAttempts: 1, bisectOnError: true });

    // Act
    await produce(name, [...values(3), { value: 'poison' }, ...values(2, 10)]);
    const offsets = await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 6,
    );
    const entries = await readOnFailureEntries(dlqFile);

    // Assess
    expect(offsets[0]).toBe(6);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      KafkaBatchInfo: { batchSize: 1, recordsInfo: { [`${name}-0`]: { firstRecordOffset: '3', lastRecordOffset: '3' } } },
      fluxo: { topic: name, partition: 0, offsets: [3], error: { errorType: 'PoisonError' } },
    });
    const succeeded = new Set(
      fn.events
        .filter(
          (e) =>
            !Object.values(e.records)
              .flat()
              .some((r) => r.offset === 3),
        )
        .flatMap((e) =>
          Object.values(e.records)
            .flat()
            .map((r) => r.offset),
        ),
    );
    expect([...succeeded].sort()).toEqual([0, 1, 2, 4, 5]);
  });

  it('does not deliver records older than the maximum record age and reports them as failed', async () => {
    // Prepare
    const name = await topic();
    const twoHoursAgo = String(Date.now() - 2 * 3600 * 1000);
    const fn = new RecordingFunction();
    const { groupId, dlqFile } = await start(name, fn, { maxRecordAgeSeconds: 60 });

    // Act
    await produce(name, [{ value: '{"v":1}', timestamp: twoHoursAgo }, { value: '{"v":2}', timestamp: twoHoursAgo }, { value: '{"v":3}' }]);
    await eventually(
      () => committed(groupId, name),
      (o) => o[0] === 3,
    );

    // Assess
    expect(fn.delivered()).toEqual(['0:2:{"v":3}']);
    const entries = await readOnFailureEntries(dlqFile);
    expect(entries.map((e) => [e.requestContext.condition, e.fluxo.offsets])).toEqual([['MaximumRecordAgeExceeded', [0, 1]]]);
  });
});
