import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skipCheckov } from '../nag';

/** Properties of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What happens to the queue when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The on-failure destination of every event source mapping: batches that exhaust their retries
 * (or outlive the maximum record age) are described here, with topic, partition and offsets.
 * Unprocessable single records never get here: the consumer writes them to the results table
 * as dead letters and moves on. Encrypted with SQS-managed keys (no KMS grant needed by the
 * mappings), TLS enforced, messages kept the maximum 14 days.
 */
export class DeadLetterQueue extends Construct {
  /** The queue. */
  public readonly queue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this.queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter destination of the event source mappings.' },
      { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is itself the dead-letter destination; nothing consumes it automatically.' },
    );
    skipCheckov(this.queue, {
      id: 'CKV_AWS_27',
      comment: 'Encrypted at rest with SQS managed keys (SqsManagedSseEnabled); the check only recognizes KmsMasterKeyId.',
    });
  }

  /** Grants what an event source mapping's on-failure destination needs (`sqs:SendMessage`). */
  public grantOnFailure(grantee: iam.IGrantable): void {
    this.queue.grantSendMessages(grantee);
  }
}
