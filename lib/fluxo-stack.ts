import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { resolveConsumer, resolveTopic, validateSpec, type PipelineSpec } from '../core/spec';
import type { DeploymentConfig } from './config';
import { ClientHost } from './constructs/client-host';
import { Consumer } from './constructs/consumer';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { FluxoFunction } from './constructs/fluxo-function';
import { IngestApi } from './constructs/ingest-api';
import { KafkaCluster } from './constructs/kafka-cluster';
import { Network } from './constructs/network';
import { Observability } from './constructs/observability';
import { Tables } from './constructs/tables';
import { FRAMEWORK_FUNCTION_FINDINGS, FRAMEWORK_FUNCTION_SKIPS, skipCheckov } from './nag';

/** The stack name for a deployment: one stack per stage, so a sandbox and prod fit in one account. */
export function stackName(deployment: DeploymentConfig): string {
  return deployment.stage === 'prod' ? 'Fluxo' : 'FluxoSandbox';
}

/** Properties of {@link FluxoStack}. */
export interface FluxoStackProps extends StackProps {
  /** The pipeline spec to deploy (validated again here, so a bad spec fails the synth). */
  readonly spec: PipelineSpec;
  /** Stage, broker mode and client host switch, from context. */
  readonly deployment: DeploymentConfig;
}

/**
 * The whole fluxo pipeline on AWS, built from the pipeline spec, in the order data flows:
 * network -> Kafka -> ingest API -> consumers -> tables -> results API -> alarms.
 */
export class FluxoStack extends Stack {
  public constructor(scope: Construct, id: string, props: FluxoStackProps) {
    // Validate first: a bad spec fails the synth before any resource exists.
    const spec = validateSpec(props.spec);
    super(scope, id, {
      description: `fluxo: serverless event ingestion on Kafka (${props.deployment.stage}, ${props.deployment.brokerMode})`,
      ...props,
    });
    const topics = spec.topics.map(resolveTopic);
    const consumers = spec.consumers.map(resolveConsumer);
    const { stage, brokerMode } = props.deployment;
    // Sandbox: `cdk destroy` removes everything, data included. Prod keeps data and logs.
    const removalPolicy = stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // 1. Network: private subnets in two AZs, NAT for the mappings, endpoint for the DLQ service.
    const network = new Network(this, 'Network', { removalPolicy });

    // 2. Kafka, as the broker mode says, with the spec's topics.
    const kafka = new KafkaCluster(this, 'Kafka', {
      mode: brokerMode,
      vpc: network.vpc,
      subnets: network.privateSubnets,
      topics,
      removalPolicy,
    });

    network.allowDeadLetterEndpoint(kafka.pollerSecurityGroup, 'event source mapping pollers (on-failure destination)');

    // 3. The course's terminal: Kafka CLI tools configured for the cluster.
    const clientHost = props.deployment.clientHost
      ? new ClientHost(this, 'ClientHost', { vpc: network.vpc, subnets: network.privateSubnets, kafka, topics: topics.map((t) => t.name) })
      : undefined;

    // Tables are created before their writers: ingest needs idempotency, consumers need results.
    const tables = new Tables(this, 'Tables', { removalPolicy });

    // 4. Ingest API: API key + usage plan in front of the producer Lambda.
    const api = new IngestApi(this, 'Api', { removalPolicy });
    const producer = new FluxoFunction(this, 'Producer', {
      handler: 'producer',
      description: 'fluxo ingest: validates records against the spec and writes them to Kafka (acks=all)',
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      // No reservation unless asked for (-c producerReservedConcurrency=N): reserving N needs an
      // account quota of N + 100, which new accounts lack. MSK's limit on new IAM connections per
      // broker and second is met by connection reuse and spread-out retries (kafka-client.ts
      // IAM_RETRY) and the usage plan's rate instead; see the README, "On AWS".
      reservedConcurrentExecutions: props.deployment.producerReservedConcurrency,
      removalPolicy,
    });
    kafka.bindProducer(producer.function, topics);
    tables.bindIdempotency(producer.function);
    api.addRoutes('producer', producer.function);

    // 5. Consumers: one Lambda and one event source mapping per topic; provisioned pollers (the
    // default) share one poller group, so five mappings bill as one Event Poller Unit.
    const deadLetters = new DeadLetterQueue(this, 'DeadLetters', { removalPolicy });
    const pollerGroupName = `${this.stackName}-pollers`;
    const consumerConstructs = new Map(
      consumers.map((consumer) => [
        consumer.name,
        new Consumer(this, `Consumer-${consumer.name}`, {
          consumer,
          topics,
          kafka,
          tables,
          deadLetters,
          pollerGroupName,
          pollers: props.deployment.pollers,
          filters: props.deployment.filters,
          removalPolicy,
        }),
      ]),
    );

    // 6. Results API: reads what the consumers stored.
    const results = new FluxoFunction(this, 'Results', {
      handler: 'results',
      description: 'fluxo results: aggregates, kept records and dead letters per consumer',
      removalPolicy,
    });
    tables.bindResults(results.function, 'read');
    api.addRoutes('results', results.function);

    // 7. Dashboard and alarms.
    new Observability(this, 'Observability', {
      api: api.api,
      producer: producer.function,
      consumers: consumerConstructs,
      deadLetterQueue: deadLetters.queue,
      tables: [tables.results, tables.idempotency],
    });

    this.suppressFrameworkFindings();
    new CfnOutput(this, 'ApiUrl', { value: api.api.url, description: 'Base URL of the fluxo API' });
    new CfnOutput(this, 'ApiKeyId', { value: api.apiKey.keyId, description: 'API key id' });
    new CfnOutput(this, 'ApiKeyCommand', {
      value: `aws apigateway get-api-key --api-key ${api.apiKey.keyId} --include-value --query value --output text`,
      description: 'Prints the API key to send as x-api-key',
    });
    new CfnOutput(this, 'BrokerMode', { value: brokerMode });
    new CfnOutput(this, 'BootstrapBrokers', { value: kafka.bootstrapBrokers, description: 'Kafka bootstrap brokers (inside the VPC)' });
    if (kafka.clusterArn) new CfnOutput(this, 'ClusterArn', { value: kafka.clusterArn, description: 'MSK cluster ARN' });
    if (kafka.brokerInstance)
      new CfnOutput(this, 'BrokerInstanceId', {
        value: kafka.brokerInstance.instanceId,
        description: 'hdpmaster (self-managed broker) instance id',
      });
    if (clientHost) {
      new CfnOutput(this, 'ClientHostId', { value: clientHost.instance.instanceId, description: 'Client host instance id' });
      new CfnOutput(this, 'ClientHostSession', {
        value: `aws ssm start-session --target ${clientHost.instance.instanceId}`,
        description: 'Opens a shell on the client host',
      });
    }
  }

  /** Findings on resources aws-cdk-lib creates outside fluxo's constructs, with the reason each is accepted. */
  private suppressFrameworkFindings(): void {
    const awsCustomResource = this.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (awsCustomResource) {
      Validations.of(awsCustomResource).acknowledge(...FRAMEWORK_FUNCTION_FINDINGS);
      skipCheckov(awsCustomResource, ...FRAMEWORK_FUNCTION_SKIPS);
    }
    // The handler behind the VPC's restrictDefaultSecurityGroup.
    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')?.node.tryFindChild('Handler');
    if (restrictDefaultSg) skipCheckov(restrictDefaultSg, ...FRAMEWORK_FUNCTION_SKIPS);
  }
}
