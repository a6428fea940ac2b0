/**
 * Faults 4 and 5, on one run (neither kills a service):
 * - poison records (not JSON, a schema violation, a 1 MB value) between good ones on the topic:
 *   each poison record is a dead letter with its reason and offset, the good ones are
 *   aggregated, and the consumer group's committed offsets reach the end of the topic;
 * - duplicate delivery: the same MSK batch invoked twice in sequence, then three times at once in two
 *   execution environments, and an overlapping batch: nothing counted twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { api, eventually, kafka, type ResultItem } from '../integration/helpers';
import { LOCAL_CLUSTER_ARN } from '../../local/emulation/esm/emulator';
import { encodeMskEvent, kafkaRecordFrom } from '../../core/msk-event';
import type { KafkaRecord } from '../../core/kafka-record';
import type { LocalFunction } from '../../local/emulation/runtime/local-function';
import {
  aggregatesByKey,
  consumerLag,
  expectedByKey,
  faultValue,
  givenUpBatches,
  listAll,
  report,
  totalOf,
  type FaultValue,
} from './counts';
import { consumerGroupId } from './fault-spec';
import { consumerFunction, startFaultRun, type FaultRun } from './harness';

interface DeadLetterView {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly reason: string;
  readonly error: string;
  readonly valueBytes: number;
  readonly valueTruncated: boolean;
}

describe('poison records and duplicate delivery', () => {
  let run: FaultRun;
  const functions: LocalFunction[] = [];

  beforeAll(async () => {
    run = await startFaultRun('delivery', { consumers: ['f-poison'] });
  });

  afterAll(async () => {
    await Promise.all(functions.map((fn) => fn.close()));
    await run?.stop();
  });

  it('dead-letters each poison record with its reason and offset, aggregates the good ones and commits to the end of the topic', async () => {
    // Prepare: good records with poison between them, written straight to Kafka (the API would refuse the poison)
    const megabyte = JSON.stringify({ id: 9003, g: 'g0', v: 'x'.repeat(1_000_000 - 40) });
    const poison = [
      { partition: 0, value: 'this is not JSON {', reason: 'not JSON' },
      { partition: 1, value: JSON.stringify({ id: 9002, g: 'g1', v: 'heavy' }), reason: 'schema violation' },
      { partition: 0, value: megabyte, reason: 'schema violation' },
      { partition: 1, value: 'x'.repeat(1_000_000), reason: 'not JSON' },
    ];
    const good: FaultValue[] = [];
    const producer = kafka('fluxo-fault-poison').producer();
    await producer.connect();
    const poisonAt: Array<{ partition: number; offset: number; reason: string; bytes: number }> = [];
    try {
      for (let round = 0; round < poison.length; round += 1) {
        const batch = Array.from({ length: 15 }, (_, i) => faultValue(round * 100 + i));
        good.push(...batch);
        for (const value of batch)
          await producer.send({ topic: 'f-poison', messages: [{ partition: value.id % 2, value: JSON.stringify(value) }] });
        const bad = poison[round] as (typeof poison)[number];
        const [written] = await producer.send({ topic: 'f-poison', messages: [{ partition: bad.partition, value: bad.value }] });
        poisonAt.push({
          partition: bad.partition,
          offset: Number(written?.baseOffset),
          reason: bad.reason,
          bytes: Buffer.byteLength(bad.value),
        });
      }
      const tail = Array.from({ length: 10 }, (_, i) => faultValue(1000 + i));
      good.push(...tail);
      for (const value of tail)
        await producer.send({ topic: 'f-poison', messages: [{ partition: value.id % 2, value: JSON.stringify(value) }] });
    } finally {
      await producer.disconnect();
    }

    // Act
    const lag = await eventually(
      () => consumerLag(consumerGroupId('f-poison'), 'f-poison'),
      (n) => n === 0,
      90_000,
    );
    const deadLetters = await eventually(
      () => listAll<DeadLetterView>('/dlq?consumer=f-poison'),
      (items) => items.length >= poison.length,
      30_000,
    );
    const stored = await aggregatesByKey('f-poison');

    // Assess
    const counted = totalOf(stored);
    report('poison records between good ones', {
      sent: good.length + poison.length,
      acknowledged: good.length + poison.length,
      stored: counted,
      duplicates: Math.max(0, counted - good.length),
      lost: Math.max(0, good.length - counted),
      poison: poison.length,
      deadLetters: deadLetters.length,
      consumerLag: lag,
      givenUpBatches: givenUpBatches(run.onFailureFile),
    });
    expect(lag).toBe(0);
    expect(givenUpBatches(run.onFailureFile)).toBe(0);
    expect(stored).toEqual(expectedByKey(good));
    const byPosition = (a: { partition: number; offset: number }, b: { partition: number; offset: number }): number =>
      a.partition - b.partition || a.offset - b.offset;
    expect(
      deadLetters.map((d) => ({ partition: d.partition, offset: d.offset, reason: d.reason, bytes: d.valueBytes })).sort(byPosition),
    ).toEqual([...poisonAt].sort(byPosition));
    for (const letter of deadLetters) {
      expect(letter.topic).toBe('f-poison');
      expect(letter.error).not.toBe('');
      expect(letter.valueTruncated).toBe(letter.valueBytes > 64 * 1024);
    }
  });

  it('counts a batch once when it is invoked twice in sequence, three times at once in two environments, and overlapping', async () => {
    // Prepare: MSK events built from records as the mapping would deliver them (2 partitions), event
    // times 7 s apart over the last 35 minutes (spread over the hopping consumer's 30 s panes)
    const now = Date.now() - 40 * 60_000;
    const eventTimeOf = (id: number): number => now + id * 7_000;
    const recordsOf = (from: number, to: number): KafkaRecord[] =>
      Array.from({ length: to - from }, (_, i) => {
        const id = from + i;
        return kafkaRecordFrom({
          topic: 'f-dup',
          partition: id % 2,
          offset: Math.floor(id / 2),
          timestamp: eventTimeOf(id),
          value: Buffer.from(JSON.stringify(faultValue(id))),
        });
      }).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const event = (from: number, to: number): unknown =>
      encodeMskEvent(recordsOf(from, to), { kind: 'msk', eventSourceArn: LOCAL_CLUSTER_ARN, bootstrapServers: run.services.kafkaBrokers });
    const [a, b, hopA, hopB] = await Promise.all([
      consumerFunction(run, { consumer: 'f-dup', name: 'f-dup-a' }),
      consumerFunction(run, { consumer: 'f-dup', name: 'f-dup-b' }),
      consumerFunction(run, { consumer: 'f-dup-hop', name: 'f-dup-hop-a' }),
      consumerFunction(run, { consumer: 'f-dup-hop', name: 'f-dup-hop-b' }),
    ]);
    functions.push(a, b, hopA, hopB);
    // Each delivery reaches both consumers (two mappings of one topic): f-dup through a or b, f-dup-hop through hopA or hopB.
    const hopping = new Map([
      [a, hopA],
      [b, hopB],
    ]);
    const invokeOne = async (fn: LocalFunction, payload: unknown): Promise<unknown> => {
      const result = await fn.invoke(payload);
      if (!result.ok) throw new Error(`invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`);
      return result.payload;
    };
    const invoke = async (fn: LocalFunction, payload: unknown): Promise<unknown> => {
      const [answer, hopAnswer] = await Promise.all([invokeOne(fn, payload), invokeOne(hopping.get(fn)!, payload)]);
      expect(hopAnswer).toEqual(answer);
      return answer;
    };
    const first = event(0, 120);
    const second = event(120, 240);
    const overlapping = event(60, 300);

    // Act
    const answers = [await invoke(a, first), await invoke(a, first)];
    const afterSequence = await aggregatesByKey('f-dup');
    answers.push(...(await Promise.all([invoke(a, second), invoke(b, second), invoke(b, second)])));
    const afterConcurrent = await aggregatesByKey('f-dup');
    answers.push(await invoke(a, overlapping));
    const stored = await aggregatesByKey('f-dup');
    const kept = await listAll<{ partition: number; offset: number }>('/results/f-dup/records');

    // Assess
    const values = (from: number, to: number): FaultValue[] => Array.from({ length: to - from }, (_, i) => faultValue(from + i));
    const counted = totalOf(stored);
    const invocations = answers.length;
    report('duplicate delivery of the same MSK batch (sequence, concurrent, overlapping)', {
      sent: 300,
      acknowledged: 300,
      stored: counted,
      duplicates: Math.max(0, counted - 300) + Math.max(0, kept.length - 300),
      lost: Math.max(0, 300 - counted),
      invocations,
      recordsDelivered: 120 * 2 + 120 * 3 + 240,
      keptRecords: kept.length,
    });
    expect(answers).toEqual(Array.from({ length: invocations }, () => ({ batchItemFailures: [] })));
    expect(afterSequence).toEqual(expectedByKey(values(0, 120)));
    expect(afterConcurrent).toEqual(expectedByKey(values(0, 240)));
    expect(stored).toEqual(expectedByKey(values(0, 300)));
    expect(new Set(kept.map((r) => `${r.partition}@${r.offset}`)).size).toBe(300);
    expect(kept).toHaveLength(300);
    // The hopping consumer: its panes hold each record once, and every 5-minute window advancing every
    // 30 s (top=1000 at each pane boundary) equals the records of the window counted directly.
    expect(await aggregatesByKey('f-dup-hop')).toEqual(expectedByKey(values(0, 300)));
    const boundaries: number[] = [];
    for (let w = Math.floor(eventTimeOf(0) / 30_000) * 30_000 + 30_000; w <= eventTimeOf(299) + 300_000; w += 30_000) boundaries.push(w);
    const windows = await Promise.all(
      boundaries.map(async (w) => {
        const answer = await api('GET', `/results/f-dup-hop?top=1000&at=${w}`);
        const direct = expectedByKey(values(0, 300).filter((value) => eventTimeOf(value.id) >= w - 300_000 && eventTimeOf(value.id) < w));
        const items = (answer.body as { items: ResultItem[] }).items;
        const merged = new Map(
          items.map((i) => [i.key, { count: i.count, late: i.late, sum: i.measures.sum_v, min: i.measures.min_v, max: i.measures.max_v }]),
        );
        return { w, status: answer.status, merged, direct, keys: items.map((i) => i.key) };
      }),
    );
    report('duplicate delivery into a hopping consumer (5 min advancing 30 s)', {
      sent: 300,
      acknowledged: 300,
      stored: totalOf(await aggregatesByKey('f-dup-hop')),
      duplicates: Math.max(0, totalOf(await aggregatesByKey('f-dup-hop')) - 300),
      lost: Math.max(0, 300 - totalOf(await aggregatesByKey('f-dup-hop'))),
      hoppingWindowsChecked: windows.length,
      hoppingWindowsDiffering: windows.filter((x) => !isDeepStrictEqual(x.merged, x.direct)).length,
    });
    for (const { w, status, merged, direct, keys } of windows) {
      expect({ w, status, merged }).toEqual({ w, status: 200, merged: direct });
      // Ranked by count, ties by key.
      const ranked = [...direct].sort(([k1, f1], [k2, f2]) => f2.count - f1.count || (k1 < k2 ? -1 : 1)).map(([k]) => k);
      expect({ w, keys }).toEqual({ w, keys: ranked });
    }
    expect(windows.length).toBeGreaterThan(70);
  });
});
