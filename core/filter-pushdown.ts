/**
 * The `FilterCriteria` of a consumer's event source mapping: the consumer's own filters, pushed
 * down so that AWS drops non-matching canonical records before the Lambda runs, plus pass-through
 * patterns for records AWS cannot judge on the value as written. The rule it keeps, proven by
 * test/unit/core/filter-pushdown.test.ts for every record form the course produces: **the
 * mapping delivers every record the consumer would count**, and every record that cannot be
 * made canonical for a reason the filter reads (plain text, a tuple, a missing filtered field).
 *
 * Why pass-throughs are needed: the consumer filters the *canonical* record (canonical.ts), but
 * AWS filters the value *as written*. The two agree on a canonical object — one written through
 * fluxo's HTTP API, or by a Kafka client that wrote the same object — because a derived field a
 * record carries must equal what fluxo derives, or the record is a dead letter. They can differ:
 *
 * 1. on a value that is not a JSON object: the course's `[id, {...}]` tuples, a JSON scalar,
 *    plain text. How Lambda filters a Kafka value that is a JSON array or a plain string under a
 *    JSON pattern is not documented ("Plain string | Valid JSON: Lambda filters (on the other
 *    metadata properties only)", "Filtering events from Amazon MSK and self-managed Apache Kafka
 *    event sources", https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html). A
 *    plain-string rule list on `value` is documented to be applied to a plain-string message
 *    ("Plain string | Plain string: Lambda filters based on your filter criteria", same page), and
 *    under EventBridge's array rule it holds for an array with a scalar element. So
 *    `{"value": [{"exists": true}]}` lets through every value that is not a JSON object, and
 *    never an object ("Exists matching only works on leaf nodes", "Content filtering in Amazon
 *    EventBridge event patterns",
 *    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html);
 * 2. on an object that lacks a field the filters read: a derived field a direct writer did not
 *    set (IMC), or a required field it forgot (the consumer dead-letters that record, so it must
 *    arrive). `{"value": {"imc": [{"exists": false}]}}` lets those through ("Does not exist",
 *    https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
 *
 * One form stays filtered as written: an array that holds only objects (`[{"peso": 30}]`), which
 * AWS's filter sees through as if it were its objects ("crushed out", aws/event-ruler README, "JSON
 * Array Matching"); the consumer dead-letters it when it is delivered. Tombstones are delivered
 * or not as AWS decides (undocumented); the consumer dead-letters those it sees.
 *
 * Filters of one mapping are ORed ("Your filters are logically ORed together", same page); a
 * mapping takes 5 by default, so a consumer of a `json` topic may declare at most 3 of its own
 * (spec.ts `PASS_THROUGH_FILTERS`). A `text` topic needs no pass-through: its canonical
 * value is the value as written, filtered with the same semantics.
 *
 * Pure TypeScript: no AWS imports, no I/O.
 */
import { isPlainObject } from './filter';
import type { FilterPattern, ResolvedConsumer, ResolvedTopic } from './spec';

/** Lets through every value that is not a JSON object: tuples, JSON scalars, plain text. */
export const NOT_AN_OBJECT_PATTERN: FilterPattern = { value: [{ exists: true }] };

/** The top-level fields of `value` a pattern reads, `$or` alternatives included. */
function valueFieldsOf(pattern: FilterPattern, into: Set<string>): void {
  if (!isPlainObject(pattern.value)) return;
  for (const [name, sub] of Object.entries(pattern.value)) {
    if (name === '$or' && Array.isArray(sub)) for (const alternative of sub) valueFieldsOf({ value: alternative }, into);
    else into.add(name);
  }
}

/** The fields of a topic's values that the consumer's filters read, in name order. */
export function filteredFields(consumer: Pick<ResolvedConsumer, 'filters'>): string[] {
  const fields = new Set<string>();
  for (const pattern of consumer.filters) valueFieldsOf(pattern, fields);
  return [...fields].sort();
}

/**
 * The fields a record may lack as written yet must be delivered for: the derived fields the
 * filters read (a direct writer need not set them) and the required schema fields they read (the
 * consumer dead-letters a record without them).
 */
export function passThroughFields(consumer: Pick<ResolvedConsumer, 'filters'>, topic: ResolvedTopic): string[] {
  const derived = new Set(topic.derived.map((d) => d.name));
  return filteredFields(consumer).filter(
    (field) => derived.has(field) || (topic.schema.fields[field] !== undefined && topic.schema.fields[field]?.required !== false),
  );
}

/**
 * The filter patterns of the consumer's mapping on `topic`, in order: its own filters, then, on a
 * `json` topic, {@link NOT_AN_OBJECT_PATTERN} and one pattern letting through objects that lack a
 * field of {@link passThroughFields}. A consumer without filters gets none: every record is delivered.
 */
export function mappingFilters(consumer: Pick<ResolvedConsumer, 'filters'>, topic: ResolvedTopic): FilterPattern[] {
  if (consumer.filters.length === 0) return [];
  if (topic.format === 'text') return [...consumer.filters];
  const missing = passThroughFields(consumer, topic).map((field) => ({ [field]: [{ exists: false }] }));
  const lacking: FilterPattern[] = missing.length === 0 ? [] : [{ value: missing.length === 1 ? missing[0] : { $or: missing } }];
  return [...consumer.filters, NOT_AN_OBJECT_PATTERN, ...lacking];
}
