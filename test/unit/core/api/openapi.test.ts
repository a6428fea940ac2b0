import fc from 'fast-check';
import { ERROR_CODES, type ErrorCode } from '../../../../core/errors';
import { parseIngestBody, prepareRecord } from '../../../../core/ingest';
import {
  API_KEY_SCHEME,
  AWS_ERROR_CODES,
  GATEWAY_ERROR_CODES,
  UNMATCHED_ERROR_CODES,
  openApiDocument,
  type JsonSchema,
  type OpenApiDocument,
} from '../../../../core/api/openapi';
import { ROUTES } from '../../../../core/api/routes';
import { findTopic, measureName, resolveConsumer } from '../../../../core/spec';
import { pipeline } from '../../../../pipeline';
import { OpenApiValidator } from './validate';

const local = openApiDocument(pipeline);
const aws = openApiDocument(pipeline, { target: 'aws' });

function operations(document: OpenApiDocument): { path: string; method: string; operation: OpenApiDocument['paths'][string][string] }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
}

function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refs(inner)));
}

/** Whether the producer's own checks accept every record of a body (what the schema must agree with). */
function ingestAccepts(topicName: string, body: unknown): boolean {
  const topic = findTopic(pipeline, topicName);
  if (topic === undefined) throw new Error(`no topic ${topicName}`);
  try {
    const { form, records } = parseIngestBody(body);
    return records.every((record, index) => prepareRecord(topic, record, { form, index, now: Date.UTC(2026, 10, 22) }).ok);
  } catch {
    return false;
  }
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 whose every $ref resolves and whose every schema ajv compiles strictly', () => {
    // Prepare
    const validator = new OpenApiValidator(local);
    const schemas = local.components.schemas;

    // Act
    const dangling = refs(local).filter((ref) => schemas[ref.replace('#/components/schemas/', '')] === undefined);
    const compile = (): void => {
      for (const { path, method, operation } of operations(local)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content?.['application/json']?.schema;
          if (schema !== undefined) validator.compile(`${method} ${path} ${status}`, schema);
        }
        const body = (operation.requestBody?.content as Record<string, { schema: JsonSchema }> | undefined)?.['application/json'];
        if (body !== undefined) validator.compile(`${method} ${path} request`, body.schema);
      }
    };

    // Assess
    expect(local.openapi).toBe('3.1.0');
    expect(dangling).toEqual([]);
    expect(compile).not.toThrow();
  });

  it('describes every route, and every topic and consumer on its own path', () => {
    // Prepare
    const described = new Set(operations(local).map(({ method, operation }) => `${method.toUpperCase()} ${operation['x-fluxo-route']}`));

    // Act
    const paths = Object.keys(local.paths);

    // Assess
    for (const route of ROUTES) {
      expect(described).toContain(`${route.method} ${route.resource}`);
      expect(local.paths[route.resource]?.[route.method.toLowerCase()]).toBeDefined();
    }
    for (const topic of pipeline.topics) expect(paths).toContain(`/topics/${topic.name}/records`);
    for (const consumer of pipeline.consumers) expect(paths).toContain(`/results/${consumer.name}`);
    expect(paths).toEqual(expect.arrayContaining(['/health', '/openapi.json']));
    expect(new Set(operations(local).map(({ operation }) => operation.operationId)).size).toBe(operations(local).length);
  });

  it('documents every error code of the table, each under its own status', () => {
    // Prepare
    const documented = new Set<number>([
      ...UNMATCHED_ERROR_CODES,
      ...GATEWAY_ERROR_CODES,
      ...AWS_ERROR_CODES,
      ...ROUTES.flatMap((route) => route.errors),
    ]);
    const misplaced: string[] = [];
    let checked = 0;

    // Act: the error_code enums of every error answer (numeric enums are error codes only)
    for (const { path, method, operation } of operations(aws)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const list of JSON.stringify(response.content ?? {}).match(/"enum":\[[0-9,]+\]/g) ?? []) {
          for (const code of JSON.parse(list.slice('"enum":'.length)) as number[]) {
            checked += 1;
            if (ERROR_CODES[code as ErrorCode]?.status !== Number(status)) misplaced.push(`${method} ${path} ${status}: ${code}`);
          }
        }
      }
    }

    // Assess
    expect([...Object.keys(ERROR_CODES).map(Number)].filter((code) => !documented.has(code))).toEqual([]);
    expect(misplaced).toEqual([]);
    expect(checked).toBeGreaterThan(operations(aws).length * 3);
    expect(Object.keys(aws['x-fluxo-error-codes']).map(Number).sort()).toEqual(Object.keys(ERROR_CODES).map(Number).sort());
  });

  it('asks for the x-api-key on AWS, with the 403 and 429 answers API Gateway gives, and not locally', () => {
    // Prepare
    const awsOperations = operations(aws);

    // Act
    const withoutKey = awsOperations.filter(
      ({ operation }) => JSON.stringify(operation.security) !== JSON.stringify([{ [API_KEY_SCHEME]: [] }]),
    );
    const without403 = awsOperations.filter(
      ({ operation }) => operation.responses['403'] === undefined || operation.responses['429'] === undefined,
    );

    // Assess
    expect(aws.components.securitySchemes?.[API_KEY_SCHEME]).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    );
    expect(withoutKey).toEqual([]);
    expect(without403).toEqual([]);
    expect(Object.keys(aws.paths)).not.toContain('/health');
    expect(local.components.securitySchemes).toBeUndefined();
    expect(operations(local).filter(({ operation }) => operation.responses['403'] !== undefined)).toEqual([]);
  });

  it("names each consumer's measures exactly as the results API reports them", () => {
    // Prepare
    const validator = new OpenApiValidator(local);
    const ohlc = resolveConsumer(pipeline.consumers.find((c) => c.name === 'ohlc-1m') ?? pipeline.consumers[0]);
    const item = { key: 'petr4', windowStart: '2026-11-22T10:00:00.000Z', windowEnd: '2026-11-22T10:01:00.000Z', count: 2, late: 0 };

    // Act
    const good = validator.responseErrors('GET', '/results/ohlc-1m', 200, {
      consumer: 'ohlc-1m',
      items: [{ ...item, measures: Object.fromEntries(ohlc.measures.map((m) => [measureName(m), 1])) }],
    });
    const typo = validator.responseErrors('GET', '/results/ohlc-1m', 200, {
      consumer: 'ohlc-1m',
      items: [{ ...item, measures: { avg_prise: 1 } }],
    });

    // Assess
    expect(good).toEqual([]);
    expect(typo).not.toEqual([]);
  });

  it("accepts the README's and the banner's example bodies and refuses what the producer refuses", () => {
    // Prepare
    const validator = new OpenApiValidator(local);
    const cases: { topic: string; body: unknown }[] = [
      { topic: 'health', body: { value: [42, { idade: 30, altura: 170, peso: 111.5 }] } },
      {
        topic: 'health',
        body: { records: [{ value: [7, { idade: 30, altura: 170, peso: 95 }] }, { value: [8, { idade: 41, altura: 150, peso: 90 }] }] },
      },
      {
        topic: 'health',
        body: { value: { id: 1, idade: 30, altura: 170, peso: 70 }, key: 1, partition: 2, timestamp: '2026-11-22T10:00Z' },
      },
      { topic: 'health', body: { value: { id: 1, idade: 30, altura: 170, peso: 70 }, partition: 3 } },
      { topic: 'health', body: { value: { id: 1, idade: 30, altura: 170, peso: '70' } } },
      { topic: 'health', body: { value: [1, { idade: 30 }] } },
      { topic: 'health', body: { value: { id: 1, idade: 30, altura: 170, peso: 70 }, headers: { 'Fluxo-Ingest-Time': '1' } } },
      { topic: 'health', body: { value: { id: 1, idade: 30, altura: 170, peso: 70 }, extra: true } },
      { topic: 'health', body: { records: [] } },
      { topic: 'petr4', body: { value: { price: 38.2, volume: 100 }, timestamp: 1_763_800_000_000 } },
      { topic: 'petr4', body: { value: [1, { price: 38.2, volume: 100 }] } },
      { topic: 'petr4', body: { value: { price: -1, volume: 100 } } },
      { topic: 'tweets', body: { value: { user: 'ana', text: 'hoje #kafka #aws' } } },
      { topic: 'tweets', body: { value: { user: 'ana' } } },
    ];

    // Act
    const disagreements = cases.filter(
      ({ topic, body }) => (validator.requestErrors('POST', `/topics/${topic}/records`, body).length === 0) !== ingestAccepts(topic, body),
    );

    // Assess
    expect(disagreements).toEqual([]);
    expect(cases.filter(({ topic, body }) => ingestAccepts(topic, body)).length).toBe(5);
  });

  it('agrees with the producer on generated health records', () => {
    // Prepare
    const validator = new OpenApiValidator(local);
    const number = fc.oneof(
      fc.integer({ min: -10, max: 800 }),
      fc.double({ min: -10, max: 800, noNaN: true, noDefaultInfinity: true }),
      fc.constant('80'),
      fc.constant(null),
    );
    const fields = fc.record({ idade: number, altura: number, peso: number }, { requiredKeys: [] });
    const value = fc.oneof(
      fc.tuple(fc.integer({ min: -5, max: 1000 }), fields),
      fields.chain((f) => fc.record({ id: fc.integer({ min: -5, max: 1000 }) }).map((id) => ({ ...id, ...f }))),
    );
    const record = fc.record(
      {
        value,
        key: fc.oneof(fc.string(), fc.integer()),
        partition: fc.integer({ min: -1, max: 4 }),
        timestamp: fc.oneof(fc.constant('2026-11-22T10:00:00Z'), fc.integer({ min: -1, max: 2 ** 40 })),
      },
      { requiredKeys: ['value'] },
    );
    const body = fc.oneof(record, fc.record({ records: fc.array(record, { minLength: 0, maxLength: 3 }) }));

    // Act & Assess
    fc.assert(
      fc.property(body, (b) => {
        expect(validator.requestErrors('POST', '/topics/health/records', b).length === 0).toBe(ingestAccepts('health', b));
      }),
      { numRuns: 300 },
    );
  });
});
