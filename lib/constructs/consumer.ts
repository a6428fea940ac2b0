import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../core/config';
import { mappingFilters } from '../../core/filter-pushdown';
import type { ResolvedConsumer, ResolvedTopic } from '../../core/spec';
import type { FilterPlacement, PollerMode } from '../config';
import { DeadLetterQueue } from './dead-letter-queue';
import { FluxoFunction } from './fluxo-function';
import { KafkaCluster } from './kafka-cluster';
import { Tables } from './tables';

/** Properties of {@link Consumer}. */
export interface ConsumerProps {
  /** The consumer, defaults resolved. */
  readonly consumer: ResolvedConsumer;
  /** The spec's topics, defaults resolved: each mapping's FilterCriteria depends on its topic's form. */
  readonly topics: readonly ResolvedTopic[];
  /** The Kafka it reads. */
  readonly kafka: KafkaCluster;
  /** Where it writes aggregates, kept records and dead letters. */
  readonly tables: Tables;
  /** The on-failure destination of its mappings. */
  readonly deadLetters: DeadLetterQueue;
  /** The provisioned poller group every mapping of the stack shares (one set of pollers, one bill). */
  readonly pollerGroupName: string;
  /** How its mappings poll Kafka (see {@link PollerMode}). @default 'provisioned' */
  readonly pollers?: PollerMode;
  /** Where its filters apply (see {@link FilterPlacement}): `consumer` leaves the mappings without FilterCriteria. @default 'mapping' */
  readonly filters?: FilterPlacement;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The `FilterCriteria` of the consumer's mapping on `topic`: its filters, pushed down, plus the
 * pass-throughs for records AWS cannot judge as written (filter-pushdown.ts), one JSON pattern
 * each (patterns are ORed); none without filters. The local emulator applies the same list.
 */
export function filterCriteria(
  consumer: ResolvedConsumer,
  topic: ResolvedTopic,
): lambda.CfnEventSourceMapping.FilterCriteriaProperty | undefined {
  const patterns = mappingFilters(consumer, topic);
  if (patterns.length === 0) return undefined;
  return { filters: patterns.map((pattern) => ({ pattern: JSON.stringify(pattern) })) };
}

/**
 * The mapping settings that need provisioned pollers: for Kafka, retries, maximum record age,
 * bisect on error and partial batch responses are configured "for Kafka event source mappings
 * with provisioned mode enabled" (AWS Lambda Developer Guide, "Apache Kafka event poller scaling
 * modes in Lambda", https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html, and
 * "Configuring error handling controls for Kafka event sources",
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html). With on-demand
 * pollers none is set: a failed batch is retried whole until it succeeds or its records leave the
 * topic, and the consumer fails a batch rather than answering a partial response (whole-batch.ts).
 */
export function pollerSettings(
  consumer: ResolvedConsumer,
  pollers: PollerMode,
  pollerGroupName: string,
): Partial<lambda.CfnEventSourceMappingProps> {
  if (pollers === 'on-demand') return {};
  return {
    // At least one poller per mapping, all in one group: they share Event Poller Units (10 pollers each).
    provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 2, pollerGroupName },
    maximumRetryAttempts: consumer.retryAttempts,
    maximumRecordAgeInSeconds: consumer.maxRecordAgeSeconds,
    bisectBatchOnFunctionError: consumer.bisectOnError,
    functionResponseTypes: ['ReportBatchItemFailures'],
  };
}

/**
 * One spec consumer on AWS: its Lambda (the shared consumer handler, told which consumer it
 * runs) and one event source mapping per topic, by default in provisioned-poller mode so that the
 * error handling controls apply (retries, maximum record age, bisect on error, partial batch
 * responses), with the on-failure destination.
 */
export class Consumer extends Construct {
  /** The consumer's Lambda. */
  public readonly function: lambda.Function;
  /** Its event source mappings, by topic. */
  public readonly mappings: ReadonlyMap<string, lambda.CfnEventSourceMapping>;

  public constructor(scope: Construct, id: string, props: ConsumerProps) {
    super(scope, id);
    const { consumer, kafka } = props;
    const pollers = props.pollers ?? 'provisioned';
    const fn = new FluxoFunction(this, 'Handler', {
      handler: 'consumer',
      description: `fluxo consumer ${consumer.name}: ${consumer.description ?? consumer.topics.join(', ')}`,
      environment: { [ENV.consumerName]: consumer.name, [ENV.reportBatchItemFailures]: String(pollers === 'provisioned') },
      removalPolicy: props.removalPolicy,
    });
    this.function = fn.function;
    // Aggregates are read-modify-written (conditional updates); dead letters are put.
    props.tables.bindResults(this.function, 'readWrite');
    props.deadLetters.grantOnFailure(this.function);

    this.mappings = new Map(
      consumer.mappings.map(({ topic, groupId }) => {
        const topicSpec = props.topics.find((t) => t.name === topic);
        if (topicSpec === undefined)
          throw new RangeError(`consumer ${consumer.name} reads topic "${topic}", which is not among the spec's topics`);
        kafka.grantMapping(this.function, topic, groupId);
        const mapping = new lambda.CfnEventSourceMapping(this, `Mapping-${topic}`, {
          functionName: this.function.functionName,
          ...kafka.mappingSource(topic, groupId),
          startingPosition: consumer.startingPosition,
          batchSize: consumer.batchSize,
          maximumBatchingWindowInSeconds: consumer.batchingWindowSeconds,
          filterCriteria: props.filters === 'consumer' ? undefined : filterCriteria(consumer, topicSpec),
          ...pollerSettings(consumer, pollers, props.pollerGroupName),
          destinationConfig: { onFailure: { destination: props.deadLetters.queue.queueArn } },
          // The mapping's own counts (PolledEventCount, FilteredOutEventCount, ...): records its
          // FilterCriteria drops never reach the Lambda, so only the mapping can count them.
          metricsConfig: { metrics: ['EventCount'] },
        });
        return [topic, mapping] as const;
      }),
    );
    // The role's grants must exist before a mapping starts polling, and so must its topic.
    for (const mapping of this.mappings.values()) {
      mapping.node.addDependency(kafka.topicsReady);
      const policy = fn.role.node.tryFindChild('DefaultPolicy');
      if (policy) mapping.node.addDependency(policy);
    }
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "ENI and X-Ray actions have no resource-level permissions; Kafka actions are scoped to this consumer's topics and group; table index access is the CDK grant of its own index.",
    });
  }
}
