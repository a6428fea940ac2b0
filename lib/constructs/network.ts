import { CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { monthlyLogGroup } from '../nag';

/** Properties of {@link Network}. */
export interface NetworkProps {
  /** What happens to the flow-log group when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The VPC everything Kafka-facing lives in, like the course's `hdpmaster` network: private
 * subnets in two AZs, one NAT gateway (event source mappings reach Lambda and STS through it,
 * and EC2 hosts download Kafka), gateway endpoints for DynamoDB and S3, an interface endpoint
 * for SQS (the mappings' on-failure destination must be reachable from the cluster's VPC), and
 * flow logs of rejected traffic.
 */
export class Network extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  /** The private subnets Kafka, its clients and the mappings use. */
  public readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  /** The SQS interface endpoint (the dead-letter service), closed until {@link allowDeadLetterEndpoint}. */
  public readonly sqsEndpoint: ec2.InterfaceVpcEndpoint;

  public constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      // Two Availability Zones: MSK provisioned needs 2.
      maxAzs: 2,
      // One NAT gateway (~$0.045/h) is cheaper than interface endpoints for Lambda, STS, SSM x 2 AZs.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
      restrictDefaultSecurityGroup: true,
    });
    // Lambda's docs require an endpoint for the on-failure destination service in the cluster's VPC.
    this.sqsEndpoint = this.vpc.addInterfaceEndpoint('Sqs', {
      service: ec2.InterfaceVpcEndpointAwsService.SQS,
      subnets: this.privateSubnets,
      privateDnsEnabled: true,
      open: false,
    });
    const flowLogGroup = monthlyLogGroup(this, 'FlowLogs', { removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY });
    // Rejected traffic only: enough to debug a security group, cheap to keep.
    this.vpc.addFlowLog('Rejected', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.retainRestrictDefaultSgLogs(props.removalPolicy ?? RemovalPolicy.DESTROY);
  }

  /**
   * The function aws-cdk-lib runs for `restrictDefaultSecurityGroup` takes no log settings, so
   * Lambda would create its log group on first run with no retention. Create that group first,
   * under the name Lambda uses, with a retention; the custom resource waits for it.
   */
  private retainRestrictDefaultSgLogs(removalPolicy: RemovalPolicy): void {
    const handler = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')?.node.tryFindChild('Handler');
    const restrict = this.vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource');
    if (!(handler instanceof CfnResource) || restrict === undefined) return;
    const group = monthlyLogGroup(this, 'RestrictDefaultSgLogs', {
      logGroupName: Fn.join('', ['/aws/lambda/', handler.ref]),
      removalPolicy,
    });
    restrict.node.addDependency(group);
  }

  /** Admits `peer` (the mappings' pollers) to the SQS endpoint on HTTPS. */
  public allowDeadLetterEndpoint(peer: ec2.IConnectable, description: string): void {
    this.sqsEndpoint.connections.allowFrom(peer, ec2.Port.tcp(443), description);
  }
}
