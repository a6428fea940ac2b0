import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describeTopics } from '../../../lambdas/producer/index';
import { INGEST_TIME_HEADER } from '../../../core/kafka-record';
import { pipeline } from '../../../pipeline';
import { apigwEvent } from '../../events/apigw/load';
import { NOW, producerUnderTest } from './producer-under-test';

const dynamo = mockClient(DynamoDBClient);

afterEach(() => {
  dynamo.reset();
});

function post(body: unknown, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return apigwEvent('post-records', { body: typeof body === 'string' ? body : JSON.stringify(body), ...overrides });
}

function onTopic(topic: string, body: unknown): APIGatewayProxyEvent {
  return post(body, { path: `/topics/${topic}/records`, pathParameters: { topic } });
}

function parsed(answer: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(answer.body) as Record<string, unknown>;
}

const tuple = (id: number, peso: number) => [id, { idade: 30, altura: 160, peso }];

describe('GET /topics', () => {
  it("lists the spec's topics with partitions, retention, schema and derived fields", async () => {
    // Prepare
    const { handle } = producerUnderTest();

    // Act
    const answer = await handle(apigwEvent('get-topics'));

    // Assess
    expect(answer.statusCode).toBe(200);
    const { topics } = parsed(answer) as { topics: Array<Record<string, unknown>> };
    expect(topics.map((t) => [t.name, t.partitions, t.retentionHours])).toEqual([
      ['mensagens', 1, 168],
      ['health', 3, 168],
      ['petr4', 2, 168],
      ['vale3', 2, 168],
      ['tweets', 2, 168],
    ]);
    expect(topics[0]).toMatchObject({ format: 'text', accepts: [], derived: [], schema: { fields: {} } });
    expect(topics[1]).toMatchObject({
      format: 'json',
      accepts: ['tuple'],
      derived: [{ kind: 'bmi', name: 'imc' }],
      schema: { fields: { peso: { type: 'number' } } },
    });
    expect(parsed(answer)).toEqual(JSON.parse(JSON.stringify(describeTopics(pipeline))));
  });
});

describe('POST /topics/{topic}/records', () => {
  it('writes the fixture batch and answers 200 with one result per record, in order', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    const answer = await handle(apigwEvent('post-records'));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json' });
    const { results } = parsed(answer) as { results: Array<{ partition: number; offset: number; timestamp: string }> };
    expect(results).toHaveLength(2);
    for (const [i, result] of results.entries()) {
      const stored = kafka.written.find((w) => w.partition === result.partition && w.offset === result.offset);
      expect(JSON.parse(String(stored?.message.value)).id).toBe([7, 42][i]);
      expect(result.timestamp).toBe('2026-11-22T10:00:00.000Z');
    }
  });

  it('writes the normalized value with IMC, the event time and the ingest-time header', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    const answer = await handle(post({ value: tuple(7, 90), timestamp: '2026-11-22T09:59:30Z', headers: { trace: 't-1' } }));

    // Assess
    expect(answer.statusCode).toBe(200);
    const { message } = kafka.written[0];
    expect(JSON.parse(String(message.value))).toEqual({ id: 7, idade: 30, altura: 160, peso: 90, imc: 90 / (1.6 * 1.6) });
    expect(message.timestamp).toBe(String(NOW - 30_000));
    expect(message.headers).toEqual({ trace: 't-1', [INGEST_TIME_HEADER]: String(NOW) });
    expect(parsed(answer)).toEqual({ partition: kafka.written[0].partition, offset: 0, timestamp: '2026-11-22T09:59:30.000Z' });
  });

  it('keeps offsets in order across partitions for a larger batch', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();
    const records = Array.from({ length: 50 }, (_, i) => ({ value: tuple(i, 60 + i), ...(i % 3 === 0 ? { key: `k${i % 7}` } : {}) }));

    // Act
    const answer = await handle(post({ records }));

    // Assess
    const { results } = parsed(answer) as { results: Array<{ partition: number; offset: number }> };
    const ids = results.map((r) => {
      const stored = kafka.written.find((w) => w.partition === r.partition && w.offset === r.offset);
      return (JSON.parse(String(stored?.message.value)) as { id: number }).id;
    });
    expect(ids).toEqual(records.map((_, i) => i));
    expect(kafka.sendBatch).toHaveBeenCalledTimes(1);
  });

  it('answers 207 with the rejected records in place when some are written', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    const answer = await handle(
      post({ records: [{ value: tuple(1, 90) }, { value: { id: 2, idade: 30, altura: 160, peso: 'heavy' } }, { value: tuple(3, 70) }] }),
    );

    // Assess
    expect(answer.statusCode).toBe(207);
    const { results } = parsed(answer) as { results: Array<Record<string, unknown>> };
    expect(results[0]).toHaveProperty('offset');
    expect(results[1]).toEqual({
      error_code: 42201,
      message: 'records[1].value.peso must be a number',
      details: { violations: ['records[1].value.peso must be a number'] },
    });
    expect(results[2]).toHaveProperty('offset');
    expect(kafka.written).toHaveLength(2);
  });

  it("answers the first rejected record's status when every record is rejected, writing nothing", async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    const answer = await handle(post({ records: [{ value: tuple(1, 90), partition: 9 }, { value: 'x' }] }));

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(parsed(answer)).toMatchObject({
      error_code: 40403,
      message: expect.stringMatching(/^no record was written: all 2 were rejected; first: records\[0\]\.partition/),
    });
    expect((parsed(answer).results as unknown[]).map((r) => (r as { error_code: number }).error_code)).toEqual([40403, 42201]);
    expect(kafka.sendBatch).not.toHaveBeenCalled();
  });

  it('answers a rejected single record with its own status and error', async () => {
    // Prepare
    const { handle } = producerUnderTest();

    // Act
    const answer = await handle(onTopic('petr4', { value: { price: -1, volume: 1 } }));

    // Assess
    expect(answer.statusCode).toBe(422);
    expect(parsed(answer)).toMatchObject({ error_code: 42201, message: 'value.price must be at least 0' });
  });

  it('adds hashtags to tweets', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    await handle(onTopic('tweets', { value: { user: 'ana', text: 'Learning #Kafka on #AWS #kafka' } }));

    // Assess
    expect(JSON.parse(String(kafka.written[0].message.value)).hashtags).toEqual(['kafka', 'aws']);
  });

  it.each([
    ['an unknown topic', onTopic('nope', { value: {} }), 404, 40401],
    ['a body that is not JSON', post('{"value":'), 400, 40001],
    ['a missing body', post('', { body: null }), 400, 40002],
    ['a body of the wrong shape', post({ foo: 1 }), 400, 40002],
    ['a non-JSON content type', post({ value: {} }, { headers: { 'Content-Type': 'text/plain' }, multiValueHeaders: {} }), 415, 41501],
    ['more than 500 records', post({ records: Array.from({ length: 501 }, () => ({ value: tuple(1, 80) })) }), 413, 41301],
    [
      'a body over 5 MiB',
      post({ records: [{ value: { id: 1, idade: 1, altura: 100, peso: 50, pad: 'x'.repeat(5 * 1024 * 1024) } }] }),
      413,
      41301,
    ],
    [
      'a body that is not UTF-8',
      post(Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xff, 0x7d]).toString('base64'), { isBase64Encoded: true }),
      400,
      40001,
    ],
    [
      'a value nested 10,000 levels deep',
      onTopic('tweets', `{"value":{"user":"u","text":"t","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`),
      400,
      40002,
    ],
    [
      'a body nested 33 levels deep',
      post(`{"value":[1,{"idade":30,"altura":170,"peso":80,"x":${'['.repeat(30)}${']'.repeat(30)}}]}`),
      400,
      40002,
    ],
  ])('refuses %s as a whole', async (_, event, status, code) => {
    // Prepare
    const { handle, kafka } = producerUnderTest();

    // Act
    const answer = await handle(event);

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(parsed(answer).error_code).toBe(code);
    expect(kafka.sendBatch).not.toHaveBeenCalled();
  });

  it('reads headers case-insensitively and takes JSON with a charset or a +json type', async () => {
    // Prepare
    const { handle } = producerUnderTest();
    const lower = post({ value: tuple(1, 80) }, { headers: { 'content-type': 'application/json; charset=utf-8' }, multiValueHeaders: {} });
    const vendor = post({ value: tuple(1, 80) }, { headers: {}, multiValueHeaders: { 'CONTENT-TYPE': ['application/vnd.fluxo+json'] } });
    const none = post({ value: tuple(1, 80) }, { headers: {}, multiValueHeaders: {} });

    // Act
    const answers = await Promise.all([handle(lower), handle(vendor), handle(none)]);

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
  });

  it('decodes a base64-encoded body', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();
    const body = Buffer.from(JSON.stringify({ value: tuple(5, 99) })).toString('base64');

    // Act
    const answer = await handle(post(body, { isBase64Encoded: true }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(kafka.written[0].message.value)).id).toBe(5);
  });

  it('answers 503 with Retry-After and reports nothing written when Kafka is unreachable', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();
    kafka.sendBatch.mockRejectedValueOnce(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' }),
    );

    // Act
    const answer = await handle(apigwEvent('post-records'));

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'Retry-After': '1' });
    expect(parsed(answer)).toMatchObject({ error_code: 50301 });
    expect(answer.body).not.toContain('offset');
  });

  it('answers 503 when the replicas cannot acknowledge (NOT_ENOUGH_REPLICAS)', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest();
    kafka.sendBatch.mockRejectedValueOnce(
      Object.assign(new Error('Messages are rejected since there are fewer in-sync replicas than required'), {
        type: 'NOT_ENOUGH_REPLICAS',
      }),
    );

    // Act
    const answer = await handle(apigwEvent('post-records'));

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(parsed(answer)).toMatchObject({ error_code: 50301, details: { kafkaError: 'NOT_ENOUGH_REPLICAS' } });
  });
});

describe('routing', () => {
  it('answers 404/40404 for a route it does not serve', async () => {
    // Prepare
    const { handle } = producerUnderTest();

    // Act
    const answer = await handle(apigwEvent('get-topics', { httpMethod: 'DELETE' }));

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(parsed(answer)).toEqual({ error_code: 40404, message: 'no route for DELETE /topics' });
  });
});

/** An in-memory idempotency table behind the mocked DynamoDB client, with Powertools' conditional put semantics. */
function idempotencyTable(): Map<string, Record<string, AttributeValue>> {
  const items = new Map<string, Record<string, AttributeValue>>();
  const keyOf = (key: Record<string, AttributeValue> | undefined): string => String(key?.id?.S);
  dynamo.on(PutItemCommand).callsFake((input: { Item: Record<string, AttributeValue> }) => {
    const existing = items.get(keyOf(input.Item));
    if (existing !== undefined && Number(existing.expiration?.N) > NOW / 1000) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: existing });
    }
    items.set(keyOf(input.Item), input.Item);
    return {};
  });
  dynamo
    .on(UpdateItemCommand)
    .callsFake(
      (input: {
        Key: Record<string, AttributeValue>;
        UpdateExpression: string;
        ExpressionAttributeNames: Record<string, string>;
        ExpressionAttributeValues: Record<string, AttributeValue>;
      }) => {
        const item = { ...items.get(keyOf(input.Key)) };
        for (const assignment of input.UpdateExpression.replace(/^SET /, '').split(', ')) {
          const [name, value] = assignment.split(' = ');
          item[input.ExpressionAttributeNames[name]] = input.ExpressionAttributeValues[value];
        }
        items.set(keyOf(input.Key), item);
        return {};
      },
    );
  dynamo.on(DeleteItemCommand).callsFake((input: { Key: Record<string, AttributeValue> }) => {
    items.delete(keyOf(input.Key));
    return {};
  });
  dynamo.on(GetItemCommand).callsFake((input: { Key: Record<string, AttributeValue> }) => ({ Item: items.get(keyOf(input.Key)) }));
  return items;
}

function withKey(key: string, body: unknown, name = 'Idempotency-Key'): APIGatewayProxyEvent {
  const event = post(body);
  return { ...event, headers: { ...event.headers, [name]: key } };
}

describe('Idempotency-Key', () => {
  beforeAll(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout'] });
  });

  afterAll(() => {
    jest.useRealTimers();
  });

  it('replays the first answer for a retry, writing nothing new', async () => {
    // Prepare
    idempotencyTable();
    const { handle, kafka } = producerUnderTest({ idempotency: true });
    const body = { records: [{ value: tuple(1, 90) }, { value: tuple(2, 95) }] };

    // Act
    const first = await handle(withKey('order-123', body));
    const retry = await handle(withKey('order-123', body, 'idempotency-key'));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe(first.body);
    expect(retry.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
    expect(first.headers).not.toHaveProperty('Idempotent-Replayed');
    expect(kafka.written).toHaveLength(2);
    expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'idempotency' });
  });

  it('keeps keys apart per topic', async () => {
    // Prepare
    idempotencyTable();
    const { handle, kafka } = producerUnderTest({ idempotency: true });
    const health = withKey('k-1', { value: tuple(1, 90) });
    const other = { ...onTopic('petr4', { value: { price: 1, volume: 1 } }), headers: { 'Idempotency-Key': 'k-1' } };

    // Act
    await handle(health);
    const answer = await handle(other);

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(kafka.written.map((w) => w.topic)).toEqual(['health', 'petr4']);
  });

  it('answers 422/42202 when a key is reused with a different body', async () => {
    // Prepare
    idempotencyTable();
    const { handle, kafka } = producerUnderTest({ idempotency: true });
    await handle(withKey('order-9', { value: tuple(1, 90) }));

    // Act
    const answer = await handle(withKey('order-9', { value: tuple(1, 91) }));

    // Assess
    expect(answer.statusCode).toBe(422);
    expect(parsed(answer).error_code).toBe(42202);
    expect(kafka.written).toHaveLength(1);
  });

  it('answers 409/40901 while the first request with the key is in progress', async () => {
    // Prepare
    const items = idempotencyTable();
    const { handle, kafka } = producerUnderTest({ idempotency: true });
    let release: () => void = () => undefined;
    kafka.sendBatch.mockImplementationOnce(async (batch) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return kafka.sendBatch.getMockImplementation()?.(batch);
    });

    // Act
    const first = handle(withKey('slow', { value: tuple(1, 90) }));
    while (items.size === 0) await new Promise((resolve) => setImmediate(resolve));
    const concurrent = await handle(withKey('slow', { value: tuple(1, 90) }));
    release();

    // Assess
    expect(concurrent.statusCode).toBe(409);
    expect(parsed(concurrent).error_code).toBe(40901);
    expect((await first).statusCode).toBe(200);
  });

  it('does not store a 503, so a retry writes the records', async () => {
    // Prepare
    idempotencyTable();
    const { handle, kafka } = producerUnderTest({ idempotency: true });
    kafka.sendBatch.mockRejectedValueOnce(Object.assign(new Error('timeout'), { name: 'KafkaJSRequestTimeoutError' }));
    const body = { value: tuple(1, 90) };

    // Act
    const failed = await handle(withKey('retry-me', body));
    const retried = await handle(withKey('retry-me', body));

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(retried.statusCode).toBe(200);
    expect(retried.headers).not.toHaveProperty('Idempotent-Replayed');
    expect(kafka.written).toHaveLength(1);
    expect(dynamo).toHaveReceivedCommand(DeleteItemCommand);
  });

  it('answers 503/50302 when the idempotency table cannot be used', async () => {
    // Prepare
    dynamo.on(PutItemCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { handle, kafka } = producerUnderTest({ idempotency: true });

    // Act
    const answer = await handle(withKey('k', { value: tuple(1, 90) }));

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(parsed(answer).error_code).toBe(50302);
    expect(kafka.sendBatch).not.toHaveBeenCalled();
  });

  it('still reports records written when their answer cannot be stored', async () => {
    // Prepare
    idempotencyTable();
    dynamo.on(UpdateItemCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { handle, kafka } = producerUnderTest({ idempotency: true });

    // Act
    const answer = await handle(withKey('k-2', { value: tuple(1, 90) }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(parsed(answer)).toMatchObject({ offset: 0 });
    expect(kafka.written).toHaveLength(1);
  });

  it('refuses a malformed key with 400/40003', async () => {
    // Prepare
    const { handle } = producerUnderTest({ idempotency: true });

    // Act
    const answer = await handle(withKey('has space', { value: tuple(1, 90) }));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(parsed(answer).error_code).toBe(40003);
  });

  it('refuses a key when no idempotency table is configured instead of ignoring it', async () => {
    // Prepare
    const { handle, kafka } = producerUnderTest({ idempotency: false });

    // Act
    const answer = await handle(withKey('k', { value: tuple(1, 90) }));

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(parsed(answer)).toMatchObject({ error_code: 50001, message: expect.stringContaining('no idempotency table is configured') });
    expect(kafka.sendBatch).not.toHaveBeenCalled();
  });
});
