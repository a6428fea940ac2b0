import { BadRequestError, PayloadTooLargeError } from '../../../core/errors';
import { INGEST_LIMITS, nestedDeeperThan, parseEventTime, parseIngestBody, prepareRecord, recordPath } from '../../../core/ingest';
import type { PrepareOutcome, PreparedRecord } from '../../../core/ingest';
import { INGEST_TIME_HEADER } from '../../../core/kafka-record';
import type { ResolvedTopic } from '../../../core/spec';
import { builtInTopic } from './built-in-topic';

const health = builtInTopic('health');
const tweets = builtInTopic('tweets');
const petr4 = builtInTopic('petr4');
const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

function prepared(outcome: PrepareOutcome): PreparedRecord {
  if (!outcome.ok) throw new Error(`expected a prepared record, got ${outcome.error.message}`);
  return outcome.record;
}

function rejected(outcome: PrepareOutcome) {
  if (outcome.ok) throw new Error('expected a rejected record');
  return outcome.error;
}

describe('request body forms', () => {
  const single = { value: { price: 1, volume: 2 } };
  const batch = [{ value: 1 }, { value: 2 }];
  it.each([
    ['takes a body with value as one record', single, { form: 'single', records: [single] }],
    ['takes {records: [...]} as a batch, in order', { records: batch }, { form: 'batch', records: batch }],
  ])('%s', (_, body, expected) => {
    // Act
    const parsed = parseIngestBody(body);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each([
    ['a JSON array', [1, 2], 'body must be a JSON object'],
    ['null', null, 'body must be a JSON object'],
    ['an object with neither value nor records', { foo: 1 }, 'body must be one record'],
    ['records that is not an array', { records: {} }, 'records must be an array'],
    ['an empty records array', { records: [] }, 'records must not be empty'],
    ['a field next to records', { records: [{ value: 1 }], key: 'k' }, 'unexpected field "key"'],
  ])('refuses %s with 40002', (_, body, message) => {
    // Act
    const act = () => parseIngestBody(body);

    // Assess
    expect(act).toThrow(BadRequestError);
    expect(act).toThrow(message);
  });

  it('refuses more than 500 records with 41301', () => {
    // Prepare
    const records = Array.from({ length: INGEST_LIMITS.maxRecords + 1 }, () => ({ value: {} }));

    // Act
    const act = () => parseIngestBody({ records });

    // Assess
    expect(act).toThrow(PayloadTooLargeError);
    expect(act).toThrow('records has 501 entries; the limit is 500');
  });

  it('accepts exactly 500 records', () => {
    // Prepare
    const records = Array.from({ length: INGEST_LIMITS.maxRecords }, () => ({ value: {} }));

    // Act
    const parsed = parseIngestBody({ records });

    // Assess
    expect(parsed.records).toHaveLength(500);
  });

  it('names fields by their path in the request', () => {
    // Act / Assess
    expect(recordPath('batch', 3, 'value.peso')).toBe('records[3].value.peso');
    expect(recordPath('single', 0, 'value.peso')).toBe('value.peso');
  });
});

describe('nesting depth', () => {
  it.each([
    ['a scalar', 1, 0, false],
    ['an empty object at the limit', {}, 1, false],
    ['an object one level past the limit', { a: {} }, 1, true],
    ['arrays exactly at the limit', [[[1]]], 3, false],
    ['100,000 nested arrays', JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown, 32, true],
  ])('tells whether %s nests deeper than the limit', (_, value, limit, expected) => {
    // Act
    const deeper = nestedDeeperThan(value, limit);

    // Assess
    expect(deeper).toBe(expected);
  });
});

describe('event time', () => {
  it.each([
    ['ISO 8601 with Z', '2026-11-22T10:00:00Z', NOW],
    ['ISO 8601 with milliseconds', '2026-11-22T10:00:00.250Z', NOW + 250],
    ['ISO 8601 with an offset', '2026-11-22T07:00:00-03:00', NOW],
    ['epoch milliseconds', NOW, NOW],
    ['the last millisecond of year 9999', '9999-12-31T23:59:59.999Z', 253_402_300_799_999],
  ])('reads %s', (_, input, expected) => {
    // Act
    const ms = parseEventTime(input, 'timestamp');

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    ['a date without time', '2026-11-22'],
    ['a time without zone', '2026-11-22T10:00:00'],
    ['an impossible date', '2026-13-45T10:00:00Z'],
    ['a fractional number', 1.5],
    ['a negative number', -1],
    ['a boolean', true],
    ['epoch milliseconds past year 9999', 9_000_000_000_000_000],
    ['an offset that moves 9999-12-31 into year 10000', '9999-12-31T23:59:59-01:00'],
  ])('refuses %s naming the field', (_, input) => {
    // Act
    const act = () => parseEventTime(input, 'records[2].timestamp');

    // Assess
    expect(act).toThrow(BadRequestError);
    expect(act).toThrow('records[2].timestamp must be an ISO 8601 date-time with a zone or epoch milliseconds');
  });
});

describe('preparing a record', () => {
  it('prepares a tuple with IMC, event time, key, headers and the ingest-time header', () => {
    // Prepare
    const input = {
      key: 42,
      value: [7, { idade: 30, altura: 160, peso: 90 }],
      headers: { trace: 'abc' },
      partition: 2,
      timestamp: '2026-11-22T09:59:00Z',
    };

    // Act
    const record = prepared(prepareRecord(health, input, { form: 'single', index: 0, now: NOW }));

    // Assess
    expect(record).toEqual({
      key: '42',
      value: { id: 7, idade: 30, altura: 160, peso: 90, imc: 90 / (1.6 * 1.6) },
      serializedValue: JSON.stringify({ id: 7, idade: 30, altura: 160, peso: 90, imc: 90 / (1.6 * 1.6) }),
      headers: { trace: 'abc', [INGEST_TIME_HEADER]: String(NOW) },
      partition: 2,
      timestamp: NOW - 60_000,
    });
  });

  it('writes a line of a text topic as its UTF-8 bytes, not as a JSON string, and refuses any other value', () => {
    // Prepare
    const lines = builtInTopic('mensagens');

    // Act
    const record = prepared(prepareRecord(lines, { value: 'Olá, Kafka' }, { form: 'single', index: 0, now: NOW }));
    const error = rejected(prepareRecord(lines, { value: { text: 'Olá' } }, { form: 'batch', index: 2, now: NOW }));

    // Assess
    expect(record).toMatchObject({ value: 'Olá, Kafka', serializedValue: 'Olá, Kafka' });
    expect(error).toMatchObject({ errorCode: 42201, message: 'records[2].value must be a string: topic "mensagens" takes lines of text' });
  });

  it('uses the ingest time as event time when the record has none', () => {
    // Act
    const record = prepared(prepareRecord(tweets, { value: { user: 'ana', text: '#Kafka' } }, { form: 'single', index: 0, now: NOW }));

    // Assess
    expect(record.timestamp).toBe(NOW);
    expect(record.key).toBeUndefined();
    expect(record.partition).toBeUndefined();
    expect(record.value).toEqual({ user: 'ana', text: '#Kafka', hashtags: ['kafka'] });
  });

  it.each([
    ['a non-object record', 'hello', 40002, 'records[1] must be a record object'],
    [
      'an unknown record field',
      { value: {}, offset: 3 },
      40002,
      'records[1].offset is not a record field (value, key, headers, partition, timestamp)',
    ],
    ['a missing value', { key: 'a' }, 40002, 'records[1].value is required'],
    ['an object key', { value: {}, key: { a: 1 } }, 40002, 'records[1].key must be a string or a number'],
    ['headers that are not an object', { value: {}, headers: ['a'] }, 40002, 'records[1].headers must be an object of string values'],
    ['a non-string header', { value: {}, headers: { a: 1 } }, 40002, 'records[1].headers.a must be a string'],
    ['an empty header name', { value: {}, headers: { '': 'x' } }, 40002, 'records[1].headers must not have an empty name'],
    [
      'the reserved ingest-time header',
      { value: {}, headers: { 'Fluxo-Ingest-Time': '1' } },
      40002,
      'records[1].headers.Fluxo-Ingest-Time is reserved',
    ],
    ['a negative partition', { value: {}, partition: -1 }, 40002, 'records[1].partition must be a whole number from 0'],
    [
      'a partition the topic does not have',
      { value: {}, partition: 2 },
      40403,
      'records[1].partition: topic "petr4" has partitions 0 to 1, not 2',
    ],
    ['a bad timestamp', { value: {}, timestamp: 'yesterday' }, 40002, 'records[1].timestamp must be an ISO 8601'],
    ['a schema violation', { value: { price: 'x', volume: 1 } }, 42201, 'records[1].value.price must be a number'],
  ])('rejects %s with its error code and field path', (_, input, code, message) => {
    // Act
    const error = rejected(prepareRecord(petr4, input, { form: 'batch', index: 1, now: NOW }));

    // Assess
    expect(error.errorCode).toBe(code);
    expect(error.message).toContain(message);
  });

  it('rejects a value over 1 MiB as written, with 41301', () => {
    // Prepare
    const text = '#a '.repeat(INGEST_LIMITS.maxValueBytes / 3);
    const loose: ResolvedTopic = { ...tweets, schema: { fields: { text: { type: 'string' } } } };

    // Act
    const error = rejected(prepareRecord(loose, { value: { text } }, { form: 'batch', index: 0, now: NOW }));

    // Assess
    expect(error.errorCode).toBe(41301);
    expect(error.message).toMatch(/^records\[0\]\.value is \d+ bytes as written; the limit is 1048576$/);
  });

  it('accepts a value just under 1 MiB', () => {
    // Prepare
    const overhead = JSON.stringify({ price: 1, volume: 1, pad: '' }).length;
    const pad = 'x'.repeat(INGEST_LIMITS.maxValueBytes - overhead);

    // Act
    const record = prepared(prepareRecord(petr4, { value: { price: 1, volume: 1, pad } }, { form: 'single', index: 0, now: NOW }));

    // Assess
    expect(Buffer.byteLength(record.serializedValue)).toBe(INGEST_LIMITS.maxValueBytes);
  });
});
