/**
 * A matcher of the AWS event-filtering pattern language, as a Lambda event source mapping's
 * `FilterCriteria` applies it to Kafka records: the same decision AWS makes before invoking a
 * consumer, taken again in code (local runs, or a mapping created without filters).
 *
 * Supported, as AWS documents for Lambda event filtering (and EventBridge Pipes, which share the
 * engine): exact values (string, number, boolean, null, `""`), OR within a field's list, AND
 * across fields, `$or` across fields, nested objects, `prefix` and `suffix` (each optionally
 * `{"equals-ignore-case": ...}`), `equals-ignore-case`, `anything-but` (one value or a list of
 * strings or numbers), `numeric` (`=`, or one lower and/or one upper bound of `>`, `>=`, `<`,
 * `<=`), `exists`, and `cidr` (IPv4 or IPv6). A field that is an array in the event matches when
 * any element does.
 *
 * Rejected with {@link FilterPatternError}: unknown operators, wrong operand types, a field
 * whose rule is not a list, and the EventBridge-bus-only forms Lambda does not take
 * (`wildcard`, `anything-but` with `prefix`/`suffix`/`equals-ignore-case`/`wildcard`).
 *
 * Kafka: AWS filters a Kafka record on its `value` only, decoded from UTF-8; JSON text is
 * filtered as the parsed JSON, any other text as a plain string (see {@link filterableRecord}).
 * Pass {@link KAFKA_FILTER_FIELDS} as `fields` to reject patterns on anything else. Sources:
 * "Filtering events from Amazon MSK and self-managed Apache Kafka event sources",
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html ("only support filtering on
 * the `value` key"; "Lambda decodes Kafka byte arrays into UTF-8 before applying filter
 * criteria"); Lambda "uses the same syntax as EventBridge" ("Control which events Lambda sends to
 * your function", https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 *
 * Arrays and scalars, as EventBridge's engine (aws/event-ruler, README "JSON Array Matching")
 * matches them: a rule list meets an array value when any element matches ("the event pattern
 * matches if the intersection of the event pattern array and the event array is non-empty",
 * "Arrays in Amazon EventBridge event patterns",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html);
 * objects inside an array are "crushed out" into the array's field, with all fields of one
 * pattern object matched within the same element; a pattern object meets a scalar or a plain
 * string as a value with no fields, so only `exists: false` rules hold there ("Exists matching
 * only works on leaf nodes"). How Lambda's own filter treats a Kafka value that is a JSON array,
 * a JSON scalar or a plain string under a JSON pattern is not documented (the Kafka table says
 * "Lambda filters (on the other metadata properties only)"): fluxo's generated FilterCriteria
 * (filter-pushdown.ts) therefore never depends on it to deliver a record the consumer counts.
 *
 * Known difference: AWS compares exact *number* values by their text (`300` does not equal
 * `300.0`); this matcher sees JSON-parsed numbers, so it treats them as equal. `numeric`
 * comparisons are numeric on both sides, as on AWS.
 *
 * Pure TypeScript: no AWS imports, no I/O.
 */
import type { KafkaRecord } from './kafka-record';
import { namedError } from './errors';

/**
 * An AWS event-filtering pattern, exactly as an event source mapping's FilterCriteria takes
 * it: for Kafka, a pattern on `value` (and optionally other record metadata).
 */
export type FilterPattern = Readonly<Record<string, unknown>>;

/** A filter pattern AWS would not accept. The message says where the problem is. */
export class FilterPatternError extends namedError('FilterPatternError') {
  /** Where in the pattern list, e.g. `filters[0].value.peso[0].numeric`. */
  public readonly path: string;

  public constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`invalid filter pattern at ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** Tests one event (or one value inside it). */
type Matcher = (value: unknown) => boolean;
/** Tests one scalar leaf value. */
type LeafTest = (leaf: Scalar) => boolean;
type Scalar = string | number | boolean | null;

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

/** Whether a value is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** The scalar values at a leaf: the value itself, or the scalar elements of an array (nested arrays flattened). */
function forEachLeaf(value: unknown, test: LeafTest): boolean {
  if (Array.isArray(value)) {
    for (const element of value) if (forEachLeaf(element, test)) return true;
    return false;
  }
  return value !== undefined && isScalar(value) && test(value);
}

/** A matcher that holds when one of the value's leaves passes `test`. */
function leafMatcher(test: LeafTest): Matcher {
  return (value) => forEachLeaf(value, test);
}

function hasLeaf(value: unknown): boolean {
  return forEachLeaf(value, () => true);
}

function stringOperand(operand: unknown, path: string): string {
  if (typeof operand !== 'string') throw new FilterPatternError(path, `must be a string, not ${describe(operand)}`);
  return operand;
}

/** `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}`. */
function affixTest(operand: unknown, path: string, kind: 'prefix' | 'suffix'): LeafTest {
  const ignoreCase = isPlainObject(operand);
  if (ignoreCase) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new FilterPatternError(path, `${kind} takes a string or {"equals-ignore-case": string}`);
    }
  }
  const affix = ignoreCase
    ? stringOperand(operand['equals-ignore-case'], `${path}.equals-ignore-case`).toLowerCase()
    : stringOperand(operand, path);
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const text = ignoreCase ? leaf.toLowerCase() : leaf;
    return kind === 'prefix' ? text.startsWith(affix) : text.endsWith(affix);
  };
}

function anythingButTest(operand: unknown, path: string): LeafTest {
  if (isPlainObject(operand)) {
    const op = Object.keys(operand)[0] ?? '';
    throw new FilterPatternError(
      path,
      `anything-but with ${JSON.stringify(op)} is an EventBridge-bus-only form; Lambda event filtering takes one value or a list of strings or numbers`,
    );
  }
  const values: unknown[] = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0) throw new FilterPatternError(path, 'anything-but needs at least one value');
  const allStrings = values.every((v) => typeof v === 'string');
  const allNumbers = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!allStrings && !allNumbers) {
    throw new FilterPatternError(path, 'anything-but takes a string, a number, or a list of only strings or only numbers');
  }
  const excluded = new Set<Scalar>(values as Scalar[]);
  return (leaf) => !excluded.has(leaf);
}

function numericTest(operand: unknown, path: string): LeafTest {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new FilterPatternError(path, 'numeric takes ["=", n], or one or two [operator, number] pairs, e.g. [">", 10, "<=", 20]');
  }
  const pairs: Array<[string, number]> = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const n: unknown = operand[i + 1];
    if (typeof op !== 'string' || !(op === '=' || LOWER_BOUNDS.has(op) || UPPER_BOUNDS.has(op))) {
      throw new FilterPatternError(`${path}[${i}]`, `unknown numeric operator ${JSON.stringify(op)}; use =, >, >=, < or <=`);
    }
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw new FilterPatternError(`${path}[${i + 1}]`, `must be a number, not ${describe(n)}`);
    pairs.push([op, n]);
  }
  if (pairs.some(([op]) => op === '=')) {
    if (pairs.length > 1) throw new FilterPatternError(path, '"=" cannot be combined with a range');
    const [[, target]] = pairs as [[string, number]];
    return (leaf) => leaf === target;
  }
  const bounds: { lower?: [string, number]; upper?: [string, number] } = {};
  for (const pair of pairs) {
    const side = LOWER_BOUNDS.has(pair[0]) ? 'lower' : 'upper';
    if (bounds[side])
      throw new FilterPatternError(path, `a range takes at most one ${side} bound (${side === 'lower' ? '> or >=' : '< or <='})`);
    bounds[side] = pair;
  }
  const { lower, upper } = bounds;
  if (lower && upper && !(lower[1] < upper[1])) throw new FilterPatternError(path, 'the lower bound must be less than the upper bound');
  const lo = lower?.[1] ?? -Infinity;
  const loInclusive = lower?.[0] === '>=';
  const hi = upper?.[1] ?? Infinity;
  const hiInclusive = upper?.[0] === '<=';
  return (leaf) => typeof leaf === 'number' && (loInclusive ? leaf >= lo : leaf > lo) && (hiInclusive ? leaf <= hi : leaf < hi);
}

/** An IPv4 or IPv6 address as a number and its width in bits; undefined when the text is neither. */
function parseIp(text: string): { readonly bits: number; readonly value: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { bits: 32, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
  }
  if (!text.includes(':')) return undefined;
  // IPv6: at most one "::", groups of 1..4 hex digits, optionally an IPv4 tail.
  let groupsText = text;
  const tail: number[] = [];
  const v4Tail = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (v4Tail) {
    const ip4 = parseIp(v4Tail[2] as string);
    if (!ip4) return undefined;
    tail.push(Number(ip4.value >> 16n), Number(ip4.value & 0xffffn));
    groupsText = (v4Tail[1] as string).endsWith('::') ? (v4Tail[1] as string) : (v4Tail[1] as string).slice(0, -1);
  }
  const halves = groupsText.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups.map((g) => parseInt(g, 16)) : undefined;
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 2 ? known > 7 : known !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  return { bits: 128, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/** `cidr`: a string `address/prefix-length`, IPv4 or IPv6; matches addresses (strings) in the block. */
function cidrTest(operand: unknown, path: string): LeafTest {
  const text = stringOperand(operand, path);
  const slash = text.lastIndexOf('/');
  const network = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
  const lengthText = text.slice(slash + 1);
  const length = Number(lengthText);
  if (!network || !/^\d{1,3}$/.test(lengthText) || length > network.bits) {
    throw new FilterPatternError(path, `must be an IPv4 or IPv6 block such as "10.0.0.0/24" (got ${JSON.stringify(text)})`);
  }
  const shift = BigInt(network.bits - length);
  const prefix = network.value >> shift;
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const address = parseIp(leaf);
    return address !== undefined && address.bits === network.bits && address.value >> shift === prefix;
  };
}

/** One element of a field's rule list: a value to equal, or a one-operator object. */
function compileRule(rule: unknown, path: string): Matcher {
  if (isScalar(rule)) return leafMatcher((leaf) => leaf === rule);
  if (!isPlainObject(rule))
    throw new FilterPatternError(path, `a rule is a string, number, boolean, null or {operator: operand}, not ${describe(rule)}`);
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new FilterPatternError(path, `a rule object takes exactly one operator (got ${keys.length})`);
  const op = keys[0] as string;
  const operand = rule[op];
  const at = `${path}.${op}`;
  switch (op) {
    case 'exists': {
      if (typeof operand !== 'boolean') throw new FilterPatternError(at, `must be true or false, not ${describe(operand)}`);
      return operand ? hasLeaf : (value) => !hasLeaf(value);
    }
    case 'prefix':
    case 'suffix':
      return leafMatcher(affixTest(operand, at, op));
    case 'equals-ignore-case': {
      const expected = stringOperand(operand, at).toLowerCase();
      return leafMatcher((leaf) => typeof leaf === 'string' && leaf.toLowerCase() === expected);
    }
    case 'anything-but':
      return leafMatcher(anythingButTest(operand, at));
    case 'numeric':
      return leafMatcher(numericTest(operand, at));
    case 'cidr':
      return leafMatcher(cidrTest(operand, at));
    case 'wildcard':
      throw new FilterPatternError(at, `${op} is an EventBridge-bus-only operator; Lambda event filtering does not take it`);
    default:
      throw new FilterPatternError(at, `unknown operator ${JSON.stringify(op)}`);
  }
}

function compileRuleList(rules: readonly unknown[], path: string): Matcher {
  if (rules.length === 0) throw new FilterPatternError(path, 'a rule list needs at least one rule');
  const matchers = rules.map((rule, i) => compileRule(rule, `${path}[${i}]`));
  if (matchers.length === 1) return matchers[0] as Matcher;
  return (value) => matchers.some((m) => m(value));
}

/** Whether a rule list only asks for absence (`[{"exists": false}]`): such a field must be absent from every element of an array. */
function onlyAbsence(rules: readonly unknown[]): boolean {
  return rules.length > 0 && rules.every((rule) => isPlainObject(rule) && Object.keys(rule).length === 1 && rule.exists === false);
}

/**
 * A pattern object: every field must match (AND); `$or` takes alternatives over the same object.
 * Against an array, as event-ruler matches: objects inside it are "crushed out" into the array's
 * field, the positive rules of one pattern object must all hold within one element (array
 * consistency), and an absence rule holds only when no element has the field.
 */
function compileObject(pattern: Readonly<Record<string, unknown>>, path: string): Matcher {
  const fields: Array<[string, Matcher]> = [];
  const absent: Array<[string, Matcher]> = [];
  const alternatives: Matcher[][] = [];
  for (const [name, sub] of Object.entries(pattern)) {
    const at = `${path}.${name}`;
    if (name === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isPlainObject)) {
        throw new FilterPatternError(at, '$or takes a list of at least two pattern objects');
      }
      alternatives.push(sub.map((alt: Record<string, unknown>, i) => compileObject(alt, `${at}[${i}]`)));
    } else if (Array.isArray(sub)) {
      (onlyAbsence(sub) ? absent : fields).push([name, compileRuleList(sub, at)]);
    } else if (isPlainObject(sub)) {
      fields.push([name, compileObject(sub, at)]);
    } else {
      throw new FilterPatternError(at, `must be a list of rules or a nested pattern object, not ${describe(sub)}`);
    }
  }
  if (fields.length === 0 && absent.length === 0 && alternatives.length === 0)
    throw new FilterPatternError(path, 'a pattern object needs at least one field');
  // A scalar (or nothing) has no fields: only absence rules hold there.
  const positive = (element: unknown): boolean => {
    if (Array.isArray(element)) return element.length === 0 ? positive(undefined) : element.some(positive);
    const object = isPlainObject(element) ? element : undefined;
    for (const [name, match] of fields) if (!match(object?.[name])) return false;
    for (const alts of alternatives) if (!alts.some((alt) => alt(object))) return false;
    return true;
  };
  const absence = (element: unknown): boolean => {
    if (Array.isArray(element)) return element.every(absence);
    const object = isPlainObject(element) ? element : undefined;
    for (const [name, match] of absent) if (!match(object?.[name])) return false;
    return true;
  };
  return (value) => positive(value) && absence(value);
}

/** Options of {@link compileFilters}. */
export interface CompileFiltersOptions {
  /**
   * The only top-level fields a pattern may name; a pattern naming another is rejected. For
   * Kafka, {@link KAFKA_FILTER_FIELDS}. @default any field
   */
  readonly fields?: readonly string[];
}

/** The fields a Kafka event source mapping filters on: AWS supports filtering on `value` only. */
export const KAFKA_FILTER_FIELDS: readonly string[] = ['value'];

/**
 * Compiles filter patterns, ORed as an event source mapping's `FilterCriteria.Filters` are, into
 * one predicate. Every pattern is validated up front. No patterns: every event matches.
 *
 * @throws {@link FilterPatternError} for a pattern AWS would not accept.
 */
export function compileFilters(
  patterns: readonly FilterPattern[],
  options: CompileFiltersOptions = {},
): (event: Readonly<Record<string, unknown>>) => boolean {
  const allowed = options.fields && new Set(options.fields);
  const matchers = patterns.map((pattern, i) => {
    const at = `filters[${i}]`;
    if (!isPlainObject(pattern)) throw new FilterPatternError(at, `must be a JSON object, not ${describe(pattern)}`);
    const other = allowed && Object.keys(pattern).find((name) => !allowed.has(name));
    if (allowed && other !== undefined)
      throw new FilterPatternError(
        `${at}.${other}`,
        `only ${[...allowed].map((f) => JSON.stringify(f)).join(', ')} can be filtered on here`,
      );
    return compileObject(pattern, at);
  });
  if (matchers.length === 0) return () => true;
  if (matchers.length === 1) return matchers[0] as Matcher;
  return (event) => matchers.some((m) => m(event));
}

// JSON text starts with one of these (after whitespace); anything else is a plain string, no parse attempted.
const JSON_START = /^\s*[{["\-0-9tfn]/;

/**
 * How a Kafka record's value takes part in filtering: JSON text is parsed (an object is filtered
 * on its fields; a JSON string, number, boolean or array as that value); any other text is
 * filtered as the plain string. Undefined for a null value.
 */
export function filterableValue(text: string | undefined): unknown {
  const parsed = parseValue(text);
  return parsed.kind === 'json' ? parsed.json : parsed.kind === 'text' ? parsed.text : undefined;
}

/** A record value parsed once, for filtering and for whatever reads it after. */
export type ParsedValue =
  { readonly kind: 'null' } | { readonly kind: 'json'; readonly json: unknown } | { readonly kind: 'text'; readonly text: string };

/** Parses a record value once: JSON when it is JSON, else the plain text; `null` for a tombstone. */
export function parseValue(text: string | undefined): ParsedValue {
  if (text === undefined) return { kind: 'null' };
  // Text that cannot start a JSON value skips the (costly) failed parse.
  if (!JSON_START.test(text)) return { kind: 'text', text };
  try {
    return { kind: 'json', json: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'text', text };
  }
}

/** The object AWS applies Kafka `FilterCriteria` to, from a value already parsed (see {@link filterableRecord}). */
export function filterableOf(parsed: ParsedValue): Record<string, unknown> {
  if (parsed.kind === 'null') return {};
  return { value: parsed.kind === 'json' ? parsed.json : parsed.text };
}

/**
 * The object AWS applies Kafka `FilterCriteria` to: `{value}`, the record's value decoded from
 * UTF-8 and, when it is JSON, parsed once here (see {@link filterableValue}); `{}` for a
 * tombstone. AWS documents that Kafka event source mappings "only support filtering on the
 * value key", so nothing else of the record takes part.
 */
export function filterableRecord(record: KafkaRecord): Record<string, unknown> {
  return filterableOf(parseValue(record.value));
}
