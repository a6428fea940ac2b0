/**
 * The spec the integration tests run the handlers against: the built-in pipeline plus topics and
 * consumers of their own, one set per scenario, so that tests do not share state. The global
 * setup bundles the handlers with this module in place of pipeline.ts (bundle.ts `specFile`).
 */
import { validateSpec, type PipelineSpec, type TopicSpec } from '../../core/spec';
import { pipeline as builtIn } from '../../pipeline';

const reading = (name: string, partitions: number): TopicSpec => ({
  name,
  partitions,
  schema: {
    fields: { n: { type: 'integer', min: 0, description: 'Sequence number.' }, v: { type: 'number', description: 'A measured value.' } },
  },
});

/** Copies of the built-in topics and consumers, their names prefixed, for a test that needs them to itself. */
function copies(prefix: string): Pick<PipelineSpec, 'topics' | 'consumers'> {
  return {
    topics: builtIn.topics.map((topic) => ({ ...topic, name: `${prefix}${topic.name}` })),
    consumers: builtIn.consumers.map((consumer) => ({
      ...consumer,
      name: `${prefix}${consumer.name}`,
      topics: consumer.topics.map((t) => `${prefix}${t}`),
    })),
  };
}

/** Prefix of the copies of the built-in topics and consumers that scenarios.test.ts loads and verifies on its own. */
export const SCENARIO_PREFIX = 'sc-';
/** Prefix of the copies that kafka-clients.test.ts feeds with kafka-python and Kafka's console producer. */
export const KAFKA_CLIENTS_PREFIX = 'kc-';
/** A topic of the health schema, without consumers, that cli.test.ts writes straight to and tails. */
export const CLI_HEALTH_TOPIC = 'it-cli-health';
/**
 * Prefix of the copy of tweets and hashtags-5m that scenarios.test.ts plants a break-out in. Its
 * window is hashtags-5m's scaled down, 10 s advancing every 2 s (5 panes) instead of 300 s every
 * 30 s, so that a run of 44 s has the 3 baseline windows of history before its rise that the
 * real one would need 20 minutes for.
 */
export const BREAKOUT_PREFIX = 'bo-';
const scenario = copies(SCENARIO_PREFIX);
const breakout = {
  topics: builtIn.topics.filter((t) => t.name === 'tweets').map((topic) => ({ ...topic, name: `${BREAKOUT_PREFIX}${topic.name}` })),
  consumers: builtIn.consumers
    .filter((c) => c.name === 'hashtags-5m')
    .map((consumer) => ({
      ...consumer,
      name: `${BREAKOUT_PREFIX}${consumer.name}`,
      topics: consumer.topics.map((t) => `${BREAKOUT_PREFIX}${t}`),
      window: { sizeSeconds: 10, advanceSeconds: 2, graceSeconds: consumer.window.graceSeconds },
    })),
};
const kafkaClients = copies(KAFKA_CLIENTS_PREFIX);

/**
 * trending.test.ts: a copy of the built-in tweets topic and of hashtags-5m (a 5-minute window
 * advancing every 30 s) with a day's grace, so that tweets dated up to an hour back are on time.
 */
export const TRENDING = 'it-trending';
const hashtags = builtIn.consumers.find((c) => c.name === 'hashtags-5m')!;

/** Consumers the global stack does not run: a test starts (and restarts) their emulator itself. */
export const MANUAL_CONSUMERS = ['it-restart'];

/** The built-in spec plus the integration scenarios. */
export const pipeline: PipelineSpec = validateSpec({
  topics: [
    ...builtIn.topics,
    reading('it-window', 1),
    reading('it-shared', 3),
    reading('it-poison', 2),
    reading('it-restart', 1),
    reading('it-openapi', 2),
    ...scenario.topics,
    ...breakout.topics,
    ...kafkaClients.topics,
    { ...builtIn.topics.find((t) => t.name === 'tweets')!, name: TRENDING },
    { ...builtIn.topics.find((t) => t.name === 'health')!, name: CLI_HEALTH_TOPIC },
  ],
  consumers: [
    ...builtIn.consumers,
    {
      name: 'it-window',
      topics: ['it-window'],
      groupBy: { kind: 'constant', key: 'all' },
      window: { sizeSeconds: 10, graceSeconds: 3600 },
      measures: [
        { fn: 'sum', field: 'v' },
        { fn: 'min', field: 'v' },
        { fn: 'max', field: 'v' },
        { fn: 'first', field: 'v' },
        { fn: 'last', field: 'v' },
      ],
    },
    { name: 'it-shared-a', topics: ['it-shared'], groupBy: { kind: 'constant', key: 'all' }, window: { sizeSeconds: 3600 }, batchSize: 7 },
    {
      name: 'it-shared-b',
      topics: ['it-shared'],
      groupBy: { kind: 'constant', key: 'all' },
      window: { sizeSeconds: 3600 },
      batchSize: 100,
    },
    {
      name: 'it-poison',
      topics: ['it-poison'],
      groupBy: { kind: 'constant', key: 'all' },
      window: { sizeSeconds: 3600 },
      measures: [{ fn: 'sum', field: 'n' }],
    },
    { name: 'it-restart', topics: ['it-restart'], groupBy: { kind: 'constant', key: 'all' }, window: { sizeSeconds: 3600 }, batchSize: 3 },
    // openapi.test.ts: answers of every route, validated against the OpenAPI document.
    {
      name: 'it-openapi',
      topics: ['it-openapi'],
      groupBy: { kind: 'constant', key: 'all' },
      window: { sizeSeconds: 60 },
      measures: [{ fn: 'sum', field: 'v' }],
      keepRecords: true,
    },
    ...scenario.consumers,
    ...breakout.consumers,
    ...kafkaClients.consumers,
    { ...hashtags, name: TRENDING, topics: [TRENDING], window: { ...hashtags.window, graceSeconds: 86_400 }, batchSize: 500 },
  ],
});
