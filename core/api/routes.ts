/**
 * The HTTP API, declared once. Each route names its method, its API Gateway resource, the Lambda
 * that serves it, its path, query and header parameters, its request body, its answers and the
 * error codes (errors.ts) it answers with. From this one table come:
 *
 * - the handlers' request and answer types (`Static<>` of the schemas below);
 * - the check of every parameter before a handler runs ({@link readParameters}: 400/40003);
 * - the OpenAPI 3.1 document (openapi.ts), which adds what the pipeline spec makes precise;
 * - the API Gateway resources of the CDK stack and the routing of the local gateway.
 *
 * The schemas are TypeBox values: plain JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) with
 * their TypeScript types. A `$ref` names a component of {@link COMPONENTS}. Pure: no AWS imports.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';
import type { DeadLetterReason, RecordForm } from '../canonical';
import { BadParameterError, type ErrorCode } from '../errors';
import { INGEST_LIMITS, MAX_EVENT_TIME } from '../ingest';
import { INGEST_TIME_HEADER } from '../kafka-record';
import { RECORD_ID_HEADER } from '../record-id';
import { RISING_SCORE, TRENDING_DEFAULTS, TRENDING_LIMITS } from '../trending';

/** Which Lambda serves a route. */
export type RouteHandler = 'producer' | 'results';

const components: Record<string, TSchema> = {};
/** Every component of the document that does not depend on the pipeline spec, by name, in the order they are made. */
export const COMPONENTS: Readonly<Record<string, TSchema>> = components;
/** A `$ref` to a component, typed as its schema. */
const refTo = <T extends TSchema>(name: string): TUnsafe<Static<T>> => Type.Unsafe<Static<T>>(Type.Ref(`#/components/schemas/${name}`));
/** Adds a component to {@link COMPONENTS}: its schema and a `$ref` to it typed as the schema. */
function component<T extends TSchema>(name: string, schema: T): { readonly schema: T; readonly ref: TUnsafe<Static<T>> } {
  components[name] = schema;
  return { schema, ref: refTo<T>(name) };
}
/** An object with these properties and no others. */
const closed = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description === undefined ? {} : { description }) });
/** An object of any property names whose values are `value`. */
const map = <T extends TSchema>(value: T, description?: string) =>
  Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    additionalProperties: value,
    ...(description === undefined ? {} : { description }),
  });
/** One of these strings. */
const oneOf = <const T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ enum: [...values], ...(description === undefined ? {} : { description }) });
const optional = Type.Optional;

/** An event time as a query parameter or a record's `timestamp` string: ISO 8601 with a zone, years 1971 to 9998. */
export const EVENT_TIME_ISO = Type.String({
  // What parseEventTime accepts, less the edges that a zone offset moves out of its range
  // (1970 and 9999) and the values Date.parse refuses (seconds 60, offsets over 23:59).
  pattern:
    '^(?:19[7-9][1-9]|19[89]0|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,9})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])$',
});
/** A time as a query parameter: ISO 8601 with a zone or epoch milliseconds. */
const timeParameter = (description?: string) =>
  Type.Union([EVENT_TIME_ISO, Type.String({ pattern: '^[0-9]{1,14}$' })], {
    title: 'an ISO 8601 date-time with a zone or epoch milliseconds',
    ...(description === undefined ? {} : { description }),
  });
const TIME_PARAMETER = timeParameter();
const DATE_TIME = Type.String({ format: 'date-time' });
const WHOLE = Type.Integer({ minimum: 0 });

const ErrorBody = component(
  'Error',
  closed(
    { error_code: Type.Integer(), message: Type.String(), details: optional(map(Type.Unknown())) },
    '`error_code` = HTTP status × 100 + a sub-code; see x-fluxo-error-codes.',
  ),
);
const WrittenResult = component(
  'WrittenResult',
  closed(
    {
      partition: WHOLE,
      offset: WHOLE,
      timestamp: Type.String({ format: 'date-time', description: 'The Kafka record timestamp (event time).' }),
    },
    'The record is on the topic (acks=all) at this partition and offset.',
  ),
);
const RecordResult = component('RecordResult', Type.Union([WrittenResult.ref, ErrorBody.ref]));
const BatchAnswer = component('BatchAnswer', closed({ results: Type.Array(RecordResult.ref, { minItems: 1 }) }));
component(
  'GatewayError',
  closed({ message: Type.String() }, "API Gateway's own answer when the integration fails (502) or times out (504)."),
);

const FieldDescription = closed({
  type: oneOf(['number', 'integer', 'string', 'boolean']),
  required: optional(Type.Boolean()),
  min: optional(Type.Number()),
  max: optional(Type.Number()),
  maxLength: optional(Type.Integer()),
  description: optional(Type.String()),
});
const TopicDescription = component(
  'TopicDescription',
  closed({
    name: Type.String(),
    format: oneOf(['json', 'text'], 'json: JSON values checked against the schema; text: lines of text, no schema.'),
    partitions: Type.Integer({ minimum: 1 }),
    retentionHours: Type.Integer({ minimum: 1 }),
    description: optional(Type.String()),
    schema: closed({ fields: map(FieldDescription), additionalFields: optional(Type.Boolean()) }),
    derived: Type.Array(
      Type.Union([
        closed({ kind: Type.Literal('bmi'), name: Type.String(), weightKgField: Type.String(), heightCmField: Type.String() }),
        closed({ kind: Type.Literal('hashtags'), name: Type.String(), textField: Type.String() }),
      ]),
      { description: 'Fields the producer derives at ingest (IMC from weight and height, the hashtags of a text).' },
    ),
    accepts: Type.Array(Type.Literal('tuple'), { description: 'Input forms accepted besides an object.' }),
  }),
);
const Topics = component('Topics', closed({ topics: Type.Array(TopicDescription.ref) }));

const Aggregate = component(
  'Aggregate',
  closed({
    key: Type.String({ description: 'The group key (e.g. all, the ticker, a hashtag).' }),
    windowStart: DATE_TIME,
    windowEnd: DATE_TIME,
    count: Type.Integer({ minimum: 0, description: 'Records counted in the window, each exactly once.' }),
    late: Type.Integer({ minimum: 0, description: 'Records that arrived after the window closed (not in count).' }),
    measures: map(Type.Number(), '<fn>_<field>, e.g. avg_peso.'),
  }),
);

const TrendingItem = closed({
  key: Type.String({ description: 'The group key (e.g. a hashtag).' }),
  count: Type.Integer({ minimum: 0, description: 'Its count in the current window [windowStart, windowEnd).' }),
  baseline: Type.Number({ minimum: 0, description: 'The mean of its counts in the baselineWindows windows before (0 where absent).' }),
  score: Type.Number({ exclusiveMinimum: 0, description: '(count + 1) / (baseline + 1).' }),
  rising: Type.Boolean({ description: `score >= ${RISING_SCORE}.` }),
});
const Trending = component(
  'Trending',
  closed(
    {
      consumer: Type.String(),
      at: Type.String({ format: 'date-time', description: 'The time asked about (default: now).' }),
      windowStart: DATE_TIME,
      windowEnd: Type.String({
        format: 'date-time',
        description:
          'The last pane boundary at or before at: the current window is [windowStart, windowEnd), windowEnd - windowStart = sizeSeconds.',
      }),
      sizeSeconds: Type.Integer({ minimum: 1 }),
      advanceSeconds: Type.Integer({ minimum: 1 }),
      baselineWindows: Type.Integer({ minimum: TRENDING_LIMITS.baselineWindows.min, maximum: TRENDING_LIMITS.baselineWindows.max }),
      minCount: Type.Integer({ minimum: TRENDING_LIMITS.minCount.min, maximum: TRENDING_LIMITS.minCount.max }),
      items: Type.Array(TrendingItem, {
        description: 'Keys with count >= minCount, by score (highest first), then count (highest first), then key (ascending).',
      }),
    },
    'Break-outs: keys ranked by how far their count in the current hopping window exceeds their mean count in the baselineWindows windows before it.',
  ),
);

const RECORD_FORM = oneOf<RecordForm>(
  ['object', 'tuple', 'scalar', 'text', 'tombstone'],
  'The form the value was written in: a JSON object, a tuple (JSON array), a JSON scalar, plain text, or a tombstone.',
);
const WRITER = oneOf(['http', 'kafka'], "Who wrote it: fluxo's HTTP API, or a Kafka client straight to the topic.");

const KeptRecord = component(
  'KeptRecord',
  closed({
    topic: Type.String(),
    partition: WHOLE,
    offset: WHOLE,
    eventTime: DATE_TIME,
    key: optional(Type.String()),
    value: optional(
      Type.Union([map(Type.Unknown()), Type.String()], {
        description: 'The canonical value the consumer counted: an object, or the text of a text topic.',
      }),
    ),
    form: optional(RECORD_FORM),
    writer: optional(WRITER),
    valueOmitted: optional(Type.Literal(true, { description: 'The value was too large to keep.' })),
    valueBytes: optional(WHOLE),
  }),
);

// Exhaustive over DeadLetterReason: adding a reason without documenting it fails to compile.
const DEAD_LETTER_REASONS: Readonly<Record<DeadLetterReason, string>> = {
  'not JSON': 'the value is not a JSON text (or is a tombstone) on a json topic',
  'not UTF-8': 'the value of a text topic is not UTF-8 text',
  'schema violation':
    'the value cannot be brought to its topic schema (a tuple of the wrong shape, a missing or mistyped field, a derived field that differs from what fluxo derives), or its timestamp is not a valid event time',
  'too large': 'the value is over 1 MiB',
};
const DeadLetter = component(
  'DeadLetter',
  closed({
    consumer: Type.String(),
    topic: Type.String(),
    partition: WHOLE,
    offset: WHOLE,
    timestamp: Type.String({ format: 'date-time', description: 'The Kafka record timestamp.' }),
    reason: oneOf(
      Object.keys(DEAD_LETTER_REASONS) as DeadLetterReason[],
      Object.entries(DEAD_LETTER_REASONS)
        .map(([r, why]) => `${r}: ${why}`)
        .join('; '),
    ),
    error: Type.String({ maxLength: 1024, description: 'What is wrong, naming the field.' }),
    form: optional(RECORD_FORM),
    writer: optional(WRITER),
    key: optional(Type.String()),
    value: optional(Type.String({ contentEncoding: 'base64', description: 'The raw value bytes (the first ones when valueTruncated).' })),
    valueBytes: WHOLE,
    valueTruncated: Type.Boolean(),
    deadLetteredAt: DATE_TIME,
  }),
);

const CURSOR = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,2048}$',
  title: 'a nextCursor of this query',
  description:
    'The nextCursor of the previous page of the same query, passed back as is (base64url of the position it continues from). Any other value is refused with 400/40003.',
});
const page = <T extends TSchema>(item: T, withConsumer: boolean) =>
  closed({
    ...(withConsumer ? { consumer: Type.String() } : {}),
    items: Type.Array(item),
    nextCursor: optional(refTo<typeof CURSOR>('Cursor')),
  });
const DeadLetters = component('DeadLetters', page(DeadLetter.ref, false));
component('Cursor', CURSOR);
component(
  'Health',
  Type.Object(
    { ok: Type.Boolean() },
    { additionalProperties: closed({ ok: Type.Boolean(), address: Type.String(), ms: Type.Number(), error: optional(Type.String()) }) },
  ),
);

/** A case-insensitive regular expression source for one literal name (JSON Schema patterns take no flags). */
function anyCase(name: string): string {
  return [...name]
    .map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
}

/** The ingest request body of a topic whose record value is `value`; `partitions` bounds `partition`. */
export function ingestRequestSchema(value: Readonly<Record<string, unknown>>, partitions?: number): TSchema {
  const record = Type.Object(
    {
      value: Type.Unsafe(value),
      key: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'Picks the partition (murmur2, as the Java client).' })),
      headers: Type.Optional(
        Type.Unsafe({
          type: 'object',
          additionalProperties: Type.String(),
          propertyNames: { minLength: 1, not: { pattern: `^(?:${anyCase(INGEST_TIME_HEADER)}|${anyCase(RECORD_ID_HEADER)})$` } },
          description: `Kafka headers. ${INGEST_TIME_HEADER} and ${RECORD_ID_HEADER} are reserved: fluxo sets them.`,
        }),
      ),
      partition: Type.Optional(Type.Integer({ minimum: 0, ...(partitions === undefined ? {} : { maximum: partitions - 1 }) })),
      timestamp: Type.Optional(
        Type.Union([EVENT_TIME_ISO, Type.Integer({ minimum: 0, maximum: MAX_EVENT_TIME })], {
          description: 'Event time: ISO 8601 with a zone, or epoch milliseconds. Default: now.',
        }),
      ),
    },
    { additionalProperties: false },
  );
  const batch = Type.Object(
    { records: Type.Array(record, { minItems: 1, maxItems: INGEST_LIMITS.maxRecords }) },
    { additionalProperties: false },
  );
  return Type.Union([record, batch], {
    description: `One record {value, key?, headers?, partition?, timestamp?} or {records: [...]} (1 to ${INGEST_LIMITS.maxRecords}).`,
  });
}

/** One answer of a route: its status, what it means, its body and headers. */
export interface Answer {
  readonly description: string;
  readonly schema: TSchema;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: TSchema }>>;
}

/** One route of the API. */
export interface Route {
  readonly method: 'GET' | 'POST';
  /** The API Gateway resource, e.g. `/topics/{topic}/records`. */
  readonly resource: string;
  readonly handler: RouteHandler;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: 'ingest' | 'results';
  readonly path: TObject;
  readonly query: TObject;
  readonly headers: TObject;
  /** The component name of the JSON request body; a topic's own path uses `topic.<name>.<component>`. */
  readonly body?: string;
  readonly answers: Readonly<Record<number, Answer>>;
  /** The error codes its handler answers with (besides the gateway's). */
  readonly errors: readonly ErrorCode[];
  /** Error codes a per-record result can carry (a batch whose every record was rejected answers them with `results`). */
  readonly recordErrors?: readonly ErrorCode[];
  /** The spec names that get their own concrete path, each with the spec's precise schemas. */
  readonly per?: 'topic' | 'consumer' | 'keptRecordsConsumer';
}

const NAME = Type.String({ minLength: 1 });
const NONE = Type.Object({});
/** The results API's page size: `limit` when given. */
export const PAGE_SIZE = { default: 100, max: 1000 } as const;
const LIMIT = Type.Integer({ minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default, description: 'Page size.' });
const PAGE = { limit: Type.Optional(LIMIT), cursor: Type.Optional(CURSOR) };
/** A `/trending` query parameter: its bounds (TRENDING_LIMITS) and default (TRENDING_DEFAULTS). */
const trendingParameter = (name: keyof typeof TRENDING_LIMITS, description: string) =>
  Type.Optional(
    Type.Integer({ minimum: TRENDING_LIMITS[name].min, maximum: TRENDING_LIMITS[name].max, default: TRENDING_DEFAULTS[name], description }),
  );

/** The API's routes, by operationId. */
export const API = {
  produceRecords: {
    method: 'POST',
    resource: '/topics/{topic}/records',
    handler: 'producer',
    operationId: 'produceRecords',
    summary: 'Write records to a topic',
    description: 'One record or {records: [...]} (1 to 500); one result per record, in order: 200 all written, 207 some written, 4xx none.',
    tag: 'ingest',
    path: Type.Object({ topic: NAME }),
    query: NONE,
    headers: Type.Object({
      'Idempotency-Key': Type.Optional(
        Type.String({
          pattern: '^[\\x21-\\x7e]{1,255}$',
          title: '1 to 255 visible ASCII characters',
          description:
            'Unique per request. A retry with the same key and body gets the first answer once the first request finished (24 h), 409 while it runs; after an unknown outcome it runs again, and its records carry the same fluxo-record-id, so consumers count each once. The same key with another body is 422/42202. Without a key a retry is a new request.',
        }),
      ),
    }),
    body: 'IngestRequest',
    answers: {
      200: {
        description: 'Every record was written: one record answers its result, a batch {results}.',
        schema: Type.Union([WrittenResult.ref, BatchAnswer.ref]),
        headers: {
          'Idempotent-Replayed': {
            description: 'true when this is the stored answer of an earlier request with the same Idempotency-Key.',
            schema: Type.Literal('true'),
          },
        },
      },
      207: { description: 'Some records were written, some rejected: one result per record, in order.', schema: BatchAnswer.ref },
    },
    errors: [40001, 40002, 40003, 40401, 40403, 40901, 41301, 41501, 42201, 42202, 50001, 50301, 50302],
    recordErrors: [40002, 40403, 41301, 42201],
    per: 'topic',
  },
  listTopics: {
    method: 'GET',
    resource: '/topics',
    handler: 'producer',
    operationId: 'listTopics',
    summary: 'The topics of the pipeline spec',
    tag: 'ingest',
    path: NONE,
    query: NONE,
    headers: NONE,
    answers: { 200: { description: 'The topics.', schema: Topics.ref } },
    errors: [50001],
  },
  getAggregates: {
    method: 'GET',
    resource: '/results/{consumer}',
    handler: 'results',
    operationId: 'getAggregates',
    summary: "A consumer's windowed aggregates",
    description:
      'The stored aggregates, newest first: one per key and window, or per key and pane (of length advanceSeconds) for a hopping window. One is listed when it overlaps [from, to) (none when from is not before to). top=N without from and to: the N keys with the highest count in the hopping window [w - size, w), w the last pane boundary at or before at (default now), its panes merged; ties by key. top=N with from or to ranks the keys of one stored window (pane): the one containing from, else the newest starting before to. With key: that key only. A top answer has no pages.',
    tag: 'results',
    path: Type.Object({ consumer: NAME }),
    query: Type.Object({
      key: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'One group key only.' })),
      from: Type.Optional(TIME_PARAMETER),
      to: Type.Optional(TIME_PARAMETER),
      top: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'The N keys with the highest count in one window.' })),
      at: Type.Optional(
        timeParameter(
          'With top and without from/to: the time whose window is ranked (default now); with from or to, or without top, it is 400/40003.',
        ),
      ),
      ...PAGE,
    }),
    headers: NONE,
    answers: { 200: { description: 'Aggregates.', schema: page(Aggregate.ref, true) } },
    errors: [40003, 40402, 50001, 50302],
    per: 'consumer',
  },
  getTrending: {
    method: 'GET',
    resource: '/results/{consumer}/trending',
    handler: 'results',
    operationId: 'getTrending',
    summary: "A consumer's break-outs: keys rising above their recent baseline",
    description: `The current window is the hopping window [w - size, w), w the last pane boundary at or before at (default now); baseline window i (1..baseline) is [w - (i+1)·size, w - i·size). For each key with count c >= minCount in the current window: baseline = the mean of its counts in the baseline windows (0 where absent), score = (c + 1) / (baseline + 1), rising = score >= ${RISING_SCORE}. The top keys by score, then c (both highest first), then key.`,
    tag: 'results',
    path: Type.Object({ consumer: NAME }),
    query: Type.Object({
      top: trendingParameter('top', 'How many keys.'),
      at: Type.Optional(timeParameter('The time whose window is ranked (default now).')),
      baseline: trendingParameter('baselineWindows', 'How many windows before the current one make the baseline.'),
      minCount: trendingParameter('minCount', 'The least count in the current window for a key to be listed.'),
    }),
    headers: NONE,
    answers: { 200: { description: 'Break-outs.', schema: Trending.ref } },
    errors: [40003, 40402, 50001, 50302],
    per: 'consumer',
  },
  getKeptRecords: {
    method: 'GET',
    resource: '/results/{consumer}/records',
    handler: 'results',
    operationId: 'getKeptRecords',
    summary: 'The records a keepRecords consumer kept',
    description: 'Newest first, with event time in [from, to). 404/40402 for a consumer that does not keep its records.',
    tag: 'results',
    path: Type.Object({ consumer: NAME }),
    query: Type.Object({ from: Type.Optional(TIME_PARAMETER), to: Type.Optional(TIME_PARAMETER), ...PAGE }),
    headers: NONE,
    answers: { 200: { description: 'Kept records.', schema: page(KeptRecord.ref, true) } },
    errors: [40003, 40402, 50001, 50302],
    per: 'keptRecordsConsumer',
  },
  getDeadLetters: {
    method: 'GET',
    resource: '/dlq',
    handler: 'results',
    operationId: 'getDeadLetters',
    summary: 'Records no consumer could process, with the reason',
    tag: 'results',
    path: NONE,
    query: Type.Object({ consumer: Type.Optional(Type.String({ minLength: 1, description: "One consumer's dead letters." })), ...PAGE }),
    headers: NONE,
    answers: { 200: { description: 'Dead letters by consumer, topic, partition, offset.', schema: DeadLetters.ref } },
    errors: [40003, 40402, 50001, 50302],
  },
} as const satisfies Readonly<Record<string, Route>>;

/** A route's name (its operationId). */
export type RouteName = keyof typeof API;
/** Every route. */
export const ROUTES: readonly Route[] = Object.values(API);

/** What `GET /topics` answers per topic. */
export type TopicDescription = Static<typeof TopicDescription.schema>;
/** One aggregate as the results API reports it. */
export type AggregateView = Static<typeof Aggregate.schema>;
/** What `/results/{consumer}/trending` answers. */
export type TrendingView = Static<typeof Trending.schema>;
/** One aggregate page of `/results/{consumer}` (a top answer too). */
export type AggregatesPage = Static<ReturnType<typeof page<typeof Aggregate.ref>>>;
/** A kept record as the results API reports it. */
export type KeptRecordView = Static<typeof KeptRecord.schema>;
/** A dead letter as the results API reports it. */
export type DeadLetterView = Static<typeof DeadLetter.schema>;
/** A written record's result. */
export type WrittenResult = Static<typeof WrittenResult.schema>;
/** One record's result in a batch answer: where it was written, or why it was refused. */
export type RecordResultView = Static<typeof RecordResult.schema>;

/** A route's parameters once checked: path, query and headers, typed by its declaration. */
export interface RouteParameters<R extends Route> {
  readonly path: Static<R['path']>;
  readonly query: Static<R['query']>;
  readonly headers: Static<R['headers']>;
}

/** Each declared pattern compiled once: parameters are checked on every request. */
const PATTERNS = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = PATTERNS.get(source);
  if (pattern === undefined) PATTERNS.set(source, (pattern = new RegExp(source, 'u')));
  return pattern;
}

function accepts(schema: TSchema, raw: string): boolean {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).some((s) => accepts(s, raw));
  const length = [...raw].length;
  return (
    (schema.minLength === undefined || length >= schema.minLength) &&
    (schema.maxLength === undefined || length <= schema.maxLength) &&
    (schema.pattern === undefined || patternOf(schema.pattern as string).test(raw))
  );
}

/** Reads one parameter against its schema: a string, or a whole number for an integer schema. Throws 40003. */
function readParameter(name: string, schema: TSchema, raw: string): string | number {
  if (schema.type === 'integer') {
    const { minimum, maximum } = schema as TSchema & { minimum: number; maximum: number };
    if (/^\d{1,7}$/.test(raw) && Number(raw) >= minimum && Number(raw) <= maximum) return Number(raw);
    throw new BadParameterError(`${name} must be a whole number from ${minimum} to ${maximum} (got "${raw}")`, {
      details: { parameter: name },
    });
  }
  if (accepts(schema, raw)) return raw;
  const must = (schema.title as string | undefined) ?? `${schema.minLength ?? 0} to ${schema.maxLength ?? 'any number of'} characters`;
  throw new BadParameterError(`${name} must be ${must} (got "${raw.length > 100 ? `${raw.slice(0, 100)}…` : raw}")`, {
    details: { parameter: name },
  });
}

function readObject<T extends TObject>(declared: T, values: (name: string) => string | undefined): Static<T> {
  const read: Record<string, string | number> = {};
  for (const [name, schema] of Object.entries(declared.properties)) {
    const raw = values(name);
    if (raw !== undefined) read[name] = readParameter(name, schema, raw);
  }
  return read as Static<T>;
}

/** The parts of an API Gateway proxy event the parameters come from. */
export interface ParameterSource {
  readonly pathParameters: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters: Readonly<Record<string, string | undefined>> | null;
  readonly headers: Readonly<Record<string, string | undefined>> | null;
}

/**
 * Checks a request's parameters against its route's declaration and returns them typed. Header
 * names match case-insensitively. Throws {@link BadParameterError} (400/40003) naming the first
 * bad one: `<name> must be <what it must be> (got "<value>")`.
 */
export function readParameters<R extends Route>(route: R, event: ParameterSource): RouteParameters<R> {
  const headers = new Map(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    path: readObject(route.path, (name) => event.pathParameters?.[name] ?? undefined),
    query: readObject(route.query, (name) => event.queryStringParameters?.[name] ?? undefined),
    headers: readObject(route.headers, (name) => headers.get(name.toLowerCase()) ?? undefined),
  } as RouteParameters<R>;
}

/**
 * Matches a request path against the routes. Returns the route and its decoded path
 * parameters, or undefined. A path segment matches `{param}` when it is non-empty.
 */
export function matchRoute(method: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const parts = route.resource.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const ok = parts.every((part, i) => {
      if (part.startsWith('{') && part.endsWith('}')) {
        pathParameters[part.slice(1, -1)] = segments[i];
        return true;
      }
      return part === segments[i];
    });
    if (ok) return { route, pathParameters };
  }
  return undefined;
}
