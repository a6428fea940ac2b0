/**
 * The bad-input corpus: malformed requests to the HTTP API, generated in categories, each with
 * the answer it must get — a 4xx in the documented shape `{error_code, message, details?}`, the
 * code it must carry and, where the fault is in one field, the field the message must name.
 * Nothing here may be written: every case is refused.
 */
import { encodeCursor } from '../../../lambdas/results/query';
import type { RawRequest } from './raw-http';

/** The answer a case must get. */
export interface Expected {
  readonly status: number;
  /** The `error_code` (status × 100 + sub-code). */
  readonly code: number;
  /** Text the message must contain: the field or parameter at fault. */
  readonly field?: string;
}

/** One malformed request and the answer it must get. */
export interface BadInputCase {
  readonly category: string;
  readonly name: string;
  readonly request: RawRequest;
  readonly expected: Expected;
}

const JSON_TYPE = 'Content-Type: application/json';
const HEALTH = '/topics/health/records';
/** A consumer that keeps its records (so `/records` is served). */
const CONSUMER = 'peso-acima-80';

/** A valid health record (the course tuple). */
const TUPLE = [7, { idade: 30, altura: 170, peso: 80 }];

const badRequest = (field?: string): Expected => ({ status: 400, code: 40002, ...(field === undefined ? {} : { field }) });
const notJson: Expected = { status: 400, code: 40001 };
const badParameter = (field?: string): Expected => ({ status: 400, code: 40003, ...(field === undefined ? {} : { field }) });
const schema = (field: string): Expected => ({ status: 422, code: 42201, field });
const tooLarge = (field?: string): Expected => ({ status: 413, code: 41301, ...(field === undefined ? {} : { field }) });
const unknownTopic: Expected = { status: 404, code: 40401 };
const unknownConsumer: Expected = { status: 404, code: 40402 };
const unknownPartition: Expected = { status: 404, code: 40403, field: 'partition' };
const noRoute: Expected = { status: 404, code: 40404 };
const wrongMethod: Expected = { status: 405, code: 40501 };
const wrongType: Expected = { status: 415, code: 41501 };

/** A POST of `body` (text, or JSON of a value) to `target` as application/json. */
function post(body: string | Buffer | { json: unknown }, target = HEALTH, headers: readonly (string | Buffer)[] = [JSON_TYPE]): RawRequest {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body.json);
  return { method: 'POST', target, headers, body: text };
}

function get(target: string, headers: readonly string[] = []): RawRequest {
  return { method: 'GET', target, headers };
}

/** A record in both body forms, with the field path the message must name in each. */
function bothForms(
  category: string,
  name: string,
  record: Record<string, unknown>,
  field: string,
  expected: (field: string) => Expected,
): BadInputCase[] {
  return [
    { category, name: `${name} (one record)`, request: post({ json: record }), expected: expected(field) },
    { category, name: `${name} (in a batch)`, request: post({ json: { records: [record] } }), expected: expected(`records[0].${field}`) },
  ];
}

function truncatedJson(): BadInputCase[] {
  const text = JSON.stringify({ records: [{ value: TUPLE, key: 'k', timestamp: '2026-11-22T10:00:00Z', headers: { a: 'b' } }] });
  const cuts = Array.from({ length: 14 }, (_, i) => 1 + Math.floor(((text.length - 2) * i) / 13));
  const garbage: Array<[string, string]> = [
    ['plain text', 'hello'],
    ['single quotes', "{'value': [7, {}]}"],
    ['a trailing comma', '{"value": [7, {"idade": 30, "altura": 170, "peso": 80}],}'],
    ['NaN', '{"value": NaN}'],
    ['Infinity', '{"value": Infinity}'],
    ['a leading zero', '{"value": 01}'],
    ['a bare fraction', '{"value": .5}'],
    ['a raw control character in a string', '{"value": "a\u0001b"}'],
    ['a comment', '/* c */ {"value": 1}'],
    ['trailing garbage', '{"value": 1} trailing'],
    ['two documents', '{"value": 1}{"value": 2}'],
    ['a missing colon', '{"value" [7]}'],
    ['an invalid escape', '{"value": "\\x41"}'],
    ['undefined', 'undefined'],
    ['an unterminated string', '{"value": "abc'],
    ['a lone closing brace', '}'],
  ];
  return [
    ...[...new Set(cuts)].map((cut) => ({
      category: 'truncated JSON',
      name: `cut at byte ${cut} of ${text.length}`,
      request: post(text.slice(0, cut)),
      expected: notJson,
    })),
    ...garbage.map(([name, body]) => ({ category: 'truncated JSON', name, request: post(body), expected: notJson })),
  ];
}

function bodyShapes(): BadInputCase[] {
  const shapes: Array<[string, string, Expected]> = [
    ['null', 'null', badRequest()],
    ['true', 'true', badRequest()],
    ['a number', '1', badRequest()],
    ['a string', '"x"', badRequest()],
    ['an empty array', '[]', badRequest()],
    ['an array of records', JSON.stringify([{ value: TUPLE }]), badRequest()],
    ['an empty object', '{}', badRequest()],
    ['records as an object', '{"records": {}}', badRequest('records')],
    ['records as a string', '{"records": "x"}', badRequest('records')],
    ['records as null', '{"records": null}', badRequest('records')],
    ['no records', '{"records": []}', badRequest('records')],
    ['a field next to records', JSON.stringify({ records: [{ value: TUPLE }], value: TUPLE }), badRequest('value')],
    ['an unknown record field', JSON.stringify({ value: TUPLE, bogus: 1 }), badRequest('bogus')],
    ['a record that is a number', '{"records": [1]}', badRequest('records[0]')],
    ['a record that is null', '{"records": [null]}', badRequest('records[0]')],
    ['a record without value', '{"records": [{"key": "k"}]}', badRequest('records[0].value')],
    ['501 records', JSON.stringify({ records: Array.from({ length: 501 }, () => ({ value: TUPLE })) }), tooLarge('records')],
  ];
  return [
    { category: 'body shape', name: 'an empty body', request: post(''), expected: badRequest('body') },
    ...shapes.map(([name, body, expected]) => ({ category: 'body shape', name, request: post(body), expected })),
  ];
}

function wrongTypes(): BadInputCase[] {
  const category = 'wrong types';
  const fields: Array<[string, string, unknown[], (field: string) => Expected]> = [
    ['key', 'key', [{}, [], true, null], badRequest],
    ['headers', 'headers', ['x', [], 1, { a: 1 }, { a: null }], badRequest],
    [
      'timestamp',
      'timestamp',
      ['yesterday', '2026-11-22', '2026-11-22T10:00:00', -1, 1.5, true, {}, 9e15, '10000-01-01T00:00:00Z', 1e21],
      badRequest,
    ],
  ];
  const cases = fields.flatMap(([label, field, values, expected]) =>
    values.flatMap((value) => bothForms(category, `${label} ${JSON.stringify(value)}`, { value: TUPLE, [field]: value }, field, expected)),
  );
  cases.push(
    ...bothForms(category, 'a header with an empty name', { value: TUPLE, headers: { '': 'x' } }, 'headers', badRequest),
    ...bothForms(
      category,
      'the reserved ingest-time header',
      { value: TUPLE, headers: { 'fluxo-ingest-time': '1' } },
      'headers',
      badRequest,
    ),
  );
  const values: Array<[string, unknown, string]> = [
    ['value a string', 'x', 'value'],
    ['value a number', 1, 'value'],
    ['value null', null, 'value'],
    ['value true', true, 'value'],
    ['value an empty array', [], 'value'],
    ['value a one-element tuple', [1], 'value'],
    ['value a three-element tuple', [1, {}, 3], 'value'],
    ['value a tuple without fields', [1, 'x'], 'value'],
    ['value a tuple of empty fields', [1, {}], 'value.idade'],
    ['idade a string', [7, { idade: '30', altura: 170, peso: 80 }], 'value.idade'],
    ['idade a fraction', [7, { idade: 1.5, altura: 170, peso: 80 }], 'value.idade'],
    ['altura zero', [7, { idade: 30, altura: 0, peso: 80 }], 'value.altura'],
    ['peso negative', [7, { idade: 30, altura: 170, peso: -5 }], 'value.peso'],
    ['peso an object', [7, { idade: 30, altura: 170, peso: {} }], 'value.peso'],
    ['id negative', [-1, { idade: 30, altura: 170, peso: 80 }], 'value.id'],
    ['id a string', ['7', { idade: 30, altura: 170, peso: 80 }], 'value.id'],
  ];
  for (const [name, value, field] of values) cases.push(...bothForms(category, name, { value }, field, schema));
  cases.push(
    ...bothForms(category, 'a record without value', { key: 'k' }, 'value', badRequest),
    {
      category,
      name: 'petr4 price a string',
      request: post({ json: { value: { price: 'x', volume: 1 } } }, '/topics/petr4/records'),
      expected: schema('value.price'),
    },
    {
      category,
      name: 'petr4 volume negative',
      request: post({ json: { value: { price: 1, volume: -1 } } }, '/topics/petr4/records'),
      expected: schema('value.volume'),
    },
    {
      category,
      name: 'vale3 volume a fraction',
      request: post({ json: { value: { price: 1, volume: 1.5 } } }, '/topics/vale3/records'),
      expected: schema('value.volume'),
    },
    {
      category,
      name: 'tweets user over 64 characters',
      request: post({ json: { value: { user: 'u'.repeat(65), text: 'hi' } } }, '/topics/tweets/records'),
      expected: schema('value.user'),
    },
    {
      category,
      name: 'tweets text a number',
      request: post({ json: { value: { user: 'u', text: 1 } } }, '/topics/tweets/records'),
      expected: schema('value.text'),
    },
  );
  return cases;
}

function hugeNumbers(): BadInputCase[] {
  const category = 'huge numbers';
  const digits = '9'.repeat(1000);
  const raw = (name: string, body: string, expected: Expected): BadInputCase => ({ category, name, request: post(body), expected });
  return [
    raw('peso 1e308', '{"value": [7, {"idade": 30, "altura": 170, "peso": 1e308}]}', schema('value.peso')),
    raw('peso 1e400 (Infinity)', '{"value": [7, {"idade": 30, "altura": 170, "peso": 1e400}]}', schema('value.peso')),
    raw('altura -1e400', '{"value": [7, {"idade": 30, "altura": -1e400, "peso": 80}]}', schema('value.altura')),
    raw('peso 1e-400 (zero)', '{"value": [7, {"idade": 30, "altura": 170, "peso": 1e-400}]}', schema('value.peso')),
    raw('idade 2^53 + 1', '{"value": [7, {"idade": 9007199254740993, "altura": 170, "peso": 80}]}', schema('value.idade')),
    raw('id of 1000 digits', `{"value": [${digits}, {"idade": 30, "altura": 170, "peso": 80}]}`, schema('value.id')),
    raw('partition 1e308', `{"value": [7, {"idade": 30, "altura": 170, "peso": 80}], "partition": 1e308}`, unknownPartition),
    raw(
      'partition of 1000 digits',
      `{"value": [7, {"idade": 30, "altura": 170, "peso": 80}], "partition": ${digits}}`,
      badRequest('partition'),
    ),
    raw('timestamp 1e400', '{"value": [7, {"idade": 30, "altura": 170, "peso": 80}], "timestamp": 1e400}', badRequest('timestamp')),
    raw(
      'timestamp 2^63',
      '{"value": [7, {"idade": 30, "altura": 170, "peso": 80}], "timestamp": 9223372036854775808}',
      badRequest('timestamp'),
    ),
    raw('key 1e400', '{"value": [7, {"idade": 30, "altura": 170, "peso": 80}], "key": 1e400}', badRequest('key')),
  ];
}

function deepNesting(): BadInputCase[] {
  const category = 'deep nesting';
  const arrays = (n: number, inner = ''): string => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
  const objects = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  return [
    { category, name: '100,000 nested arrays as the body', request: post(arrays(100_000)), expected: badRequest() },
    { category, name: '100,000 nested objects as the body', request: post(`{"value":${objects(100_000)}}`), expected: badRequest() },
    {
      category,
      name: '100,000 nested arrays in a tweet',
      request: post(`{"value":{"user":"u","text":"t","x":${arrays(100_000)}}}`, '/topics/tweets/records'),
      expected: badRequest(),
    },
    {
      category,
      name: '10,000 nested objects in a tweet',
      request: post(`{"value":{"user":"u","text":"t","x":${objects(10_000)}}}`, '/topics/tweets/records'),
      expected: badRequest(),
    },
    { category, name: '100,000 nested arrays as a record', request: post(`{"records":[${arrays(100_000)}]}`), expected: badRequest() },
    {
      category,
      name: 'a batch record one level past the limit',
      request: post(`{"records":[{"value":{"user":"u","text":"t","x":${arrays(29)}}}]}`, '/topics/tweets/records'),
      expected: badRequest(),
    },
    {
      category,
      name: 'nested headers',
      request: post(`{"value":[7,{"idade":30,"altura":170,"peso":80}],"headers":{"a":${objects(1000)}}}`),
      expected: badRequest(),
    },
  ];
}

function largeBodies(): BadInputCase[] {
  const category = 'large bodies';
  const MB10 = 10 * 1024 * 1024;
  const padded = (bytes: number): string => {
    const prefix = '{"value":{"user":"u","text":"';
    const suffix = '"}}';
    return `${prefix}${'x'.repeat(bytes - prefix.length - suffix.length)}${suffix}`;
  };
  return [
    { category, name: 'exactly 10 MiB (the gateway limit)', request: post(padded(MB10), '/topics/tweets/records'), expected: tooLarge() },
    { category, name: '10 MiB + 1 byte', request: post(padded(MB10 + 1), '/topics/tweets/records'), expected: tooLarge() },
    {
      category,
      name: 'a declared 20 MiB body',
      request: {
        method: 'POST',
        target: HEALTH,
        headers: [JSON_TYPE, `Content-Length: ${2 * MB10}`],
        contentLength: false,
        body: '{"value":',
      },
      expected: tooLarge(),
    },
    { category, name: '6 MiB of valid JSON', request: post(padded(6 * 1024 * 1024), '/topics/tweets/records'), expected: tooLarge() },
    {
      category,
      name: 'a 2 MiB value',
      request: post({ json: { value: { user: 'u', text: 'hi', pad: 'x'.repeat(2 * 1024 * 1024) } } }, '/topics/tweets/records'),
      expected: tooLarge('value'),
    },
    {
      category,
      name: 'a batch of 100 values of 60 KiB (6 MiB)',
      request: post(
        { json: { records: Array.from({ length: 100 }, () => ({ value: { user: 'u', text: 'x'.repeat(60 * 1024) } })) } },
        '/topics/tweets/records',
      ),
      expected: tooLarge(),
    },
  ];
}

function invalidUtf8(): BadInputCase[] {
  const category = 'invalid UTF-8';
  const around = (bytes: number[]): Buffer =>
    Buffer.concat([Buffer.from('{"value":{"user":"'), Buffer.from(bytes), Buffer.from('","text":"t"}}')]);
  const sequences: Array<[string, number[]]> = [
    ['0xFF', [0xff]],
    ['0xFE 0xFF', [0xfe, 0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a lone continuation byte', [0x80]],
    ['a Latin-1 é', [0xe9]],
    ['a five-byte sequence', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ];
  return [
    ...sequences.map(([name, bytes]) => ({
      category,
      name: `${name} in a string`,
      request: post(around(bytes), '/topics/tweets/records'),
      expected: notJson,
    })),
    { category, name: 'a body of random bytes', request: post(Buffer.from([0x00, 0xff, 0x10, 0x80, 0xc3, 0x28])), expected: notJson },
    {
      category,
      name: '%FF as the topic',
      request: post({ json: { value: TUPLE } }, '/topics/%FF/records'),
      expected: badParameter('topic'),
    },
    {
      category,
      name: 'an overlong %C0%AF as the topic',
      request: post({ json: { value: TUPLE } }, '/topics/%C0%AF/records'),
      expected: badParameter('topic'),
    },
    { category, name: 'an encoded surrogate as the consumer', request: get('/results/%ED%A0%80'), expected: badParameter('consumer') },
    {
      category,
      name: 'a truncated sequence as the consumer of /records',
      request: get('/results/%E2%82/records'),
      expected: badParameter('consumer'),
    },
  ];
}

function headerInjection(): BadInputCase[] {
  const category = 'header injection';
  const body = JSON.stringify({ value: TUPLE });
  const withHeaders = (
    name: string,
    headers: readonly (string | Buffer)[],
    expected: Expected,
    extra: Partial<RawRequest> = {},
  ): BadInputCase => ({
    category,
    name,
    request: { method: 'POST', target: HEALTH, headers, body, ...extra },
    expected,
  });
  return [
    withHeaders('a bare CR in a header value', [JSON_TYPE, 'X-A: a\rX-Injected: 1'], badParameter()),
    withHeaders('a NUL in a header value', [JSON_TYPE, 'X-A: a\u0000b'], badParameter()),
    withHeaders('a space in a header name', [JSON_TYPE, 'X A: b'], badParameter()),
    withHeaders('an empty header name', [JSON_TYPE, ': b'], badParameter()),
    withHeaders('a folded header line', [JSON_TYPE, 'X-A: a', ' X-Injected: 1'], badParameter()),
    withHeaders(
      'two different Content-Lengths',
      [JSON_TYPE, `Content-Length: ${body.length}`, `Content-Length: ${body.length + 5}`],
      badParameter(),
      { contentLength: false },
    ),
    withHeaders(
      'Content-Length with Transfer-Encoding (smuggling)',
      [JSON_TYPE, `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'],
      badParameter(),
      { contentLength: false },
    ),
    withHeaders('a Content-Length that is not a number', [JSON_TYPE, 'Content-Length: abc'], badParameter(), { contentLength: false }),
    withHeaders('a negative Content-Length', [JSON_TYPE, 'Content-Length: -1'], badParameter(), { contentLength: false }),
    withHeaders('a bad chunk size', [JSON_TYPE, 'Transfer-Encoding: chunked'], badParameter(), {
      contentLength: false,
      body: 'zz\r\nabc\r\n0\r\n\r\n',
    }),
    withHeaders('headers of 64 KiB', [JSON_TYPE, `X-Big: ${'a'.repeat(64 * 1024)}`], tooLarge()),
    withHeaders('a Host with a space', [JSON_TYPE, 'Host: a b'], badParameter('Host'), { host: false }),
    withHeaders('an empty Idempotency-Key', [JSON_TYPE, 'Idempotency-Key: '], badParameter('Idempotency-Key')),
    withHeaders(
      'an Idempotency-Key of 256 characters',
      [JSON_TYPE, `Idempotency-Key: ${'k'.repeat(256)}`],
      badParameter('Idempotency-Key'),
    ),
    withHeaders('an Idempotency-Key with a tab', [JSON_TYPE, 'Idempotency-Key: a\tb'], badParameter('Idempotency-Key')),
    withHeaders(
      'an Idempotency-Key with Latin-1 bytes',
      [JSON_TYPE, Buffer.concat([Buffer.from('Idempotency-Key: a'), Buffer.from([0xe9])])],
      badParameter('Idempotency-Key'),
    ),
    {
      category,
      name: 'an encoded CRLF and Set-Cookie in the topic',
      request: post(body, '/topics/health%0D%0ASet-Cookie:%20x=1/records'),
      expected: unknownTopic,
    },
    {
      category,
      name: 'an encoded CRLF in a query parameter',
      request: get(`/results/${CONSUMER}?limit=1%0D%0AX-Injected:%201`),
      expected: badParameter('limit'),
    },
  ];
}

function oddNames(): BadInputCase[] {
  const category = 'odd names';
  const decodable = [
    '..%2F..%2Fetc%2Fpasswd',
    'health%2F..%2Fpetr4',
    'health%2Frecords',
    'health%00',
    '%00',
    'health%20',
    '%20health',
    'h%C3%A9alth',
    '%F0%9F%9A%80',
    'HEALTH',
    'Health',
    '__proto__',
    'constructor',
    'toString',
    'health%3B',
    'health%3Fx%3D1',
    'health%23',
    'health..',
    'health%E2%80%8B',
    '%E2%80%AEhealth',
    'x'.repeat(5000),
  ];
  const undecodable = ['%', '%zz', 'health%', '%2'];
  const cases: BadInputCase[] = [];
  for (const name of decodable) {
    const short = name.length > 40 ? `${name.slice(0, 12)}… (${name.length} chars)` : name;
    cases.push(
      { category, name: `topic ${short}`, request: post({ json: { value: TUPLE } }, `/topics/${name}/records`), expected: unknownTopic },
      { category, name: `consumer ${short}`, request: get(`/results/${name}`), expected: unknownConsumer },
      { category, name: `consumer ${short} of /records`, request: get(`/results/${name}/records`), expected: unknownConsumer },
      { category, name: `dlq consumer ${short}`, request: get(`/dlq?consumer=${name}`), expected: unknownConsumer },
    );
  }
  for (const name of undecodable) {
    cases.push(
      {
        category,
        name: `topic ${name}`,
        request: post({ json: { value: TUPLE } }, `/topics/${name}/records`),
        expected: badParameter('topic'),
      },
      { category, name: `consumer ${name}`, request: get(`/results/${name}`), expected: badParameter('consumer') },
    );
  }
  cases.push(
    {
      category,
      name: 'raw traversal out of the API',
      request: post({ json: { value: TUPLE } }, '/topics/health/../../etc/passwd'),
      expected: noRoute,
    },
    { category, name: 'encoded dots as a segment', request: post({ json: { value: TUPLE } }, '/topics/%2e%2e/records'), expected: noRoute },
    { category, name: 'backslash traversal', request: post({ json: { value: TUPLE } }, '/topics\\..\\health/records'), expected: noRoute },
    { category, name: 'an empty topic segment', request: post({ json: { value: TUPLE } }, '/topics//records'), expected: noRoute },
    { category, name: 'a consumer without kept records', request: get('/results/ohlc-1m/records'), expected: unknownConsumer },
  );
  return cases;
}

function partitions(): BadInputCase[] {
  const category = 'partitions';
  const bad: unknown[] = [-1, -100, 0.5, 2.5, -0.0001, '1', '0', true, null, [], {}];
  const missing = [3, 4, 1000, 2 ** 31, 2 ** 53];
  return [
    ...bad.flatMap((p) => bothForms(category, `partition ${JSON.stringify(p)}`, { value: TUPLE, partition: p }, 'partition', badRequest)),
    ...missing.flatMap((p) =>
      bothForms(category, `partition ${p} of 3`, { value: TUPLE, partition: p }, 'partition', (field) => ({ ...unknownPartition, field })),
    ),
  ];
}

function queryParameters(): BadInputCase[] {
  const category = 'query parameters';
  const results = `/results/${CONSUMER}`;
  const q = (path: string, query: string, expected: Expected): BadInputCase => ({
    category,
    name: `${path} ?${query.length > 60 ? `${query.slice(0, 40)}…` : query}`,
    request: get(`${path}?${query}`),
    expected,
  });
  const cursor = (value: unknown): string =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
  const times = [
    'yesterday',
    '2026-13-01T00:00:00Z',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999999',
    '253402300800000',
    '2026-11-22',
    '',
    '2026-11-22T10:00:00',
  ];
  const limits = ['0', '-1', '1001', '1.5', 'abc', '', '1e2', '99999999', '%201', '0x10'];
  const cursors: Array<[string, string]> = [
    ['not base64url', 'not%20base64!'],
    ['percent signs', '%25%25%25'],
    ['base64 of text', cursor('not json')],
    ['base64 of an array', cursor([])],
    ['base64 of an empty object', cursor({})],
    ['a number attribute', cursor({ pk: 1 })],
    ['a foreign attribute', cursor({ foo: 'x' })],
    [
      'another consumer’s',
      encodeCursor({ gsi1pk: 'WIN#imc-acima-35', gsi1sk: '000000000000000#all', pk: 'AGG#imc-acima-35#all', sk: '000000000000000' }),
    ],
    ['3000 characters', 'A'.repeat(3000)],
    ['empty', ''],
  ];
  const cases: BadInputCase[] = [
    ...times.map((t) => q(results, `from=${t}`, badParameter('from'))),
    ...times.slice(0, 6).map((t) => q(results, `to=${t}`, badParameter('to'))),
    ...limits.map((l) => q(results, `limit=${l}`, badParameter('limit'))),
    q(results, 'limit=10&limit=0', badParameter('limit')),
    ...cursors.map(([, c]) => q(results, `cursor=${c}`, badParameter('cursor'))),
    ...['0', '1001', 'x', '-1', '1.5'].map((t) => q(results, `top=${t}`, badParameter('top'))),
    q(
      results,
      `top=5&cursor=${encodeCursor({ gsi1pk: `WIN#${CONSUMER}`, gsi1sk: '000000000000000#all', pk: `AGG#${CONSUMER}#all`, sk: '000000000000000' })}`,
      badParameter('top'),
    ),
    q(results, 'key=', badParameter('key')),
    q(results, `key=${'k'.repeat(600)}`, badParameter('key')),
    q(`${results}/records`, 'limit=0', badParameter('limit')),
    q(`${results}/records`, 'from=yesterday', badParameter('from')),
    q(`${results}/records`, 'to=-1', badParameter('to')),
    q(`${results}/records`, `cursor=${cursor({ pk: 'REC#imc-acima-35', sk: 'x' })}`, badParameter('cursor')),
    q(`${results}/records`, 'cursor=%%%', badParameter('cursor')),
    q('/dlq', 'limit=0', badParameter('limit')),
    q('/dlq', 'limit=abc', badParameter('limit')),
    q('/dlq', 'cursor=bad!', badParameter('cursor')),
    q('/dlq', `cursor=${cursor({ pk: 'DLQ#nope' })}`, badParameter('cursor')),
    q('/dlq', `consumer=${CONSUMER}&cursor=${cursor({ pk: 'DLQ#imc-acima-35' })}`, badParameter('cursor')),
  ];
  return cases;
}

function contentTypes(): BadInputCase[] {
  const types = [
    'text/plain',
    'text/json',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'json',
    '*/*',
    'application/jsonp',
    'image/png',
    'application/octet-stream',
    '',
  ];
  return types.map((type) => ({
    category: 'content types',
    name: `Content-Type "${type}"`,
    request: post({ json: { value: TUPLE } }, HEALTH, [`Content-Type: ${type}`]),
    expected: wrongType,
  }));
}

function methodsAndPaths(): BadInputCase[] {
  const category = 'methods and paths';
  const wrong: Array<[string, string]> = [
    ['PUT', HEALTH],
    ['DELETE', HEALTH],
    ['PATCH', HEALTH],
    ['GET', HEALTH],
    ['OPTIONS', HEALTH],
    ['POST', '/topics'],
    ['PUT', '/topics'],
    ['DELETE', '/topics'],
    ['POST', `/results/${CONSUMER}`],
    ['DELETE', `/results/${CONSUMER}`],
    ['POST', `/results/${CONSUMER}/records`],
    ['POST', '/dlq'],
    ['PUT', '/dlq'],
    ['TRACE', '/topics'],
  ];
  const missing = [
    '/topic',
    '/topics/health',
    '/topics/health/records/extra',
    '/results',
    '/results/a/b/c',
    '/admin',
    '/.env',
    '/health/x',
    '/topics/health/records%2Fextra',
  ];
  return [
    ...wrong.map(([method, path]) => ({
      category,
      name: `${method} ${path}`,
      request: {
        method,
        target: path,
        headers: [JSON_TYPE],
        body: method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? undefined : '{}',
      },
      expected: wrongMethod,
    })),
    ...missing.map((path) => ({ category, name: `GET ${path}`, request: get(path), expected: noRoute })),
    { category, name: 'an unknown method', request: { method: 'FOO', target: '/topics' }, expected: badParameter() },
    { category, name: 'a lower-case method', request: { method: 'get', target: '/topics' }, expected: badParameter() },
    { category, name: 'HTTP/1.1 without a request-target', request: { method: 'GET', target: '' }, expected: badParameter() },
  ];
}

/** Every case of the corpus, by category. */
export function badInputCorpus(): BadInputCase[] {
  return [
    ...truncatedJson(),
    ...bodyShapes(),
    ...wrongTypes(),
    ...hugeNumbers(),
    ...deepNesting(),
    ...largeBodies(),
    ...invalidUtf8(),
    ...headerInjection(),
    ...oddNames(),
    ...partitions(),
    ...queryParameters(),
    ...contentTypes(),
    ...methodsAndPaths(),
  ];
}
