/**
 * The spec the fault suite runs the handlers against: one topic and consumer per fault, so a
 * fault's counts never mix with another's. The suite bundles the handlers with this module in
 * place of pipeline.ts (bundle.ts `specFile`).
 */
import { resolveConsumer, validateSpec, type PipelineSpec, type ResolvedConsumer, type TopicSpec } from '../../core/spec';

/** Records of every fault topic: a unique `id`, a group `g` and an integer value `v` (sums stay exact). */
const reading = (name: string, partitions: number): TopicSpec => ({
  name,
  partitions,
  schema: {
    fields: {
      id: { type: 'integer', min: 0, description: 'Unique per record: how the suite tells records apart.' },
      g: { type: 'string', maxLength: 16, description: 'Group key.' },
      v: { type: 'integer', min: 0, max: 1_000_000, description: 'A measured value.' },
    },
  },
});

/** A day-long window: every record of a run falls in one or two windows, whatever the clock. */
const day = { sizeSeconds: 86_400, graceSeconds: 86_400 };
const measures = [
  { fn: 'sum', field: 'v' },
  { fn: 'min', field: 'v' },
  { fn: 'max', field: 'v' },
] as const;

/** The fault suite's pipeline. */
export const pipeline: PipelineSpec = validateSpec({
  topics: [
    reading('f-broker', 2),
    reading('f-crash', 2),
    reading('f-dynamo', 2),
    reading('f-poison', 2),
    reading('f-dup', 2),
    reading('f-idem', 1),
    reading('f-overload', 2),
    reading('f-retry', 2),
    reading('f-pcrash', 2),
    reading('f-gwtimeout', 2),
  ],
  consumers: [
    // Per record id: each id's count must be exactly 1.
    {
      name: 'f-broker',
      topics: ['f-broker'],
      groupBy: { kind: 'field', field: 'id' },
      window: day,
      measures: [...measures],
      batchSize: 50,
    },
    { name: 'f-crash', topics: ['f-crash'], groupBy: { kind: 'field', field: 'g' }, window: day, measures: [...measures], batchSize: 40 },
    { name: 'f-dynamo', topics: ['f-dynamo'], groupBy: { kind: 'field', field: 'g' }, window: day, measures: [...measures], batchSize: 20 },
    { name: 'f-poison', topics: ['f-poison'], groupBy: { kind: 'field', field: 'g' }, window: day, measures: [...measures], batchSize: 10 },
    { name: 'f-dup', topics: ['f-dup'], groupBy: { kind: 'field', field: 'g' }, window: day, measures: [...measures], keepRecords: true },
    // The same topic in a hopping window (5 minutes advancing every 30 s): panes stored exactly once under duplicates.
    {
      name: 'f-dup-hop',
      topics: ['f-dup'],
      groupBy: { kind: 'field', field: 'g' },
      window: { sizeSeconds: 300, advanceSeconds: 30, graceSeconds: 86_400 },
      measures: [...measures],
    },
    // Small batches: consumption is slower than ingest.
    {
      name: 'f-overload',
      topics: ['f-overload'],
      groupBy: { kind: 'field', field: 'g' },
      window: day,
      measures: [...measures],
      batchSize: 10,
    },
    // Retried keyed requests: per record id, so a copy counted twice shows as a count of 2.
    { name: 'f-retry', topics: ['f-retry'], groupBy: { kind: 'field', field: 'id' }, window: day, measures: [...measures], batchSize: 50 },
    {
      name: 'f-pcrash',
      topics: ['f-pcrash'],
      groupBy: { kind: 'field', field: 'id' },
      window: day,
      measures: [...measures],
      batchSize: 50,
    },
    {
      name: 'f-gwtimeout',
      topics: ['f-gwtimeout'],
      groupBy: { kind: 'field', field: 'id' },
      window: day,
      measures: [...measures],
      batchSize: 50,
    },
  ],
});

/** The spec module's path, relative to the repository root. */
export const FAULT_SPEC_FILE = 'test/faults/fault-spec.ts';

/** A fault consumer with its defaults filled in. */
export function faultConsumer(name: string): ResolvedConsumer {
  const consumer = pipeline.consumers.find((c) => c.name === name);
  if (consumer === undefined) throw new Error(`no consumer ${name} in the fault spec`);
  return resolveConsumer(consumer);
}

/** A fault consumer's group id (the mapping's and the emulator's). */
export function consumerGroupId(name: string): string {
  return faultConsumer(name).groupId;
}
