import { Names } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';

/** Properties of {@link MskServerlessCluster}. */
export interface MskServerlessClusterProps {
  /** The VPC the Network construct created. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the cluster's endpoints (at least two AZs). */
  readonly subnets: ec2.SubnetSelection;
  /** The cluster's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * An MSK Serverless cluster (IAM authentication, TLS always on). `AWS::MSK::Topic` does not
 * support Serverless, so its topics are created by the topic admin custom resource.
 */
export class MskServerlessCluster extends Construct {
  /** The L1 cluster. */
  public readonly cluster: msk.CfnServerlessCluster;
  /** The cluster ARN. */
  public readonly clusterArn: string;

  public constructor(scope: Construct, id: string, props: MskServerlessClusterProps) {
    super(scope, id);
    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds, securityGroups: [props.securityGroup.securityGroupId] }],
    });
    this.clusterArn = this.cluster.attrArn;
  }
}
