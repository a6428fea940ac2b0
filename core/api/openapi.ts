/**
 * The HTTP API as an OpenAPI 3.1 document, generated from what the handlers read: the pipeline
 * spec (topics and their record schemas, consumers and their measures), the routes
 * (routes.ts) and the one error table (errors.ts). The local gateway serves it at
 * `/openapi.json`; tests validate the handlers' real answers against it.
 *
 * Each route appears once as declared (e.g. `/topics/{topic}/records`, whose body and answers
 * hold for every topic) and, where the spec makes it more precise, once per topic or consumer
 * (`/topics/health/records` with the `health` schema; `/results/ohlc-1m` with its measures).
 * OpenAPI matches concrete paths before templated ones. Every operation names its route in
 * `x-fluxo-route`. Pure TypeScript: no AWS imports, no I/O.
 */
import type { DeadLetterReason, RecordForm } from '../canonical';
import { ERROR_CODES, type ErrorCode } from '../errors';
import { EVENT_TIME_PATTERN, INGEST_LIMITS, MAX_EVENT_TIME } from '../ingest';
import { INGEST_TIME_HEADER } from '../kafka-record';
import { RECORD_ID_HEADER } from '../record-id';
import { ROUTES, type Route } from './routes';
import { measureName, resolveConsumer, resolveTopic, type DerivedField, type FieldSpec, type PipelineSpec, type ResolvedConsumer, type ResolvedTopic } from '../spec';

/** A JSON Schema (draft 2020-12, OpenAPI 3.1's dialect), as plain data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** An OpenAPI operation object (the parts fluxo uses). */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly JsonSchema[];
  readonly requestBody?: JsonSchema;
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** The route of routes.ts this operation serves (`/health`, `/openapi.json` are local only). */
  readonly 'x-fluxo-route': string;
}

/** An OpenAPI response object. */
export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, JsonSchema>>;
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchema }>>;
}

/** The OpenAPI 3.1 document. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly jsonSchemaDialect: string;
  readonly servers: readonly JsonSchema[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes?: Readonly<Record<string, JsonSchema>>;
  };
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** Every documented error code (errors.ts), with its status and meaning. */
  readonly 'x-fluxo-error-codes': Readonly<Record<string, { readonly status: number; readonly description: string }>>;
}

/** Where the document describes the API. */
export type OpenApiTarget = 'local' | 'aws';

/** Options of {@link openApiDocument}. */
export interface OpenApiOptions {
  /** `aws`: API Gateway with the `x-api-key` scheme and its 403/429 answers; `local`: the local gateway, with `/health` and `/openapi.json`. @default 'local' */
  readonly target?: OpenApiTarget;
  /** The server URL. @default `http://127.0.0.1:3000` locally, the API Gateway stage URL template on AWS */
  readonly serverUrl?: string;
  /** The document's version. @default '0.1.0' */
  readonly version?: string;
}

/** The name of the API key security scheme. */
export const API_KEY_SCHEME = 'apiKey';

/**
 * The error codes each route's handler answers with (besides the gateway's). A unit test checks
 * that every code of {@link ERROR_CODES} is documented somewhere.
 */
export const ROUTE_ERROR_CODES: Readonly<Record<string, readonly ErrorCode[]>> = {
  'POST /topics/{topic}/records': [40001, 40002, 40003, 40401, 40403, 40901, 41301, 41501, 42201, 42202, 50001, 50301, 50302],
  'GET /topics': [50001],
  'GET /results/{consumer}': [40003, 40402, 50001, 50302],
  'GET /results/{consumer}/records': [40003, 40402, 50001, 50302],
  'GET /dlq': [40003, 40402, 50001, 50302],
};

/** Codes the local gateway itself answers for any matched route: a bad percent-encoded path parameter, a body over 10 MB. */
export const GATEWAY_ERROR_CODES: readonly ErrorCode[] = [40003, 41301];
/** Codes answered when no route matches (no operation describes them): 404 and 405 with `Allow`. */
export const UNMATCHED_ERROR_CODES: readonly ErrorCode[] = [40404, 40501];
/** Codes API Gateway answers on AWS for every route (API key, usage plan). */
export const AWS_ERROR_CODES: readonly ErrorCode[] = [40301, 42901, 42902];

// Exhaustive over DeadLetterReason: adding a reason without documenting it fails to compile.
const DEAD_LETTER_REASONS: Readonly<Record<DeadLetterReason, string>> = {
  'not JSON': 'the value is not a JSON text (or is a tombstone) on a json topic',
  'not UTF-8': 'the value of a text topic is not UTF-8 text',
  'schema violation': 'the value cannot be brought to its topic schema (a tuple of the wrong shape, a missing or mistyped field, a derived field that differs from what fluxo derives), or its timestamp is not a valid event time',
  'too large': 'the value is over 1 MiB',
};
const RECORD_FORMS: readonly RecordForm[] = ['object', 'tuple', 'scalar', 'text', 'tombstone'];
const FORM_AND_WRITER: Readonly<Record<string, JsonSchema>> = {
  form: { enum: [...RECORD_FORMS], description: 'The form the value was written in: a JSON object, a tuple (JSON array), a JSON scalar, plain text, or a tombstone.' },
  writer: { enum: ['http', 'kafka'], description: "Who wrote it: fluxo's HTTP API, or a Kafka client straight to the topic." },
};

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): Readonly<Record<string, { readonly schema: JsonSchema }>> => ({ 'application/json': { schema } });

/** A case-insensitive regular expression source for one literal name (JSON Schema patterns take no flags). */
function anyCase(name: string): string {
  return [...name].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
}

/** The JSON Schema of one spec field. */
export function fieldSchema(field: FieldSpec): JsonSchema {
  return {
    type: field.type,
    ...(field.description === undefined ? {} : { description: field.description }),
    ...(field.min === undefined ? {} : { minimum: field.min }),
    ...(field.max === undefined ? {} : { maximum: field.max }),
    ...(field.maxLength === undefined ? {} : { maxLength: field.maxLength }),
  };
}

function derivedSchema(field: DerivedField): JsonSchema {
  switch (field.kind) {
    case 'bmi':
      return { type: 'number', description: `Derived at ingest: ${field.weightKgField} / (${field.heightCmField} / 100)² (IMC, body-mass index).` };
    case 'hashtags':
      return { type: 'array', items: { type: 'string' }, description: `Derived at ingest: the distinct hashtags of ${field.textField}, lower-cased, without #.` };
  }
}

function objectSchema(fields: Readonly<Record<string, FieldSpec>>, additional: boolean, extra: Readonly<Record<string, JsonSchema>> = {}, omit: readonly string[] = []): JsonSchema {
  const names = Object.keys(fields).filter((n) => !omit.includes(n));
  const required = names.filter((n) => fields[n].required !== false);
  return {
    type: 'object',
    properties: { ...Object.fromEntries(names.map((n) => [n, fieldSchema(fields[n])])), ...extra },
    ...(required.length === 0 ? {} : { required }),
    additionalProperties: additional,
  };
}

/** The JSON Schema of a record value a client may send to a topic (object, or tuple where accepted). */
export function topicValueSchema(topic: ResolvedTopic): JsonSchema {
  if (topic.format === 'text') return { type: 'string', description: `A ${topic.name} record value: one line of text, written as its UTF-8 bytes.` };
  const { fields, additionalFields = true } = topic.schema;
  // Derived fields may be sent (they are overwritten) even where other extra fields are refused.
  const derived = Object.fromEntries(topic.derived.map((d) => [d.name, { description: 'Derived at ingest: a value sent here is replaced.' }]));
  const object = objectSchema(fields, additionalFields, derived);
  if (!topic.accepts.includes('tuple')) return { ...object, description: `A ${topic.name} record value.` };
  const tuple: JsonSchema = {
    type: 'array',
    description: 'The course tuple [id, {fields}], written as {id, ...fields}.',
    prefixItems: [fields.id === undefined ? {} : fieldSchema(fields.id), objectSchema(fields, additionalFields, derived, ['id'])],
    minItems: 2,
    maxItems: 2,
  };
  return { description: `A ${topic.name} record value: an object or the course tuple.`, oneOf: [object, tuple] };
}

/** The JSON Schema of a value as written to Kafka (normalized, derived fields added). */
export function storedValueSchema(topic: ResolvedTopic): JsonSchema {
  if (topic.format === 'text') return { type: 'string' };
  const derived = Object.fromEntries(topic.derived.map((d) => [d.name, derivedSchema(d)]));
  return objectSchema(topic.schema.fields, topic.schema.additionalFields ?? true, derived);
}

/** The JSON Schema of one record of an ingest request; `partitions` bounds `partition` when the topic is known. */
export function recordSchema(value: JsonSchema, partitions?: number): JsonSchema {
  return {
    type: 'object',
    required: ['value'],
    additionalProperties: false,
    properties: {
      value,
      key: { type: ['string', 'number'], description: 'Picks the partition (murmur2, as the Java client).' },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        propertyNames: { minLength: 1, not: { pattern: `^${anyCase(INGEST_TIME_HEADER)}$` } },
        description: `Kafka headers. ${INGEST_TIME_HEADER} and ${RECORD_ID_HEADER} are reserved: fluxo sets them.`,
      },
      partition: { type: 'integer', minimum: 0, ...(partitions === undefined ? {} : { maximum: partitions - 1 }) },
      timestamp: {
        description: 'Event time: ISO 8601 with a zone, or epoch milliseconds. Default: now.',
        oneOf: [
          { type: 'string', pattern: EVENT_TIME_PATTERN.source },
          { type: 'integer', minimum: 0, maximum: MAX_EVENT_TIME },
        ],
      },
    },
  };
}

/** The JSON Schema of an ingest request body: one record or `{records: [...]}`. */
export function ingestRequestSchema(record: JsonSchema): JsonSchema {
  return {
    oneOf: [
      record,
      {
        type: 'object',
        required: ['records'],
        additionalProperties: false,
        properties: { records: { type: 'array', minItems: 1, maxItems: INGEST_LIMITS.maxRecords, items: record } },
      },
    ],
  };
}

function errorSchema(codes: readonly ErrorCode[], withResults = false): JsonSchema {
  return {
    type: 'object',
    required: withResults ? ['error_code', 'message', 'results'] : ['error_code', 'message'],
    additionalProperties: false,
    properties: {
      error_code: { type: 'integer', enum: [...codes].sort((a, b) => a - b) },
      message: { type: 'string' },
      details: { type: 'object' },
      ...(withResults ? { results: { type: 'array', items: ref('RecordResult'), description: 'Every record was rejected: one error per record, in order.' } } : {}),
    },
  };
}

function sharedSchemas(spec: PipelineSpec): Record<string, JsonSchema> {
  const topicNames = spec.topics.map((t) => t.name);
  const consumerNames = spec.consumers.map((c) => c.name);
  const codes = Object.keys(ERROR_CODES).map(Number) as ErrorCode[];
  return {
    Error: { ...errorSchema(codes), description: '`error_code` = HTTP status × 100 + a sub-code; see x-fluxo-error-codes.' },
    GatewayError: { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string' } }, description: "API Gateway's own answer when the integration fails (502) or times out (504)." },
    WrittenResult: {
      type: 'object',
      required: ['partition', 'offset', 'timestamp'],
      additionalProperties: false,
      properties: {
        partition: { type: 'integer', minimum: 0 },
        offset: { type: 'integer', minimum: 0 },
        timestamp: { type: 'string', format: 'date-time', description: 'The Kafka record timestamp (event time).' },
      },
      description: 'The record is on the topic (acks=all) at this partition and offset.',
    },
    RecordResult: { oneOf: [ref('WrittenResult'), ref('Error')] },
    BatchAnswer: { type: 'object', required: ['results'], additionalProperties: false, properties: { results: { type: 'array', minItems: 1, items: ref('RecordResult') } } },
    TopicDescription: {
      type: 'object',
      required: ['name', 'format', 'partitions', 'retentionHours', 'schema', 'derived', 'accepts'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', enum: topicNames },
        format: { enum: ['json', 'text'], description: 'json: JSON values checked against the schema; text: lines of text, no schema.' },
        partitions: { type: 'integer', minimum: 1 },
        retentionHours: { type: 'integer', minimum: 1 },
        description: { type: 'string' },
        schema: {
          type: 'object',
          required: ['fields'],
          additionalProperties: false,
          properties: {
            fields: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                required: ['type'],
                additionalProperties: false,
                properties: {
                  type: { enum: ['number', 'integer', 'string', 'boolean'] },
                  required: { type: 'boolean' },
                  min: { type: 'number' },
                  max: { type: 'number' },
                  maxLength: { type: 'integer' },
                  description: { type: 'string' },
                },
              },
            },
            additionalFields: { type: 'boolean' },
          },
        },
        derived: {
          type: 'array',
          items: { type: 'object', required: ['kind', 'name'], properties: { kind: { enum: ['bmi', 'hashtags'] }, name: { type: 'string' } } },
        },
        accepts: { type: 'array', items: { enum: ['tuple'] } },
      },
    },
    Topics: { type: 'object', required: ['topics'], additionalProperties: false, properties: { topics: { type: 'array', items: ref('TopicDescription') } } },
    Aggregate: {
      type: 'object',
      required: ['key', 'windowStart', 'windowEnd', 'count', 'late', 'measures'],
      additionalProperties: false,
      properties: {
        key: { type: 'string', description: 'The group key (e.g. all, the ticker, a hashtag).' },
        windowStart: { type: 'string', format: 'date-time' },
        windowEnd: { type: 'string', format: 'date-time' },
        count: { type: 'integer', minimum: 0, description: 'Records counted in the window, each exactly once.' },
        late: { type: 'integer', minimum: 0, description: 'Records that arrived after the window closed (not in count).' },
        measures: { type: 'object', additionalProperties: { type: 'number' }, description: '<fn>_<field>, e.g. avg_peso.' },
      },
    },
    KeptRecord: {
      type: 'object',
      required: ['topic', 'partition', 'offset', 'eventTime'],
      additionalProperties: false,
      properties: {
        topic: { type: 'string', enum: topicNames },
        partition: { type: 'integer', minimum: 0 },
        offset: { type: 'integer', minimum: 0 },
        eventTime: { type: 'string', format: 'date-time' },
        key: { type: 'string' },
        value: { type: ['object', 'string'], description: 'The canonical value the consumer counted: an object, or the text of a text topic.' },
        ...FORM_AND_WRITER,
        valueOmitted: { const: true, description: 'The value was too large to keep.' },
        valueBytes: { type: 'integer', minimum: 0 },
      },
    },
    DeadLetter: {
      type: 'object',
      required: ['consumer', 'topic', 'partition', 'offset', 'timestamp', 'reason', 'error', 'valueBytes', 'valueTruncated', 'deadLetteredAt'],
      additionalProperties: false,
      properties: {
        consumer: { type: 'string', enum: consumerNames },
        topic: { type: 'string' },
        partition: { type: 'integer', minimum: 0 },
        offset: { type: 'integer', minimum: 0 },
        timestamp: { type: 'string', format: 'date-time', description: 'The Kafka record timestamp.' },
        reason: {
          enum: Object.keys(DEAD_LETTER_REASONS),
          description: Object.entries(DEAD_LETTER_REASONS).map(([r, why]) => `${r}: ${why}`).join('; '),
        },
        error: { type: 'string', maxLength: 1024, description: 'What is wrong, naming the field.' },
        ...FORM_AND_WRITER,
        key: { type: 'string' },
        value: { type: 'string', contentEncoding: 'base64', description: 'The raw value bytes (the first ones when valueTruncated).' },
        valueBytes: { type: 'integer', minimum: 0 },
        valueTruncated: { type: 'boolean' },
        deadLetteredAt: { type: 'string', format: 'date-time' },
      },
    },
    DeadLetters: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: { items: { type: 'array', items: ref('DeadLetter') }, nextCursor: ref('Cursor') },
    },
    Cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,2048}$', description: 'Opaque: pass it back as cursor= for the next page.' },
    Health: {
      type: 'object',
      required: ['ok'],
      properties: { ok: { type: 'boolean' } },
      additionalProperties: {
        type: 'object',
        required: ['ok', 'address', 'ms'],
        properties: { ok: { type: 'boolean' }, address: { type: 'string' }, ms: { type: 'number' }, error: { type: 'string' } },
      },
    },
  };
}

function pageSchema(consumer: string | undefined, item: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['consumer', 'items'],
    additionalProperties: false,
    properties: { consumer: consumer === undefined ? { type: 'string' } : { const: consumer }, items: { type: 'array', items: item }, nextCursor: ref('Cursor') },
  };
}

function aggregateSchema(consumer: ResolvedConsumer): JsonSchema {
  const measures = consumer.measures.map(measureName);
  return {
    type: 'object',
    allOf: [ref('Aggregate')],
    properties: {
      measures: { type: 'object', additionalProperties: false, properties: Object.fromEntries(measures.map((m) => [m, { type: 'number' }])) },
    },
  };
}

function keptRecordSchema(consumer: ResolvedConsumer, spec: PipelineSpec): JsonSchema {
  const values = spec.topics.map(resolveTopic).filter((t) => consumer.topics.includes(t.name)).map(storedValueSchema);
  return { type: 'object', allOf: [ref('KeptRecord')], properties: { topic: { enum: [...consumer.topics] }, value: values.length === 1 ? values[0] : { anyOf: values } } };
}

interface OperationContext {
  readonly target: OpenApiTarget;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad request',
  403: 'Forbidden (API Gateway: missing or invalid API key)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests (API Gateway usage plan)',
  500: 'Internal error: nothing is reported as written',
  503: 'A dependency cannot serve the request now; retry after Retry-After seconds',
};

const RETRY_AFTER: JsonSchema = { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } };

/** The error responses of a route, one per status, each with the codes that status carries. */
function errorResponses(routeKey: string, context: OperationContext, withResults: (code: ErrorCode) => boolean): Record<string, OpenApiResponse> {
  const codes = [...new Set([...(ROUTE_ERROR_CODES[routeKey] ?? []), ...GATEWAY_ERROR_CODES, ...(context.target === 'aws' ? AWS_ERROR_CODES : [])])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const described = list.map((c) => `${c}: ${ERROR_CODES[c].description}`).join('\n\n');
    const withBatch = list.filter(withResults);
    const schema = withBatch.length === 0 ? errorSchema(list) : { oneOf: [errorSchema(list), errorSchema(withBatch, true)] };
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}.\n\n${described}`,
      ...(status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      content: json(schema),
    };
  }
  responses['502'] = { description: 'The handler failed (API Gateway answer).', content: json(ref('GatewayError')) };
  responses['504'] = { description: 'The handler did not answer in time (API Gateway answer).', content: json(ref('GatewayError')) };
  return responses;
}

/** Codes a per-record result can carry (then a batch whose every record was rejected answers with `results`). */
const RECORD_ERROR_CODES: readonly ErrorCode[] = [40002, 40403, 41301, 42201];

function limitParameters(): JsonSchema[] {
  return [
    { name: 'limit', in: 'query', description: 'Page size.', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    { name: 'cursor', in: 'query', description: 'The nextCursor of the previous page.', schema: ref('Cursor') },
  ];
}

const TIME_PARAMETER = (name: 'from' | 'to', what: string): JsonSchema => ({
  name,
  in: 'query',
  description: `${what}: ISO 8601 with a zone, or epoch milliseconds.`,
  schema: { type: 'string', anyOf: [{ pattern: EVENT_TIME_PATTERN.source }, { pattern: '^[0-9]+$' }] },
});

function pathParameter(name: string, values: readonly string[] | undefined): JsonSchema {
  return { name, in: 'path', required: true, schema: values === undefined ? { type: 'string', minLength: 1 } : { type: 'string', enum: [...values] } };
}

function operationFor(route: Route, spec: PipelineSpec, context: OperationContext, concrete?: { readonly topic?: ResolvedTopic; readonly consumer?: ResolvedConsumer }): OpenApiOperation {
  const key = `${route.method} ${route.resource}`;
  const security = context.target === 'aws' ? { security: [{ [API_KEY_SCHEME]: [] }] } : {};
  const suffix = concrete?.topic?.name ?? concrete?.consumer?.name;
  const id = (base: string): string => (suffix === undefined ? base : `${base}_${suffix.replace(/[^A-Za-z0-9]/g, '_')}`);
  const common = { 'x-fluxo-route': route.resource, ...security };
  switch (key) {
    case 'POST /topics/{topic}/records': {
      const topic = concrete?.topic;
      const requestSchema = topic === undefined ? ref('IngestRequest') : ref(`topic.${topic.name}.IngestRequest`);
      return {
        operationId: id('produceRecords'),
        summary: topic === undefined ? 'Write records to a topic' : `Write records to ${topic.name}`,
        description: `${topic?.description ?? 'The body follows the schema of the topic named in the path.'} One record or {records: [...]} (1 to ${INGEST_LIMITS.maxRecords}); one result per record, in order: 200 all written, 207 some written, 4xx none.`,
        tags: ['ingest'],
        parameters: [
          ...(topic === undefined ? [pathParameter('topic', spec.topics.map((t) => t.name))] : []),
          { name: 'Idempotency-Key', in: 'header', description: 'A retry with the same key and body gets the first answer once the first request finished (24 h), 409 while it runs; after an unknown outcome it runs again, and its records carry the same fluxo-record-id, so consumers count each once. Without a key a retry is a new request.', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' } },
        ],
        requestBody: { required: true, content: json(requestSchema) },
        responses: {
          '200': {
            description: 'Every record was written: one record answers its result, a batch {results}.',
            headers: { 'Idempotent-Replayed': { description: 'true when this is the stored answer of an earlier request with the same Idempotency-Key.', schema: { const: 'true' } } },
            content: json({ oneOf: [ref('WrittenResult'), ref('BatchAnswer')] }),
          },
          '207': { description: 'Some records were written, some rejected: one result per record, in order.', content: json(ref('BatchAnswer')) },
          ...errorResponses(key, context, (code) => RECORD_ERROR_CODES.includes(code)),
        },
        ...common,
      };
    }
    case 'GET /topics':
      return {
        operationId: 'listTopics',
        summary: 'The topics of the pipeline spec',
        tags: ['ingest'],
        responses: { '200': { description: 'The topics.', content: json(ref('Topics')) }, ...errorResponses(key, context, () => false) },
        ...common,
      };
    case 'GET /results/{consumer}': {
      const consumer = concrete?.consumer;
      return {
        operationId: id('getAggregates'),
        summary: consumer === undefined ? "A consumer's windowed aggregates" : `${consumer.name}: ${consumer.description ?? 'windowed aggregates'}`,
        description: 'Newest window first. A window is listed when it overlaps [from, to). top=N ranks the keys of one window by count (no cursor, no key).',
        tags: ['results'],
        parameters: [
          ...(consumer === undefined ? [pathParameter('consumer', spec.consumers.map((c) => c.name))] : []),
          { name: 'key', in: 'query', description: 'One group key only.', schema: { type: 'string', minLength: 1, maxLength: 512 } },
          TIME_PARAMETER('from', 'Windows ending after this time'),
          TIME_PARAMETER('to', 'Windows starting before this time'),
          { name: 'top', in: 'query', description: 'The N keys with the highest count in one window.', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ...limitParameters(),
        ],
        responses: {
          '200': { description: 'Aggregates.', content: json(pageSchema(consumer?.name, consumer === undefined ? ref('Aggregate') : ref(`consumer.${consumer.name}.Aggregate`))) },
          ...errorResponses(key, context, () => false),
        },
        ...common,
      };
    }
    case 'GET /results/{consumer}/records': {
      const consumer = concrete?.consumer;
      return {
        operationId: id('getKeptRecords'),
        summary: consumer === undefined ? 'The records a keepRecords consumer kept' : `${consumer.name}: the matching records`,
        description: 'Newest first. 404/40402 for a consumer that does not keep its records.',
        tags: ['results'],
        parameters: [
          ...(consumer === undefined ? [pathParameter('consumer', spec.consumers.map((c) => c.name))] : []),
          TIME_PARAMETER('from', 'Records with event time from'),
          TIME_PARAMETER('to', 'Records with event time before'),
          ...limitParameters(),
        ],
        responses: {
          '200': { description: 'Kept records.', content: json(pageSchema(consumer?.name, consumer === undefined ? ref('KeptRecord') : ref(`consumer.${consumer.name}.KeptRecord`))) },
          ...errorResponses(key, context, () => false),
        },
        ...common,
      };
    }
    case 'GET /dlq':
      return {
        operationId: 'getDeadLetters',
        summary: 'Records no consumer could process, with the reason',
        tags: ['results'],
        parameters: [{ name: 'consumer', in: 'query', description: "One consumer's dead letters.", schema: { type: 'string', enum: spec.consumers.map((c) => c.name) } }, ...limitParameters()],
        responses: { '200': { description: 'Dead letters by consumer, topic, partition, offset.', content: json(ref('DeadLetters')) }, ...errorResponses(key, context, () => false) },
        ...common,
      };
    default:
      throw new RangeError(`route ${key} has no OpenAPI description: add it to core/api/openapi.ts`);
  }
}

function localOperations(): Record<string, Record<string, OpenApiOperation>> {
  return {
    '/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Whether the local Kafka and DynamoDB answer (local only)',
        tags: ['local'],
        responses: { '200': { description: 'Both answer.', content: json(ref('Health')) }, '503': { description: 'One does not.', content: json(ref('Health')) } },
        'x-fluxo-route': '/health',
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (local only)',
        tags: ['local'],
        responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } }) } },
        'x-fluxo-route': '/openapi.json',
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of a spec's HTTP API. Throws a RangeError when routes.ts has a route
 * this module does not describe.
 */
export function openApiDocument(spec: PipelineSpec, { target = 'local', serverUrl, version = '0.1.0' }: OpenApiOptions = {}): OpenApiDocument {
  const context: OperationContext = { target };
  const topics = spec.topics.map(resolveTopic);
  const consumers = spec.consumers.map(resolveConsumer);
  const schemas: Record<string, JsonSchema> = sharedSchemas(spec);
  schemas.IngestRequest = {
    ...ingestRequestSchema(recordSchema({ description: "Any JSON; checked against the schema of the topic in the path." })),
    description: 'One record {value, key?, headers?, partition?, timestamp?} or {records: [...]}.',
  };
  for (const topic of topics) {
    schemas[`topic.${topic.name}.Value`] = topicValueSchema(topic);
    schemas[`topic.${topic.name}.StoredValue`] = storedValueSchema(topic);
    schemas[`topic.${topic.name}.Record`] = recordSchema(ref(`topic.${topic.name}.Value`), topic.partitions);
    schemas[`topic.${topic.name}.IngestRequest`] = ingestRequestSchema(ref(`topic.${topic.name}.Record`));
  }
  for (const consumer of consumers) {
    schemas[`consumer.${consumer.name}.Aggregate`] = aggregateSchema(consumer);
    if (consumer.keepRecords) schemas[`consumer.${consumer.name}.KeptRecord`] = keptRecordSchema(consumer, spec);
  }

  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  const add = (path: string, route: Route, operation: OpenApiOperation): void => {
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  };
  for (const route of ROUTES) {
    add(route.resource, route, operationFor(route, spec, context));
    if (route.resource === '/topics/{topic}/records') {
      for (const topic of topics) add(`/topics/${topic.name}/records`, route, operationFor(route, spec, context, { topic }));
    }
    if (route.resource === '/results/{consumer}') {
      for (const consumer of consumers) add(`/results/${consumer.name}`, route, operationFor(route, spec, context, { consumer }));
    }
    if (route.resource === '/results/{consumer}/records') {
      for (const consumer of consumers.filter((c) => c.keepRecords)) add(`/results/${consumer.name}/records`, route, operationFor(route, spec, context, { consumer }));
    }
  }
  if (target === 'local') Object.assign(paths, localOperations());

  const aws = target === 'aws';
  const errorCodes = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, info]) => [code, { status: info.status, description: info.description }]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'fluxo HTTP API',
      version,
      description: [
        'Event ingestion into Kafka topics and the windowed results of the consumers, from the pipeline spec (pipeline.ts).',
        'Every error answer is {error_code, message, details?} with error_code = HTTP status × 100 + a sub-code (x-fluxo-error-codes lists them all).',
        `A path no route matches answers ${UNMATCHED_ERROR_CODES.map((c) => `${ERROR_CODES[c].status}/${c}`).join(', ')} (405 with an Allow header).`,
        aws ? 'Every request needs the API key in the x-api-key header.' : 'Served by the local gateway of `npm start`; no API key.',
      ].join('\n\n'),
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: aws
      ? [{ url: serverUrl ?? 'https://{apiId}.execute-api.{region}.amazonaws.com/v1', description: 'API Gateway stage v1 (the ApiUrl output)', ...(serverUrl === undefined ? { variables: { apiId: { default: 'abcdef1234' }, region: { default: 'us-east-1' } } } : {}) }]
      : [{ url: serverUrl ?? 'http://127.0.0.1:3000', description: 'npm start' }],
    tags: [
      { name: 'ingest', description: 'Topics and records (Confluent REST Proxy v3 is the model).' },
      { name: 'results', description: 'Aggregates, kept records and dead letters, from DynamoDB.' },
      ...(aws ? [] : [{ name: 'local', description: 'Only on the local gateway.' }]),
    ],
    paths,
    components: {
      schemas,
      ...(aws ? { securitySchemes: { [API_KEY_SCHEME]: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The API key of the usage plan (the ApiKeyId output).' } } } : {}),
    },
    ...(aws ? { security: [{ [API_KEY_SCHEME]: [] }] } : {}),
    'x-fluxo-error-codes': errorCodes,
  };
}
