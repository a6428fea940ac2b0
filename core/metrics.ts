/**
 * Where the consumer Lambda's CloudWatch metrics live (Powertools EMF), shared by the handler that
 * emits them and the CDK dashboard that graphs them. Pure data: no AWS imports.
 */

/** The metrics namespace. */
export const METRICS_NAMESPACE = 'fluxo';

/** The consumer's Powertools service name: the `service` dimension of its metrics (with `consumer` = the spec name). */
export const CONSUMER_SERVICE = 'fluxo-consumer';

/** The per-batch counts a consumer emits (all Count, summed per period). */
export const CONSUMER_METRICS = [
  'RecordsIn',
  'FilteredOut',
  'Aggregated',
  'Late',
  'DeadLettered',
  'DynamoDBWrites',
  'AlreadyApplied',
  'WriteConflicts',
  'PartitionsRetried',
  'MalformedEvents',
] as const;

/** A consumer metric's name. */
export type ConsumerMetric = (typeof CONSUMER_METRICS)[number];
