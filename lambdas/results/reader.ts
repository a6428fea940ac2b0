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
