import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { ENV } from '../../core/config';
import type { KafkaAuth } from '../../core/deployment';
import type { ResolvedTopic } from '../../core/spec';
import type { BrokerMode } from '../config';
import { dataPlaneArns, type KafkaDataPlaneArns } from '../kafka-arns';
import { ENI_WRITE_SKIP, skipCheckov } from '../nag';
import { BootstrapBrokers } from './bootstrap-brokers';
import { EC2_KAFKA_PORT, Ec2KafkaBroker } from './ec2-kafka-broker';
import { FluxoFunction } from './fluxo-function';
import { hasBrokerDefaultConfigs, MskProvisionedCluster } from './msk-provisioned-cluster';
import { MskServerlessCluster } from './msk-serverless-cluster';
import { TopicAdmin } from './topic-admin';

/** MSK's port for IAM-authenticated clients inside the VPC. */
export const MSK_IAM_PORT = 9098;

/** Properties of {@link KafkaCluster}. */
export interface KafkaClusterProps {
  /** Which Kafka to run. */
  readonly mode: BrokerMode;
  /** The VPC the Network construct created. */
  readonly vpc: ec2.IVpc;
  /** Private subnets for brokers, clients and mappings. */
  readonly subnets: ec2.SubnetSelection;
  /** The spec's topics. */
  readonly topics: readonly ResolvedTopic[];
  /** What happens to logs when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/** The source part of an event source mapping: where it reads and as which consumer group. */
export type MappingSource = Pick<
  lambda.CfnEventSourceMappingProps,
  | 'eventSourceArn'
  | 'topics'
  | 'amazonManagedKafkaEventSourceConfig'
  | 'selfManagedEventSource'
  | 'selfManagedKafkaEventSourceConfig'
  | 'sourceAccessConfigurations'
>;

const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
];

/**
 * The Kafka the pipeline runs on, whichever the broker mode, behind one interface: bootstrap
 * brokers, authentication, the security group admitting clients on the Kafka port, the spec's
 * topics, and least-privilege `bind*`/`grant*` helpers that set a client's environment together
 * with the IAM statements it needs (per topic and per consumer group, never a wildcard on the
 * data plane).
 */
export class KafkaCluster extends Construct {
  /** Comma-separated `host:port` bootstrap brokers (a deploy-time token). */
  public readonly bootstrapBrokers: string;
  /** How clients authenticate: `iam` on MSK, `none` on the EC2 broker. */
  public readonly auth: KafkaAuth;
  /** The broker port clients use. */
  public readonly port: number;
  /** The brokers' security group: admits the Kafka port only from known clients. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The cluster ARN (MSK modes). */
  public readonly clusterArn: string | undefined;
  /** The security group the event source mappings' pollers run in (the cluster's own on MSK). */
  public readonly pollerSecurityGroup: ec2.SecurityGroup;
  /** The EC2 broker instance (ec2 mode). */
  public readonly brokerInstance: ec2.Instance | undefined;
  /** Depend on this to run after every spec topic exists. */
  public readonly topicsReady: IDependable;

  private readonly arns: KafkaDataPlaneArns | undefined;
  private readonly vpc: ec2.IVpc;
  private readonly subnets: ec2.SubnetSelection;

  public constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.subnets = props.subnets;
    this.port = props.mode === 'ec2' ? EC2_KAFKA_PORT : MSK_IAM_PORT;
    this.auth = props.mode === 'ec2' ? 'none' : 'iam';
    this.securityGroup = new ec2.SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: props.vpc,
      description: `fluxo Kafka brokers (${props.mode}): the Kafka port from known clients only`,
      allowAllOutbound: true,
    });

    if (props.mode === 'ec2') {
      // Self-managed Kafka mappings take their pollers' subnets and security group explicitly.
      this.pollerSecurityGroup = new ec2.SecurityGroup(this, 'MappingSecurityGroup', {
        vpc: props.vpc,
        description: 'fluxo event source mapping pollers (self-managed Kafka)',
        allowAllOutbound: true,
      });
      this.allowClient(this.pollerSecurityGroup, 'event source mapping pollers');
      const broker = new Ec2KafkaBroker(this, 'Hdpmaster', { vpc: props.vpc, subnets: props.subnets, securityGroup: this.securityGroup });
      this.brokerInstance = broker.instance;
      this.bootstrapBrokers = broker.bootstrapBrokers;
      this.topicsReady = this.createTopicAdmin(props.topics, 1);
      return;
    }

    // MSK event source mappings run their pollers' ENIs in the cluster's own security group.
    this.pollerSecurityGroup = this.securityGroup;
    this.securityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(this.port),
      'event source mapping pollers (they use the cluster security group)',
    );
    const placement = { vpc: props.vpc, subnets: props.subnets, securityGroup: this.securityGroup };
    // AWS::MSK::Topic for topics at the brokers' defaults; the topic admin sets any other
    // retention over the Kafka protocol (hasBrokerDefaultConfigs says why).
    const provisioned =
      props.mode === 'provisioned'
        ? new MskProvisionedCluster(this, 'Provisioned', {
            ...placement,
            topics: props.topics.filter(hasBrokerDefaultConfigs),
            removalPolicy: props.removalPolicy,
          })
        : undefined;
    this.clusterArn = provisioned?.clusterArn ?? new MskServerlessCluster(this, 'Serverless', placement).clusterArn;
    this.arns = dataPlaneArns(this.clusterArn);
    this.bootstrapBrokers = new BootstrapBrokers(this, 'Bootstrap', { clusterArn: this.clusterArn }).saslIam;
    if (provisioned === undefined) {
      this.topicsReady = this.createTopicAdmin(props.topics, undefined);
      return;
    }
    const configured = props.topics.filter((topic) => !hasBrokerDefaultConfigs(topic));
    const admin = configured.length === 0 ? [] : [this.createTopicAdmin(configured, provisioned.replicationFactor)];
    this.topicsReady = new DependencyGroup(...provisioned.topics.values(), ...admin);
  }

  /** Admits `peer` to the brokers on the Kafka port. */
  public allowClient(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(this.port), description);
  }

  /** Sets `KAFKA_BROKERS`/`KAFKA_AUTH` and admits the function's security group. */
  public bindClient(fn: lambda.Function, description: string): void {
    fn.addEnvironment(ENV.kafkaBrokers, this.bootstrapBrokers);
    fn.addEnvironment(ENV.kafkaAuth, this.auth);
    this.allowClient(fn, description);
  }

  /** Binds a producer: connection settings, plus write access to exactly `topics` (idempotent producer). */
  public bindProducer(fn: lambda.Function, topics: readonly ResolvedTopic[]): void {
    this.bindClient(fn, 'producer Lambda');
    this.grantDataPlane(fn, ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'], (a) => [a.clusterArn]);
    this.grantDataPlane(fn, ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], (a) => topics.map((t) => a.topic(t.name)));
  }

  /** Binds the topic admin: connection settings, plus create/alter/delete of exactly `topics`. */
  public bindTopicAdmin(fn: lambda.Function, topics: readonly ResolvedTopic[]): void {
    this.bindClient(fn, 'topic admin Lambda');
    this.grantDataPlane(fn, ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], (a) => [a.clusterArn]);
    this.grantDataPlane(
      fn,
      [
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:DeleteTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      ],
      (a) => topics.map((t) => a.topic(t.name)),
    );
  }

  /**
   * Grants what an event source mapping reading `topic` as `groupId` needs on the function's
   * execution role: the cluster lookups, the poller ENIs, and read access to that topic and group.
   */
  public grantMapping(grantee: iam.IGrantable, topic: string, groupId: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ENI_ACTIONS, resources: ['*'] }));
    const policy = grantee.grantPrincipal instanceof iam.Role ? grantee.grantPrincipal.node.tryFindChild('DefaultPolicy') : undefined;
    if (policy !== undefined) skipCheckov(policy, ENI_WRITE_SKIP);
    if (this.arns === undefined) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resources: [this.arns.clusterArn] }),
    );
    this.grantDataPlane(grantee, ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], (a) => [a.clusterArn]);
    this.grantDataPlane(grantee, ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], (a) => [a.topic(topic)]);
    this.grantDataPlane(grantee, ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], (a) => [a.group(groupId)]);
  }

  /** Grants the course's console tools: read and write of `topics` as consumer group `groupId`. */
  public grantConsole(grantee: iam.IGrantable, topics: readonly string[], groupId: string): void {
    // Kafka 3's producers (the console producer, kafka-python 3) are idempotent by default: "Produce data
    // idempotently: kafka-cluster:Connect, DescribeTopic, WriteData, WriteDataIdempotently" ("Common use
    // cases for client authorization policy", https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control-use-cases.html).
    this.grantDataPlane(grantee, ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'], (a) => [
      a.clusterArn,
    ]);
    this.grantDataPlane(grantee, ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:WriteData'], (a) =>
      topics.map((t) => a.topic(t)),
    );
    this.grantDataPlane(grantee, ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], (a) => [a.group(groupId)]);
  }

  /** Where an event source mapping reads `topic` from, as consumer group `groupId`. */
  public mappingSource(topic: string, groupId: string): MappingSource {
    if (this.clusterArn !== undefined) {
      return { eventSourceArn: this.clusterArn, topics: [topic], amazonManagedKafkaEventSourceConfig: { consumerGroupId: groupId } };
    }
    return {
      topics: [topic],
      selfManagedEventSource: { endpoints: { kafkaBootstrapServers: [this.bootstrapBrokers] } },
      selfManagedKafkaEventSourceConfig: { consumerGroupId: groupId },
      sourceAccessConfigurations: [
        ...this.vpc.selectSubnets(this.subnets).subnetIds.map((id) => ({ type: 'VPC_SUBNET', uri: `subnet:${id}` })),
        { type: 'VPC_SECURITY_GROUP', uri: `security_group:${this.pollerSecurityGroup.securityGroupId}` },
      ],
    };
  }

  private grantDataPlane(grantee: iam.IGrantable, actions: string[], resources: (arns: KafkaDataPlaneArns) => string[]): void {
    if (this.arns === undefined) return; // the EC2 broker has no IAM data plane
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: resources(this.arns) }));
  }

  private createTopicAdmin(topics: readonly ResolvedTopic[], defaultReplicationFactor: number | undefined): TopicAdmin {
    const fn = new FluxoFunction(this, 'TopicsFunction', {
      handler: 'topics',
      description: 'fluxo topic admin: creates, updates and deletes the spec topics (CloudFormation custom resource)',
      vpc: this.vpc,
      vpcSubnets: this.subnets,
    });
    this.bindTopicAdmin(fn.function, topics);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ENI actions have no resource-level permissions; Kafka actions are scoped per topic.',
    });
    return new TopicAdmin(this, 'Topics', { handler: fn.function, topics, defaultReplicationFactor });
  }
}
