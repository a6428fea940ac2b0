/**
 * The consumer's answer when its event source mapping reads no partial batch response. On AWS a
 * Kafka mapping honours `ReportBatchItemFailures` only in provisioned mode (AWS Lambda Developer
 * Guide, "Apache Kafka event poller scaling modes in Lambda", advanced error handling,
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html); with on-demand pollers
 * it would take any answer for success and commit records the consumer did not apply. The
 * consumer then fails the whole batch instead: Lambda retries it, and the aggregates' per
 * partition watermarks skip the records already applied (README.md, the exactly-once scheme).
 */
import { ENV } from '../../core/config';
import type { UnappliedRecord } from './batch';
import { namedError } from '../../core/errors';

/** A batch has records the consumer could not apply, and the mapping cannot be told which. */
export class UnappliedRecordsError extends namedError('UnappliedRecordsError') {
  /** The first unapplied record of each partition that has one. */
  public readonly unapplied: readonly UnappliedRecord[];

  public constructor(unapplied: readonly UnappliedRecord[]) {
    const first = unapplied[0];
    super(
      `${unapplied.length} partition(s) have unapplied records (first ${first?.topicPartition}@${first?.offset}); failing the batch so that the mapping retries it whole`,
    );
    this.unapplied = unapplied;
  }
}

/** Whether the mapping reads partial batch responses: `REPORT_BATCH_ITEM_FAILURES` is not `false`. */
export function reportsBatchItemFailures(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ENV.reportBatchItemFailures] !== 'false';
}
