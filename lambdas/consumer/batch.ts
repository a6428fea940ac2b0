/**
 * One batch of Kafka records applied to a consumer's results with an exactly-once effect
 * (lambdas/consumer/README.md gives the argument): every record is classified; the aggregates it
 * touches are read once, each gets one conditional write holding only the records its
 * watermark has not seen; dead letters and kept records are put idempotently by key; and every
 * partition whose effects are not all stored is answered with its first unapplied offset.
 */
import { accumulate, applyContribution, expiresAtOf, type AggregateRef, type RecordContribution } from '../../core/aggregate';
import type { AggregateItem } from '../../core/aggregate-item';
import { mapLimit } from '../../core/concurrency';
import { aggregateKey, copyClaimKey, deadLetterKey, keptRecordKey, paneCountsKey } from '../../core/keys';
import { applyPaneCounts, keepsPaneCounts, type PaneCountEntry, type PaneCountsItem, type PaneRef } from '../../core/pane-counts';
import { parseRecordId, RECORD_ID_HEADER } from '../../core/record-id';
import { topicPartitionKey, type KafkaRecord } from '../../core/kafka-record';
import { classifyRecord, ingestTimeOf, type ConsumerPlan, type DeadLetterCause, type RecordOutcome } from './classify';
import { CLAIMS_PER_UPDATE, isTransientError, keyId, type ItemKey, type ResultsStore, type StoredItem, type VersionedItem } from './store';

/** Where a log line goes; Powertools' Logger fits. */
export interface BatchLog {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

/** What a batch needs besides its records. */
export interface BatchDeps {
  readonly plan: ConsumerPlan;
  readonly store: ResultsStore;
  readonly log: BatchLog;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Conditional-write attempts per aggregate before it is answered as failed. @default 5 */
  readonly maxConflictAttempts?: number;
  /** Per-record log lines per batch (dead letters, failures); the rest are counted only. @default 10 */
  readonly maxRecordLogs?: number;
}

/** A record whose effect is not fully stored: where the event source mapping must resume. */
export interface UnappliedRecord {
  /** `"topic-partition"`. */
  readonly topicPartition: string;
  readonly offset: number;
}

/** Counts of one batch, for metrics. */
export interface BatchCounts {
  /** Records in the batch. */
  recordsIn: number;
  /** Records that did not pass the consumer's filters. */
  filteredOut: number;
  /** Records counted in a window (on time), whether applied now or by an earlier delivery. */
  aggregated: number;
  /** Records counted in a window's `late` figure. */
  late: number;
  /** Dead letters stored. */
  deadLettered: number;
  /** Items written to DynamoDB (aggregates, dead letters, kept records). */
  writes: number;
  /** Aggregate contributions skipped because the item's watermark already covered them. */
  alreadyApplied: number;
  /** Conditional writes that lost a race and were recomputed. */
  conflicts: number;
  /** Records skipped because another copy of their `fluxo-record-id` is the one counted. */
  duplicates: number;
}

/** The outcome of one batch. */
export interface BatchResult {
  /** The first unapplied record of each partition that has one, lowest offset. */
  readonly unapplied: readonly UnappliedRecord[];
  readonly counts: BatchCounts;
}

/** Claims and aggregates written at the same time. */
const WRITE_CONCURRENCY = 16;
/** Largest dead-letter value kept, in bytes before base64: far under DynamoDB's 400 KB item limit. */
export const MAX_DEAD_LETTER_VALUE_BYTES = 64 * 1024;
/** Largest kept-record value stored as an attribute, in bytes of JSON text; larger ones are stored without it. */
export const MAX_KEPT_VALUE_BYTES = 300 * 1024;

interface PendingAggregate {
  readonly key: ItemKey;
  readonly ref: AggregateRef;
  readonly contributions: RecordContribution[];
}

interface PendingPaneCounts {
  readonly key: ItemKey;
  readonly ref: PaneRef;
  readonly entries: PaneCountEntry[];
}

/** One conditional write of a versioned item: what it holds, and the item it makes of the current one. */
interface VersionedWrite {
  readonly key: ItemKey;
  /** Positions of the records it holds: answered as unapplied when it cannot be written. */
  readonly positions: ReadonlyArray<{ readonly tp: string; readonly off: number }>;
  readonly label: 'aggregate' | 'pane counts';
  /** Records it holds that the `alreadyApplied` figure counts when its watermark covers them: an aggregate's contributions; none for pane counts. */
  readonly counted: number;
  /** The item to write after `current`, and how many of the counted records were new; undefined when none was. */
  next(current: VersionedItem | undefined): { item: VersionedItem; applied: number } | undefined;
}

/** Builds the dead-letter item of a record (idempotent by position). */
export function deadLetterItem(
  record: KafkaRecord,
  consumer: string,
  cause: DeadLetterCause,
  now: number,
  retentionDays: number,
): StoredItem {
  const { reason, detail, form, writer } = cause;
  const raw = record.raw.value;
  return {
    ...deadLetterKey(consumer, record.topic, record.partition, record.offset),
    kind: 'deadLetter',
    consumer,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    reason,
    error: detail.slice(0, 1024),
    form,
    writer,
    key: record.key?.slice(0, 1024),
    value: raw?.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES).toString('base64'),
    valueBytes: raw?.length ?? 0,
    valueTruncated: (raw?.length ?? 0) > MAX_DEAD_LETTER_VALUE_BYTES,
    deadLetteredAt: now,
    expiresAt: expiresAtOf(now, retentionDays),
  };
}

// DynamoDB numbers span 1E-130 to 1E+126 in magnitude; a JSON value outside cannot be stored as a map.
function storableAsMap(value: unknown): boolean {
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    return magnitude === 0 || (magnitude >= 1e-128 && magnitude < 1e125);
  }
  if (Array.isArray(value)) return value.every(storableAsMap);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(storableAsMap);
  return true;
}

/** What a kept record holds besides its position: the canonical value and where it came from. */
export type KeptRecord = Pick<Extract<RecordOutcome, { kind: 'aggregate' }>, 'value' | 'form' | 'writer' | 'eventTime' | 'expiresAt'>;

/**
 * Builds the kept-record item of a matching record (idempotent by event time and position). The
 * canonical value is stored as a map (a string on a text topic), with the form and writer of the
 * value as written; when it is too large, or holds numbers DynamoDB cannot store, it is kept as
 * its JSON text (`valueJson`) or, beyond {@link MAX_KEPT_VALUE_BYTES}, left out.
 */
export function keptRecordItem(record: KafkaRecord, consumer: string, kept: KeptRecord): StoredItem {
  const { value, form, writer, eventTime, expiresAt } = kept;
  const bytes = record.raw.value?.length ?? 0;
  const base = {
    ...keptRecordKey(consumer, eventTime, record.topic, record.partition, record.offset),
    kind: 'record',
    consumer,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    eventTime,
    key: record.key?.slice(0, 1024),
    form,
    writer,
    expiresAt,
  };
  if (bytes > MAX_KEPT_VALUE_BYTES) return { ...base, valueBytes: bytes, valueOmitted: true };
  if (!storableAsMap(value)) return { ...base, valueJson: JSON.stringify(value) };
  return { ...base, value };
}

/** What {@link resolveCopies} decided for a batch's records that carry a record id. */
interface CopyDecisions {
  /** Copies that are not the counted one: skipped. */
  readonly skip: ReadonlySet<KafkaRecord>;
  /** Per partition, the first offset whose claim could not be stored: it and every later record of the partition are unapplied. */
  readonly stopAt: ReadonlyMap<string, number>;
  /** Claim items written. */
  readonly writes: number;
}

/**
 * Decides which copy of each record id counts, before anything is aggregated: per request, the
 * batch's first copy of each index is claimed with one `if_not_exists` update (the claim item
 * is kept `retentionDays`), and a record counts only if the claim holds its own position. Claims
 * never change, so every delivery of a record decides the same.
 */
async function resolveCopies(
  records: readonly KafkaRecord[],
  deps: BatchDeps,
  now: number,
  onError: (error: unknown, requestId: string) => void,
): Promise<CopyDecisions> {
  const { plan, store } = deps;
  const byRequest = new Map<string, Array<{ record: KafkaRecord; index: number; position: string }>>();
  for (const record of records) {
    const id = parseRecordId(record.headers[RECORD_ID_HEADER]);
    if (id === undefined) continue;
    const copies = byRequest.get(id.request) ?? [];
    copies.push({ record, index: id.index, position: `${topicPartitionKey(record.topic, record.partition)}@${record.offset}` });
    byRequest.set(id.request, copies);
  }
  const skip = new Set<KafkaRecord>();
  const stopAt = new Map<string, number>();
  let writes = 0;
  const expiresAt = expiresAtOf(now, plan.consumer.retentionDays);
  await mapLimit([...byRequest], WRITE_CONCURRENCY, async ([requestId, copies]) => {
    const wanted = new Map<number, string>();
    for (const copy of copies) if (!wanted.has(copy.index)) wanted.set(copy.index, copy.position);
    let held: Map<number, string>;
    try {
      held = await store.claimCopies(copyClaimKey(plan.consumer.name, requestId), wanted, expiresAt);
      writes += Math.ceil(wanted.size / CLAIMS_PER_UPDATE);
    } catch (error) {
      onError(error, requestId);
      for (const { record } of copies) {
        const tp = topicPartitionKey(record.topic, record.partition);
        stopAt.set(tp, Math.min(stopAt.get(tp) ?? Infinity, record.offset));
      }
      return;
    }
    for (const copy of copies) if (held.get(copy.index) !== copy.position) skip.add(copy.record);
  });
  return { skip, stopAt, writes };
}

/**
 * Applies a batch of records (from one invocation) to the consumer's results. Never throws for
 * a record or a DynamoDB failure: what could not be stored is returned as the first unapplied
 * offset per partition, to be answered as `batchItemFailures`.
 */
export async function processBatch(records: readonly KafkaRecord[], deps: BatchDeps): Promise<BatchResult> {
  const { plan, store, log } = deps;
  const { consumer } = plan;
  const now = (deps.now ?? Date.now)();
  // Per-record log lines are bounded, so that one bad batch cannot flood the logs; the rest are counted.
  const maxRecordLogs = deps.maxRecordLogs ?? 10;
  let recordLogs = 0;
  const logRecord = (level: 'warn' | 'error', message: string, extra: Record<string, unknown>): void => {
    recordLogs += 1;
    if (recordLogs <= maxRecordLogs) log[level](message, extra);
  };
  const counts: BatchCounts = {
    recordsIn: records.length,
    filteredOut: 0,
    aggregated: 0,
    late: 0,
    deadLettered: 0,
    writes: 0,
    alreadyApplied: 0,
    conflicts: 0,
    duplicates: 0,
  };
  // Records whose effect may not be stored, by position; the lowest offset per partition is answered.
  const unapplied = new Map<string, number>();
  const markUnapplied = (tp: string, offset: number): void => {
    const current = unapplied.get(tp);
    if (current === undefined || offset < current) unapplied.set(tp, offset);
  };

  const aggregates = new Map<string, PendingAggregate>();
  const paneCounts = new Map<number, PendingPaneCounts>();
  const countsPanes = keepsPaneCounts(consumer.groupBy);
  const puts: StoredItem[] = [];
  const putOwners = new Map<string, Array<{ tp: string; offset: number; deadLetter: boolean }>>();
  const addPut = (item: StoredItem, record: KafkaRecord, deadLetter: boolean): void => {
    puts.push(item);
    const owners = putOwners.get(keyId(item)) ?? [];
    owners.push({ tp: topicPartitionKey(record.topic, record.partition), offset: record.offset, deadLetter });
    putOwners.set(keyId(item), owners);
  };

  const copies = await resolveCopies(records, deps, now, (error, requestId) =>
    logRecord('error', 'copy claim failed', { requestId, transient: isTransientError(error), error: describeError(error) }),
  );
  counts.writes += copies.writes;

  for (const record of records) {
    const tp = topicPartitionKey(record.topic, record.partition);
    const stop = copies.stopAt.get(tp);
    if (stop !== undefined && record.offset >= stop) {
      // Nothing at or past an undecided copy is applied: the partition resumes there.
      markUnapplied(tp, record.offset);
      continue;
    }
    if (copies.skip.has(record)) {
      counts.duplicates += 1;
      continue;
    }
    const outcome = classifyRecord(record, plan);
    const position = { topic: record.topic, partition: record.partition, offset: record.offset };
    switch (outcome.kind) {
      case 'filtered':
        counts.filteredOut += 1;
        break;
      case 'dead': {
        const { reason, detail, form, writer } = outcome;
        logRecord('warn', 'record dead-lettered', { ...position, reason, detail, form, writer });
        addPut(deadLetterItem(record, consumer.name, outcome, now, consumer.retentionDays), record, true);
        break;
      }
      case 'aggregate':
        if (outcome.late) {
          counts.late += 1;
          logRecord('warn', 'record counted late', {
            ...position,
            eventTime: outcome.eventTime,
            ingestTime: ingestTimeOf(record),
            windowEnd: outcome.window.end,
          });
        } else {
          counts.aggregated += 1;
        }
        for (const { ref, contribution } of outcome.touches) {
          const key = aggregateKey(ref.consumer, ref.groupKey, ref.window.start);
          const id = keyId(key);
          const pending = aggregates.get(id) ?? { key: { pk: key.pk, sk: key.sk }, ref, contributions: [] };
          pending.contributions.push(contribution);
          aggregates.set(id, pending);
          if (countsPanes && !outcome.late) {
            const pane = ref.window;
            const counts = paneCounts.get(pane.start) ?? {
              key: paneCountsKey(consumer.name, pane.start),
              ref: { consumer: consumer.name, start: pane.start, end: pane.end, expiresAt: ref.expiresAt },
              entries: [],
            };
            counts.entries.push({ groupKey: ref.groupKey, tp: contribution.tp, off: contribution.off });
            paneCounts.set(pane.start, counts);
          }
        }
        if (consumer.keepRecords) {
          addPut(keptRecordItem(record, consumer.name, outcome), record, false);
        }
        break;
    }
  }

  const failWrite = (write: VersionedWrite, error: unknown, message: string): void => {
    for (const p of write.positions) markUnapplied(p.tp, p.off);
    logRecord('error', message, { ...write.key, transient: isTransientError(error), error: describeError(error) });
  };

  const aggregateWrites: VersionedWrite[] = [...aggregates.values()].map((pending) => ({
    key: pending.key,
    positions: pending.contributions,
    label: 'aggregate',
    counted: pending.contributions.length,
    next: (current) => {
      const aggregate = current as AggregateItem | undefined;
      const contribution = accumulate(pending.contributions, aggregate?.wm ?? {});
      if (contribution === undefined) return undefined;
      return { item: applyContribution(aggregate, pending.ref, contribution), applied: contribution.records };
    },
  }));
  const paneCountWrites: VersionedWrite[] = [...paneCounts.values()].map((pending) => ({
    key: pending.key,
    positions: pending.entries,
    label: 'pane counts',
    counted: 0,
    next: (current) => {
      const item = applyPaneCounts(current as PaneCountsItem | undefined, pending.ref, pending.entries);
      return item === undefined ? undefined : { item, applied: 0 };
    },
  }));

  /**
   * Each item read once (consistent), then one conditional write holding only what its watermark
   * has not seen; a lost race re-reads it and tries again. Aggregates count their skipped records.
   */
  const writeVersioned = async (): Promise<void> => {
    const writes = [...aggregateWrites, ...paneCountWrites];
    if (writes.length === 0) return;
    const read = await store.readAggregates(writes.map((w) => w.key));
    const maxAttempts = deps.maxConflictAttempts ?? 5;
    await mapLimit(writes, WRITE_CONCURRENCY, async (write) => {
      const id = keyId(write.key);
      if (read.failed.has(id)) {
        failWrite(write, read.error, `${write.label} read failed`);
        return;
      }
      let current = read.items.get(id);
      for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
        try {
          if (attempt > 1) {
            await store.backoff(attempt - 1);
            current = await store.getAggregate(write.key);
          }
          const next = write.next(current);
          if (next === undefined) {
            counts.alreadyApplied += write.counted;
            return;
          }
          if ((await store.putAggregate(next.item, current?.version)) === 'written') {
            counts.writes += 1;
            counts.alreadyApplied += write.counted - next.applied;
            return;
          }
          counts.conflicts += 1;
        } catch (error) {
          failWrite(write, error, `${write.label} write failed`);
          return;
        }
      }
      failWrite(write, undefined, `${write.label} write kept conflicting after ${maxAttempts} attempts`);
    });
  };

  const writePuts = async (): Promise<void> => {
    if (puts.length === 0) return;
    const result = await store.putAll(puts);
    counts.writes += result.written;
    for (const [id, owners] of putOwners) {
      const failed = result.failed.has(id);
      for (const owner of owners) {
        if (failed) markUnapplied(owner.tp, owner.offset);
        else if (owner.deadLetter) counts.deadLettered += 1;
      }
      if (failed)
        logRecord('error', 'put failed', {
          items: owners.length,
          transient: isTransientError(result.error),
          error: describeError(result.error),
        });
    }
  };

  await Promise.all([writeVersioned(), writePuts()]);

  const answer = [...unapplied]
    .map(([topicPartition, offset]) => ({ topicPartition, offset }))
    .sort((a, b) => (a.topicPartition < b.topicPartition ? -1 : 1));
  log.info('batch applied', { ...counts, unapplied: answer, suppressedLogLines: Math.max(0, recordLogs - maxRecordLogs) });
  return { unapplied: answer, counts };
}

function describeError(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
