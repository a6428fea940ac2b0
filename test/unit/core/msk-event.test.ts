import { INGEST_TIME_HEADER, type KafkaRecord } from '../../../core/kafka-record';
import {
  decodeMskEvent,
  encodeMskEvent,
  kafkaRecordFrom,
  MskEventError,
  type MskEvent,
  type MskEventSource,
} from '../../../core/msk-event';
import { loadEvent } from './load-event';

/** The source an event claims, read back from a fixture, so re-encoding can be compared. */
function sourceOf(event: Record<string, unknown>): MskEventSource {
  const bootstrapServers = event.bootstrapServers as string;
  return event.eventSource === 'aws:kafka'
    ? { kind: 'msk', eventSourceArn: event.eventSourceArn as string, bootstrapServers }
    : { kind: 'self-managed', bootstrapServers };
}

/** The error a decode throws, for asserting on its field and message. */
function decodeError(event: unknown): MskEventError {
  try {
    decodeMskEvent(event);
  } catch (error) {
    if (error instanceof MskEventError) return error;
    throw error;
  }
  throw new Error('expected decodeMskEvent to throw');
}

/** A copy of the documented MSK sample with its one record changed. */
function sampleWithRecord(change: (record: Record<string, unknown>) => void): Record<string, unknown> {
  const event = loadEvent('msk-event.json');
  const record = (event.records as Record<string, Array<Record<string, unknown>>>)['mytopic-0']?.[0] as Record<string, unknown>;
  change(record);
  return event;
}

describe('decoding the documented Amazon MSK event', () => {
  // The sample's one record, decoded once for the tests that read its fields.
  const [record] = decodeMskEvent(loadEvent('msk-event.json'));

  it('yields one record with the documented topic, partition, offset and timestamp', () => {
    // Prepare
    const event = loadEvent('msk-event.json');

    // Act
    const records = decodeMskEvent(event);

    // Assess
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      topic: 'mytopic',
      partition: 0,
      offset: 15,
      timestamp: 1545084650987,
      timestampType: 'CREATE_TIME',
    });
  });

  it('decodes the base64 value to text and keeps its raw bytes', () => {
    expect(record?.value).toBe('Hello, this is a test.');
    expect(record?.raw.value).toEqual(Buffer.from('Hello, this is a test.'));
  });

  it('decodes byte-array headers to text and to bytes', () => {
    expect(record?.headers).toEqual({ headerKey: 'headerValue' });
    expect(record?.raw.headers).toEqual([{ headerKey: Buffer.from('headerValue') }]);
  });

  it('decodes the placeholder key to its 22 bytes', () => {
    expect(record?.raw.key).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
    expect(record?.raw.key).toHaveLength(22);
  });
});

describe('decoding other documented Kafka events', () => {
  it('decodes the self-managed Kafka sample like the MSK one', () => {
    // Prepare
    const selfManaged = loadEvent('self-managed-kafka-event.json');

    // Act
    const records = decodeMskEvent(selfManaged);

    // Assess
    expect(records).toEqual(decodeMskEvent(loadEvent('msk-event.json')));
  });

  it('decodes the Powertools sample key and JSON value', () => {
    const [record] = decodeMskEvent(loadEvent('msk-event-powertools.json'));

    expect(record?.key).toBe('recordKey');
    expect(record?.value).toBe('{"key":"value"}');
  });

  it('decodes the 2020 sample, which has no headers and no bootstrap servers', () => {
    const [record] = decodeMskEvent(loadEvent('msk-event-2020.json'));

    expect(record).toMatchObject({
      topic: 'AWSKafkaTopic',
      partition: 0,
      offset: 0,
      key: '8d5596b4-1813-4238-b24b-6dad8e3d1c0c',
      headers: {},
    });
    expect(record?.raw.headers).toEqual([]);
  });
});

describe('decoding fluxo health events', () => {
  it('orders records by topic, then partition, then offset, whatever the key order', () => {
    const records = decodeMskEvent(loadEvent('fluxo-health-event.json'));

    expect(records.map((r) => `${r.topic}-${r.partition}@${r.offset}`)).toEqual([
      'health-0@41',
      'health-0@42',
      'health-0@43',
      'health-2@3',
    ]);
  });

  it('orders partitions numerically and topics by name', () => {
    // Prepare
    const record = (topic: string, partition: number, offset: number) => ({
      topic,
      partition,
      offset,
      timestamp: 1,
      timestampType: 'CREATE_TIME',
      headers: [],
    });
    const event = {
      eventSource: 'SelfManagedKafka',
      records: { 'b-10': [record('b', 10, 1)], 'b-9': [record('b', 9, 7), record('b', 9, 5)], 'a-1': [record('a', 1, 0)] },
    };

    // Act
    const order = decodeMskEvent(event).map((r) => `${r.topic}-${r.partition}@${r.offset}`);

    // Assess
    expect(order).toEqual(['a-1@0', 'b-9@5', 'b-9@7', 'b-10@1']);
  });

  it('tells a missing key from an empty key', () => {
    const records = decodeMskEvent(loadEvent('fluxo-health-event.json'));

    expect(records[1]?.key).toBeUndefined();
    expect(records[1]?.raw.key).toBeUndefined();
    expect(records[2]?.key).toBe('');
    expect(records[2]?.raw.key).toEqual(Buffer.alloc(0));
  });

  it('decodes a tombstone as an undefined value', () => {
    const tombstone = decodeMskEvent(loadEvent('fluxo-health-event.json'))[3];

    expect(tombstone?.value).toBeUndefined();
    expect(tombstone?.raw.value).toBeUndefined();
    expect(tombstone?.key).toBe('9');
  });

  it('keeps repeated headers in order in raw, the last one winning in text', () => {
    const tombstone = decodeMskEvent(loadEvent('fluxo-health-event.json'))[3];

    expect(tombstone?.headers).toEqual({ [INGEST_TIME_HEADER]: '1763776800249', origem: 'Ribeirão Preto' });
    expect(tombstone?.raw.headers.map((h) => Object.keys(h)[0])).toEqual([INGEST_TIME_HEADER, 'origem', 'origem']);
  });

  it('accepts a null key and value as absent', () => {
    const event = sampleWithRecord((record) => {
      record.key = null;
      record.value = null;
    });

    const [record] = decodeMskEvent(event);

    expect(record?.key).toBeUndefined();
    expect(record?.value).toBeUndefined();
  });

  it('accepts a record without headers as having none', () => {
    const event = sampleWithRecord((record) => {
      delete record.headers;
    });

    expect(decodeMskEvent(event)[0]?.raw.headers).toEqual([]);
  });

  it('reads signed (Java-style) header bytes as the same bytes', () => {
    const event = sampleWithRecord((record) => {
      record.headers = [{ h: [-61, -89] }, { h2: [195, 167] }];
    });

    const [record] = decodeMskEvent(event);

    expect(record?.headers).toEqual({ h: 'ç', h2: 'ç' });
  });

  it('decodes an empty record map to no records', () => {
    expect(decodeMskEvent({ eventSource: 'SelfManagedKafka', records: {} })).toEqual([]);
  });
});

describe('rejecting malformed events', () => {
  it.each<[string, unknown, string]>([
    ['a non-object event', 'nope', 'event'],
    ['an unknown event source', { eventSource: 'aws:sqs', records: {} }, 'eventSource'],
    ['an MSK event without its ARN', { eventSource: 'aws:kafka', records: {} }, 'eventSourceArn'],
    [
      'bootstrap servers given as a list',
      { eventSource: 'SelfManagedKafka', bootstrapServers: ['a:9092'], records: {} },
      'bootstrapServers',
    ],
    ['records as a list', { eventSource: 'SelfManagedKafka', records: [] }, 'records'],
    ['a record list that is not a list', { eventSource: 'SelfManagedKafka', records: { 't-0': {} } }, 'records["t-0"]'],
    ['a record that is not an object', { eventSource: 'SelfManagedKafka', records: { 't-0': [7] } }, 'records["t-0"][0]'],
  ])('names the field for %s', (_, event, field) => {
    // Act
    const error = decodeError(event);

    // Assess
    expect(error.field).toBe(field);
    expect(error.name).toBe('MskEventError');
    expect(error.message).toContain(field);
  });

  it.each<[string, (record: Record<string, unknown>) => void, string]>([
    ['an empty topic', (r) => (r.topic = ''), '.topic'],
    ['a partition given as text', (r) => (r.partition = '0'), '.partition'],
    ['a negative offset', (r) => (r.offset = -1), '.offset'],
    ['a fractional offset', (r) => (r.offset = 1.5), '.offset'],
    ['a timestamp given as text', (r) => (r.timestamp = '1545084650987'), '.timestamp'],
    ['a missing timestamp type', (r) => delete r.timestampType, '.timestampType'],
    ['a key that is not a string', (r) => (r.key = 12), '.key'],
    ['a value that is not base64', (r) => (r.value = 'not base64!'), '.value'],
    ['a value with bad padding', (r) => (r.value = 'SGVsbG8'), '.value'],
    ['headers that are not a list', (r) => (r.headers = { a: [1] }), '.headers'],
    ['a header that is not an object', (r) => (r.headers = [[1, 2]]), '.headers[0]'],
    ['a header value that is not a byte list', (r) => (r.headers = [{ a: 'text' }]), '.headers[0]["a"]'],
    ['a header byte out of range', (r) => (r.headers = [{ a: [104, 256] }]), '.headers[0]["a"][1]'],
  ])('names the record field for %s', (_, change, suffix) => {
    const error = decodeError(sampleWithRecord(change));

    expect(error.field).toBe(`records["mytopic-0"][0]${suffix}`);
  });

  it('rejects a record listed under another topic-partition', () => {
    const error = decodeError(sampleWithRecord((r) => (r.partition = 1)));

    expect(error.message).toBe('malformed Kafka event: records["mytopic-0"][0] is mytopic-1 but is listed under "mytopic-0"');
  });
});

describe('encoding records as Lambda would deliver them', () => {
  it.each(['msk-event-powertools.json', 'fluxo-health-event.json'])('reproduces %s exactly from its decoded records', (name) => {
    // Prepare
    const fixture = loadEvent(name);

    // Act
    const encoded = encodeMskEvent(decodeMskEvent(fixture), sourceOf(fixture));

    // Assess
    expect(encoded).toEqual(fixture);
  });

  it.each(['msk-event.json', 'self-managed-kafka-event.json'])(
    'reproduces %s exactly except for the placeholder key, which becomes canonical base64 of the same bytes',
    (name) => {
      // Prepare
      const fixture = loadEvent(name);
      const canonical = 'abcDEFghiJKLmnoPQRstuVWXyz123w==';

      // Act
      const encoded = encodeMskEvent(decodeMskEvent(fixture), sourceOf(fixture));

      // Assess
      const record = encoded.records['mytopic-0']?.[0];
      expect(record?.key).toBe(canonical);
      expect(Buffer.from(canonical, 'base64')).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
      const expected = JSON.parse(JSON.stringify(fixture).replace('abcDEFghiJKLmnoPQRstuVWXyz1234==', canonical)) as unknown;
      expect(encoded).toEqual(expected);
    },
  );

  it('writes record fields in the documented order, so the JSON text matches too', () => {
    const fixture = loadEvent('msk-event-powertools.json');

    const encoded = encodeMskEvent(decodeMskEvent(fixture), sourceOf(fixture));

    expect(JSON.stringify(encoded)).toBe(JSON.stringify(fixture));
  });

  it('leaves out the key and value of a record that has none', () => {
    // Prepare
    const record = kafkaRecordFrom({ topic: 't', partition: 0, offset: 1, timestamp: 2 });

    // Act
    const encoded = encodeMskEvent([record], { kind: 'self-managed', bootstrapServers: 'localhost:9092' });

    // Assess
    expect(encoded).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'localhost:9092',
      records: { 't-0': [{ topic: 't', partition: 0, offset: 1, timestamp: 2, timestampType: 'CREATE_TIME', headers: [] }] },
    });
  });

  it('groups records by topic-partition, keeping the given order inside each group', () => {
    // Prepare
    const at = (partition: number, offset: number): KafkaRecord =>
      kafkaRecordFrom({ topic: 'health', partition, offset, timestamp: offset, value: Buffer.from(String(offset)) });
    const source: MskEventSource = { kind: 'msk', eventSourceArn: 'arn:aws:kafka:local', bootstrapServers: '127.0.0.1:9092' };

    // Act
    const event: MskEvent = encodeMskEvent([at(1, 10), at(0, 5), at(1, 11), at(0, 6)], source);

    // Assess
    expect(Object.keys(event.records)).toEqual(['health-1', 'health-0']);
    expect(event.records['health-1']?.map((r) => r.offset)).toEqual([10, 11]);
    expect(event.records['health-0']?.map((r) => r.offset)).toEqual([5, 6]);
    expect(event.eventSourceArn).toBe('arn:aws:kafka:local');
  });

  it('round-trips arbitrary bytes in key, value and headers', () => {
    // Prepare
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const record = kafkaRecordFrom({
      topic: 'bin',
      partition: 3,
      offset: 9,
      timestamp: 1,
      key: bytes,
      value: bytes,
      headers: [{ raw: bytes }],
    });
    const source: MskEventSource = { kind: 'self-managed', bootstrapServers: 'h:1' };

    // Act
    const [decoded] = decodeMskEvent(JSON.parse(JSON.stringify(encodeMskEvent([record], source))));

    // Assess
    expect(decoded?.raw).toEqual(record.raw);
    expect(decoded).toEqual(record);
  });
});

describe('building records from a Kafka client message', () => {
  it('takes kafkajs-style text offsets and timestamps', () => {
    // Act
    const record = kafkaRecordFrom({
      topic: 'health',
      partition: 1,
      offset: '9007199254740991',
      timestamp: '1763776800000',
      key: Buffer.from('7'),
      value: Buffer.from('{"peso":81}'),
    });

    // Assess
    expect(record).toMatchObject({
      offset: Number.MAX_SAFE_INTEGER,
      timestamp: 1763776800000,
      key: '7',
      value: '{"peso":81}',
      timestampType: 'CREATE_TIME',
    });
  });

  it('treats null key and value as absent', () => {
    const record = kafkaRecordFrom({ topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, value: null });

    expect(record.key).toBeUndefined();
    expect(record.raw.value).toBeUndefined();
  });

  it('spreads a kafkajs repeated header into one entry per value, in order', () => {
    // Act
    const record = kafkaRecordFrom({
      topic: 't',
      partition: 0,
      offset: 0,
      timestamp: 0,
      timestampType: 'LOG_APPEND_TIME',
      headers: { a: Buffer.from('1'), b: ['x', Buffer.from('y')], skipped: undefined },
    });

    // Assess
    expect(record.raw.headers).toEqual([{ a: Buffer.from('1') }, { b: Buffer.from('x') }, { b: Buffer.from('y') }]);
    expect(record.headers).toEqual({ a: '1', b: 'y' });
    expect(record.timestampType).toBe('LOG_APPEND_TIME');
  });

  it('keeps a header list exactly as given', () => {
    const record = kafkaRecordFrom({
      topic: 't',
      partition: 0,
      offset: 0,
      timestamp: 0,
      headers: [{ z: 'last' }, { a: Buffer.from('first') }],
    });

    expect(record.raw.headers).toEqual([{ z: Buffer.from('last') }, { a: Buffer.from('first') }]);
  });

  it.each<[string, { partition: number; offset: number | string; timestamp: number | string }, string]>([
    ['a negative partition', { partition: -1, offset: 0, timestamp: 0 }, 'partition'],
    ['an offset that is not a number', { partition: 0, offset: 'abc', timestamp: 0 }, 'offset'],
    ['an offset past the safe integer range', { partition: 0, offset: '9007199254740993', timestamp: 0 }, 'offset'],
    ['a fractional timestamp', { partition: 0, offset: 0, timestamp: 1.5 }, 'timestamp'],
  ])('rejects %s', (_, parts, field) => {
    expect(() => kafkaRecordFrom({ topic: 't', ...parts })).toThrow(expect.objectContaining({ name: 'MskEventError', field }));
  });
});

describe('a header named __proto__', () => {
  it('is kept as a header, as bytes and as text, through encoding and decoding', () => {
    // Prepare: a Kafka client may send any header name; assigning this one would set the prototype instead.
    const record = kafkaRecordFrom({
      topic: 't',
      partition: 0,
      offset: 1,
      timestamp: 5,
      value: Buffer.from('x'),
      headers: JSON.parse('{"__proto__":"p","a":"b"}'),
    });

    // Act
    const [decoded] = decodeMskEvent(
      JSON.parse(JSON.stringify(encodeMskEvent([record], { kind: 'self-managed', bootstrapServers: 'k:9092' }))),
    );

    // Assess
    for (const r of [record, decoded]) {
      expect(Object.getOwnPropertyDescriptor(r?.headers, '__proto__')?.value).toBe('p');
      expect(r?.headers.a).toBe('b');
      expect(Object.getPrototypeOf(r?.headers)).toBe(Object.prototype);
      expect(r?.raw.headers.flatMap((header) => Object.keys(header))).toEqual(['__proto__', 'a']);
      expect(r?.raw.headers.every((header) => Object.getPrototypeOf(header) === Object.prototype)).toBe(true);
    }
  });
});
