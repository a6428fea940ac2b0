/**
 * ARNs of MSK's IAM data-plane resources (`kafka-cluster:*` actions), derived from a cluster
 * ARN so that no policy needs a wildcard: `arn:aws:kafka:region:account:cluster/NAME/UUID`
 * gives `.../topic/NAME/UUID/TOPIC` and `.../group/NAME/UUID/GROUP`.
 */
import { Aws, Fn } from 'aws-cdk-lib';

/** The data-plane ARNs of one MSK cluster (provisioned or serverless). */
export class KafkaDataPlaneArns {
  /** The cluster's name, the second `/`-separated part of its ARN. */
  public readonly clusterName: string;
  /** The cluster's UUID, the third `/`-separated part of its ARN. */
  public readonly clusterUuid: string;

  /** @param clusterArn - the cluster ARN, usually a token (`Fn::GetAtt` / `Ref`) */
  public constructor(public readonly clusterArn: string) {
    const parts = Fn.split('/', clusterArn, 3);
    this.clusterName = Fn.select(1, parts);
    this.clusterUuid = Fn.select(2, parts);
  }

  /** The ARN of one topic. */
  public topic(name: string): string {
    return this.resource('topic', name);
  }

  /** The ARN of one consumer group. */
  public group(groupId: string): string {
    return this.resource('group', groupId);
  }

  private resource(kind: 'topic' | 'group', name: string): string {
    return `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}/${this.clusterName}/${this.clusterUuid}/${name}`;
  }
}
