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
import { mapLimit } from '../../core/concurrency';
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

/** DynamoDB errors worth retrying later (besides any 5xx). */
const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

/** What one call of the reader read: Query requests, items, and the read capacity units DynamoDB reported consumed. */
export interface ReadCost {
  readonly queries: number;
  readonly items: number;
  /** Sum of `ConsumedCapacity.CapacityUnits` over the requests (0 where the table reports none). */
  readonly readUnits: number;
}

/** Options of a {@link ResultsReader}. */
export interface ResultsReaderOptions {
  /** Hears what each multi-request read (aggregatesOfKeys, paneCounts) cost (the bench measures reads per query with it). */
  readonly onRead?: (cost: ReadCost) => void;
}

/** A {@link ReadCost} being counted. */
type ReadTally = { -readonly [K in keyof ReadCost]: number };

/** Queries of one multi-pane read in flight at once. */
const READ_CONCURRENCY = 16;

/** Reads the results table. */
export class ResultsReader {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: ResultsReaderOptions = {},
  ) {}

  /** One Query; with `cost`, it asks for the consumed capacity and is counted there. A throttled or failing table is a 503/50302. */
  private async query<T>(input: Omit<QueryCommandInput, 'TableName'>, cost?: ReadTally): Promise<QueryPage<T>> {
    try {
      const answer = await this.client.send(
        new QueryCommand({ TableName: this.table, ...input, ...(cost === undefined ? {} : { ReturnConsumedCapacity: 'TOTAL' }) }),
      );
      const items = (answer.Items ?? []) as T[];
      if (cost !== undefined) {
        cost.queries += 1;
        cost.items += items.length;
        cost.readUnits += answer.ConsumedCapacity?.CapacityUnits ?? 0;
      }
      return answer.LastEvaluatedKey === undefined ? { items } : { items, lastKey: answer.LastEvaluatedKey as CursorKey };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ?? 0;
      if (error instanceof Error && (TRANSIENT.has(error.name) || status >= 500))
        throw new ServiceUnavailableError('the results table cannot be read now', { code: 50302, cause: error });
      throw error;
    }
  }

  /** The items of every page of a Query, in order, until at least `maxItems` are read. */
  private async queryAll<T>(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    cost?: ReadTally,
    maxItems = Infinity,
  ): Promise<T[]> {
    const items: T[] = [];
    let cursor: CursorKey | undefined;
    do {
      const page = await this.query<T>({ ...input, ExclusiveStartKey: cursor }, cost);
      items.push(...page.items);
      // A paged read must move on: a next key equal to the one sent would read the same page forever.
      if (page.lastKey !== undefined && cursor !== undefined && JSON.stringify(page.lastKey) === JSON.stringify(cursor))
        throw new Error(`the table answered the key it was given as the next one (${JSON.stringify(cursor)}): the read would not end`);
      cursor = page.lastKey;
    } while (cursor !== undefined && items.length < maxItems);
    return items;
  }

  /**
   * The aggregates of several stored group keys (`pks`, their `AGG#` partitions) with window start
   * in `[fromStart, to)`, at most `limit` each: one Query per key, up to 16 at once; in
   * the order of `pks`.
   */
  public async aggregatesOfKeys(pks: readonly string[], fromStart: number, to: number, limit: number): Promise<AggregateItem[][]> {
    const cost = { readUnits: 0, queries: 0, items: 0 };
    const found = await mapLimit(pks, READ_CONCURRENCY, async (pk) => [
      ...(await this.byTime<AggregateItem>({ pk }, fromStart, to, limit, undefined, cost)).items,
    ]);
    if (pks.length > 0) this.options.onRead?.(cost);
    return found;
  }

  /** Every aggregate of one window (all keys), reading page after page up to `maxItems`. */
  public async aggregatesOfWindow(gsi1pk: string, windowStart: number, maxItems: number): Promise<AggregateItem[]> {
    const items = await this.queryAll<AggregateItem>(
      {
        IndexName: BY_WINDOW_INDEX.name,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :window)',
        ExpressionAttributeValues: { ':pk': gsi1pk, ':window': `${sortableMillis(windowStart)}#` },
      },
      undefined,
      maxItems,
    );
    return items.slice(0, maxItems);
  }

  /**
   * Each pane's on-time count per stored group key, for the given pane starts: what top-K and
   * trending rank. A consumer that keeps pane key counts (`counted`, core/pane-counts.ts) is read
   * from those items, one Query for all the panes; a pane whose item overflowed, and every pane of
   * a consumer that keeps none, from its aggregates (one Query per pane on the `byWindow` index,
   * `begins_with(gsi1sk, "<pane start>#")`, counts only, up to 16 at once). A pane
   * with nothing stored counts no key.
   */
  public async paneCounts(consumer: string, paneStarts: readonly number[], counted: boolean): Promise<Map<number, Map<string, number>>> {
    const panes = new Map<number, Map<string, number>>(paneStarts.map((start) => [start, new Map()]));
    if (paneStarts.length === 0) return panes;
    const cost = { readUnits: 0, queries: 0, items: 0 };
    const fromAggregates = counted ? [] : [...paneStarts];
    if (counted) {
      const { pk } = paneCountsKey(consumer, 0);
      const { lower, upper } = timeBounds(Math.min(...paneStarts), Math.max(...paneStarts) + 1);
      const items = await this.queryAll<PaneCountsItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
        },
        cost,
      );
      for (const item of items) {
        const pane = panes.get(item.paneStart);
        if (pane === undefined) continue;
        if (item.overflow === true) fromAggregates.push(item.paneStart);
        else for (const [key, count] of Object.entries(decodePaneCounts(item))) pane.set(key, count);
      }
    }
    const { gsi1pk } = aggregateKey(consumer, '', 0);
    const names = { '#a0': 'groupKey', '#a1': 'windowStart', '#a2': 'count' };
    const read = await mapLimit(fromAggregates, READ_CONCURRENCY, (start) =>
      this.queryAll<AggregateItem>(
        {
          IndexName: BY_WINDOW_INDEX.name,
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pane)',
          ExpressionAttributeValues: { ':pk': gsi1pk, ':pane': `${sortableMillis(start)}#` },
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
        },
        cost,
      ),
    );
    for (const item of read.flat()) {
      if (item.count > 0) panes.get(item.windowStart)?.set(item.groupKey, item.count);
    }
    this.options.onRead?.(cost);
    return panes;
  }

  /**
   * Items of a partition whose sort key starts with a time in `[from, to)`, newest first: a `pk` of
   * the table (aggregates of one key, kept records) or a `gsi1pk` of the `byWindow` index
   * (aggregates of every key of a consumer, by window start). With `cost`, counted there.
   */
  public byTime<T>(
    partition: { readonly pk: string } | { readonly gsi1pk: string },
    from: number,
    to: number,
    limit: number,
    cursor?: CursorKey,
    cost?: ReadTally,
  ): Promise<QueryPage<T>> {
    const { lower, upper } = timeBounds(from, to);
    const byWindow = 'gsi1pk' in partition;
    return this.query(
      {
        ...(byWindow ? { IndexName: BY_WINDOW_INDEX.name } : {}),
        KeyConditionExpression: byWindow
          ? 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper'
          : 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: { ':pk': byWindow ? partition.gsi1pk : partition.pk, ':lower': lower, ':upper': upper },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: cursor,
      },
      cost,
    );
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
