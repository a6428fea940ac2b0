import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { monthlyLogGroup } from '../nag';

/** Properties of {@link BootstrapBrokers}. */
export interface BootstrapBrokersProps {
  /** The MSK cluster (provisioned or serverless). */
  readonly clusterArn: string;
}

/**
 * The MSK cluster's IAM bootstrap broker string (`host:9098,...`), read at deploy time with
 * `kafka:GetBootstrapBrokers`, which CloudFormation does not expose as an attribute.
 */
export class BootstrapBrokers extends Construct {
  /** `BootstrapBrokerStringSaslIam`: comma-separated `host:port` pairs. */
  public readonly saslIam: string;

  public constructor(scope: Construct, id: string, props: BootstrapBrokersProps) {
    super(scope, id);
    const call: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'getBootstrapBrokers',
      parameters: { ClusterArn: props.clusterArn },
      physicalResourceId: cr.PhysicalResourceId.of(`bootstrap-${props.clusterArn}`),
      outputPaths: ['BootstrapBrokerStringSaslIam'],
    };
    // Without a log group of its own, the lookup function's logs would never expire.
    const logGroup = monthlyLogGroup(this, 'LookupLogs', { removalPolicy: RemovalPolicy.DESTROY });
    const resource = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      logGroup,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [props.clusterArn] }),
    });
    this.saslIam = resource.getResponseField('BootstrapBrokerStringSaslIam');
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason: 'Scoped to the one cluster ARN; the wildcard is only in CDK-generated log permissions.',
    });
  }
}
