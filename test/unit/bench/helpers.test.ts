import { bundlePackage, packageSizes } from '../../../bench/bundles';
import { itemsInWrite, writeRequests } from '../../../bench/dynamodb-counter';
import { parsePerfTestOutput } from '../../../bench/ingest';
import { coalescingSender, healthWireRecords } from '../../../bench/load';
import { packageOf, summarizeProfile, type CpuProfile } from '../../../bench/profile';
import { parseVmHwmKiB } from '../../../bench/resources';
import { BENCH, pipeline } from '../../../bench/spec';
import type { Metafile } from 'esbuild';
import type { Message, RecordMetadata } from 'kafkajs';

describe('bench helpers', () => {
  it('reads the records/s of the perf test from its last summary line', () => {
    // Prepare
    const output = [
      '149986 records sent, 29997.2 records/sec (2.40 MB/sec), 5.1 ms avg latency, 230.0 ms max latency.',
      '200000 records sent, 31847.1 records/sec (2.55 MB/sec), 4.20 ms avg latency, 230.00 ms max latency, 3 ms 50th, 9 ms 95th, 20 ms 99th, 200 ms 99.9th.',
    ].join('\n');

    // Act
    const parsed = parsePerfTestOutput(output);

    // Assess
    expect(parsed).toEqual({ records: 200000, recordsPerSecond: 31847.1 });
    expect(() => parsePerfTestOutput('Exception in thread "main"')).toThrow('no summary line');
  });

  it('counts the items of each kind of DynamoDB write request', () => {
    // Prepare
    const batch = JSON.stringify({ RequestItems: { t: [{ PutRequest: {} }, { PutRequest: {} }], u: [{ DeleteRequest: {} }] } });

    // Act
    const items = [
      itemsInWrite('PutItem', ''),
      itemsInWrite('BatchWriteItem', batch),
      itemsInWrite('TransactWriteItems', '{"TransactItems":[{},{}]}'),
      itemsInWrite('BatchGetItem', '{}'),
    ];

    // Assess
    expect(items).toEqual([1, 3, 2, 0]);
    expect(writeRequests({ requests: { PutItem: 4, BatchWriteItem: 1, BatchGetItem: 9 }, itemsWritten: 0, durationsMs: {} })).toBe(5);
  });

  it('attributes bundle bytes and profile samples to packages', () => {
    // Prepare
    const meta = {
      inputs: {},
      outputs: {
        'index.js': {
          bytes: 0,
          imports: [],
          exports: [],
          inputs: {
            'node_modules/kafkajs/src/a.js': { bytesInOutput: 30 },
            'node_modules/@smithy/core/x.js': { bytesInOutput: 20 },
            'lambdas/producer/index.ts': { bytesInOutput: 5 },
            'node_modules/kafkajs/src/b.js': { bytesInOutput: 10 },
          },
        },
      },
    } as unknown as Metafile;
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1,
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, hitCount: 50 },
        {
          id: 2,
          callFrame: { functionName: 'encode', url: 'file:///w/node_modules/kafkajs/src/protocol/encoder.js', lineNumber: 9 },
          hitCount: 30,
        },
        { id: 3, callFrame: { functionName: '', url: 'file:///w/.fluxo/build/producer/index.js', lineNumber: 0 }, hitCount: 20 },
      ],
    };

    // Act
    const sizes = packageSizes(meta);
    const summary = summarizeProfile(profile, 2);

    // Assess
    expect(sizes).toEqual([
      { name: 'kafkajs', bytes: 40 },
      { name: '@smithy/core', bytes: 20 },
      { name: 'fluxo', bytes: 5 },
    ]);
    expect(bundlePackage('node_modules/@aws-lambda-powertools/logger/lib/a.js')).toBe('@aws-lambda-powertools/logger');
    expect(packageOf('node:internal/streams')).toBe('node:internal');
    expect(summary.samples).toBe(100);
    expect(summary.busyShare).toBe(0.5);
    expect(summary.topFrames.map((f) => f.name)).toEqual(['(idle)', 'encode encoder.js:10']);
    expect(summary.packages.map((p) => [p.name, p.share])).toEqual([
      ['kafkajs', 0.3],
      ['producer/index.js', 0.2],
    ]);
  });

  it('reads the peak RSS from /proc status text', () => {
    // Act
    const kib = parseVmHwmKiB('Name:\tjava\nVmPeak:\t 999 kB\nVmHWM:\t  307200 kB\nVmRSS:\t 1 kB\n');

    // Assess
    expect(kib).toBe(307200);
    expect(parseVmHwmKiB('Name:\tjava\n')).toBeUndefined();
  });

  it('prepares the raw client records with the producer Lambda domain code: derived IMC and ingest-time header', () => {
    // Prepare
    const topic = pipeline.topics.find((t) => t.name === BENCH.ingestTopic);
    if (topic === undefined) throw new Error('bench spec without its ingest topic');

    // Act
    const [record] = healthWireRecords(topic, 0, 1);

    // Assess
    expect(JSON.parse(record?.value ?? '{}')).toEqual(expect.objectContaining({ id: 0, imc: expect.any(Number) }));
    expect(record?.headers).toHaveProperty('fluxo-ingest-time');
  });
});

describe('coalescing sender', () => {
  it('sends the batches queued during an in-flight send together in the next send, answering each caller', async () => {
    // Prepare
    const sends: string[][] = [];
    let release: () => void = () => undefined;
    const send = jest.fn(async (messages: Message[]): Promise<RecordMetadata[]> => {
      sends.push(messages.map((m) => String(m.value)));
      if (sends.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return [{ topicName: 't', partition: 0, errorCode: 0 }];
    });
    const coalesced = coalescingSender(send);
    const batch = (...values: string[]): Message[] => values.map((value) => ({ value }));

    // Act
    const first = coalesced(batch('a'));
    const second = coalesced(batch('b', 'c'));
    const third = coalesced(batch('d'));
    release();
    const answers = await Promise.all([first, second, third]);

    // Assess
    expect(sends).toEqual([['a'], ['b', 'c', 'd']]);
    expect(answers).toEqual([true, true, true]);
  });

  it('answers false to every caller of a send that failed or was not acknowledged', async () => {
    // Prepare
    const coalesced = coalescingSender(async () => [{ topicName: 't', partition: 0, errorCode: 7 }]);
    const failing = coalescingSender(async () => {
      throw new Error('broker gone');
    });

    // Act
    const answers = await Promise.all([coalesced([{ value: 'a' }]), failing([{ value: 'b' }])]);

    // Assess
    expect(answers).toEqual([false, false]);
  });
});
