/**
 * The local on-failure destination of the event-source-mapping emulator: where a batch goes when
 * its retries are exhausted or its records are too old, as the AWS mapping sends it to its SQS
 * dead-letter queue. Each entry is the JSON document Lambda sends to an SQS/SNS destination for
 * Kafka (`requestContext`, `responseContext`, `KafkaBatchInfo` with `recordsInfo`), plus a
 * `fluxo` section naming the consumer, the exact offsets and the error. Entries are appended,
 * one per line, to a JSONL file that `fluxo dlq` reads.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FunctionErrorPayload } from '../runtime/protocol';
import type { FailureCondition, GivenUpBatch } from './delivery';
import { topicPartitionKey } from '../../../core/kafka-record';

/** One on-failure entry. */
export interface OnFailureEntry {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    readonly approximateInvokeCount: number;
  };
  /** null when the function was never invoked for the batch (records too old). */
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError: string } | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn: string;
    readonly bootstrapServers: string;
    readonly payloadSize: number;
    readonly recordsInfo: Record<
      string,
      { firstRecordOffset: string; lastRecordOffset: string; firstRecordTimestamp: string; lastRecordTimestamp: string }
    >;
  };
  /** Local additions: what a person debugging needs without the SQS round trip. */
  readonly fluxo: {
    readonly consumer: string;
    readonly topic: string;
    readonly partition: number;
    readonly offsets: readonly number[];
    readonly error?: FunctionErrorPayload;
  };
}

/** What {@link describeFailedBatch} needs to describe a batch. */
export interface FailedBatch extends GivenUpBatch {
  readonly consumer: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
  readonly now?: number;
}

/** Builds the on-failure entry for a batch of one partition's records (in offset order). */
export function describeFailedBatch(batch: FailedBatch): OnFailureEntry {
  const first = batch.records[0];
  const last = batch.records[batch.records.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('a failed batch has at least one record');
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    requestContext: {
      requestId: batch.requestId,
      functionArn: `arn:aws:lambda:local:000000000000:function:${batch.functionName}`,
      condition: batch.condition,
      approximateInvokeCount: batch.invocations,
    },
    responseContext:
      batch.invocations === 0
        ? null
        : { statusCode: 200, executedVersion: '$LATEST', functionError: batch.error?.errorType ?? 'Unhandled' },
    version: '1.0',
    timestamp: iso(batch.now ?? Date.now()),
    KafkaBatchInfo: {
      batchSize: batch.records.length,
      eventSourceArn: batch.eventSourceArn,
      bootstrapServers: batch.bootstrapServers,
      payloadSize: batch.payloadSize,
      recordsInfo: {
        [topicPartitionKey(first.topic, first.partition)]: {
          firstRecordOffset: String(first.offset),
          lastRecordOffset: String(last.offset),
          firstRecordTimestamp: iso(first.timestamp),
          lastRecordTimestamp: iso(last.timestamp),
        },
      },
    },
    fluxo: {
      consumer: batch.consumer,
      topic: first.topic,
      partition: first.partition,
      offsets: batch.records.map((r) => r.offset),
      ...(batch.error === undefined ? {} : { error: batch.error }),
    },
  };
}

/** Where the emulator sends failed batches. */
export interface OnFailureDestination {
  send(entry: OnFailureEntry): Promise<void>;
}

/** The default local destination path, under the project's `.fluxo/`. */
export const DEFAULT_ON_FAILURE_FILE = '.fluxo/dlq/on-failure.jsonl';

/** Appends entries to a JSONL file (created with its directory on first use). */
export class JsonlDestination implements OnFailureDestination {
  public constructor(public readonly file: string) {}

  public async send(entry: OnFailureEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
  }
}

/** Reads every entry of a JSONL destination file; a missing file has none. Unparseable lines are skipped. */
export async function readOnFailureEntries(file: string): Promise<OnFailureEntry[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)));
  const entries: OnFailureEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as OnFailureEntry);
    } catch {
      // A line cut short by a crash mid-write: the rest of the file is still readable.
    }
  }
  return entries;
}
