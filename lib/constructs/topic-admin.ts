import { CustomResource, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { TopicResourceProperties } from '../../core/deployment';
import type { ResolvedTopic } from '../../core/spec';
import { arnInFinding, FRAMEWORK_FUNCTION_FINDINGS, FRAMEWORK_FUNCTION_SKIPS, monthlyLogGroup, skipCheckov } from '../nag';

/** Properties of {@link TopicAdmin}. */
export interface TopicAdminProps {
  /** The topics Lambda (`lambdas/topics`), already bound to the cluster (brokers, auth, grants). */
  readonly handler: lambda.Function;
  /** The topics to create. */
  readonly topics: readonly ResolvedTopic[];
  /** The replication factor to ask for when a topic sets none. @default the broker's default */
  readonly defaultReplicationFactor?: number;
}

/** The resource properties of one topic. */
export function topicResourceProperties(topic: ResolvedTopic, defaultReplicationFactor?: number): TopicResourceProperties {
  const replicationFactor = topic.replicationFactor ?? defaultReplicationFactor;
  return {
    Name: topic.name,
    Partitions: topic.partitions,
    RetentionHours: topic.retentionHours,
    ...(replicationFactor === undefined ? {} : { ReplicationFactor: replicationFactor }),
  };
}

/**
 * Creates, updates and deletes the spec's topics through the topics Lambda (a kafkajs admin)
 * for broker modes where `AWS::MSK::Topic` is not available (MSK Serverless, the EC2 broker):
 * one custom resource per topic, behind a custom resource provider. Depend on it to run after
 * every topic exists.
 */
export class TopicAdmin extends Construct {
  /** One custom resource per topic, by name. */
  public readonly topics: ReadonlyMap<string, CustomResource>;

  public constructor(scope: Construct, id: string, props: TopicAdminProps) {
    super(scope, id);
    const providerLogs = monthlyLogGroup(this, 'ProviderLogs');
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: props.handler, logGroup: providerLogs });
    skipCheckov(provider.node.findChild('framework-onEvent'), ...FRAMEWORK_FUNCTION_SKIPS, {
      id: 'CKV_AWS_173',
      comment:
        'Its environment holds the name of the topics function it calls, no secret; Lambda encrypts it at rest with its AWS managed key.',
    });
    Validations.of(provider).acknowledge(...FRAMEWORK_FUNCTION_FINDINGS, {
      id: `AwsSolutions-IAM5[Resource::${arnInFinding(props.handler)}:*]`,
      reason: 'The framework may invoke any version of the topics function (`<arn>:*`).',
    });
    this.topics = new Map(
      props.topics.map((topic) => [
        topic.name,
        new CustomResource(this, `Topic-${topic.name}`, {
          serviceToken: provider.serviceToken,
          resourceType: 'Custom::KafkaTopic',
          properties: { ...topicResourceProperties(topic, props.defaultReplicationFactor) },
        }),
      ]),
    );
  }
}
