/**
 * fast-check arbitraries for hostile HTTP requests: bodies that are nearly records, values of the
 * wrong type, odd numbers, names with odd characters, and query strings the results API reads.
 * They lean on the shapes the API expects, so that most runs go past the first check.
 */
import fc from 'fast-check';
import { encodeCursor } from '../../../lambdas/results/query';
import { pipeline } from '../../../pipeline';

/** Numbers (and things that are not) where a whole number is expected. */
export const numberish: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.nat({ max: 10 }),
  fc.double(),
  fc.constantFrom(-1, -0, 0.5, 2 ** 31, 2 ** 53, 2 ** 63, 1e21, 1e308, Number.MAX_SAFE_INTEGER, 8.64e15, 9e15),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/** Event times, valid and not. */
export const timeish: fc.Arbitrary<unknown> = fc.oneof(
  numberish,
  fc.date({ min: new Date(-1e14), max: new Date(4e14) }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
  fc.constantFrom(
    '2026-11-22T10:00:00Z',
    '2026-11-22',
    '2026-13-45T10:00:00Z',
    '9999-12-31T23:59:59-01:00',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
  ),
);

/** Names with odd characters: traversal, encodings, NUL, unicode, very long. */
export const oddName: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.fullUnicodeString({ maxLength: 20 }),
  fc.constantFrom(
    '..',
    '../health',
    '%2e%2e',
    'health%00',
    'health\u0000',
    'health/../petr4',
    'héalth',
    '🚀',
    ' ',
    'x'.repeat(300),
    '__proto__',
    'constructor',
  ),
);

/** A value for a topic's records: the course tuple, objects with the right names, anything. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(numberish, fc.record({ idade: numberish, altura: numberish, peso: numberish }, { requiredKeys: [] })),
  fc.record(
    { idade: numberish, altura: numberish, peso: numberish, price: numberish, volume: numberish, user: oddName, text: oddName },
    { requiredKeys: [] },
  ),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value valid for one of the spec's topics (health tuple or object, tick, tweet). */
const goodValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(
    fc.nat(1000),
    fc.record({
      idade: fc.integer({ min: 0, max: 150 }),
      altura: fc.double({ min: 30, max: 300, noNaN: true }),
      peso: fc.double({ min: 1, max: 700, noNaN: true }),
    }),
  ),
  fc.record({ price: fc.double({ min: 0, max: 1e6, noNaN: true }), volume: fc.nat() }),
  fc.record({ user: fc.string({ maxLength: 64 }), text: fc.fullUnicodeString({ maxLength: 200 }) }),
);

/** A record valid for some topic of the spec, with valid optional fields. */
const goodRecord: fc.Arbitrary<unknown> = fc.record(
  {
    value: goodValue,
    key: fc.oneof(fc.string({ maxLength: 10 }), fc.nat()),
    partition: fc.nat(2),
    timestamp: fc.integer({ min: 0, max: 4e12 }),
    headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  },
  { requiredKeys: ['value'] },
);

/** One record, nearly right: every field optional, each of any type, and a stray field now and then. */
export const record: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: goodRecord },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        value,
        key: fc.oneof(oddName, numberish),
        headers: fc.oneof(fc.dictionary(oddName, fc.oneof(oddName, numberish), { maxKeys: 3 }), numberish),
        partition: numberish,
        timestamp: timeish,
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(value, oddName, fc.jsonValue({ maxDepth: 1 })).map(([v, name, extra]) => ({ value: v, [name]: extra })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A parsed ingest body: one record, a batch (sometimes empty, sometimes with stray fields), or any JSON. */
export const ingestBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: record },
  { weight: 3, arbitrary: fc.record({ records: fc.array(record, { maxLength: 12 }) }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { records: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(record, { maxLength: 2 })), extra: fc.jsonValue({ maxDepth: 1 }) },
      { requiredKeys: ['records'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** A request body as text: JSON of {@link ingestBody}, cut short now and then, or any text. */
export const ingestBodyText: fc.Arbitrary<{ body: string | null; isBase64Encoded: boolean }> = fc.oneof(
  { weight: 6, arbitrary: ingestBody.map((b) => ({ body: JSON.stringify(b) ?? null, isBase64Encoded: false })) },
  {
    weight: 1,
    arbitrary: fc.tuple(ingestBody, fc.nat()).map(([b, cut]) => {
      const text = JSON.stringify(b) ?? '';
      return { body: text.slice(0, cut % (text.length + 1)), isBase64Encoded: false };
    }),
  },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 40 }).map((body) => ({ body, isBase64Encoded: false })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  },
  { weight: 1, arbitrary: fc.constant({ body: null, isBase64Encoded: false }) },
);

/** A Content-Type header value, or none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
  ),
  fc.string({ maxLength: 30 }),
);

/** A topic name: one of the spec's, or an odd one. */
export const topicName: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...pipeline.topics.map((t) => t.name)), oddName);

/** A consumer name: one of the spec's, or an odd one. */
export const consumerName: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...pipeline.consumers.map((c) => c.name)), oddName);

/** A text query parameter: numbers, dates, odd text. */
const queryText: fc.Arbitrary<string> = fc.oneof(
  fc.nat().map(String),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('0', '1', '1000', '1001', '1.5', '-1', '1e3', ' 1', '0x10', '9'.repeat(30), '8640000000000001', '253402300800000', '٣'),
  fc.date({ min: new Date(0), max: new Date(2e14) }).map((d) => (Number.isNaN(d.getTime()) ? '' : d.toISOString())),
  fc.string({ maxLength: 20 }),
  fc.fullUnicodeString({ maxLength: 10 }),
);

/** A cursor: one the API could have issued for some consumer, a foreign one, forged JSON, or text. */
const cursor: fc.Arbitrary<string> = fc.oneof(
  consumerName.map((c) => encodeCursor({ gsi1pk: `WIN#${c}`, gsi1sk: '000000000000000#x', pk: `AGG#${c}#x`, sk: '000000000000000' })),
  consumerName.map((c) => encodeCursor({ pk: `DLQ#${c}`, sk: 'health#00000#0000000000000000001' })),
  fc.jsonValue({ maxDepth: 2 }).map((j) => Buffer.from(JSON.stringify(j) ?? '', 'utf8').toString('base64url')),
  fc
    .dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'other'), fc.jsonValue({ maxDepth: 1 }))
    .map((k) => encodeCursor(k as Record<string, string>)),
  fc.string({ maxLength: 30 }),
  fc.constant('A'.repeat(3000)),
);

/** A query string of the results API, or none. */
export const resultsQuery: fc.Arbitrary<Record<string, string> | null> = fc.option(
  fc.record(
    {
      from: queryText,
      to: queryText,
      limit: queryText,
      top: queryText,
      at: queryText,
      baseline: queryText,
      minCount: queryText,
      key: fc.oneof(oddName, fc.constant('')),
      cursor,
      consumer: consumerName,
    },
    { requiredKeys: [] },
  ),
  { nil: null },
);
