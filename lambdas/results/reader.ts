/**
 * The results table as the results API reads it (layout: core/keys.ts): aggregates by
 * key (`AGG#consumer#key`, sorted by window start), aggregates of all keys by window (the
 * `byWindow` index, `WIN#consumer`), kept records (`REC#consumer`, by event time) and dead
 * letters (`DLQ#consumer`). Every read is a Query, newest first where time orders the items.
 * A throttled or failing table is a 503/50302 the client may retry.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AggregateItem } from '../../core/aggregate-item';
import { ServiceUnavailableError } from '../../core/errors';
import { BY_WINDOW_INDEX, sortableMillis } from '../../core/keys';
import type { CursorKey } from './query';

/** One page of a Query: the items and DynamoDB's LastEvaluatedKey. */
export interface QueryPage<T> {
  readonly items: readonly T[];
  readonly lastKey?: CursorKey;
}

/** Sort-key bounds of a time range on keys that start with a sortable time. */
export function timeBounds(from: number, to: number): { lower: string; upper: string } {
  // `$` sorts right after `#`, so the upper bound covers every key of the last millisecond.
  return { lower: sortableMillis(from), upper: `${sortableMillis(to - 1)}$` };
}

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** Whether a DynamoDB error is worth retrying later. */
export function isTransientReadError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return TRANSIENT.has(error.name) || status >= 500;
}

/** What one call of the reader read: Query requests, items, and the read capacity units DynamoDB reported consumed. */
export interface ReadCost {
  readonly queries: number;
  readonly items: number;
  /** Sum of `ConsumedCapacity.CapacityUnits` over the requests (0 where the table reports none). */
  readonly readUnits: number;
}

/** Options of a {@link ResultsReader}. */
export interface ResultsReaderOptions {
  /** Queries of one multi-pane read in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Hears what each multi-pane read cost (the bench measures reads per query with it). */
  readonly onRead?: (cost: ReadCost) => void;
}

/** The attributes of an aggregate the hopping-window reads need, besides the keys. */
export type PaneAttribute = 'groupKey' | 'windowStart' | 'windowEnd' | 'count' | 'late' | 'fields';

/** Reads the results table. */
export class ResultsReader {
  private readonly concurrency: number;
  private readonly onRead: ((cost: ReadCost) => void) | undefined;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    { concurrency = 16, onRead }: ResultsReaderOptions = {},
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be a whole number >= 1 (got ${concurrency})`);
    this.concurrency = concurrency;
    this.onRead = onRead;
  }

  private async query<T>(input: Omit<QueryCommandInput, 'TableName'>, cost?: { readUnits: number }): Promise<QueryPage<T>> {
    try {
      const answer = await this.client.send(new QueryCommand({ TableName: this.table, ...input }));
      if (cost !== undefined) cost.readUnits += answer.ConsumedCapacity?.CapacityUnits ?? 0;
      const items = (answer.Items ?? []) as T[];
      return answer.LastEvaluatedKey === undefined ? { items } : { items, lastKey: answer.LastEvaluatedKey as CursorKey };
    } catch (error) {
      if (isTransientReadError(error))
        throw new ServiceUnavailableError('the results table cannot be read now', { code: 50302, cause: error });
      throw error;
    }
  }

  /** Aggregates of one stored group key with window start in `[fromStart, to)`, newest first. */
  public aggregatesOfKey(pk: string, fromStart: number, to: number, limit: number, cursor?: CursorKey): Promise<QueryPage<AggregateItem>> {
    return this.byTime<AggregateItem>(pk, fromStart, to, limit, cursor);
  }

  /** Aggregates of every key of a consumer with window start in `[fromStart, to)`, newest window first. */
  public aggregatesByWindow(
    gsi1pk: string,
    fromStart: number,
    to: number,
    limit: number,
    cursor?: CursorKey,
  ): Promise<QueryPage<AggregateItem>> {
    const { lower, upper } = timeBounds(fromStart, to);
    return this.query({
      IndexName: BY_WINDOW_INDEX.name,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': gsi1pk, ':lower': lower, ':upper': upper },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor,
    });
  }

  /** Every aggregate of one window (all keys), reading page after page up to `maxItems`. */
  public async aggregatesOfWindow(gsi1pk: string, windowStart: number, maxItems: number): Promise<AggregateItem[]> {
    const items: AggregateItem[] = [];
    let cursor: CursorKey | undefined;
    do {
      const page = await this.query<AggregateItem>({
        IndexName: BY_WINDOW_INDEX.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :window)',
        ExpressionAttributeValues: { ':pk': gsi1pk, ':window': `${sortableMillis(windowStart)}#` },
        ExclusiveStartKey: cursor,
      });
      items.push(...page.items);
      cursor = page.lastKey;
    } while (cursor !== undefined && items.length < maxItems);
    return items.slice(0, maxItems);
  }

  /**
   * Every aggregate of the given panes (all keys), as the hopping-window reads need them: one
   * Query per pane on the byWindow index (`begins_with(gsi1sk, "<pane start>#")`), every page,
   * up to `concurrency` at once, reading only `attributes`. Items come pane by pane, in the order
   * of `paneStarts`.
   */
  public async aggregatesOfPanes(
    gsi1pk: string,
    paneStarts: readonly number[],
    attributes: readonly PaneAttribute[],
  ): Promise<Pick<AggregateItem, PaneAttribute>[]> {
    const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
    const cost = { readUnits: 0, queries: 0 };
    const readPane = async (start: number): Promise<AggregateItem[]> => {
      const items: AggregateItem[] = [];
      let cursor: CursorKey | undefined;
      do {
        cost.queries += 1;
        const page = await this.query<AggregateItem>(
          {
            IndexName: BY_WINDOW_INDEX.name,
            KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pane)',
            ExpressionAttributeValues: { ':pk': gsi1pk, ':pane': `${sortableMillis(start)}#` },
            ProjectionExpression: Object.keys(names).join(', '),
            ExpressionAttributeNames: names,
            ExclusiveStartKey: cursor,
            ReturnConsumedCapacity: 'TOTAL',
          },
          cost,
        );
        items.push(...page.items);
        if (page.lastKey !== undefined && cursor !== undefined && JSON.stringify(page.lastKey) === JSON.stringify(cursor)) {
          throw new Error(
            `the byWindow index answered the key it was given as the next one (${JSON.stringify(cursor)}): the read would not end`,
          );
        }
        cursor = page.lastKey;
      } while (cursor !== undefined);
      return items;
    };
    const panes: AggregateItem[][] = new Array<AggregateItem[]>(paneStarts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paneStarts.length) {
        const index = next++;
        panes[index] = await readPane(paneStarts[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, paneStarts.length) }, worker));
    const items = panes.flat();
    this.onRead?.({ queries: cost.queries, items: items.length, readUnits: cost.readUnits });
    return items;
  }

  /** Items of a partition whose sort key starts with a time in `[from, to)`, newest first (kept records). */
  public byTime<T>(pk: string, from: number, to: number, limit: number, cursor?: CursorKey): Promise<QueryPage<T>> {
    const { lower, upper } = timeBounds(from, to);
    return this.query({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor,
    });
  }

  /** Items of a partition in sort-key order (dead letters: by topic, partition, offset). */
  public all<T>(pk: string, limit: number, cursor?: CursorKey): Promise<QueryPage<T>> {
    return this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: limit,
      ExclusiveStartKey: cursor,
    });
  }
}
