/**
 * The OpenAPI document against the handlers' real answers: every route of the local stack is
 * called (successes and documented errors) and each answer's status and body are validated
 * against the document the gateway serves at /openapi.json, with ajv. The README's curl examples
 * are checked against the AWS form of the document, and their reads are run locally.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument, type OpenApiDocument } from '../../core/api/openapi';
import { parseIngestBody, prepareRecord } from '../../core/ingest';
import { findTopic } from '../../core/spec';
import { OpenApiValidator } from '../unit/core/api/validate';
import { apiUrl, eventually, kafka, unique } from './helpers';
import { pipeline } from './pipeline-spec';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

let validator: OpenApiValidator;

async function call(method: 'GET' | 'POST', path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${apiUrl()}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Calls the API and returns the answer with what the document finds wrong with it. */
async function checked(
  method: 'GET' | 'POST',
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<Answer & { problems: string[] }> {
  const answer = await call(method, path, init);
  return { ...answer, problems: validator.responseErrors(method, path.split('?')[0], answer.status, answer.body) };
}

beforeAll(async () => {
  const served = await call('GET', '/openapi.json');
  validator = new OpenApiValidator(served.body as OpenApiDocument);
});

describe('the OpenAPI document served by the local gateway', () => {
  it('is the document generated from the spec the handlers run, with the local server', async () => {
    // Act
    const served = await checked('GET', '/openapi.json');

    // Assess
    expect(served.status).toBe(200);
    expect(served.problems).toEqual([]);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(pipeline, { serverUrl: apiUrl() }))));
  });

  it('describes the answers of ingest: written, partly written, all rejected and whole-request errors', async () => {
    // Prepare
    const topic = '/topics/it-openapi/records';
    const record = { value: { n: 1, v: 2.5 }, key: 'k1', headers: { source: 'openapi' }, timestamp: new Date().toISOString() };
    const key = unique('idem');

    // Act
    const answers = {
      single: await checked('POST', topic, { body: JSON.stringify(record) }),
      batch: await checked('POST', topic, { body: JSON.stringify({ records: [record, { value: { n: 2, v: 1 }, partition: 1 }] }) }),
      mixed: await checked('POST', topic, { body: JSON.stringify({ records: [record, { value: { n: 'x', v: 1 } }] }) }),
      allRejected: await checked('POST', topic, { body: JSON.stringify({ records: [{ value: { n: -1, v: 1 } }, { value: { v: 1 } }] }) }),
      badPartition: await checked('POST', topic, { body: JSON.stringify({ value: { n: 1, v: 1 }, partition: 2 }) }),
      notJson: await checked('POST', topic, { body: '{"value":' }),
      wrongType: await checked('POST', topic, { body: 'n=1', headers: { 'Content-Type': 'text/plain' } }),
      badShape: await checked('POST', topic, { body: JSON.stringify({ records: [] }) }),
      badKey: await checked('POST', topic, { body: JSON.stringify(record), headers: { 'Idempotency-Key': ' ' } }),
      first: await checked('POST', topic, { body: JSON.stringify(record), headers: { 'Idempotency-Key': key } }),
      replay: await checked('POST', topic, { body: JSON.stringify(record), headers: { 'Idempotency-Key': key } }),
      reused: await checked('POST', topic, { body: JSON.stringify({ value: { n: 9, v: 9 } }), headers: { 'Idempotency-Key': key } }),
      unknownTopic: await checked('POST', '/topics/no-such-topic/records', { body: JSON.stringify(record) }),
    };

    // Assess
    const statuses = Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.status]));
    const codes = Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, (a.body as { error_code?: number }).error_code]));
    expect(statuses).toEqual({
      single: 200,
      batch: 200,
      mixed: 207,
      allRejected: 422,
      badPartition: 404,
      notJson: 400,
      wrongType: 415,
      badShape: 400,
      badKey: 400,
      first: 200,
      replay: 200,
      reused: 422,
      unknownTopic: 404,
    });
    expect(codes).toMatchObject({
      allRejected: 42201,
      badPartition: 40403,
      notJson: 40001,
      wrongType: 41501,
      badShape: 40002,
      badKey: 40003,
      reused: 42202,
      unknownTopic: 40401,
    });
    expect(answers.replay.headers.get('Idempotent-Replayed')).toBe('true');
    expect(Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.problems]))).toEqual(
      Object.fromEntries(Object.keys(answers).map((name) => [name, []])),
    );
  });

  it('describes the answers of the topics, results, kept records and dead letters routes', async () => {
    // Prepare: records the it-openapi consumer counts and keeps, and one that is not JSON
    const posted = await call('POST', '/topics/it-openapi/records', {
      body: JSON.stringify({ records: [{ value: { n: 3, v: 4 } }, { value: { n: 4, v: 5 } }] }),
    });
    // A time in the minute after the records': its window (it-openapi's minute) holds them.
    const nextMinute = Date.parse((posted.body as { results: Array<{ timestamp: string }> }).results[0].timestamp) + 60_000;
    const producer = kafka('fluxo-it-openapi').producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'it-openapi', messages: [{ key: unique('poison'), value: '{not json' }] });
    } finally {
      await producer.disconnect();
    }
    await eventually(
      () => call('GET', '/dlq?consumer=it-openapi'),
      (a) => (a.body as { items: unknown[] }).items.length > 0,
    );
    await eventually(
      () => call('GET', '/results/it-openapi/records'),
      (a) => (a.body as { items: unknown[] }).items.length >= 2,
    );

    // Act
    const answers = {
      topics: await checked('GET', '/topics'),
      aggregates: await checked('GET', '/results/it-openapi?limit=5'),
      top: await checked('GET', '/results/it-openapi?top=3'),
      topAt: await checked('GET', `/results/it-openapi?top=3&at=${nextMinute}`),
      trending: await checked('GET', `/results/it-openapi/trending?minCount=1&at=${new Date(nextMinute).toISOString()}`),
      builtInTrending: await checked('GET', '/results/hashtags-5m/trending?top=5&baseline=12'),
      badAt: await checked('GET', '/results/it-openapi?at=now'),
      badBaseline: await checked('GET', '/results/it-openapi/trending?baseline=13'),
      unknownTrending: await checked('GET', '/results/no-such-consumer/trending'),
      kept: await checked('GET', '/results/it-openapi/records?limit=1'),
      builtInAggregates: await checked('GET', '/results/ohlc-1m?key=petr4'),
      deadLetters: await checked('GET', '/dlq?consumer=it-openapi&limit=1'),
      allDeadLetters: await checked('GET', '/dlq'),
      badLimit: await checked('GET', '/results/it-openapi?limit=0'),
      badCursor: await checked('GET', '/results/it-openapi?cursor=bm9wZQ'),
      unknownConsumer: await checked('GET', '/results/no-such-consumer'),
      notKept: await checked('GET', '/results/it-window/records'),
      unknownDlqConsumer: await checked('GET', '/dlq?consumer=no-such-consumer'),
      health: await checked('GET', '/health'),
    };

    // Assess
    const statuses = Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.status]));
    expect(statuses).toEqual({
      topics: 200,
      aggregates: 200,
      top: 200,
      topAt: 200,
      trending: 200,
      builtInTrending: 200,
      badAt: 400,
      badBaseline: 400,
      unknownTrending: 404,
      kept: 200,
      builtInAggregates: 200,
      deadLetters: 200,
      allDeadLetters: 200,
      badLimit: 400,
      badCursor: 400,
      unknownConsumer: 404,
      notKept: 404,
      unknownDlqConsumer: 404,
      health: 200,
    });
    expect((answers.kept.body as { items: unknown[]; nextCursor?: string }).nextCursor).toEqual(expect.any(String));
    expect((answers.trending.body as { items: Array<{ key: string; count: number }> }).items).toEqual([
      expect.objectContaining({ key: 'all', count: expect.any(Number) }),
    ]);
    expect((answers.topAt.body as { items: Array<{ count: number }> }).items[0].count).toBeGreaterThanOrEqual(2);
    expect((answers.deadLetters.body as { items: unknown[] }).items).toHaveLength(1);
    expect(Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.problems]))).toEqual(
      Object.fromEntries(Object.keys(answers).map((name) => [name, []])),
    );
  });
});

/** One curl command of the README: method, path (after the stage URL), query, headers, body. */
interface CurlExample {
  readonly line: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

function curlExamples(markdown: string): CurlExample[] {
  const commands = markdown
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('curl '));
  return commands.map((line) => {
    const url = /"\$\{URL\}([^"]*)"/.exec(line)?.[1];
    if (url === undefined) throw new Error(`README curl line without "\${URL}...": ${line}`);
    const [path, query = ''] = url.split('?');
    const headers = Object.fromEntries([...line.matchAll(/-H\s+(["'])([^:]+):\s*(.*?)\1/g)].map((m) => [m[2].toLowerCase(), m[3]]));
    const body = /-d\s+'([^']*)'/.exec(line)?.[1];
    const method = /-X\s+(GET|POST)/.exec(line)?.[1] === 'POST' || body !== undefined ? 'POST' : 'GET';
    return { line, method, path: `/${path}`, query: new URLSearchParams(query), headers, ...(body === undefined ? {} : { body }) };
  });
}

describe("the README's curl examples", () => {
  const examples = curlExamples(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'));
  const aws = new OpenApiValidator(openApiDocument(pipeline, { target: 'aws' }));

  it('are requests the AWS document describes, with the API key, documented parameters and a valid body', () => {
    // Act
    const problems = examples.flatMap((example) => {
      const { operation } = aws.operation(example.method, example.path);
      const found: string[] = [];
      if (example.headers['x-api-key'] === undefined) found.push('no x-api-key header');
      const parameters = (operation.parameters ?? []) as { name: string; in: string; schema: Record<string, unknown> }[];
      for (const [name, value] of example.query) {
        const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
        if (parameter === undefined) found.push(`query parameter ${name} is not documented`);
        else if (
          !aws.compile(`query ${name} ${example.path}`, parameter.schema)(parameter.schema.type === 'integer' ? Number(value) : value)
        )
          found.push(`${name}=${value} is not valid`);
      }
      if (example.body !== undefined) {
        const body = JSON.parse(example.body) as unknown;
        found.push(...aws.requestErrors(example.method, example.path, body));
        const topic = findTopic(pipeline, example.path.split('/')[2]);
        const { form, records } = parseIngestBody(body);
        if (topic === undefined || !records.every((r, index) => prepareRecord(topic, r, { form, index, now: Date.now() }).ok))
          found.push('the producer would refuse this body');
      }
      return found.map((p) => `${example.line}: ${p}`);
    });

    // Assess
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(examples.filter((e) => e.method === 'POST')).not.toHaveLength(0);
    expect(problems).toEqual([]);
  });

  it('read what the document says when run against the local stack', async () => {
    // Act (reads only: the README's POST would change counts other tests assert)
    const reads = examples.filter((e) => e.method === 'GET');
    const answers = await Promise.all(reads.map((e) => checked('GET', `${e.path}${e.query.size === 0 ? '' : `?${e.query}`}`)));

    // Assess
    expect(answers.map((a) => a.status)).toEqual(reads.map(() => 200));
    expect(answers.flatMap((a) => a.problems)).toEqual([]);
  });
});
