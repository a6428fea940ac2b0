import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { AggregateItem } from '../../../core/aggregate-item';
import { isTransientError, keyId, ResultsStore } from '../../../lambdas/consumer/store';

const TABLE = 'results';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
const noWait = () => Promise.resolve();

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

function keys(n: number): Array<{ pk: string; sk: string }> {
  return Array.from({ length: n }, (_, i) => ({ pk: `AGG#c#k${i}`, sk: '000000000000000' }));
}

function aggregate(pk: string, version = 1): AggregateItem {
  return {
    pk,
    sk: '000000000000000',
    gsi1pk: 'WIN#c',
    gsi1sk: '000000000000000#k',
    consumer: 'c',
    groupKey: 'k',
    windowStart: 0,
    windowEnd: 60_000,
    count: 1,
    late: 0,
    fields: {},
    wm: { 't-0': 1 },
    version,
    expiresAt: 1,
  };
}

afterEach(() => {
  ddb.reset();
});

describe('ResultsStore.readAggregates', () => {
  it('reads at most 100 keys per call with strongly consistent reads', async () => {
    // Prepare
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Array<{ pk: string }> }> }) => ({
      Responses: { [TABLE]: input.RequestItems[TABLE]!.Keys.slice(0, 1).map((k) => aggregate(k.pk)) },
    }));
    const store = new ResultsStore(client, TABLE, { sleep: noWait });

    // Act
    const result = await store.readAggregates(keys(250));

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    const sizes = ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys?.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(ddb.commandCalls(BatchGetCommand).every((call) => call.args[0].input.RequestItems?.[TABLE]?.ConsistentRead === true)).toBe(true);
    expect(result.items.size).toBe(3);
    expect(result.failed.size).toBe(0);
  });

  it('retries unprocessed keys until they are read', async () => {
    // Prepare
    const [a, b] = keys(2) as [{ pk: string; sk: string }, { pk: string; sk: string }];
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [aggregate(a.pk)] }, UnprocessedKeys: { [TABLE]: { Keys: [b] } } })
      .resolvesOnce({ Responses: { [TABLE]: [aggregate(b.pk)] } });
    const sleeps: number[] = [];
    const store = new ResultsStore(client, TABLE, { sleep: async (ms) => void sleeps.push(ms), random: () => 1 });

    // Act
    const result = await store.readAggregates([a, b]);

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ddb.commandCalls(BatchGetCommand)[1]!.args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([b]);
    expect([...result.items.keys()]).toEqual([keyId(a), keyId(b)]);
    expect(sleeps).toEqual([25]);
  });

  it('reports keys as failed after its attempts when throttled throughout', async () => {
    // Prepare
    ddb.on(BatchGetCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    const store = new ResultsStore(client, TABLE, { sleep: noWait, maxAttempts: 3 });

    // Act
    const result = await store.readAggregates(keys(2));

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    expect(result.failed.size).toBe(2);
    expect((result.error as Error).name).toBe('ProvisionedThroughputExceededException');
  });

  it('does not retry an error that retrying cannot clear', async () => {
    // Prepare
    ddb.on(BatchGetCommand).rejects(awsError('ResourceNotFoundException'));
    const store = new ResultsStore(client, TABLE, { sleep: noWait });

    // Act
    const result = await store.readAggregates(keys(1));

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    expect(result.failed.size).toBe(1);
  });
});

describe('ResultsStore.putAggregate', () => {
  it('creates a new aggregate only if it does not exist yet', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const store = new ResultsStore(client, TABLE);

    // Act
    const outcome = await store.putAggregate(aggregate('AGG#c#k'), undefined);

    // Assess
    expect(outcome).toBe('written');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('replaces an aggregate only at the version it was read at', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const store = new ResultsStore(client, TABLE);

    // Act
    await store.putAggregate(aggregate('AGG#c#k', 4), 3);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 3 },
    });
  });

  it('answers conflict when someone wrote the aggregate since it was read', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(awsError('ConditionalCheckFailedException'));
    const store = new ResultsStore(client, TABLE);

    // Act
    const outcome = await store.putAggregate(aggregate('AGG#c#k', 2), 1);

    // Assess
    expect(outcome).toBe('conflict');
  });

  it('lets other errors through', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(awsError('ValidationException'));
    const store = new ResultsStore(client, TABLE);

    // Act
    const act = store.putAggregate(aggregate('AGG#c#k'), undefined);

    // Assess
    await expect(act).rejects.toThrow('ValidationException');
  });

  it('re-reads one aggregate with a consistent read', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: aggregate('AGG#c#k', 7) });
    const store = new ResultsStore(client, TABLE);

    // Act
    const item = await store.getAggregate({ pk: 'AGG#c#k', sk: '000000000000000' });

    // Assess
    expect(item?.version).toBe(7);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true, Key: { pk: 'AGG#c#k', sk: '000000000000000' } });
  });
});

describe('ResultsStore.putAll', () => {
  it('writes at most 25 items per call and collapses items with the same key', async () => {
    // Prepare
    ddb.on(BatchWriteCommand).resolves({});
    const items = keys(60).map((k) => ({ ...k, n: 1 }));
    const store = new ResultsStore(client, TABLE, { sleep: noWait });

    // Act
    const result = await store.putAll([...items, { ...items[0]!, n: 2 }]);

    // Assess
    const sizes = ddb.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(result).toEqual({ failed: new Set(), written: 60 });
    expect(ddb.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems?.[TABLE]?.[0]).toEqual({
      PutRequest: { Item: { ...items[0], n: 2 } },
    });
  });

  it('retries unprocessed items with backoff', async () => {
    // Prepare
    const [a, b] = keys(2).map((k) => ({ ...k, n: 1 })) as [{ pk: string; sk: string; n: number }, { pk: string; sk: string; n: number }];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: b } }] } })
      .resolvesOnce({});
    const sleeps: number[] = [];
    const store = new ResultsStore(client, TABLE, { sleep: async (ms) => void sleeps.push(ms), random: () => 0 });

    // Act
    const result = await store.putAll([a, b]);

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
    expect(result.failed.size).toBe(0);
    expect(result.written).toBe(2);
    expect(sleeps).toEqual([13]);
  });

  it('reports items never processed as failed', async () => {
    // Prepare
    const item = { ...keys(1)[0]!, n: 1 };
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: item } }] } });
    const store = new ResultsStore(client, TABLE, { sleep: noWait, maxAttempts: 4 });

    // Act
    const result = await store.putAll([item]);

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 4);
    expect(result.failed).toEqual(new Set([keyId(item)]));
    expect(result.written).toBe(0);
  });
});

describe('isTransientError', () => {
  it.each([
    ['throttling', awsError('ThrottlingException'), true],
    ['throughput exceeded', awsError('ProvisionedThroughputExceededException'), true],
    ['a 500 from the service', awsError('SomethingBroke', 500), true],
    ['a validation error', awsError('ValidationException'), false],
    ['not an error', 'boom', false],
  ])('classifies %s', (_label, error, transient) => {
    // Act
    const result = isTransientError(error);

    // Assess
    expect(result).toBe(transient);
  });

  it('rejects a store configured with no attempts', () => {
    // Act
    const act = () => new ResultsStore(client, TABLE, { maxAttempts: 0 });

    // Assess
    expect(act).toThrow(RangeError);
  });
});
