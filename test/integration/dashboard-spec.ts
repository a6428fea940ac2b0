/**
 * The spec of the dashboard's browser test: the built-in course pipeline under names of its own
 * (`dash-` topics and consumers), so its counts do not mix with other tests', and with an hour of
 * grace so records spread over the last minutes fill several windows (candles, bars over time).
 * The test's own local stack bundles the handlers with this module in place of pipeline.ts.
 */
import { validateSpec, type PipelineSpec } from '../../core/spec';
import { pipeline as builtIn } from '../../pipeline';

/** The prefix of every topic and consumer of this spec. */
export const PREFIX = 'dash-';

export const pipeline: PipelineSpec = validateSpec({
  topics: builtIn.topics.map((topic) => ({ ...topic, name: `${PREFIX}${topic.name}` })),
  consumers: builtIn.consumers.map((consumer) => ({
    ...consumer,
    name: `${PREFIX}${consumer.name}`,
    topics: consumer.topics.map((topic) => `${PREFIX}${topic}`),
    window: { ...consumer.window, graceSeconds: 3600 },
  })),
});
