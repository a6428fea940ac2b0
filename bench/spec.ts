/**
 * The spec the bench bundles the handlers with (bundle.ts `specFile`): the built-in pipeline plus
 * topics and consumers of its own, so that a bench run never touches the course's topics.
 *
 * - `bench-ingest`: the `health` topic's schema, tuple form and derived IMC, with no consumer, so
 *   ingest throughput is measured without consumers competing for the broker.
 * - `bench-e2e-w0`, `bench-e2e-w500`: keyed windowed aggregation (group by `k`, 60 s windows) for
 *   the end-to-end latency; the bench runs the second with a 500 ms batching window (AWS's default
 *   for Kafka mappings; the spec only takes whole seconds, so the bench sets it on the emulator).
 * - `bench-drain`: the same aggregation over a backlog, for consumer records/s and DynamoDB writes,
 *   in a hopping window (5 minutes advancing every 30 s, as `hashtags-5m`): what it writes per
 *   record is what the consumer writes per pane.
 * - `bench-drain-keyed`: the same, with every record carrying a `fluxo-record-id` as keyed HTTP
 *   requests stamp them, for what the consumer's copy claims cost.
 * - `bench-trending`: keyed counts in a 5-minute window advancing every 30 s (as `hashtags-5m`),
 *   whose table items the query phase writes directly, for top-10 and trending-10 at scale.
 */
import { validateSpec, type ConsumerSpec, type PipelineSpec, type TopicSpec } from '../core/spec';
import { pipeline as builtIn } from '../pipeline';

/** Topic and consumer names of the bench. */
export const BENCH = {
  ingestTopic: 'bench-ingest',
  latencyW0: 'bench-e2e-w0',
  latencyW500: 'bench-e2e-w500',
  drain: 'bench-drain',
  drainKeyed: 'bench-drain-keyed',
  trending: 'bench-trending',
} as const;

/** Partitions of every bench topic (as the course's `health` topic). */
export const BENCH_PARTITIONS = 3;

const health = builtIn.topics.find((t) => t.name === 'health') as TopicSpec;

const keyed = (name: string): TopicSpec => ({
  name,
  partitions: BENCH_PARTITIONS,
  retentionHours: 1,
  schema: {
    fields: {
      k: { type: 'string', maxLength: 64, description: 'Group key.' },
      seq: { type: 'integer', min: 0, description: 'Sequence number within the run.' },
      v: { type: 'number', description: 'A measured value.' },
    },
  },
});

const aggregation = (name: string, window: ConsumerSpec['window'] = { sizeSeconds: 60, graceSeconds: 3600 }): ConsumerSpec => ({
  name,
  topics: [name],
  groupBy: { kind: 'field', field: 'k' },
  window,
  measures: [
    { fn: 'sum', field: 'v' },
    { fn: 'max', field: 'seq' },
  ],
  batchSize: 100,
});

/** The built-in spec plus the bench's topics and consumers. */
export const pipeline: PipelineSpec = validateSpec({
  topics: [
    ...builtIn.topics,
    { ...health, name: BENCH.ingestTopic, retentionHours: 1, description: 'Bench: ingest throughput.' },
    keyed(BENCH.latencyW0),
    keyed(BENCH.latencyW500),
    keyed(BENCH.drain),
    keyed(BENCH.drainKeyed),
    keyed(BENCH.trending),
  ],
  consumers: [
    ...builtIn.consumers,
    aggregation(BENCH.latencyW0),
    aggregation(BENCH.latencyW500),
    aggregation(BENCH.drain, { sizeSeconds: 300, advanceSeconds: 30, graceSeconds: 3600 }),
    aggregation(BENCH.drainKeyed),
    {
      name: BENCH.trending,
      topics: [BENCH.trending],
      groupBy: { kind: 'field', field: 'k' },
      window: { sizeSeconds: 300, advanceSeconds: 30, graceSeconds: 60 },
    },
  ],
});
