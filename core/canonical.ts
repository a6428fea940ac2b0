/**
 * One canonical record, whoever wrote it: the form a topic's record values take once they are
 * checked against the topic's schema and carry the topic's derived fields. Records reach a topic
 * two ways — through fluxo's HTTP API (the producer writes them canonical) and straight into Kafka
 * from any client (kafka-python writing the course's `[id, {...}]` tuples, the console producer
 * writing lines of text) — and every consumer brings each record to this form before it filters
 * or aggregates it, with the very functions the producer uses.
 *
 * The rules, the same on AWS and locally:
 * - `json` topics: a value is a JSON object, or, where the topic accepts `'tuple'`, the course's
 *   `[id, {fields}]`, which becomes `{id, ...fields}`; it must follow the schema; then the derived
 *   fields are computed (IMC from peso and altura, hashtags from text).
 * - A derived field the writer already set: at HTTP ingest it is replaced (the producer writes
 *   only canonical records); in a record read from Kafka it must equal what fluxo derives, to the
 *   last bit, or the record is a dead letter. Replacing it there instead would let an event
 *   source mapping's filter, which sees the value as written, drop a record the consumer would
 *   count (see filter-pushdown.ts).
 * - `text` topics: a value is one line of UTF-8 text, taken as it is.
 * - What cannot be made canonical (plain text on a json topic, a tuple without `peso`, an
 *   oversized value, bytes that are not UTF-8 on a text topic) is a dead letter whose detail
 *   names the problem, never a silent drop.
 *
 * Pure TypeScript: no AWS imports, no I/O.
 */
import { SchemaViolationError } from './errors';
import { isPlainObject, type ParsedValue } from './filter';
import { derivedInputs, type DerivedField, type FieldSpec, type RecordSchema, type ResolvedTopic } from './spec';

/** A canonical value: an object on a `json` topic, the text itself on a `text` topic. */
export type CanonicalValue = Readonly<Record<string, unknown>> | string;

/**
 * The form a record value was written in: `object`, `tuple` (a JSON array), `scalar` (a JSON
 * string, number, boolean or `null`), `text` (not JSON) or `tombstone` (no value at all).
 */
export type RecordForm = 'object' | 'tuple' | 'scalar' | 'text' | 'tombstone';

/** Why a record can never be counted. */
export type DeadLetterReason = 'not JSON' | 'not UTF-8' | 'schema violation' | 'too large';

/** A record value brought to its canonical form, or why it cannot be. */
export type CanonicalOutcome =
  | { readonly ok: true; readonly form: RecordForm; readonly value: CanonicalValue }
  | { readonly ok: false; readonly form: RecordForm; readonly reason: DeadLetterReason; readonly detail: string };

/** The largest record value, in bytes, as written to Kafka (the HTTP ingest limit; the consumer applies it to every writer). */
export const MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The check of one schema field, built once from its spec: what is wrong with a present value,
 * without the field's path (`must be a number`), or undefined when nothing is.
 */
function fieldCheck(spec: FieldSpec): (value: unknown) => string | undefined {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const { min, max } = spec;
      const integer = spec.type === 'integer';
      return (value) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
        if (integer && !Number.isInteger(value)) return 'must be an integer';
        if (min !== undefined && value < min) return `must be at least ${min}`;
        if (max !== undefined && value > max) return `must be at most ${max}`;
        return undefined;
      };
    }
    case 'string': {
      const { maxLength } = spec;
      return (value) => {
        if (typeof value !== 'string') return 'must be a string';
        // Characters, not UTF-16 units; a string no longer in units than the limit is within it.
        if (maxLength !== undefined && value.length > maxLength && [...value].length > maxLength)
          return `must be at most ${maxLength} characters`;
        return undefined;
      };
    }
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? undefined : 'must be a boolean');
  }
}

/** One field of a compiled schema. */
interface CompiledField {
  readonly name: string;
  readonly required: boolean;
  readonly check: (value: unknown) => string | undefined;
}

/** Each schema's fields with their checks, compiled on first use (a container sees a few schemas). */
const compiledSchemas = new WeakMap<RecordSchema, readonly CompiledField[]>();

/** The schema's fields in declaration order, each with its check built once. */
function compiledFields(schema: RecordSchema): readonly CompiledField[] {
  let fields = compiledSchemas.get(schema);
  if (fields === undefined) {
    fields = Object.entries(schema.fields).map(([name, spec]) => ({ name, required: spec.required !== false, check: fieldCheck(spec) }));
    compiledSchemas.set(schema, fields);
  }
  return fields;
}

/** What a `json` topic takes, for messages: `a JSON object` or `an object or a tuple [id, {fields}]`. */
export function expectedShape(topic: ResolvedTopic): string {
  return topic.accepts.includes('tuple') ? 'an object or a tuple [id, {fields}]' : 'a JSON object';
}

/**
 * Turns a value into the object its topic's schema describes, or throws
 * {@link SchemaViolationError} (42201) naming the first offending field (all of them in
 * `details.violations`). Where the topic accepts `'tuple'`, `[id, {fields}]` becomes `{id, ...fields}`.
 */
export function normalizeValue(topic: ResolvedTopic, value: unknown, path: string): Record<string, unknown> {
  let object: Record<string, unknown>;
  if (Array.isArray(value) && topic.accepts.includes('tuple')) {
    const [id, fields] = value as unknown[];
    if (value.length !== 2 || !isPlainObject(fields)) {
      const second = value.length === 2 ? ' and its second is not an object' : '';
      const message = `${path} must be ${expectedShape(topic)}; this array has ${value.length} element(s)${second}`;
      throw new SchemaViolationError(message, { details: { field: path } });
    }
    object = { id, ...fields };
  } else if (isPlainObject(value)) {
    object = { ...value };
  } else {
    throw new SchemaViolationError(`${path} must be ${expectedShape(topic)}`, { details: { field: path } });
  }
  const { fields, additionalFields = true } = topic.schema;
  const violations: string[] = [];
  // The paths in messages are built only for a field that has a problem.
  for (const field of compiledFields(topic.schema)) {
    const present = object[field.name];
    if (present === undefined) {
      if (field.required) violations.push(`${path}.${field.name} is required`);
      continue;
    }
    const problem = field.check(present);
    if (problem !== undefined) violations.push(`${path}.${field.name} ${problem}`);
  }
  if (!additionalFields) {
    for (const name of Object.keys(object)) {
      if (!(name in fields) && !topic.derived.some((d) => d.name === name))
        violations.push(`${path}.${name} is not a field of topic "${topic.name}"`);
    }
  }
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    throw new SchemaViolationError(`${violations[0]}${more}`, { details: { violations } });
  }
  return object;
}

/** Body-mass index (IMC): kg / m², from a height in centimetres. Full precision. */
export function bmi(weightKg: number, heightCm: number): number {
  const metres = heightCm / 100;
  return weightKg / (metres * metres);
}

const HASHTAG = /#([\p{L}\p{N}_]+)/gu;

/** The distinct hashtags of a text, lower-cased, without `#`, in order of first appearance. */
export function hashtags(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(HASHTAG)) seen.add(match[1].toLowerCase());
  return [...seen];
}

/** A derived field's value for a normalized value; undefined when its inputs are absent. */
export function deriveField(field: DerivedField, value: Readonly<Record<string, unknown>>): unknown {
  switch (field.kind) {
    case 'bmi': {
      const weight = value[field.weightKgField];
      const height = value[field.heightCmField];
      return typeof weight === 'number' && typeof height === 'number' && height > 0 ? bmi(weight, height) : undefined;
    }
    case 'hashtags': {
      const text = value[field.textField];
      return typeof text === 'string' ? hashtags(text) : undefined;
    }
  }
}

/**
 * Sets the topic's derived fields on `object`, a normalized value the caller owns (derived fields
 * read only schema fields, spec.ts checks it, so the order does not matter); one is left out when
 * its inputs are absent. A value the writer gave is replaced (`given: 'replace'`, the HTTP
 * producer's rule) or must equal the derived one (`given: 'check'`, records read from Kafka):
 * returns the problem with the first that does not, else undefined.
 */
function deriveInto(topic: ResolvedTopic, object: Record<string, unknown>, given: 'replace' | 'check', path: string): string | undefined {
  for (const field of topic.derived) {
    const derived = deriveField(field, object);
    const sent = object[field.name];
    if (given === 'check' && sent !== undefined && !sameJson(sent, derived)) {
      const from = derivedInputs(field).join(' and ');
      return derived === undefined
        ? `${path}.${field.name} is ${show(sent)}, but fluxo derives it from ${from}, which the value lacks: leave ${field.name} out`
        : `${path}.${field.name} is ${show(sent)}, but fluxo derives ${show(derived)} from ${from}: leave ${field.name} out (fluxo computes it) or send exactly that`;
    }
    if (derived === undefined) delete object[field.name];
    else object[field.name] = derived;
  }
  return undefined;
}

/**
 * Adds the topic's derived fields to a normalized value. A derived field always overwrites a
 * field of the same name sent by the client; it is left out when its inputs are absent. This is
 * the HTTP producer's rule: what it writes to Kafka is canonical.
 */
export function addDerivedFields(topic: ResolvedTopic, value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return setDerivedFields(topic, { ...value });
}

/**
 * {@link addDerivedFields} on an object the caller owns (normalizeValue's fresh copy): the fields
 * are set in place, with no second copy of the value.
 */
export function setDerivedFields(topic: ResolvedTopic, object: Record<string, unknown>): Record<string, unknown> {
  deriveInto(topic, object, 'replace', 'value');
  return object;
}

/** Whether two JSON values are the same value (numbers by `===`, arrays in order, objects by key). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The form a value was written in, from its parse. */
export function formOf(parsed: ParsedValue): RecordForm {
  if (parsed.kind === 'null') return 'tombstone';
  if (parsed.kind === 'text') return 'text';
  if (Array.isArray(parsed.json)) return 'tuple';
  return isPlainObject(parsed.json) ? 'object' : 'scalar';
}

/** JSON.parse's own message for text that is not JSON (dead letters only, so parsing again is fine). */
function jsonErrorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'not a JSON value';
}

/** Whether bytes decoded as UTF-8 gave back exactly what was written (no replacement characters). */
function isUtf8(text: string, raw: Buffer | undefined): boolean {
  // Decoding replaces each invalid sequence with U+FFFD; only then is the re-encoding compared.
  return !text.includes('\uFFFD') || raw === undefined || Buffer.from(text, 'utf8').equals(raw);
}

/** What {@link canonicalRecord} reads of a Kafka record. */
export interface RecordValue {
  /** The value decoded as UTF-8; undefined for a tombstone. */
  readonly text: string | undefined;
  /** The value parsed once (filter.ts `parseValue`). */
  readonly parsed: ParsedValue;
  /** The raw bytes, for the size and UTF-8 checks. */
  readonly raw: Buffer | undefined;
}

/**
 * Brings a record read from Kafka to its topic's canonical form (see the rules above), or says
 * why it cannot be: the dead letter's reason and a detail that names the problem.
 */
export function canonicalRecord(topic: ResolvedTopic, { text, parsed, raw }: RecordValue): CanonicalOutcome {
  // A text topic's value is a line of text, whatever it looks like.
  const form = topic.format === 'text' && text !== undefined ? 'text' : formOf(parsed);
  const bytes = raw?.length ?? (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  if (bytes > MAX_VALUE_BYTES) {
    return { ok: false, form, reason: 'too large', detail: `value is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES}` };
  }
  if (text === undefined) {
    return { ok: false, form, reason: topic.format === 'text' ? 'schema violation' : 'not JSON', detail: 'value is null (a tombstone)' };
  }
  if (topic.format === 'text') {
    return isUtf8(text, raw)
      ? { ok: true, form, value: text }
      : { ok: false, form, reason: 'not UTF-8', detail: `value is not UTF-8 text; topic "${topic.name}" takes lines of UTF-8 text` };
  }
  if (parsed.kind !== 'json') {
    // JSON.parse's message quotes the text (V8: `Unexpected token 'M', "Mensagem 1" is not valid JSON`).
    return {
      ok: false,
      form,
      reason: 'not JSON',
      detail: `value is not JSON (${jsonErrorOf(text)}); topic "${topic.name}" takes ${expectedShape(topic)}`,
    };
  }
  let object: Record<string, unknown>;
  try {
    object = normalizeValue(topic, parsed.json, 'value');
  } catch (error) {
    if (!(error instanceof SchemaViolationError)) throw error;
    return { ok: false, form, reason: 'schema violation', detail: error.message };
  }
  // normalizeValue's object is a fresh copy: the derived fields are set on it in place.
  const problem = deriveInto(topic, object, 'check', 'value');
  if (problem !== undefined) return { ok: false, form, reason: 'schema violation', detail: problem };
  return { ok: true, form, value: object };
}
