import { HANDLER_ENV } from './handler-env';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { summarize } from '../../../core/aggregate';
import { bmi } from '../../../core/canonical';
import type { AggregateItem } from '../../../core/aggregate-item';
import { aggregateKey } from '../../../core/keys';
import { MskEventError } from '../../../core/msk-event';
import { findConsumer } from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { batchResponse, consumerFromEnv, handler } from '../../../lambdas/consumer/index';
import { UnappliedRecordsError } from '../../../lambdas/consumer/whole-batch';
import { loadEvent } from '../core/load-event';
import { FakeTable, serviceError } from './fake-table';
import { invocationContext } from '../../../local/emulation/runtime/protocol';

const ddb = mockClient(DynamoDBDocumentClient);
const context = invocationContext({
  functionName: 'fluxo-consumer-peso-acima-80',
  invokedFunctionArn: 'arn:aws:lambda:sa-east-1:111122223333:function:fluxo-consumer-peso-acima-80',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  deadlineMs: Date.now() + 30_000,
});

// The health fixture's records above 80 kg, both at 2025-11-22T02:00:00Z: health-0 offset 41, an object
// as fluxo's producer writes it (peso 95.5, imc derived), and offset 43, the course's tuple written
// straight to Kafka ([1, {idade 40, altura 160, peso 99}]).
const WINDOW_START = 1_763_776_800_000;

let table: FakeTable;
let stdout: string[];

function emfLines(): Array<Record<string, unknown>> {
  return stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(() => {
  table = new FakeTable(HANDLER_ENV.table, () => 0);
  table.install(ddb);
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(chunk.toString());
    return true;
  });
});

afterEach(() => {
  ddb.reset();
  jest.restoreAllMocks();
});

describe('consumer handler', () => {
  it('aggregates the matching records of a Lambda MSK event, the tuple a Kafka client wrote included, and answers no failures', async () => {
    // Prepare
    const event = loadEvent('fluxo-health-event.json');
    const consumer = findConsumer(pipeline, HANDLER_ENV.consumer)!;

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const key = aggregateKey(HANDLER_ENV.consumer, 'all', WINDOW_START);
    const item = table.items.get(`${key.pk}\u0000${key.sk}`) as unknown as AggregateItem;
    expect(summarize(item, consumer)).toEqual({
      key: 'all',
      windowStart: WINDOW_START,
      windowEnd: WINDOW_START + 60_000,
      count: 2,
      late: 0,
      measures: { avg_peso: (95.5 + 99) / 2, avg_imc: (bmi(95.5, 170) + bmi(99, 160)) / 2, max_peso: 99 },
    });
    expect(table.itemsWithPrefix('REC#').map((item) => [item.offset, item.form, item.writer])).toEqual([
      [41, 'object', 'http'],
      [43, 'tuple', 'kafka'],
    ]);
  });

  it('flushes EMF metrics in namespace fluxo with the consumer dimension at the end of the invocation', async () => {
    // Prepare
    const event = loadEvent('fluxo-health-event.json');

    // Act
    await handler(event, context);

    // Assess
    const [emf] = emfLines();
    // 41 and the tuple 43 aggregated (one write) and kept (one batch of two puts); 42 (plain text) and
    // the tombstone cannot be made canonical: dead letters (two more puts).
    expect(emf).toMatchObject({
      consumer: HANDLER_ENV.consumer,
      RecordsIn: 4,
      FilteredOut: 0,
      Aggregated: 2,
      Late: 0,
      DeadLettered: 2,
      DynamoDBWrites: 5,
    });
    const directive = (emf?._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('fluxo');
    expect(directive?.Dimensions[0]).toContain('consumer');
  });

  it('answers the first unapplied record of a partition when DynamoDB throttles its aggregate', async () => {
    // Prepare
    const event = loadEvent('fluxo-health-event.json');
    table.fault = (point, key) =>
      point === 'write' && key.pk.startsWith('AGG#') ? serviceError('ProvisionedThroughputExceededException') : undefined;

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'health-0', offset: 41 } }] });
    expect(emfLines()[0]).toMatchObject({ PartitionsRetried: 1 });
  });

  it('fails the whole batch instead of answering a partial one when its mapping reads none (on-demand pollers)', async () => {
    // Prepare
    const event = loadEvent('fluxo-health-event.json');
    table.fault = (point, key) =>
      point === 'write' && key.pk.startsWith('AGG#') ? serviceError('ProvisionedThroughputExceededException') : undefined;
    process.env.REPORT_BATCH_ITEM_FAILURES = 'false';

    try {
      // Act
      const act = handler(event, context);

      // Assess: Lambda retries the batch; the watermarks skip what was applied
      await expect(act).rejects.toBeInstanceOf(UnappliedRecordsError);
      await expect(act).rejects.toMatchObject({ unapplied: [{ topicPartition: 'health-0', offset: 41 }] });
    } finally {
      delete process.env.REPORT_BATCH_ITEM_FAILURES;
    }
  });

  it("dead-letters a record of a topic the consumer does not read (AWS's example event, on mytopic)", async () => {
    // Prepare
    const event = loadEvent('msk-event.json');

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(emfLines()[0]).toMatchObject({ RecordsIn: 1, FilteredOut: 0, DeadLettered: 1 });
    expect(table.itemsWithPrefix('DLQ#')).toEqual([
      expect.objectContaining({
        topic: 'mytopic',
        offset: 15,
        reason: 'schema violation',
        error: 'topic "mytopic" is not read by consumer peso-acima-80',
      }),
    ]);
  });

  it('throws on a malformed event, naming the field', async () => {
    // Prepare
    const event = loadEvent('fluxo-health-event.json');
    (event.records as Record<string, Array<Record<string, unknown>>>)['health-0']![0]!.offset = 'forty-one';

    // Act
    const act = handler(event, context);

    // Assess
    await expect(act).rejects.toThrow(MskEventError);
    await expect(handler({ eventSource: 'aws:sqs' }, context)).rejects.toThrow(/eventSource/);
    expect(table.items.size).toBe(0);
    expect(emfLines().map((emf) => emf.MalformedEvents)).toEqual([1, 1]);
  });
});

describe('consumer configuration', () => {
  it('fails clearly for a consumer the spec does not declare', () => {
    // Act
    const act = () => consumerFromEnv({ CONSUMER_NAME: 'nope' });

    // Assess
    expect(act).toThrow(
      'CONSUMER_NAME "nope" is not a consumer of the pipeline spec (known: mensagens-por-minuto, peso-acima-80, imc-acima-35, ohlc-1m, hashtags-5m)',
    );
  });

  it('fails clearly when CONSUMER_NAME is not set', () => {
    // Act
    const act = () => consumerFromEnv({});

    // Assess
    expect(act).toThrow('environment variable CONSUMER_NAME is not set');
  });

  it('fails the module init when the results table is not configured', async () => {
    // Prepare
    const saved = process.env.RESULTS_TABLE;
    delete process.env.RESULTS_TABLE;

    // Act
    const load = jest.isolateModulesAsync(async () => {
      await import('../../../lambdas/consumer/index');
    });

    // Assess
    await expect(load).rejects.toThrow('environment variable RESULTS_TABLE is not set');
    process.env.RESULTS_TABLE = saved;
  });

  it('shapes failures as the Kafka partial batch response', () => {
    // Act
    const response = batchResponse([{ topicPartition: 'petr4-1', offset: 12 }]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'petr4-1', offset: 12 } }] });
  });
});
