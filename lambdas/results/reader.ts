/**
 * The results table as the results API reads it (layout: core/keys.ts): aggregates by
 * key (`AGG#consumer#key`, sorted by window start), aggregates of all keys by window (the
 * `byWindow` index, `WIN#consumer`), kept records (`REC#consumer`, by event time) and dead
 * letters (`DLQ#consumer`), and the pane key counts of keyed consumers (`RANK#consumer`, by pane
 * start). Every read is a Query, newest first where time orders the items.
 * A throttled or failing table is a 503/50302 the client may retry.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AggregateItem } from '../../core/aggregate-item';
import { ServiceUnavailableError } from '../../core/errors';
import { aggregateKey, BY_WINDOW_INDEX, paneCountsKey, sortableMillis } from '../../core/keys';
import { decodePaneCounts, type PaneCountsItem } from '../../core/pane-counts';
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

/** Reads the results table. */
export class ResultsReader {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async query<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<QueryPage<T>> {
    try {
      const answer = await this.client.send(new QueryCommand({ TableName: this.table, ...input }));
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
   * Each pane's on-time count per stored group key, for the given pane starts: what top-K and
   * trending rank. A consumer that keeps pane key counts (`counted`, core/pane-counts.ts) is read
   * from those items, one Query for all the panes; a pane whose item overflowed, and every pane of
   * a consumer that keeps none, from its aggregates (the `byWindow` index). A pane with nothing
   * stored counts no key.
   */
  public async paneCounts(consumer: string, paneStarts: readonly number[], counted: boolean): Promise<Map<number, Map<string, number>>> {
    const panes = new Map<number, Map<string, number>>(paneStarts.map((start) => [start, new Map()]));
    if (paneStarts.length === 0) return panes;
    let fromAggregates = [...paneStarts];
    if (counted) {
      fromAggregates = [];
      const { pk } = paneCountsKey(consumer, 0);
      const { lower, upper } = timeBounds(Math.min(...paneStarts), Math.max(...paneStarts) + 1);
      let cursor: CursorKey | undefined;
      do {
        const page = await this.query<PaneCountsItem>({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
          ExclusiveStartKey: cursor,
        });
        for (const item of page.items) {
          const pane = panes.get(item.paneStart);
          if (pane === undefined) continue;
          if (item.overflow === true) fromAggregates.push(item.paneStart);
          else for (const [key, count] of Object.entries(decodePaneCounts(item))) pane.set(key, count);
        }
        cursor = page.lastKey;
      } while (cursor !== undefined);
    }
    const { gsi1pk } = aggregateKey(consumer, '', 0);
    await Promise.all(
      fromAggregates.map(async (start) => {
        const pane = panes.get(start)!;
        for (const item of await this.aggregatesOfWindow(gsi1pk, start, Number.MAX_SAFE_INTEGER))
          if (item.count > 0) pane.set(item.groupKey, item.count);
      }),
    );
    return panes;
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
