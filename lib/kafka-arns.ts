/**
 * ARNs of MSK's IAM data-plane resources (`kafka-cluster:*` actions), derived from a cluster
 * ARN so that no policy needs a wildcard: `arn:aws:kafka:region:account:cluster/NAME/UUID`
 * gives `.../topic/NAME/UUID/TOPIC` and `.../group/NAME/UUID/GROUP`.
 */
import { Aws, Fn } from 'aws-cdk-lib';

/** The data-plane ARNs of one MSK cluster (provisioned or serverless). */
export interface KafkaDataPlaneArns {
  /** The cluster ARN, usually a token (`Fn::GetAtt` / `Ref`). */
  readonly clusterArn: string;
  /** The ARN of one topic. */
  topic(name: string): string;
  /** The ARN of one consumer group. */
  group(groupId: string): string;
}

/** The data-plane ARNs of the cluster `clusterArn`, whose second and third `/`-separated parts are its name and UUID. */
export function dataPlaneArns(clusterArn: string): KafkaDataPlaneArns {
  const parts = Fn.split('/', clusterArn, 3);
  const arn = (kind: 'topic' | 'group', name: string): string =>
    `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}:${kind}/${Fn.select(1, parts)}/${Fn.select(2, parts)}/${name}`;
  return { clusterArn, topic: (name) => arn('topic', name), group: (groupId) => arn('group', groupId) };
}
