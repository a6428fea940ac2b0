/**
 * The HTTP API as an OpenAPI 3.1 document, generated from the one declaration of the routes
 * (routes.ts: parameters, bodies, answers, error codes), the error table (errors.ts) and the
 * pipeline spec, which makes the schemas precise: each topic gets its own
 * `/topics/<name>/records` with its record schema and partition count, each consumer its own
 * `/results/<name>` with its measures. The templated paths then serve only names the spec does not
 * declare (404). The local gateway serves the document at `/openapi.json`; tests and schemathesis
 * check the handlers' real answers against it. Pure TypeScript: no AWS imports, no I/O.
 */
import { ERROR_CODES, type ErrorCode } from '../errors';
import { COMPONENTS, ROUTES, ingestRequestSchema, type Route } from './routes';
import {
  measureName,
  resolveConsumer,
  resolveTopic,
  type DerivedField,
  type FieldSpec,
  type PipelineSpec,
  type ResolvedConsumer,
  type ResolvedTopic,
} from '../spec';

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
}

/** The name of the API key security scheme. */
export const API_KEY_SCHEME = 'apiKey';

/** Codes the local gateway itself answers for any matched route: a bad percent-encoded path parameter, a body over 10 MB. */
export const GATEWAY_ERROR_CODES: readonly ErrorCode[] = [40003, 41301];
/** Codes answered when no route matches (no operation describes them): 404 and 405 with `Allow`. */
export const UNMATCHED_ERROR_CODES: readonly ErrorCode[] = [40404, 40501];
/** Codes API Gateway answers on AWS for every route (API key, usage plan). */
export const AWS_ERROR_CODES: readonly ErrorCode[] = [40301, 42901, 42902];

/** A TypeBox schema as plain JSON data: its symbol-keyed TypeBox markers left out. */
const plain = (schema: unknown): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): Readonly<Record<string, { readonly schema: JsonSchema }>> => ({ 'application/json': { schema } });

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
      return {
        type: 'number',
        description: `Derived at ingest: ${field.weightKgField} / (${field.heightCmField} / 100)² (IMC, body-mass index).`,
      };
    case 'hashtags':
      return {
        type: 'array',
        items: { type: 'string' },
        description: `Derived at ingest: the distinct hashtags of ${field.textField}, lower-cased, without #.`,
      };
  }
}

function objectSchema(
  fields: Readonly<Record<string, FieldSpec>>,
  additional: boolean,
  extra: Readonly<Record<string, JsonSchema>> = {},
  omit: readonly string[] = [],
): JsonSchema {
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
  if (topic.format === 'text')
    return { type: 'string', description: `A ${topic.name} record value: one line of text, written as its UTF-8 bytes.` };
  const { fields, additionalFields = true } = topic.schema;
  // Derived fields may be sent (they are overwritten) even where other extra fields are refused;
  // the document asks for their stored type (the producer takes any value and replaces it).
  const derived = Object.fromEntries(
    topic.derived.map((d) => [d.name, { ...derivedSchema(d), description: 'Derived at ingest: a value sent here is replaced.' }]),
  );
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

function aggregateSchema(consumer: ResolvedConsumer): JsonSchema {
  const measures = consumer.measures.map(measureName);
  return {
    type: 'object',
    allOf: [ref('Aggregate')],
    properties: {
      measures: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(measures.map((m) => [m, { type: 'number' }])),
      },
    },
  };
}

function keptRecordSchema(consumer: ResolvedConsumer, spec: PipelineSpec): JsonSchema {
  const values = spec.topics
    .map(resolveTopic)
    .filter((t) => consumer.topics.includes(t.name))
    .map(storedValueSchema);
  return {
    type: 'object',
    allOf: [ref('KeptRecord')],
    properties: { topic: { enum: [...consumer.topics] }, value: values.length === 1 ? values[0] : { anyOf: values } },
  };
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

function errorSchema(codes: readonly ErrorCode[], withResults = false): JsonSchema {
  return {
    type: 'object',
    required: withResults ? ['error_code', 'message', 'results'] : ['error_code', 'message'],
    additionalProperties: false,
    properties: {
      error_code: { type: 'integer', enum: [...codes].sort((a, b) => a - b) },
      message: { type: 'string' },
      details: { type: 'object' },
      ...(withResults
        ? {
            results: {
              type: 'array',
              items: ref('RecordResult'),
              description: 'Every record was rejected: one error per record, in order.',
            },
          }
        : {}),
    },
  };
}

/** The error responses of a route, one per status, each with the codes that status carries. */
function errorResponses(route: Route, target: OpenApiTarget): Record<string, OpenApiResponse> {
  const codes = [...new Set([...route.errors, ...GATEWAY_ERROR_CODES, ...(target === 'aws' ? AWS_ERROR_CODES : [])])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const withBatch = list.filter((code) => route.recordErrors?.includes(code));
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}.\n\n${list.map((c) => `${c}: ${ERROR_CODES[c].description}`).join('\n\n')}`,
      ...(status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      content: json(withBatch.length === 0 ? errorSchema(list) : { oneOf: [errorSchema(list), errorSchema(withBatch, true)] }),
    };
  }
  responses['502'] = { description: 'The handler failed (API Gateway answer).', content: json(ref('GatewayError')) };
  responses['504'] = { description: 'The handler did not answer in time (API Gateway answer).', content: json(ref('GatewayError')) };
  return responses;
}

/** A route's declared parameters as OpenAPI parameter objects. */
function parameters(route: Route, pathSchema: JsonSchema | undefined): JsonSchema[] {
  const list = (place: 'path' | 'query' | 'header', declared: Route['path']): JsonSchema[] =>
    Object.entries(declared.properties).flatMap(([name, schema]) => {
      const own = place === 'path' ? pathSchema : schema;
      if (own === undefined) return [];
      const { description, ...rest } = own as JsonSchema & { description?: string };
      return [
        {
          name,
          in: place,
          ...(description === undefined ? {} : { description }),
          ...(place === 'path' || declared.required?.includes(name) ? { required: true } : {}),
          schema: rest,
        },
      ];
    });
  return [...list('path', route.path), ...list('query', route.query), ...list('header', route.headers)];
}

/** `$ref`s to components that a concrete path has its own version of (`consumer.<name>.Aggregate`) point there. */
function specialize(schema: unknown, prefix: string, schemas: Readonly<Record<string, JsonSchema>>): JsonSchema {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) => {
      if (key !== '$ref' || typeof value !== 'string') return value;
      const own = `${prefix}${value.replace('#/components/schemas/', '')}`;
      return schemas[own] === undefined ? value : `#/components/schemas/${own}`;
    }),
  ) as JsonSchema;
}

function operation(
  route: Route,
  target: OpenApiTarget,
  schemas: Readonly<Record<string, JsonSchema>>,
  names: readonly string[],
  concrete?: { readonly name: string; readonly description?: string },
): OpenApiOperation {
  const prefix = concrete === undefined ? '' : `${route.per === 'topic' ? 'topic' : 'consumer'}.${concrete.name}.`;
  const templated: JsonSchema | undefined =
    concrete !== undefined
      ? undefined
      : {
          type: 'string',
          minLength: 1,
          ...(names.length === 0
            ? {}
            : {
                not: { enum: [...names] },
                description: `A name the spec does not declare (404): ${names.join(', ')} have their own paths.`,
              }),
        };
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers === undefined ? {} : { headers: specialize(answer.headers, prefix, schemas) as OpenApiResponse['headers'] }),
      content: json(specialize(answer.schema, prefix, schemas)),
    };
  }
  Object.assign(responses, errorResponses(route, target));
  const params = parameters(route, templated);
  return {
    operationId: concrete === undefined ? route.operationId : `${route.operationId}_${concrete.name.replace(/[^A-Za-z0-9]/g, '_')}`,
    summary: concrete === undefined ? route.summary : `${route.summary}: ${concrete.name}`,
    ...(route.description === undefined && concrete?.description === undefined
      ? {}
      : { description: [concrete?.description, route.description].filter((d) => d !== undefined).join(' ') }),
    tags: [route.tag],
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(route.body === undefined ? {} : { requestBody: { required: true, content: json(specialize(ref(route.body), prefix, schemas)) } }),
    responses,
    ...(target === 'aws' ? { security: [{ [API_KEY_SCHEME]: [] }] } : {}),
    'x-fluxo-route': route.resource,
  };
}

function localOperations(): Record<string, Record<string, OpenApiOperation>> {
  return {
    '/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Whether the local Kafka and DynamoDB answer (local only)',
        tags: ['local'],
        responses: {
          '200': { description: 'Both answer.', content: json(ref('Health')) },
          '503': { description: 'One does not.', content: json(ref('Health')) },
        },
        'x-fluxo-route': '/health',
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (local only)',
        tags: ['local'],
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document.',
            content: json({
              type: 'object',
              required: ['openapi', 'paths'],
              properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } },
            }),
          },
        },
        'x-fluxo-route': '/openapi.json',
      },
    },
  };
}

/** The OpenAPI 3.1 document of a spec's HTTP API. */
export function openApiDocument(spec: PipelineSpec, { target = 'local', serverUrl }: OpenApiOptions = {}): OpenApiDocument {
  const topics = spec.topics.map(resolveTopic);
  const consumers = spec.consumers.map(resolveConsumer);
  const schemas = plain(COMPONENTS) as Record<string, JsonSchema>;
  schemas.IngestRequest = plain(ingestRequestSchema({ description: 'Any JSON; checked against the schema of the topic in the path.' }));
  for (const topic of topics) {
    schemas[`topic.${topic.name}.Value`] = topicValueSchema(topic);
    schemas[`topic.${topic.name}.StoredValue`] = storedValueSchema(topic);
    schemas[`topic.${topic.name}.IngestRequest`] = plain(ingestRequestSchema(ref(`topic.${topic.name}.Value`), topic.partitions));
  }
  for (const consumer of consumers) {
    schemas[`consumer.${consumer.name}.Aggregate`] = aggregateSchema(consumer);
    if (consumer.keepRecords) schemas[`consumer.${consumer.name}.KeptRecord`] = keptRecordSchema(consumer, spec);
  }

  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  const add = (path: string, method: string, op: OpenApiOperation): void => {
    (paths[path] ??= {})[method.toLowerCase()] = op;
  };
  for (const route of ROUTES) {
    // The spec names that get a concrete path of the route; its templated path then serves the others.
    const concrete: readonly { readonly name: string; readonly description?: string }[] =
      route.per === undefined ? [] : route.per === 'topic' ? topics : consumers.filter((c) => route.per === 'consumer' || c.keepRecords);
    const names = concrete.map((c) => c.name);
    add(route.resource, route.method, operation(route, target, schemas, names));
    for (const c of concrete) add(route.resource.replace(/\{[^}]+\}/, c.name), route.method, operation(route, target, schemas, names, c));
  }
  if (target === 'local') Object.assign(paths, localOperations());

  const aws = target === 'aws';
  return {
    openapi: '3.1.0',
    info: {
      title: 'fluxo HTTP API',
      version: '0.1.0',
      description: [
        'Event ingestion into Kafka topics and the windowed results of the consumers, from the pipeline spec (pipeline.ts).',
        'Every error answer is {error_code, message, details?} with error_code = HTTP status × 100 + a sub-code (x-fluxo-error-codes lists them all).',
        `A path no route matches answers ${UNMATCHED_ERROR_CODES.map((c) => `${ERROR_CODES[c].status}/${c}`).join(', ')} (405 with an Allow header).`,
        aws ? 'Every request needs the API key in the x-api-key header.' : 'Served by the local gateway of `npm start`; no API key.',
      ].join('\n\n'),
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: aws
      ? [
          {
            url: serverUrl ?? 'https://{apiId}.execute-api.{region}.amazonaws.com/v1',
            description: 'API Gateway stage v1 (the ApiUrl output)',
            ...(serverUrl === undefined ? { variables: { apiId: { default: 'abcdef1234' }, region: { default: 'us-east-1' } } } : {}),
          },
        ]
      : [{ url: serverUrl ?? 'http://127.0.0.1:3000', description: 'npm start' }],
    tags: [
      { name: 'ingest', description: 'Topics and records (Confluent REST Proxy v3 is the model).' },
      { name: 'results', description: 'Aggregates, kept records and dead letters, from DynamoDB.' },
      ...(aws ? [] : [{ name: 'local', description: 'Only on the local gateway.' }]),
    ],
    paths,
    components: {
      schemas,
      ...(aws
        ? {
            securitySchemes: {
              [API_KEY_SCHEME]: {
                type: 'apiKey',
                in: 'header',
                name: 'x-api-key',
                description: 'The API key of the usage plan (the ApiKeyId output).',
              },
            },
          }
        : {}),
    },
    ...(aws ? { security: [{ [API_KEY_SCHEME]: [] }] } : {}),
    'x-fluxo-error-codes': Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, info]) => [code, { status: info.status, description: info.description }]),
    ),
  };
}
