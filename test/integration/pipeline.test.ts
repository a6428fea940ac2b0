/**
 * The pipeline end to end on the local stack: records posted over HTTP go through the producer
 * handler to Kafka, the event-source-mapping emulators invoke the consumer handler, and the
 * aggregates are read back over HTTP from the results handler.
 */
import { join } from 'node:path';
import { ENV } from '../../core/config';
import { resolveConsumer, resolveTopic } from '../../core/spec';
import { EventSourceMappingEmulator } from '../../local/emulation/esm/emulator';
import { JsonlDestination } from '../../local/emulation/esm/on-failure';
import { localFunctionEnvironment } from '../../local/emulation/runtime/environment';
import { LocalFunction } from '../../local/emulation/runtime/local-function';
import { LOCAL_TABLES } from '../../local/emulation/services';
import { api, brokers, eventually, kafka, post, results, totalCount, type ResultItem } from './helpers';
import { pipeline } from './pipeline-spec';

const sum = (items: readonly ResultItem[], pick: (item: ResultItem) => number): number =>
  items.reduce((total, item) => total + pick(item), 0);

describe('local pipeline over HTTP', () => {
  it('filters health tuples by weight and by BMI and aggregates each consumer separately', async () => {
    // Prepare: [id, {idade, altura, peso}] -> IMC 32.9, 40.0, 41.4, 18.5
    const tuples = [
      [1, { idade: 30, altura: 170, peso: 95 }],
      [2, { idade: 41, altura: 150, peso: 90 }],
      [3, { idade: 22, altura: 130, peso: 70 }],
      [4, { idade: 50, altura: 180, peso: 60 }],
    ];

    // Act
    await post(
      'health',
      tuples.map((value) => ({ value })),
    );
    const heavy = await eventually(
      () => results('peso-acima-80'),
      (items) => sum(items, (i) => i.count) >= 2,
    );
    const obese = await eventually(
      () => results('imc-acima-35'),
      (items) => sum(items, (i) => i.count) >= 2,
    );

    // Assess
    expect(sum(heavy, (i) => i.count)).toBe(2);
    expect(sum(heavy, (i) => i.measures.avg_peso * i.count) / 2).toBeCloseTo(92.5);
    expect(Math.max(...heavy.map((i) => i.measures.max_peso))).toBe(95);
    expect(sum(obese, (i) => i.count)).toBe(2);
    expect(sum(obese, (i) => i.measures.avg_peso * i.count) / 2).toBeCloseTo(80);
    expect(sum(obese, (i) => i.measures.avg_imc * i.count) / 2).toBeCloseTo((40 + 70 / 1.3 ** 2) / 2);
  });

  it('aggregates per tumbling window on event time, first and last by event time whatever the arrival order', async () => {
    // Prepare: two 10 s windows in the past (grace is an hour, so nothing is late)
    const base = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
    const at = (ms: number): string => new Date(base + ms).toISOString();
    const records = [
      { value: { n: 4, v: 10 }, timestamp: at(10_000) },
      { value: { n: 1, v: 5 }, timestamp: at(1000) },
      { value: { n: 5, v: 2 }, timestamp: at(15_000) },
      { value: { n: 3, v: 7 }, timestamp: at(9000) },
      { value: { n: 2, v: 3 }, timestamp: at(2000) },
    ];

    // Act
    await post('it-window', records);
    const items = await eventually(
      () => results('it-window'),
      (found) => sum(found, (i) => i.count) >= 5,
    );

    // Assess
    const byStart = new Map(items.map((i) => [i.windowStart, i]));
    expect(byStart.get(new Date(base).toISOString())).toMatchObject({
      windowEnd: new Date(base + 10_000).toISOString(),
      count: 3,
      late: 0,
      measures: { sum_v: 15, min_v: 3, max_v: 7, first_v: 5, last_v: 7 },
    });
    expect(byStart.get(new Date(base + 10_000).toISOString())).toMatchObject({
      count: 2,
      measures: { sum_v: 12, min_v: 2, max_v: 10, first_v: 10, last_v: 2 },
    });
    expect(items.map((i) => i.windowStart)).toEqual([new Date(base + 10_000).toISOString(), new Date(base).toISOString()]);
  });

  it('gives two consumers of one topic every record each, in their own consumer groups', async () => {
    // Prepare
    const records = Array.from({ length: 40 }, (_, n) => ({ value: { n, v: n / 2 } }));

    // Act
    await post('it-shared', records);
    const a = await eventually(
      () => totalCount('it-shared-a'),
      (count) => count >= 40,
    );
    const b = await eventually(
      () => totalCount('it-shared-b'),
      (count) => count >= 40,
    );

    // Assess
    expect(a).toBe(40);
    expect(b).toBe(40);
  });

  it('dead-letters a poison record and keeps its partition flowing', async () => {
    // Prepare: a value that is not JSON, written straight to Kafka (the producer would refuse it)
    const producer = kafka().producer();
    await producer.connect();
    const [written] = await producer.send({ topic: 'it-poison', messages: [{ partition: 0, value: 'this is not json {' }] });
    await producer.disconnect();
    const poisonOffset = Number(written?.baseOffset);

    // Act
    await post(
      'it-poison',
      [1, 2, 3].map((n) => ({ value: { n, v: n }, partition: 0 })),
    );
    const counted = await eventually(
      () => totalCount('it-poison'),
      (count) => count >= 3,
    );
    const deadLetters = await eventually(
      async () => ((await api('GET', '/dlq?consumer=it-poison')).body as { items: Array<Record<string, unknown>> }).items,
      (items) => items.length >= 1,
    );

    // Assess
    expect(counted).toBe(3);
    expect((await results('it-poison'))[0]?.measures.sum_n).toBe(6);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ consumer: 'it-poison', topic: 'it-poison', partition: 0, offset: poisonOffset });
  });

  it('resumes a restarted consumer from its committed offset, delivering no record twice', async () => {
    // Prepare: the consumer function and a mapping the test stops and starts itself
    const buildDir = process.env.FLUXO_TEST_BUILD_DIR as string;
    const consumer = resolveConsumer(pipeline.consumers.find((c) => c.name === 'it-restart')!);
    const fn = new LocalFunction({
      name: 'fluxo-consumer-it-restart',
      bundleFile: join(buildDir, 'consumer', 'index.js'),
      workerFile: join(buildDir, '_worker', 'index.js'),
      env: localFunctionEnvironment({
        functionName: 'fluxo-consumer-it-restart',
        kafkaBrokers: brokers().join(','),
        dynamodbEndpoint: process.env[ENV.dynamodbEndpoint] as string,
        tables: LOCAL_TABLES,
        consumerName: 'it-restart',
      }),
      onLog: () => undefined,
    });
    const delivered: number[] = [];
    const mapping = () =>
      new EventSourceMappingEmulator({
        consumer,
        topics: pipeline.topics.map(resolveTopic),
        brokers: brokers(),
        invoker: fn,
        destination: new JsonlDestination(process.env.FLUXO_TEST_ON_FAILURE_FILE as string),
        onInvoke: (event, result) => {
          if (!result.ok) return;
          for (const records of Object.values((event as { records: Record<string, Array<{ offset: number }>> }).records))
            delivered.push(...records.map((r) => r.offset));
        },
      });
    const first = mapping();
    try {
      await first.start();
      await post(
        'it-restart',
        [1, 2, 3, 4, 5].map((n) => ({ value: { n, v: n } })),
      );
      await eventually(
        () => totalCount('it-restart'),
        (count) => count >= 5,
      );
      await first.stop();

      // Act: records written while the mapping is down, then a new mapping in the same group
      await post(
        'it-restart',
        [6, 7, 8, 9].map((n) => ({ value: { n, v: n } })),
      );
      const second = mapping();
      await second.start();
      const count = await eventually(
        () => totalCount('it-restart'),
        (c) => c >= 9,
      );
      await second.stop();

      // Assess
      expect(count).toBe(9);
      expect([...delivered].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await first.stop().catch(() => undefined);
      await fn.close();
    }
  });
});
