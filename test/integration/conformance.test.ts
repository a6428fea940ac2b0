/**
 * Conformance of the local stack with AWS's documented behaviour:
 * - the emulator's MSK events, captured from a real broker, field by field against the event
 *   in AWS's documentation (test/events/msk-event.json), byte for byte against what was produced;
 * - the emulator's filter decisions against the examples of AWS's filter rule syntax table
 *   (Lambda Developer Guide, "Control which events Lambda sends to your function"), for Kafka
 *   wrapped in `value`;
 * - the gateway's proxy events against a captured API Gateway REST proxy event.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { decodeMskEvent, encodeMskEvent, type MskEvent, type MskEventRecord } from '../../core/msk-event';
import { resolveConsumer, resolveTopic, type FilterPattern } from '../../core/spec';
import { EventSourceMappingEmulator } from '../../local/emulation/esm/emulator';
import type { OnFailureDestination } from '../../local/emulation/esm/on-failure';
import { startGateway } from '../../local/emulation/gateway';
import type { InvocationResult, Invoker } from '../../local/emulation/runtime/local-function';
import { brokers, eventually, kafka, unique } from './helpers';

const EVENTS = join(__dirname, '..', 'events');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;

class CapturingFunction implements Invoker {
  public readonly events: MskEvent[] = [];
  public async invoke(event: unknown): Promise<InvocationResult> {
    this.events.push(event as MskEvent);
    return { ok: true, payload: { batchItemFailures: [] }, requestId: 'r', durationMs: 1 };
  }
  public records(): MskEventRecord[] {
    return this.events.flatMap((e) => Object.values(e.records).flat());
  }
}

const nowhere: OnFailureDestination = { send: async () => undefined };
let admin: Admin;
const running: EventSourceMappingEmulator[] = [];

beforeAll(async () => {
  admin = kafka('conformance-admin').admin();
  await admin.connect();
});
afterAll(async () => {
  await Promise.all(running.map((e) => e.stop()));
  await admin.disconnect();
});

async function mapping(topic: string, fn: Invoker, filters: readonly FilterPattern[] = []): Promise<void> {
  const consumer = resolveConsumer({
    name: unique('conf'),
    topics: [topic],
    filters,
    groupBy: { kind: 'constant', key: 'all' },
    window: { sizeSeconds: 60 },
  });
  // A text topic: its mapping's FilterCriteria are the filters alone, applied to the value as written.
  const emulator = new EventSourceMappingEmulator({
    consumer,
    topics: [resolveTopic({ name: topic, format: 'text' })],
    brokers: brokers(),
    invoker: fn,
    destination: nowhere,
  });
  running.push(emulator);
  await emulator.start();
}

const typeOf = (value: unknown): string => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

describe('MSK event conformance', () => {
  it('delivers the documented MSK event shape, field by field, with the produced bytes', async () => {
    // Prepare
    const documented = fixture<MskEvent>('msk-event.json');
    const documentedRecord = Object.values(documented.records)[0]![0]!;
    const topic = unique('conf-shape');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    const fn = new CapturingFunction();
    await mapping(topic, fn);
    const producer = kafka('conformance-producer').producer();
    await producer.connect();
    const timestamp = 1_763_776_800_123;

    // Act
    await producer.send({
      topic,
      messages: [
        {
          partition: 1,
          key: 'k-1',
          value: 'Hello, this is a test.',
          timestamp: String(timestamp),
          headers: { headerKey: 'headerValue', origem: ['São Paulo', 'Ribeirão Preto'] },
        },
        { partition: 0, value: Buffer.from([0xff, 0x00, 0x7f]), timestamp: String(timestamp + 1) },
        { partition: 0, key: 'gone', value: null, timestamp: String(timestamp + 2) },
      ],
    });
    await producer.disconnect();
    await eventually(
      () => fn.records().length,
      (n) => n >= 3,
    );

    // Assess: the envelope
    for (const event of fn.events) {
      expect(Object.keys(event).sort()).toEqual(Object.keys(documented).sort());
      expect(event.eventSource).toBe(documented.eventSource);
      expect(event.eventSourceArn).toMatch(/^arn:aws:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[0-9a-f-]{36}-\d+$/);
      expect(documented.eventSourceArn).toMatch(/^arn:aws:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[0-9a-f-]{36}-\d+$/);
      expect(event.bootstrapServers).toBe(brokers().join(','));
      expect(event.bootstrapServers).toMatch(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/);
      for (const [key, records] of Object.entries(event.records)) {
        for (const record of records) expect(key).toBe(`${record.topic}-${record.partition}`);
      }
    }
    // Assess: each record has the documented fields with the documented types
    const byPosition = (partition: number, offset: number): MskEventRecord | undefined =>
      fn.records().find((r) => r.partition === partition && r.offset === offset);
    const [withKey, binary, tombstone] = [byPosition(1, 0), byPosition(0, 0), byPosition(0, 1)];
    expect(Object.keys(withKey ?? {}).sort()).toEqual(Object.keys(documentedRecord).sort());
    for (const field of Object.keys(documentedRecord) as Array<keyof MskEventRecord>)
      expect(typeOf(withKey?.[field])).toBe(typeOf(documentedRecord[field]));
    expect(withKey).toEqual({
      topic,
      partition: 1,
      offset: 0,
      timestamp,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('k-1').toString('base64'),
      value: Buffer.from('Hello, this is a test.').toString('base64'),
      headers: [
        { headerKey: [...Buffer.from('headerValue')] },
        { origem: [...Buffer.from('São Paulo')] },
        { origem: [...Buffer.from('Ribeirão Preto')] },
      ],
    });
    // A record without a key has no `key`; a tombstone has no `value`; bytes are kept exactly.
    expect(binary).toEqual({
      topic,
      partition: 0,
      offset: 0,
      timestamp: timestamp + 1,
      timestampType: 'CREATE_TIME',
      value: Buffer.from([0xff, 0x00, 0x7f]).toString('base64'),
      headers: [],
    });
    expect(tombstone).toEqual({
      topic,
      partition: 0,
      offset: 1,
      timestamp: timestamp + 2,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('gone').toString('base64'),
      headers: [],
    });
    // The consumer's decoder reads every captured event, and re-encoding it gives it back exactly.
    for (const event of fn.events)
      expect(
        encodeMskEvent(decodeMskEvent(event), {
          kind: 'msk',
          eventSourceArn: event.eventSourceArn!,
          bootstrapServers: event.bootstrapServers!,
        }),
      ).toEqual(event);
  });
});

/** AWS's filter rule syntax examples, each for Kafka as a pattern on `value`, with values that match and values that do not. */
const FILTER_EXAMPLES: ReadonlyArray<{ rule: string; pattern: Record<string, unknown>; match: unknown[]; noMatch: unknown[] }> = [
  { rule: 'Null', pattern: { UserID: [null] }, match: [{ UserID: null }], noMatch: [{ UserID: 'u1' }, {}] },
  { rule: 'Empty', pattern: { LastName: [''] }, match: [{ LastName: '' }], noMatch: [{ LastName: 'Doe' }, {}] },
  { rule: 'Equals', pattern: { Name: ['Alice'] }, match: [{ Name: 'Alice' }], noMatch: [{ Name: 'alice' }, { Name: 'Bob' }] },
  {
    rule: 'Equals (ignore case)',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    match: [{ Name: 'ALICE' }, { Name: 'alice' }],
    noMatch: [{ Name: 'Alicia' }],
  },
  {
    rule: 'And',
    pattern: { Location: ['New York'], Day: ['Monday'] },
    match: [{ Location: 'New York', Day: 'Monday' }],
    noMatch: [{ Location: 'New York', Day: 'Tuesday' }, { Day: 'Monday' }],
  },
  {
    rule: 'Or',
    pattern: { PaymentType: ['Credit', 'Debit'] },
    match: [{ PaymentType: 'Credit' }, { PaymentType: 'Debit' }],
    noMatch: [{ PaymentType: 'Cash' }],
  },
  {
    rule: 'Or (multiple fields)',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    match: [{ Location: 'New York' }, { Day: 'Monday' }],
    noMatch: [{ Location: 'Boston', Day: 'Friday' }],
  },
  {
    rule: 'Not',
    pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
    match: [{ Weather: 'Sunny' }],
    noMatch: [{ Weather: 'Raining' }],
  },
  {
    rule: 'Numeric (equals)',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    match: [{ Price: 100 }, { Price: 100.0 }],
    noMatch: [{ Price: 101 }, { Price: '100' }],
  },
  {
    rule: 'Numeric (range)',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    match: [{ Price: 20 }, { Price: 10.5 }],
    noMatch: [{ Price: 10 }, { Price: 21 }],
  },
  { rule: 'Exists', pattern: { ProductName: [{ exists: true }] }, match: [{ ProductName: 'Widget' }], noMatch: [{ Other: 1 }] },
  { rule: 'Does not exist', pattern: { ProductName: [{ exists: false }] }, match: [{ Other: 1 }], noMatch: [{ ProductName: 'Widget' }] },
  { rule: 'Begins with', pattern: { Region: [{ prefix: 'us-' }] }, match: [{ Region: 'us-east-1' }], noMatch: [{ Region: 'eu-west-1' }] },
  {
    rule: 'Ends with',
    pattern: { FileName: [{ suffix: '.png' }] },
    match: [{ FileName: 'photo.png' }],
    noMatch: [{ FileName: 'photo.jpg' }],
  },
];

describe('filter conformance', () => {
  it("delivers exactly the records AWS's documented filter examples match", async () => {
    // Prepare: one topic and one mapping per example
    const cases = FILTER_EXAMPLES.map((example) => ({ ...example, topic: unique('conf-filter'), fn: new CapturingFunction() }));
    await admin.createTopics({ waitForLeaders: true, topics: cases.map((c) => ({ topic: c.topic, numPartitions: 1 })) });
    await Promise.all(cases.map((c) => mapping(c.topic, c.fn, [{ value: c.pattern }])));
    const producer = kafka('conformance-filter-producer').producer();
    await producer.connect();

    // Act: each topic gets its non-matching values, then its matching ones
    for (const c of cases) {
      const values = [...c.noMatch.map((v) => ({ v, expected: false })), ...c.match.map((v) => ({ v, expected: true }))];
      await producer.send({ topic: c.topic, messages: values.map(({ v }) => ({ value: JSON.stringify(v) })) });
    }
    await producer.disconnect();
    // Non-matching values precede the matching ones: once these arrive, every decision is made.
    await eventually(
      () => cases.every((c) => c.fn.records().length >= c.match.length),
      (done) => done,
    );

    // Assess
    for (const c of cases) {
      const delivered = c.fn.records().map((r) => JSON.parse(Buffer.from(r.value ?? '', 'base64').toString()));
      expect({ rule: c.rule, delivered }).toEqual({ rule: c.rule, delivered: c.match });
    }
  });
});

describe('API Gateway event conformance', () => {
  it('gives the handler an event with every field of a captured API Gateway REST proxy event', async () => {
    // Prepare
    const captured = fixture<APIGatewayProxyEvent>('apigw/post-records.json');
    const events: APIGatewayProxyEvent[] = [];
    const fn: Invoker = {
      invoke: async (event) => {
        events.push(event as APIGatewayProxyEvent);
        return { ok: true, payload: { statusCode: 200, body: '{}' }, requestId: 'r', durationMs: 1 };
      },
    };
    const gateway = await startGateway({ functions: { producer: fn, results: fn }, port: 0 });

    // Act
    try {
      await fetch(`${gateway.url}/topics/health/records?dryRun=1`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"value":[1,{"idade":30,"altura":170,"peso":95}]}',
      });
    } finally {
      await gateway.close();
    }

    // Assess
    const [event] = events;
    const missing = (documented: object, actual: object): string[] => Object.keys(documented).filter((k) => !(k in actual));
    expect(missing(captured, event!)).toEqual([]);
    expect(missing(captured.requestContext, event!.requestContext)).toEqual([]);
    expect(missing(captured.requestContext.identity, event!.requestContext.identity)).toEqual([]);
    for (const field of Object.keys(captured) as Array<keyof APIGatewayProxyEvent>) {
      if (captured[field] !== null && event![field] !== null)
        expect(`${field}: ${typeOf(event![field])}`).toBe(`${field}: ${typeOf(captured[field])}`);
    }
    expect(event).toMatchObject({
      resource: captured.resource,
      httpMethod: 'POST',
      pathParameters: { topic: 'health' },
      isBase64Encoded: false,
    });
  });
});
