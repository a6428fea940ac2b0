/**
 * How the event-source-mapping emulator delivers one partition's records to the consumer
 * function, with the error handling of a Kafka event source mapping in provisioned mode:
 *
 * - success: the offsets are committed after the last record;
 * - `batchItemFailures`: records before the first failed offset are committed, and the batch is
 *   retried from it (an unreadable answer counts as a failure of the whole batch, as on AWS);
 * - invocation error (handler error, timeout, crash): with `bisectOnError` the batch is split in
 *   two and each half retried separately (splitting does not use up retry attempts); otherwise,
 *   or for a single record, it is retried up to `retryAttempts` times with exponential backoff;
 * - records older than `maxRecordAgeSeconds` are not delivered;
 * - a batch that runs out of retries, or of age, goes to the on-failure destination, and its
 *   offsets are committed so the partition keeps flowing.
 *
 * One batch is in flight per partition and records are delivered in offset order.
 */
import { randomUUID } from 'node:crypto';
import { topicPartitionKey, type KafkaRecord } from '../../../core/kafka-record';
import type { Invoker, InvocationResult } from '../runtime/local-function';
import type { FunctionErrorPayload } from '../runtime/protocol';

/** The error-handling settings of a mapping (a resolved consumer's fields). */
export interface DeliveryPolicy {
  /** Retries after the first failed invocation of a batch (0..10,000). */
  readonly retryAttempts: number;
  /** Split a failing batch in two and retry each half. */
  readonly bisectOnError: boolean;
  /** Oldest record still delivered, in seconds; -1 for no limit. */
  readonly maxRecordAgeSeconds: number;
}

/** Why the mapping gave up on a batch (the `requestContext.condition` values Lambda uses). */
export type FailureCondition = 'RetryAttemptsExhausted' | 'MaximumRecordAgeExceeded';

/** A batch the mapping gave up on. */
export interface GivenUpBatch {
  readonly records: readonly KafkaRecord[];
  readonly condition: FailureCondition;
  readonly invocations: number;
  /** Bytes of the last event sent for the batch (0 when none was). */
  readonly payloadSize: number;
  readonly requestId: string;
  readonly error?: FunctionErrorPayload;
}

/** What delivery needs from the emulator around it. */
export interface DeliveryHooks {
  readonly invoker: Invoker;
  /** Builds the Lambda event for a batch (the MSK event codec). */
  encode(records: readonly KafkaRecord[]): unknown;
  /** Marks every record before `nextOffset` as done (commits the consumer group offset). */
  commit(nextOffset: number): Promise<void>;
  /** Sends a batch to the on-failure destination. */
  giveUp(batch: GivenUpBatch): Promise<void>;
  /** Keeps the consumer group membership alive during long retries. */
  heartbeat(): Promise<void>;
  /** False once the partition is no longer ours (stopping, rebalanced): no further invocation starts. */
  isActive(): boolean;
  /** Waits before retry number `retry` (1-based). */
  backoff(retry: number): Promise<void>;
  /** Epoch ms. @default Date.now */
  now?(): number;
  /** Observes each invocation (event and outcome). */
  onInvoke?(event: unknown, result: InvocationResult): void;
}

/** How a delivery ended. */
export type DeliveryOutcome = 'delivered' | 'aborted';

interface Pending {
  records: readonly KafkaRecord[];
  /** Failed invocations of these records so far. */
  failures: number;
  invocations: number;
}

/**
 * One item identifier as a `"topic-partition"` key and offset, read exactly as AWS documents it:
 * `{"partition": "<topic>-<partition>", "offset": <number>}` ("Configuring error handling controls
 * for Kafka event sources", https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html,
 * section PartialBatchResponse). Anything else (a string, the older `topic-partition` key, an
 * offset given as text) is unreadable: undefined, and the whole batch fails, as on AWS.
 */
export function parseItemIdentifier(identifier: unknown): { tp: string; offset: number } | undefined {
  if (typeof identifier !== 'object' || identifier === null || Array.isArray(identifier)) return undefined;
  const { partition, offset } = identifier as Record<string, unknown>;
  if (typeof partition !== 'string' || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { tp: partition, offset };
}

/**
 * Reads a consumer's answer. Returns `undefined` for a complete success, the first failed offset
 * for a partial failure, or `'invalid'` for an answer Lambda would treat as a complete failure
 * (an identifier not in the documented shape, or naming a record not in the batch). An empty or
 * missing `batchItemFailures` list, or a null answer, is a complete success: "If you return an
 * empty valid JSON or null, the event source mapping will consider a batch as successfully
 * processed" (same page).
 */
export function firstFailedOffset(payload: unknown, records: readonly KafkaRecord[]): number | 'invalid' | undefined {
  if (payload === null || payload === undefined || typeof payload !== 'object') return undefined;
  const failures = (payload as Record<string, unknown>).batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 'invalid';
  if (failures.length === 0) return undefined;
  const first = records[0];
  if (first === undefined) return undefined;
  const tp = topicPartitionKey(first.topic, first.partition);
  const offsets = new Set(records.map((r) => r.offset));
  let lowest: number | undefined;
  for (const failure of failures) {
    const parsed = parseItemIdentifier((failure as Record<string, unknown> | null)?.itemIdentifier);
    if (parsed === undefined || parsed.tp !== tp || !offsets.has(parsed.offset)) return 'invalid';
    lowest = lowest === undefined ? parsed.offset : Math.min(lowest, parsed.offset);
  }
  return lowest;
}

function lastOffset(records: readonly KafkaRecord[]): number {
  return (records[records.length - 1] as KafkaRecord).offset;
}

/** Delivers one partition's records (offset order, all already past the filter). */
export async function deliver(records: readonly KafkaRecord[], policy: DeliveryPolicy, hooks: DeliveryHooks): Promise<DeliveryOutcome> {
  const now = hooks.now ?? Date.now;
  const queue: Pending[] = records.length === 0 ? [] : [{ records, failures: 0, invocations: 0 }];
  let lastError: FunctionErrorPayload | undefined;
  while (queue.length > 0) {
    if (!hooks.isActive()) return 'aborted';
    const batch = queue[0] as Pending;
    // Sends records to the on-failure destination and commits past them, so the partition keeps flowing.
    const giveUp = async (
      given: readonly KafkaRecord[],
      condition: FailureCondition,
      { payloadSize = 0, requestId = randomUUID() }: { payloadSize?: number; requestId?: string } = {},
    ): Promise<void> => {
      await hooks.giveUp({ records: given, condition, invocations: batch.invocations, payloadSize, requestId, error: lastError });
      await hooks.commit(lastOffset(given) + 1);
    };
    if (policy.maxRecordAgeSeconds >= 0) {
      const oldest = now() - policy.maxRecordAgeSeconds * 1000;
      // Too old to deliver: the leading run of expired records is given up together.
      let cut = 0;
      while (cut < batch.records.length && (batch.records[cut] as KafkaRecord).timestamp < oldest) cut += 1;
      if (cut > 0) {
        await giveUp(batch.records.slice(0, cut), 'MaximumRecordAgeExceeded');
        batch.records = batch.records.slice(cut);
        if (batch.records.length === 0) {
          queue.shift();
          continue;
        }
      }
    }
    const event = hooks.encode(batch.records);
    const payloadSize = Buffer.byteLength(JSON.stringify(event));
    const result = await hooks.invoker.invoke(event);
    batch.invocations += 1;
    hooks.onInvoke?.(event, result);
    // The answer is acted on (committed) even when stopping: the work is done either way.
    await hooks.heartbeat();

    let failedFrom: number | 'invalid' | undefined;
    if (result.ok) {
      failedFrom = firstFailedOffset(result.payload, batch.records);
      if (failedFrom === undefined) {
        await hooks.commit(lastOffset(batch.records) + 1);
        queue.shift();
        continue;
      }
      lastError = {
        errorType: 'BatchItemFailures',
        errorMessage:
          failedFrom === 'invalid'
            ? 'the function answered batchItemFailures Lambda cannot read'
            : `the function reported offset ${failedFrom} as failed`,
      };
      if (typeof failedFrom === 'number') {
        // Everything before the first failed record is done; the retry starts at it.
        const from = failedFrom;
        if (from > (batch.records[0] as KafkaRecord).offset) await hooks.commit(from);
        batch.records = batch.records.filter((r) => r.offset >= from);
      }
    } else {
      lastError = result.error;
      if (policy.bisectOnError && batch.records.length > 1) {
        const half = Math.ceil(batch.records.length / 2);
        const halves = [batch.records.slice(0, half), batch.records.slice(half)];
        queue.splice(0, 1, ...halves.map((part) => ({ records: part, failures: batch.failures, invocations: 0 })));
        continue;
      }
    }
    batch.failures += 1;
    if (batch.failures > policy.retryAttempts) {
      await giveUp(batch.records, 'RetryAttemptsExhausted', { payloadSize, requestId: result.requestId });
      queue.shift();
      continue;
    }
    await hooks.backoff(batch.failures);
  }
  return 'delivered';
}
