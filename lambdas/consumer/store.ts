/**
 * The consumer's DynamoDB access: consistent batch reads of aggregates, one conditional put per
 * aggregate, and idempotent batch puts of dead letters and kept records. Every call is bounded:
 * unprocessed keys and items are retried with jittered exponential backoff a few times, then
 * reported back so the batch can answer them as failures instead of hanging.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AggregateItem } from '../../core/aggregate-item';
import type { PaneCountsItem } from '../../core/pane-counts';
import { backoffMs } from '../../core/backoff';

/** A table key. */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** An item to put, with its key. */
export type StoredItem = ItemKey & Readonly<Record<string, unknown>>;

/** The items written with a version condition: aggregates and pane key counts. */
export type VersionedItem = AggregateItem | PaneCountsItem;

/** Tuning of the store's retries. */
export interface ResultsStoreOptions {
  /** Attempts per batch call or conditional put before giving up. @default 5 */
  readonly maxAttempts?: number;
  /** Waits; tests pass one that does not. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random source for jitter. @default Math.random */
  readonly random?: () => number;
}

/** DynamoDB's limits on one BatchGetItem and one BatchWriteItem. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
/**
 * Record indexes claimed per UpdateItem: an update expression may be 4 KB at most
 * ("Expression parameters", Amazon DynamoDB Developer Guide, Service, account, and table quotas,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html); 100
 * terms `#nN = if_not_exists(#nN, :vN)` stay under 3.5 KB.
 */
export const CLAIMS_PER_UPDATE = 100;

/** The string form of a key, for maps and sets. */
export function keyId(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}

/** Error names DynamoDB and the SDK use for conditions that a later retry can clear. */
const TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether an error from DynamoDB is worth retrying later (throttling, timeouts, service errors). */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown }).$metadata;
  return (meta?.httpStatusCode ?? 0) >= 500 || (error as { $retryable?: unknown }).$retryable !== undefined;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** What a batch read or write left undone: the key ids (see {@link keyId}) never processed, and the error behind them, if any. */
export interface Unprocessed {
  readonly failed: ReadonlySet<string>;
  readonly error?: unknown;
}

/** The results table, as the consumer uses it. */
export class ResultsStore {
  private readonly maxAttempts: number;
  /** Waits before retry `attempt` (1-based): from 25 ms doubling to at most 1 s, with jitter in [50%, 100%]. */
  public readonly backoff: (attempt: number) => Promise<void>;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    { maxAttempts = 5, sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random = Math.random }: ResultsStoreOptions = {},
  ) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a whole number >= 1');
    this.maxAttempts = maxAttempts;
    this.backoff = (attempt) => sleep(backoffMs(attempt, { initialMs: 25, maxMs: 1000 }, random));
  }

  /**
   * Reads aggregates (and pane key counts) with strongly consistent reads, at most 100 keys per
   * call, retrying unprocessed keys. Keys never read are returned as failed rather than thrown.
   */
  public async readAggregates(keys: readonly ItemKey[]): Promise<Unprocessed & { readonly items: ReadonlyMap<string, VersionedItem> }> {
    const items = new Map<string, VersionedItem>();
    const outcome = await this.untilProcessed(chunks(keys, BATCH_GET_LIMIT), async (pending) => {
      const answer = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending.map(({ pk, sk }) => ({ pk, sk })), ConsistentRead: true } } }),
      );
      for (const item of answer.Responses?.[this.table] ?? []) items.set(keyId(item as VersionedItem), item as VersionedItem);
      return (answer.UnprocessedKeys?.[this.table]?.Keys ?? []) as ItemKey[];
    });
    return { items, ...outcome };
  }

  /** Reads one aggregate (or pane key counts) with a strongly consistent read. */
  public async getAggregate(key: ItemKey): Promise<VersionedItem | undefined> {
    const answer = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }));
    return answer.Item as VersionedItem | undefined;
  }

  /**
   * Writes an aggregate (or pane key counts) if nobody wrote it since it was read:
   * `expectedVersion` undefined means the item must not exist yet. Returns `'conflict'` when the
   * condition fails.
   */
  public async putAggregate(item: VersionedItem, expectedVersion: number | undefined): Promise<'written' | 'conflict'> {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: item, ...condition }));
      return 'written';
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'conflict';
      throw error;
    }
  }

  /**
   * Puts items that are idempotent by key (dead letters, kept records), at most 25 per call,
   * retrying unprocessed items. Items never written are returned as failed rather than thrown.
   * Two items with the same key in one call are collapsed into the last one (DynamoDB rejects
   * duplicates in one batch).
   */
  public async putAll(items: readonly StoredItem[]): Promise<Unprocessed & { readonly written: number }> {
    const unique = [...new Map(items.map((item) => [keyId(item), item])).values()];
    let written = 0;
    const outcome = await this.untilProcessed(chunks(unique, BATCH_WRITE_LIMIT), async (pending) => {
      const answer = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.table]: pending.map((item) => ({ PutRequest: { Item: item } })) } }),
      );
      const unprocessed = (answer.UnprocessedItems?.[this.table] ?? [])
        .map((request) => request.PutRequest?.Item as StoredItem | undefined)
        .filter((item): item is StoredItem => item !== undefined);
      written += pending.length - unprocessed.length;
      return unprocessed;
    });
    return { ...outcome, written };
  }

  /**
   * Sends each chunk, in parallel, and again what DynamoDB left unprocessed (or all of it after a
   * transient error), with backoff, at most `maxAttempts` times. What was never processed is
   * returned as failed, with the last error when one was thrown.
   */
  private async untilProcessed<T extends ItemKey>(
    batches: readonly (readonly T[])[],
    send: (pending: readonly T[]) => Promise<readonly T[]>,
  ): Promise<Unprocessed> {
    const failed = new Set<string>();
    let lastError: unknown;
    await Promise.all(
      batches.map(async (chunk) => {
        let pending = chunk;
        for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt += 1) {
          if (attempt > 1) await this.backoff(attempt - 1);
          try {
            pending = await send(pending);
          } catch (error) {
            lastError = error;
            if (!isTransientError(error)) break;
          }
        }
        for (const item of pending) failed.add(keyId(item));
      }),
    );
    return lastError === undefined || failed.size === 0 ? { failed } : { failed, error: lastError };
  }

  /**
   * Claims, for one keyed request, the copy of each record index a consumer counts: attribute
   * `i<index>` of the request's claim item is set to `position` unless it already holds one
   * (`if_not_exists`: atomic per item, so concurrent invocations agree), and the position each
   * index holds afterwards — this call's, or an earlier claim's — is returned. A claim is never
   * changed afterwards. At most {@link CLAIMS_PER_UPDATE} indexes per UpdateItem; transient
   * errors are retried with backoff, the last error is thrown.
   */
  public async claimCopies(key: ItemKey, wanted: ReadonlyMap<number, string>, expiresAt: number): Promise<Map<number, string>> {
    const held = new Map<number, string>();
    for (const chunk of chunks([...wanted], CLAIMS_PER_UPDATE)) {
      const names: Record<string, string> = { '#kind': 'kind', '#expiresAt': 'expiresAt' };
      const values: Record<string, unknown> = { ':kind': 'copyClaims', ':expiresAt': expiresAt };
      const terms = ['#kind = :kind', '#expiresAt = :expiresAt'];
      chunk.forEach(([index, position], n) => {
        names[`#n${n}`] = `i${index}`;
        values[`:v${n}`] = position;
        terms.push(`#n${n} = if_not_exists(#n${n}, :v${n})`);
      });
      const command = new UpdateCommand({
        TableName: this.table,
        Key: { pk: key.pk, sk: key.sk },
        UpdateExpression: `SET ${terms.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      let item: Record<string, unknown> | undefined;
      for (let attempt = 1; ; attempt += 1) {
        try {
          item = (await this.client.send(command)).Attributes;
          break;
        } catch (error) {
          if (!isTransientError(error) || attempt >= this.maxAttempts) throw error;
          await this.backoff(attempt);
        }
      }
      for (const [index] of chunk) {
        const position = item?.[`i${index}`];
        if (typeof position === 'string') held.set(index, position);
      }
    }
    return held;
  }
}
