import { Names, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { retentionMs } from '../../core/deployment';
import { DEFAULT_RETENTION_HOURS, type ResolvedTopic } from '../../core/spec';
import { monthlyLogGroup } from '../nag';

/**
 * The broker size of the cheapest provisioned sandbox: kafka.t3.small, a Standard broker size
 * (Amazon MSK Developer Guide, "Amazon MSK broker sizes",
 * https://docs.aws.amazon.com/msk/latest/developerguide/broker-instance-sizes.html).
 */
export const MSK_BROKER_SIZE = 'kafka.t3.small';

/**
 * Kafka 3.9 in ZooKeeper metadata mode, not `3.9.x.kraft`: no AWS page was found that offers KRaft
 * on t3 brokers, while the MSK guide documents t3.small in ZooKeeper mode ("We recommend that you
 * set this value to 10,000 on T3.small", `zookeeper.connection.timeout.ms`, "Custom Amazon MSK
 * configurations", https://docs.aws.amazon.com/msk/latest/developerguide/msk-configuration-properties.html)
 * and lists 3.9.x as supported ("Supported Apache Kafka versions"). Clients see no difference:
 * they connect with bootstrap servers either way (the local broker and the ec2 mode run KRaft).
 */
export const MSK_KAFKA_VERSION = '3.9.x';

/** Properties of {@link MskProvisionedCluster}. */
export interface MskProvisionedClusterProps {
  /** The VPC the Network construct created. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the brokers, one per AZ. */
  readonly subnets: ec2.SubnetSelection;
  /** The brokers' security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The topics to create as `AWS::MSK::Topic`: only topics whose retention is the brokers'
   * default ({@link hasBrokerDefaultConfigs}); the others go through the topic admin.
   */
  readonly topics: readonly ResolvedTopic[];
  /** What happens to the broker log group when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The retention every topic of the cluster gets unless it sets its own: the brokers'
 * `log.retention.ms`, set in the cluster configuration to the spec's default retention.
 */
export const BROKER_RETENTION_HOURS = DEFAULT_RETENTION_HOURS;

/**
 * Whether `AWS::MSK::Topic` can create `topic` without `Configs`: its settings are all the
 * brokers' defaults. fluxo never sends `Configs`, because what its Base64 string encodes is not
 * settled by AWS: the CloudFormation schema, the CreateTopic/UpdateTopic shapes of
 * @aws-sdk/client-kafka and the CLI reference all say only "Topic configurations encoded as a
 * Base64 string"; the one AWS example of the decoded form (Amazon MSK Developer Guide, "Describe a
 * topic using the AWS CLI", https://docs.aws.amazon.com/msk/latest/developerguide/describe-topic-cli.html)
 * shows `key=value` lines, while Terraform's `aws_msk_topic` sends and reads JSON objects. A wrong
 * guess fails the stack only after the cluster's 20-30 minutes, so a topic that needs its own
 * settings is created by the topic admin through the Kafka protocol instead (kafka-cluster.ts).
 */
export function hasBrokerDefaultConfigs(topic: ResolvedTopic): boolean {
  return topic.retentionHours === BROKER_RETENTION_HOURS;
}

/**
 * An MSK provisioned cluster for a sandbox: two small brokers, IAM authentication only, TLS
 * between clients and brokers and between brokers, broker logs in CloudWatch, unclean leader
 * election and automatic topic creation off, and the spec's topics at the brokers' default
 * settings as `AWS::MSK::Topic`.
 */
export class MskProvisionedCluster extends Construct {
  /** The L1 cluster. */
  public readonly cluster: msk.CfnCluster;
  /** The cluster ARN. */
  public readonly clusterArn: string;
  /** One `AWS::MSK::Topic` per topic of {@link MskProvisionedClusterProps.topics}, by name. */
  public readonly topics: ReadonlyMap<string, msk.CfnTopic>;
  /** The replication factor of topics that set none: the brokers' `default.replication.factor`. */
  public readonly replicationFactor: number;

  public constructor(scope: Construct, id: string, props: MskProvisionedClusterProps) {
    super(scope, id);
    // Two brokers, one per subnet (a multiple of the number of subnets).
    const brokers = 2;
    const configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
      description: 'fluxo broker settings',
      serverProperties: [
        // Topics come from the pipeline spec only; a typo in a client must not create one.
        'auto.create.topics.enable=false',
        // Never elect an out-of-sync replica: an acknowledged record must not be lost.
        'unclean.leader.election.enable=false',
        `default.replication.factor=${Math.min(brokers, 3)}`,
        // With 2 brokers, 2 would refuse every write while MSK patches one broker at a time.
        'min.insync.replicas=1',
        'num.partitions=1',
        // MSK's advice for ZooKeeper-mode clusters on T3.small, "to avoid cluster downtime".
        'zookeeper.connection.timeout.ms=10000',
        // The retention of every topic created without its own (hasBrokerDefaultConfigs).
        `log.retention.ms=${retentionMs(BROKER_RETENTION_HOURS)}`,
      ].join('\n'),
    });
    const brokerLogs = monthlyLogGroup(this, 'BrokerLogs', { removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY });
    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
      kafkaVersion: MSK_KAFKA_VERSION,
      numberOfBrokerNodes: brokers,
      brokerNodeGroupInfo: {
        instanceType: MSK_BROKER_SIZE,
        clientSubnets: props.vpc.selectSubnets(props.subnets).subnetIds,
        securityGroups: [props.securityGroup.securityGroupId],
        // 10 GiB per broker (the alpha L2 defaults to 1000 GiB, about $100/month each).
        storageInfo: { ebsStorageInfo: { volumeSize: 10 } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
      // The latest revision, so that editing the server properties rolls them out.
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      enhancedMonitoring: 'DEFAULT',
    });
    this.clusterArn = this.cluster.attrArn;
    this.replicationFactor = Math.min(brokers, 3);
    const odd = props.topics.find((topic) => !hasBrokerDefaultConfigs(topic));
    if (odd !== undefined)
      throw new RangeError(`topic ${odd.name} needs its own configs: create it with the topic admin, not as AWS::MSK::Topic`);
    this.topics = new Map(
      props.topics.map((topic) => [
        topic.name,
        // No `Configs`: see hasBrokerDefaultConfigs.
        new msk.CfnTopic(this, `Topic-${topic.name}`, {
          clusterArn: this.clusterArn,
          topicName: topic.name,
          partitionCount: topic.partitions,
          replicationFactor: topic.replicationFactor ?? this.replicationFactor,
        }),
      ]),
    );
  }
}
