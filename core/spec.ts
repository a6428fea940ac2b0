/**
 * The pipeline spec: fluxo's pipeline declared once, as typed data.
 *
 * The CDK app, the Lambdas and the local stack all read the same spec (see `pipeline.ts` at
 * the repository root, the one file a user edits). This module holds the types, their
 * defaults and {@link validateSpec}, which runs at synth time, at local start and in tests.
 * Pure TypeScript: no AWS imports, no I/O.
 */
import { compileFilters, FilterPatternError, KAFKA_FILTER_FIELDS, type FilterPattern } from './filter';
import { namedError } from './errors';

/** Scalar types a record field may have. */
export type FieldType = 'number' | 'integer' | 'string' | 'boolean';

/** One field of a topic's record schema. */
export interface FieldSpec {
  /** The JSON type the value must have. */
  readonly type: FieldType;
  /** Whether the field must be present. @default true */
  readonly required?: boolean;
  /** Smallest allowed value (numbers). */
  readonly min?: number;
  /** Largest allowed value (numbers). */
  readonly max?: number;
  /** Longest allowed string, in characters (strings). */
  readonly maxLength?: number;
  /** A one-line description, shown in `GET /topics` and the OpenAPI document. */
  readonly description?: string;
}

/**
 * A record schema: an object whose named fields are checked. Fields not named are kept
 * unless `additionalFields` is false.
 */
export interface RecordSchema {
  /** The fields, by name. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Whether fields not listed are allowed. @default true */
  readonly additionalFields?: boolean;
}

/**
 * A field computed by the producer at ingest and written into the record value, so that an
 * event source mapping's FilterCriteria can filter on it (AWS filters see only the value).
 */
export type DerivedField =
  /** Body-mass index (IMC): weight in kg / (height in m)², height given in centimetres. */
  | {
      readonly kind: 'bmi';
      readonly name: string;
      readonly weightKgField: string;
      readonly heightCmField: string;
    }
  /** The distinct hashtags of a text field, lower-cased, without `#`, in order of appearance. */
  | { readonly kind: 'hashtags'; readonly name: string; readonly textField: string };

/**
 * What a topic's record values are: `json`, a JSON value checked against the topic's schema (the
 * course's health tuples, ticks, tweets); `text`, a line of UTF-8 text with no schema (the
 * course's Activity 1 topic, fed by `kafka-console-producer`), counted as it is.
 */
export type TopicFormat = 'json' | 'text';

/** The fields a derived field is computed from. */
export function derivedInputs(field: DerivedField): readonly string[] {
  return field.kind === 'bmi' ? [field.weightKgField, field.heightCmField] : [field.textField];
}

/** A topic: a Kafka topic plus the schema its records must follow. */
export interface TopicSpec {
  /** Kafka topic name: 1..249 of `[a-zA-Z0-9._-]`. */
  readonly name: string;
  /** Number of partitions (the unit of consumer parallelism). @default 1 */
  readonly partitions?: number;
  /** How long Kafka keeps records, in hours. @default 168 (7 days, Kafka's default) */
  readonly retentionHours?: number;
  /** Replication factor where the cluster has several brokers. @default 2 on MSK provisioned, 1 locally */
  readonly replicationFactor?: number;
  /** What its record values are. @default 'json' */
  readonly format?: TopicFormat;
  /**
   * The schema each record value is checked against, at ingest and again by every consumer (for
   * records written straight to Kafka). Required for a `json` topic; a `text` topic has none.
   */
  readonly schema?: RecordSchema;
  /**
   * Extra accepted input forms, turned into an object before validation. `'tuple'` accepts the
   * course's `[id, {fields...}]` form, which becomes `{id, ...fields}`.
   */
  readonly accepts?: readonly 'tuple'[];
  /** Fields computed at ingest. @default none */
  readonly derived?: readonly DerivedField[];
  /** A one-line description. */
  readonly description?: string;
}

/** How a consumer groups records into aggregates. */
export type GroupBy =
  /** Every record into one group with this key (e.g. `all`). */
  | { readonly kind: 'constant'; readonly key: string }
  /** The value of one field of the record. */
  | { readonly kind: 'field'; readonly field: string }
  /** The name of the topic the record came from (e.g. the ticker `petr4`). */
  | { readonly kind: 'topic' }
  /** Each distinct element of an array field: one contribution per element (e.g. hashtags). */
  | { readonly kind: 'each'; readonly field: string };

/** An aggregation function applied to a named numeric field. */
export type MeasureFn = 'sum' | 'min' | 'max' | 'avg' | 'first' | 'last';

/** A measure stored per window, reported as `<fn>_<field>` (e.g. `avg_peso`). `count` is always kept. */
export interface MeasureSpec {
  readonly fn: MeasureFn;
  readonly field: string;
}

/**
 * A window on event time: tumbling (`advanceSeconds` = `sizeSeconds`, the default) or hopping.
 *
 * A record counts once, in the *pane* of length `advanceSeconds` its event time falls in (panes
 * are aligned on the epoch); a window `[w - size, w)`, `w` a pane boundary, is the sum of its
 * `sizeSeconds / advanceSeconds` consecutive panes. The consumer stores one aggregate per pane.
 */
export interface WindowSpec {
  /** Window length in seconds: a whole number from 1 to 86,400 that divides a day evenly. */
  readonly sizeSeconds: number;
  /**
   * How far a hopping window moves, in seconds: the length of a pane. A whole number of at least
   * 1 that divides `sizeSeconds` and a day, with at most {@link MAX_PANES_PER_WINDOW} panes per
   * window. @default sizeSeconds (a tumbling window)
   */
  readonly advanceSeconds?: number;
  /**
   * How long after a pane's end a record is still counted in it, in seconds. A record arriving
   * later is counted in the pane's `late` figure instead. @default 60
   */
  readonly graceSeconds?: number;
}

/** The most panes one hopping window may hold (`sizeSeconds / advanceSeconds`): a window is read as that many panes. */
export const MAX_PANES_PER_WINDOW = 60;

/** Where a new consumer group starts reading. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export type { FilterPattern } from './filter';

/** A consumer: one Lambda, one event source mapping per topic, one consumer group. */
export interface ConsumerSpec {
  /** Name: 1..64 of `[a-z0-9-]`; used in `GET /results/{consumer}` and the consumer group id. */
  readonly name: string;
  /** The topics it reads. */
  readonly topics: readonly string[];
  /** Filter patterns, ORed; at most 5 (the ESM default quota), each at most 4,096 characters as JSON. @default none: every record */
  readonly filters?: readonly FilterPattern[];
  /** How records are grouped. */
  readonly groupBy: GroupBy;
  /** The window: tumbling, or hopping with `advanceSeconds`. */
  readonly window: WindowSpec;
  /** Measures besides `count`. @default none */
  readonly measures?: readonly MeasureSpec[];
  /** Keep the matching records themselves readable (`GET /results/{consumer}/records`). @default false */
  readonly keepRecords?: boolean;
  /** Most records per invocation (1..10,000). @default 100 */
  readonly batchSize?: number;
  /** How long the poller gathers a batch, in seconds (0..300). @default 0 locally and on AWS */
  readonly batchingWindowSeconds?: number;
  /** Where a new consumer group starts. @default 'TRIM_HORIZON' (with LATEST, records produced while a mapping is being created are lost) */
  readonly startingPosition?: StartingPosition;
  /** Retries of a failing batch before it goes to the on-failure destination (0..10,000). @default 10 */
  readonly retryAttempts?: number;
  /** Oldest record the mapping still delivers, in seconds (60..604,800); -1 for no limit. @default -1 */
  readonly maxRecordAgeSeconds?: number;
  /** Split a failing batch in two and retry each half. @default true */
  readonly bisectOnError?: boolean;
  /** How long aggregates are kept, in days (DynamoDB TTL). @default 30 */
  readonly retentionDays?: number;
  /** A one-line description. */
  readonly description?: string;
}

/** The whole pipeline. */
export interface PipelineSpec {
  readonly topics: readonly TopicSpec[];
  readonly consumers: readonly ConsumerSpec[];
}

/** One event source mapping of a consumer: the topic it reads and its consumer group. */
export interface ConsumerMapping {
  readonly topic: string;
  readonly groupId: string;
}

/** A consumer with every default filled in. */
export type ResolvedConsumer = Required<Omit<ConsumerSpec, 'description'>> & {
  readonly description?: string;
  readonly window: Required<WindowSpec>;
  /** The consumer's base group id, `fluxo-<name>`. */
  readonly groupId: string;
  /**
   * Its event source mappings, one per topic, on AWS and locally alike. A Lambda Kafka mapping
   * reads one topic, and its consumer group id must be unique among all Kafka mappings: a
   * consumer reading one topic uses `groupId`; one reading several has `<groupId>.<topic>` each.
   */
  readonly mappings: readonly ConsumerMapping[];
};

/** A topic with every default filled in. */
export type ResolvedTopic = Required<Omit<TopicSpec, 'description' | 'replicationFactor'>> & {
  readonly description?: string;
  readonly replicationFactor?: number;
};

/** The schema of a topic without one (a `text` topic): no fields. */
const NO_FIELDS: RecordSchema = { fields: {} };

/**
 * The most filters one event source mapping takes by default (a raisable AWS quota): "By default,
 * you can define up to five different filters for a single event source mapping" ("Control which
 * events Lambda sends to your function",
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 */
export const MAX_FILTERS_PER_MAPPING = 5;
/** The filters fluxo adds at most to a mapping of a `json` topic, for records AWS cannot judge as written (filter-pushdown.ts). */
export const PASS_THROUGH_FILTERS = 2;
/** The most filters a consumer may declare: the mapping's quota minus the pass-throughs. */
export const MAX_FILTERS_PER_CONSUMER = MAX_FILTERS_PER_MAPPING - PASS_THROUGH_FILTERS;
/** The longest filter pattern an event source mapping takes, in characters. */
export const MAX_FILTER_PATTERN_LENGTH = 4096;

/** A spec that cannot be deployed or run. Lists every problem found, one per line. */
export class SpecValidationError extends namedError('SpecValidationError') {
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[]) {
    super(`invalid pipeline spec:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const CONSUMER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const FIELD_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const SECONDS_PER_DAY = 86_400;

/** A topic's retention when its spec sets none: 7 days, Kafka's own `log.retention.hours` default. */
export const DEFAULT_RETENTION_HOURS = 168;

/** Fills in a topic's defaults. */
export function resolveTopic(topic: TopicSpec): ResolvedTopic {
  return {
    name: topic.name,
    partitions: topic.partitions ?? 1,
    retentionHours: topic.retentionHours ?? DEFAULT_RETENTION_HOURS,
    replicationFactor: topic.replicationFactor,
    format: topic.format ?? 'json',
    schema: topic.schema ?? NO_FIELDS,
    accepts: topic.accepts ?? [],
    derived: topic.derived ?? [],
    description: topic.description,
  };
}

/** Fills in a consumer's defaults. */
export function resolveConsumer(consumer: ConsumerSpec): ResolvedConsumer {
  const groupId = `fluxo-${consumer.name}`;
  return {
    name: consumer.name,
    topics: consumer.topics,
    filters: consumer.filters ?? [],
    groupBy: consumer.groupBy,
    window: {
      sizeSeconds: consumer.window.sizeSeconds,
      advanceSeconds: consumer.window.advanceSeconds ?? consumer.window.sizeSeconds,
      graceSeconds: consumer.window.graceSeconds ?? 60,
    },
    measures: consumer.measures ?? [],
    keepRecords: consumer.keepRecords ?? false,
    batchSize: consumer.batchSize ?? 100,
    batchingWindowSeconds: consumer.batchingWindowSeconds ?? 0,
    startingPosition: consumer.startingPosition ?? 'TRIM_HORIZON',
    retryAttempts: consumer.retryAttempts ?? 10,
    maxRecordAgeSeconds: consumer.maxRecordAgeSeconds ?? -1,
    bisectOnError: consumer.bisectOnError ?? true,
    retentionDays: consumer.retentionDays ?? 30,
    description: consumer.description,
    groupId,
    mappings: consumer.topics.map((topic) => ({ topic, groupId: consumer.topics.length === 1 ? groupId : `${groupId}.${topic}` })),
  };
}

/** The name a measure is reported under, e.g. `avg_peso`. */
export function measureName(measure: MeasureSpec): string {
  return `${measure.fn}_${measure.field}`;
}

/** Looks up a topic by name; undefined when the spec has none. */
export function findTopic(spec: PipelineSpec, name: string): ResolvedTopic | undefined {
  const topic = spec.topics.find((t) => t.name === name);
  return topic && resolveTopic(topic);
}

/** Looks up a consumer by name; undefined when the spec has none. */
export function findConsumer(spec: PipelineSpec, name: string): ResolvedConsumer | undefined {
  const consumer = spec.consumers.find((c) => c.name === name);
  return consumer && resolveConsumer(consumer);
}

function inRange(value: number | undefined, min: number, max: number): boolean {
  return value === undefined || (Number.isInteger(value) && value >= min && value <= max);
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

function topicProblems(topic: TopicSpec): string[] {
  const at = `topic "${topic.name}"`;
  const problems: string[] = [];
  if (!TOPIC_NAME.test(topic.name)) problems.push(`${at}: name must be 1 to 249 of [a-zA-Z0-9._-]`);
  if (!inRange(topic.partitions, 1, 1000)) problems.push(`${at}: partitions must be a whole number from 1 to 1000`);
  if (!inRange(topic.retentionHours, 1, 24 * 365 * 10)) problems.push(`${at}: retentionHours must be a whole number from 1 to 87600`);
  if (!inRange(topic.replicationFactor, 1, 3)) problems.push(`${at}: replicationFactor must be 1, 2 or 3`);
  const format = topic.format ?? 'json';
  if (format !== 'json' && format !== 'text') return [...problems, `${at}: format must be "json" or "text"`];
  if (format === 'text') {
    if (topic.schema !== undefined) problems.push(`${at}: a text topic has no schema (its values are lines of text)`);
    if ((topic.accepts ?? []).length > 0) problems.push(`${at}: a text topic accepts no other forms`);
    if ((topic.derived ?? []).length > 0) problems.push(`${at}: a text topic has no derived fields`);
    return problems;
  }
  if (topic.schema === undefined) return [...problems, `${at}: a json topic needs a schema`];
  const fields = Object.keys(topic.schema.fields);
  for (const field of fields) {
    if (!FIELD_NAME.test(field)) problems.push(`${at}: schema field "${field}" must match ${FIELD_NAME.source}`);
  }
  const derivedNames = (topic.derived ?? []).map((d) => d.name);
  for (const name of duplicates(derivedNames)) problems.push(`${at}: derived field "${name}" is declared twice`);
  for (const derived of topic.derived ?? []) {
    if (fields.includes(derived.name)) problems.push(`${at}: derived field "${derived.name}" clashes with a schema field`);
    for (const input of derivedInputs(derived)) {
      if (!fields.includes(input))
        problems.push(`${at}: derived field "${derived.name}" reads "${input}", which the schema does not declare`);
    }
  }
  return problems;
}

function filterProblems(at: string, filters: readonly FilterPattern[]): string[] {
  const problems: string[] = [];
  if (filters.length > MAX_FILTERS_PER_CONSUMER) {
    problems.push(
      `${at}: has ${filters.length} filters; a consumer takes at most ${MAX_FILTERS_PER_CONSUMER} (an event source mapping takes ${MAX_FILTERS_PER_MAPPING}, and fluxo adds ${PASS_THROUGH_FILTERS} for records written in other forms)`,
    );
  }
  filters.forEach((filter, i) => {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
      problems.push(`${at}: filters[${i}] must be a JSON object`);
      return;
    }
    const length = JSON.stringify(filter).length;
    if (length > MAX_FILTER_PATTERN_LENGTH) {
      problems.push(`${at}: filters[${i}] is ${length} characters as JSON; the limit is ${MAX_FILTER_PATTERN_LENGTH}`);
    }
    // The same compiler the consumer and the local emulator use: a pattern AWS would refuse fails here, at synth.
    try {
      compileFilters([filter], { fields: KAFKA_FILTER_FIELDS });
    } catch (error) {
      if (!(error instanceof FilterPatternError)) throw error;
      problems.push(`${at}: filters[${i}] ${error.message}`);
    }
  });
  return problems;
}

function dividesDay(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= SECONDS_PER_DAY && SECONDS_PER_DAY % seconds === 0;
}

function windowProblems(at: string, window: WindowSpec): string[] {
  const problems: string[] = [];
  const size = window.sizeSeconds;
  const sizeOk = dividesDay(size);
  if (!sizeOk) problems.push(`${at}: window.sizeSeconds must be a whole number from 1 to 86400 that divides a day evenly (got ${size})`);
  const advance = window.advanceSeconds;
  if (advance !== undefined) {
    if (!dividesDay(advance)) {
      problems.push(`${at}: window.advanceSeconds must be a whole number from 1 to 86400 that divides a day evenly (got ${advance})`);
    } else if (sizeOk && (advance > size || size % advance !== 0)) {
      problems.push(`${at}: window.advanceSeconds must divide window.sizeSeconds (${size}) evenly (got ${advance})`);
    } else if (sizeOk && size / advance > MAX_PANES_PER_WINDOW) {
      problems.push(
        `${at}: window.advanceSeconds gives ${size / advance} panes per window; at most ${MAX_PANES_PER_WINDOW} (sizeSeconds / advanceSeconds)`,
      );
    }
  }
  return problems;
}

function consumerProblems(consumer: ConsumerSpec, topics: ReadonlyMap<string, TopicSpec>): string[] {
  const at = `consumer "${consumer.name}"`;
  const problems: string[] = [];
  if (!CONSUMER_NAME.test(consumer.name)) problems.push(`${at}: name must be 1 to 64 of [a-z0-9-], not starting or ending with -`);
  if (consumer.topics.length === 0) problems.push(`${at}: must read at least one topic`);
  for (const name of duplicates([...consumer.topics])) problems.push(`${at}: reads topic "${name}" twice`);
  const known = consumer.topics.map((name) => topics.get(name)).filter((t): t is TopicSpec => t !== undefined);
  for (const name of consumer.topics) {
    if (!topics.has(name)) problems.push(`${at}: reads unknown topic "${name}"`);
  }
  // A field is usable when every topic the consumer reads declares it (schema or derived).
  const declares = (field: string): boolean =>
    known.every((t) => (t.schema !== undefined && field in t.schema.fields) || (t.derived ?? []).some((d) => d.name === field));
  const formats = new Set(known.map((t) => t.format ?? 'json'));
  if (formats.size > 1) problems.push(`${at}: reads both text and json topics; a consumer reads one kind`);
  problems.push(...filterProblems(at, consumer.filters ?? []));
  problems.push(...windowProblems(at, consumer.window));
  if (!inRange(consumer.window.graceSeconds, 0, SECONDS_PER_DAY))
    problems.push(`${at}: window.graceSeconds must be a whole number from 0 to 86400`);
  if ((consumer.groupBy.kind === 'field' || consumer.groupBy.kind === 'each') && !declares(consumer.groupBy.field))
    problems.push(`${at}: groupBy reads "${consumer.groupBy.field}", which not every topic it reads declares`);
  if (consumer.groupBy.kind === 'constant' && !/^[^#\s]{1,128}$/.test(consumer.groupBy.key)) {
    problems.push(`${at}: groupBy key must be 1 to 128 characters, no spaces or #`);
  }
  const measureNames = (consumer.measures ?? []).map(measureName);
  for (const name of duplicates(measureNames)) problems.push(`${at}: measure "${name}" is declared twice`);
  for (const measure of consumer.measures ?? []) {
    if (!['sum', 'min', 'max', 'avg', 'first', 'last'].includes(measure.fn))
      problems.push(`${at}: unknown measure function "${measure.fn}"`);
    if (!declares(measure.field))
      problems.push(`${at}: measure ${measureName(measure)} reads "${measure.field}", which not every topic it reads declares`);
  }
  if (!inRange(consumer.batchSize, 1, 10_000)) problems.push(`${at}: batchSize must be a whole number from 1 to 10000`);
  if (!inRange(consumer.batchingWindowSeconds, 0, 300)) problems.push(`${at}: batchingWindowSeconds must be a whole number from 0 to 300`);
  if (consumer.startingPosition !== undefined && !['TRIM_HORIZON', 'LATEST'].includes(consumer.startingPosition)) {
    problems.push(`${at}: startingPosition must be TRIM_HORIZON or LATEST`);
  }
  if (!inRange(consumer.retryAttempts, 0, 10_000)) problems.push(`${at}: retryAttempts must be a whole number from 0 to 10000`);
  const age = consumer.maxRecordAgeSeconds;
  if (age !== undefined && age !== -1 && !inRange(age, 60, 604_800))
    problems.push(`${at}: maxRecordAgeSeconds must be -1 or a whole number from 60 to 604800`);
  if (!inRange(consumer.retentionDays, 1, 3650)) problems.push(`${at}: retentionDays must be a whole number from 1 to 3650`);
  return problems;
}

/**
 * Checks a spec and returns it unchanged, or throws a {@link SpecValidationError} listing every
 * problem: unknown topics, too many or too long filters, bad windows, duplicate names, ...
 */
export function validateSpec<T extends PipelineSpec>(spec: T): T {
  const problems: string[] = [];
  for (const name of duplicates(spec.topics.map((t) => t.name))) problems.push(`topic "${name}" is declared twice`);
  for (const name of duplicates(spec.consumers.map((c) => c.name))) problems.push(`consumer "${name}" is declared twice`);
  const topics = new Map(spec.topics.map((t) => [t.name, t]));
  for (const topic of spec.topics) problems.push(...topicProblems(topic));
  for (const consumer of spec.consumers) problems.push(...consumerProblems(consumer, topics));
  if (problems.length > 0) throw new SpecValidationError(problems);
  return spec;
}
