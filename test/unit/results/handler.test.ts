import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createResultsHandler, handler } from '../../../lambdas/results/index';
import { encodeCursor } from '../../../lambdas/results/query';
import { ResultsReader, type ResultsReaderOptions } from '../../../lambdas/results/reader';
import type { AggregateItem, FieldState } from '../../../core/aggregate-item';
import { aggregateKey, deadLetterKey, keptRecordKey } from '../../../core/keys';
import { applyPaneCounts } from '../../../core/pane-counts';
import { pipeline } from '../../../pipeline';
import { apigwEvent } from '../../events/apigw/load';

const documents = mockClient(DynamoDBDocumentClient);
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const MINUTE = 60_000;

afterEach(() => {
  documents.reset();
});

/** The results handler reading table results through the mocked client, with the clock and read-cost listener given. */
function resultsHandler(now?: () => number, onRead?: ResultsReaderOptions['onRead']) {
  return createResultsHandler({
    spec: pipeline,
    reader: new ResultsReader(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })), 'results', { onRead }),
    logger: new Logger({ logLevel: 'SILENT' }),
    ...(now === undefined ? {} : { now }),
  });
}

const results = resultsHandler();

function field(values: number[]): FieldState {
  const first = { v: values[0], t: T0, tp: 'health-0', off: 0 };
  const last = { v: values[values.length - 1], t: T0 + 1, tp: 'health-0', off: values.length - 1 };
  return { n: values.length, sum: values.reduce((a, b) => a + b, 0), min: Math.min(...values), max: Math.max(...values), first, last };
}

function aggregate(
  consumer: string,
  groupKey: string,
  windowStart: number,
  count: number,
  fields: Record<string, FieldState> = {},
): AggregateItem {
  return {
    ...aggregateKey(consumer, groupKey, windowStart),
    consumer,
    groupKey,
    windowStart,
    windowEnd: windowStart + MINUTE,
    count,
    late: 0,
    fields,
    wm: { 'health-0': 10 },
    version: 1,
    expiresAt: 2_000_000_000,
  };
}

function get(
  resource: string,
  path: string,
  pathParameters: Record<string, string> | null,
  query: Record<string, string> | null = null,
): APIGatewayProxyEvent {
  return apigwEvent('get-results', { resource, path, pathParameters, queryStringParameters: query, multiValueQueryStringParameters: null });
}

const resultsOf = (consumer: string, query: Record<string, string> | null = null) =>
  get('/results/{consumer}', `/results/${consumer}`, { consumer }, query);

function body(answer: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(answer.body) as Record<string, unknown>;
}

function queryInput(call = 0): Record<string, unknown> {
  return documents.commandCalls(QueryCommand)[call].args[0].input as Record<string, unknown>;
}

describe('GET /results/{consumer}', () => {
  it('answers the fixture request with aggregates newest window first, ISO bounds and named measures', async () => {
    // Prepare
    const newer = aggregate('peso-acima-80', 'all', T0 + MINUTE, 2, { peso: field([90, 100]), imc: field([35, 37]) });
    const older = aggregate('peso-acima-80', 'all', T0, 1, { peso: field([81]), imc: field([30]) });
    documents.on(QueryCommand).resolves({ Items: [newer, older] });

    // Act
    const answer = await results(apigwEvent('get-results'));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(body(answer)).toEqual({
      consumer: 'peso-acima-80',
      items: [
        {
          key: 'all',
          windowStart: '2026-11-22T10:01:00.000Z',
          windowEnd: '2026-11-22T10:02:00.000Z',
          count: 2,
          late: 0,
          measures: { avg_peso: 95, avg_imc: 36, max_peso: 100 },
        },
        {
          key: 'all',
          windowStart: '2026-11-22T10:00:00.000Z',
          windowEnd: '2026-11-22T10:01:00.000Z',
          count: 1,
          late: 0,
          measures: { avg_peso: 81, avg_imc: 30, max_peso: 81 },
        },
      ],
    });
    expect(queryInput()).toMatchObject({
      TableName: 'results',
      IndexName: 'byWindow',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': 'WIN#peso-acima-80', ':lower': '000000000000000', ':upper': '999999999999998$' },
      ScanIndexForward: false,
      Limit: 10,
    });
  });

  it('reads one group key from its own partition, escaping # in the key', async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [aggregate('hashtags-5m', 'c%23', T0, 4)] });

    // Act
    const answer = await results(resultsOf('hashtags-5m', { key: 'c#' }));

    // Assess
    expect(body(answer).items).toEqual([expect.objectContaining({ key: 'c#', count: 4, measures: {} })]);
    expect(queryInput()).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': 'AGG#hashtags-5m#c%23' },
    });
    expect(queryInput()).not.toHaveProperty('IndexName');
  });

  it('answers no items, reading nothing, when from is not before to', async () => {
    // Act
    const answer = await results(resultsOf('ohlc-1m', { from: String(T0), to: String(T0 - 1) }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(body(answer)).toEqual({ consumer: 'ohlc-1m', items: [] });
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('selects windows overlapping [from, to): from is aligned down to its window start', async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [] });

    // Act
    const answer = await results(resultsOf('ohlc-1m', { from: '2026-11-22T10:00:30Z', to: String(T0 + 5 * MINUTE), key: 'petr4' }));

    // Assess
    expect(body(answer)).toEqual({ consumer: 'ohlc-1m', items: [] });
    expect(queryInput().ExpressionAttributeValues).toEqual({
      ':pk': 'AGG#ohlc-1m#petr4',
      ':lower': `00${T0}`,
      ':upper': `00${T0 + 5 * MINUTE - 1}$`,
    });
  });

  it('pages with an opaque cursor that comes back as the exclusive start key', async () => {
    // Prepare
    const lastKey = { pk: 'AGG#ohlc-1m#petr4', sk: `00${T0}`, gsi1pk: 'WIN#ohlc-1m', gsi1sk: `00${T0}#petr4` };
    documents
      .on(QueryCommand)
      .resolvesOnce({ Items: [aggregate('ohlc-1m', 'petr4', T0, 1)], LastEvaluatedKey: lastKey })
      .resolves({ Items: [] });

    // Act
    const first = await results(resultsOf('ohlc-1m', { limit: '1' }));
    const cursor = String(body(first).nextCursor);
    const second = await results(resultsOf('ohlc-1m', { limit: '1', cursor }));

    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(body(second)).not.toHaveProperty('nextCursor');
    expect(queryInput(1).ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['a limit of 0', { limit: '0' }, 'limit must be a whole number from 1 to 1000 (got "0")'],
    ['a limit over 1000', { limit: '1001' }, 'limit must be a whole number from 1 to 1000'],
    ['a limit that is not a number', { limit: 'ten' }, 'limit must be a whole number'],
    [
      'a from that is not a time',
      { from: 'yesterday' },
      'from must be an ISO 8601 date-time with a zone or epoch milliseconds (got "yesterday")',
    ],
    ['a cursor that is not base64url', { cursor: 'a b' }, 'cursor must be a nextCursor of this query (got "a b")'],
    ['a cursor that is not JSON', { cursor: Buffer.from('nope').toString('base64url') }, 'cursor is not valid: not JSON'],
    ['a cursor with other attributes', { cursor: encodeCursor({ gsi1pk: 'WIN#ohlc-1m', admin: 'x' }) }, 'cursor is not valid: not a key'],
    [
      'a cursor of another consumer',
      { cursor: encodeCursor({ gsi1pk: 'WIN#hashtags-5m', gsi1sk: '1' }) },
      'cursor is not valid: it belongs to another query',
    ],
    ['an empty key', { key: '' }, 'key must be 1 to 512 characters'],
    ['top with a cursor', { top: '3', cursor: encodeCursor({ gsi1pk: 'WIN#ohlc-1m', gsi1sk: '1' }) }, 'top cannot be combined with cursor'],
    ['top of 0', { top: '0' }, 'top must be a whole number from 1 to 1000'],
  ])('refuses %s with 400/40003', async (_, query, message) => {
    // Act
    const answer = await results(resultsOf('ohlc-1m', query));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(body(answer)).toMatchObject({ error_code: 40003, message: expect.stringContaining(message) });
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 404/40402 for a consumer the spec does not declare', async () => {
    // Act
    const answer = await results(resultsOf('nobody'));

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(body(answer)).toEqual({ error_code: 40402, message: 'consumer "nobody" does not exist', details: { consumer: 'nobody' } });
  });

  it('answers 503/50302 with Retry-After when the table is throttled', async () => {
    // Prepare
    documents.on(QueryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const answer = await results(resultsOf('ohlc-1m'));

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'Retry-After': '1' });
    expect(body(answer).error_code).toBe(50302);
  });

  it('answers 500 without details for an unexpected table error', async () => {
    // Prepare
    documents
      .on(QueryCommand)
      .rejects(Object.assign(new Error('Requested resource not found: Table: results'), { name: 'ResourceNotFoundException' }));

    // Act
    const answer = await results(resultsOf('ohlc-1m'));

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(body(answer)).toEqual({ error_code: 50001, message: 'internal error' });
  });
});

describe('top=N with from or to: the keys of one stored window', () => {
  it('ranks the newest window starting before to by count, ties by key, reading every page of the window', async () => {
    // Prepare
    const W = T0 + 5 * MINUTE;
    documents
      .on(QueryCommand, { Limit: 1 })
      .resolves({ Items: [aggregate('hashtags-5m', 'kafka', W, 9)] })
      .on(QueryCommand, { KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :window)' })
      .resolvesOnce({
        Items: [aggregate('hashtags-5m', 'aws', W, 3), aggregate('hashtags-5m', 'kafka', W, 9)],
        LastEvaluatedKey: { gsi1pk: 'WIN#hashtags-5m', gsi1sk: 'x' },
      })
      .resolves({ Items: [aggregate('hashtags-5m', 'lambda', W, 3), aggregate('hashtags-5m', 'msk', W, 1)] });

    // Act
    const answer = await results(resultsOf('hashtags-5m', { top: '3', to: String(W + 10 * MINUTE) }));

    // Assess
    expect((body(answer).items as Array<{ key: string; count: number }>).map((i) => [i.key, i.count])).toEqual([
      ['kafka', 9],
      ['aws', 3],
      ['lambda', 3],
    ]);
    expect(queryInput(1).ExpressionAttributeValues).toEqual({ ':pk': 'WIN#hashtags-5m', ':window': `00${W}#` });
    expect(body(answer)).not.toHaveProperty('nextCursor');
  });

  it('ranks the stored window containing from when from is given: the 30 s pane of a hopping consumer', async () => {
    // Prepare
    const pane = T0 + 3 * MINUTE;
    documents.on(QueryCommand).resolves({ Items: [aggregate('hashtags-5m', 'kafka', pane, 2)] });

    // Act
    const answer = await results(resultsOf('hashtags-5m', { top: '5', from: '2026-11-22T10:03:10Z' }));

    // Assess
    expect(body(answer).items).toHaveLength(1);
    expect(documents.commandCalls(QueryCommand)).toHaveLength(1);
    expect(queryInput().ExpressionAttributeValues).toEqual({ ':pk': 'WIN#hashtags-5m', ':window': `00${pane}#` });
  });

  it('ranks one key only when key is given', async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [aggregate('hashtags-5m', 'aws', T0, 3), aggregate('hashtags-5m', 'kafka', T0, 9)] });

    // Act
    const answer = await results(resultsOf('hashtags-5m', { top: '5', key: 'aws', from: String(T0) }));

    // Assess
    expect((body(answer).items as Array<{ key: string }>).map((i) => i.key)).toEqual(['aws']);
  });

  it('answers no items when the consumer has no windows yet', async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [] });

    // Act
    const answer = await results(resultsOf('hashtags-5m', { top: '5' }));

    // Assess
    expect(body(answer)).toEqual({ consumer: 'hashtags-5m', items: [] });
  });
});

const SECOND = 1000;
/** A pane aggregate of hashtags-5m (30 s panes of a 5-minute window). */
function pane(groupKey: string, start: number, count: number): AggregateItem {
  return { ...aggregate('hashtags-5m', groupKey, start, count), windowEnd: start + 30 * SECOND };
}

/**
 * A table holding these pane aggregates and, per pane, the pane key counts item the consumer keeps
 * beside them (core/pane-counts.ts): answers the RANK# range Query, the per-key AGG# Queries and
 * the per-pane byWindow Queries from them, each page costing 0.5 read units.
 */
function serveTable(panes: readonly AggregateItem[], options: { rankPageSize?: number } = {}): void {
  const byPane = new Map<number, AggregateItem[]>();
  for (const p of panes) byPane.set(p.windowStart, [...(byPane.get(p.windowStart) ?? []), p]);
  let offset = 0;
  const rank = [...byPane]
    .sort(([a], [b]) => a - b)
    .filter(([, items]) => items[0].consumer === 'hashtags-5m')
    .map(([start, items]) => {
      const entries = items.flatMap((i) =>
        Array.from({ length: i.count }, () => ({ groupKey: i.groupKey, tp: 'tweets-0', off: offset++ })),
      );
      return applyPaneCounts(undefined, { consumer: items[0].consumer, start, end: items[0].windowEnd, expiresAt: 1 }, entries)!;
    });
  documents.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const values = input.ExpressionAttributeValues as Record<string, string>;
    const page = <T>(items: T[]) => ({ Items: items, ConsumedCapacity: { CapacityUnits: 0.5 } });
    if (values[':pk'].startsWith('RANK#')) {
      const inRange = rank.filter((r) => r.pk === values[':pk'] && r.sk >= values[':lower'] && r.sk <= values[':upper']);
      const size = options.rankPageSize ?? inRange.length;
      const from = input.ExclusiveStartKey === undefined ? 0 : inRange.findIndex((r) => r.sk === input.ExclusiveStartKey!.sk) + 1;
      const items = inRange.slice(from, from + size);
      const more = from + size < inRange.length;
      return { ...page(items), ...(more ? { LastEvaluatedKey: { pk: items[items.length - 1].pk, sk: items[items.length - 1].sk } } : {}) };
    }
    if (values[':pk'].startsWith('AGG#'))
      return page(panes.filter((p) => p.pk === values[':pk'] && p.sk >= values[':lower'] && p.sk <= values[':upper']).reverse());
    return page(panes.filter((p) => p.gsi1pk === values[':pk'] && p.gsi1sk.startsWith(values[':pane'])));
  });
}

const rankQueries = () =>
  documents
    .commandCalls(QueryCommand)
    .map((c) => c.args[0].input)
    .filter((i) => String((i.ExpressionAttributeValues as Record<string, string>)[':pk']).startsWith('RANK#'));

describe('top=N without from and to: the hopping window at a time', () => {
  const at = T0 + 10 * MINUTE + 45 * SECOND;
  const w = T0 + 10 * MINUTE + 30 * SECOND;
  const clocked = resultsHandler(() => at);

  it("ranks [w - 5 min, w) by its panes' key counts, ties by key, and merges the winners' panes", async () => {
    // Prepare: kafka in 3 panes, aws in 2; a pane just before and just after the window is not read
    serveTable([
      pane('kafka', w - 300 * SECOND, 2),
      pane('kafka', w - 150 * SECOND, 1),
      pane('kafka', w - 30 * SECOND, 1),
      pane('aws', w - 270 * SECOND, 3),
      pane('aws', w - 60 * SECOND, 1),
      pane('c%23', w - 60 * SECOND, 4),
      pane('lambda', w - 330 * SECOND, 50),
      pane('lambda', w, 50),
    ]);

    // Act
    const answer = await results(resultsOf('hashtags-5m', { top: '2', at: new Date(at).toISOString() }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(body(answer)).toEqual({
      consumer: 'hashtags-5m',
      items: [
        {
          key: 'aws',
          windowStart: new Date(w - 300 * SECOND).toISOString(),
          windowEnd: new Date(w).toISOString(),
          count: 4,
          late: 0,
          measures: {},
        },
        {
          key: 'c#',
          windowStart: new Date(w - 300 * SECOND).toISOString(),
          windowEnd: new Date(w).toISOString(),
          count: 4,
          late: 0,
          measures: {},
        },
      ],
    });
    // One Query of the pane key counts of [w - 5 min, w), then the two winners' own panes only.
    expect(rankQueries()).toEqual([
      expect.objectContaining({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: { ':pk': 'RANK#hashtags-5m', ':lower': `00${w - 300 * SECOND}`, ':upper': `00${w - 30 * SECOND}$` },
      }),
    ]);
    const keyQueries = documents
      .commandCalls(QueryCommand)
      .map((c) => (c.args[0].input.ExpressionAttributeValues as Record<string, string>)[':pk']);
    expect(keyQueries.filter((pk) => pk.startsWith('AGG#')).sort()).toEqual(['AGG#hashtags-5m#aws', 'AGG#hashtags-5m#c%23']);
    expect(keyQueries).toHaveLength(3);
  });

  it('counts the panes of a consumer that keeps no pane key counts from its aggregates, one byWindow Query per pane', async () => {
    // Prepare: peso-acima-80 groups by a constant, so it keeps none
    const minute = (start: number, count: number): AggregateItem => aggregate('peso-acima-80', 'all', start, count);
    const end = T0 + 10 * MINUTE;
    serveTable([minute(end - MINUTE, 3), minute(end - 2 * MINUTE, 5)]);

    // Act
    const answer = await results(resultsOf('peso-acima-80', { top: '5', at: String(end) }));

    // Assess: the last closed minute only (a tumbling window), read by its pane
    expect(body(answer).items).toEqual([
      expect.objectContaining({ key: 'all', count: 3, windowStart: new Date(end - MINUTE).toISOString() }),
    ]);
    expect(rankQueries()).toHaveLength(0);
    expect(queryInput()).toMatchObject({
      IndexName: 'byWindow',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :pane)',
      ProjectionExpression: '#a0, #a1, #a2',
      ExpressionAttributeNames: { '#a0': 'groupKey', '#a1': 'windowStart', '#a2': 'count' },
    });
  });

  it('defaults at to now, and reads every page of the pane key counts', async () => {
    // Prepare: three panes of key counts, answered one per page
    serveTable([pane('kafka', w - 30 * SECOND, 2), pane('msk', w - 60 * SECOND, 5), pane('kafka', w - 90 * SECOND, 1)], {
      rankPageSize: 1,
    });

    // Act
    const answer = await clocked(resultsOf('hashtags-5m', { top: '10' }));

    // Assess
    expect((body(answer).items as Array<{ key: string; count: number }>).map((i) => [i.key, i.count])).toEqual([
      ['msk', 5],
      ['kafka', 3],
    ]);
    expect(rankQueries()).toHaveLength(3);
  });

  it("with key, reads only that key's panes of the window", async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [pane('kafka', w - 30 * SECOND, 2), pane('kafka', w - 300 * SECOND, 1)] });

    // Act
    const answer = await clocked(resultsOf('hashtags-5m', { top: '3', key: 'kafka' }));

    // Assess
    expect((body(answer).items as Array<{ key: string; count: number }>).map((i) => [i.key, i.count])).toEqual([['kafka', 3]]);
    expect(queryInput()).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': 'AGG#hashtags-5m#kafka', ':lower': `00${w - 300 * SECOND}`, ':upper': `00${w - 1}$` },
      Limit: 10,
    });
  });

  it.each([
    [{ at: String(at) }, 'at applies to top without from and to: give top, and drop from and to'],
    [{ top: '3', at: String(at), from: String(T0) }, 'at applies to top without from and to: give top, and drop from and to'],
    [{ top: '3', at: 'soon' }, 'at must be an ISO 8601 date-time with a zone or epoch milliseconds (got "soon")'],
  ])('answers 400/40003 naming at for %j', async (query, message) => {
    // Act
    const answer = await results(resultsOf('hashtags-5m', query));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(body(answer)).toMatchObject({ error_code: 40003, message });
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('GET /results/{consumer}/trending', () => {
  const trendingOf = (consumer: string, query: Record<string, string> | null = null) =>
    get('/results/{consumer}/trending', `/results/${consumer}/trending`, { consumer }, query);
  const w = T0 + 20 * MINUTE;

  it('ranks keys by (count + 1) / (baseline + 1) over the current window and the baseline windows before it', async () => {
    // Prepare: steady is 10 per window; rising had 1 per window and has 20 now; quiet rises from 0 to 4, under minCount
    const steady = [0, 1, 2, 3].map((i) => pane('steady', w - (i + 1) * 300 * SECOND + 60 * SECOND, 10));
    const rising = [1, 2, 3].map((i) => pane('rising', w - (i + 1) * 300 * SECOND, 1));
    serveTable([...steady, ...rising, pane('rising', w - 30 * SECOND, 20), pane('quiet', w - 30 * SECOND, 4)]);
    const reads: number[] = [];
    const measured = resultsHandler(undefined, (cost) => reads.push(cost.queries, cost.items, cost.readUnits));

    // Act
    const answer = await measured(trendingOf('hashtags-5m', { at: String(w + 29 * SECOND) }));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(body(answer)).toEqual({
      consumer: 'hashtags-5m',
      at: new Date(w + 29 * SECOND).toISOString(),
      windowStart: new Date(w - 300 * SECOND).toISOString(),
      windowEnd: new Date(w).toISOString(),
      sizeSeconds: 300,
      advanceSeconds: 30,
      baselineWindows: 3,
      minCount: 5,
      items: [
        { key: 'rising', count: 20, baseline: 1, score: 10.5, rising: true },
        { key: 'steady', count: 10, baseline: 10, score: 1, rising: false },
      ],
    });
    // One Query of the 40 panes' key counts: 8 of them hold counts.
    expect(reads).toEqual([1, 8, 0.5]);
    expect(rankQueries()).toHaveLength(1);
  });

  it('takes top, baseline and minCount', async () => {
    // Prepare
    serveTable([pane('a', w - 30 * SECOND, 2), pane('b', w - 30 * SECOND, 3), pane('b', w - 330 * SECOND, 3)]);

    // Act
    const answer = await results(trendingOf('hashtags-5m', { at: String(w), top: '1', baseline: '1', minCount: '1' }));

    // Assess
    expect(body(answer)).toMatchObject({
      baselineWindows: 1,
      minCount: 1,
      items: [{ key: 'a', count: 2, baseline: 0, score: 3, rising: true }],
    });
    expect(rankQueries()).toEqual([
      expect.objectContaining({
        ExpressionAttributeValues: { ':pk': 'RANK#hashtags-5m', ':lower': `00${w - 600 * SECOND}`, ':upper': `00${w - 30 * SECOND}$` },
      }),
    ]);
  });

  it.each([
    [{ baseline: '0' }, 'baseline must be a whole number from 1 to 12 (got "0")'],
    [{ minCount: 'x' }, 'minCount must be a whole number from 1 to 1000000 (got "x")'],
    [{ top: '1001' }, 'top must be a whole number from 1 to 1000 (got "1001")'],
    [{ at: '2026-13-01T00:00:00Z' }, 'at must be an ISO 8601 date-time with a zone or epoch milliseconds (got "2026-13-01T00:00:00Z")'],
  ])('answers 400/40003 naming the parameter for %j', async (query, message) => {
    // Act
    const answer = await results(trendingOf('hashtags-5m', query));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(body(answer)).toMatchObject({ error_code: 40003, message });
  });

  it.each([
    ['404/40402 for a consumer the spec does not declare', 'nope', 404, 40402],
    ['503/50302 when the table is throttled', 'hashtags-5m', 503, 50302],
  ])('answers %s', async (_, consumer, status, code) => {
    // Prepare
    documents.on(QueryCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    // Act
    const answer = await results(trendingOf(consumer));

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(body(answer).error_code).toBe(code);
  });
});

describe('GET /results/{consumer}/records', () => {
  const recordsOf = (consumer: string, query: Record<string, string> | null = null) =>
    get('/results/{consumer}/records', `/results/${consumer}/records`, { consumer }, query);

  it('answers the kept records newest first, values as stored or from their JSON text', async () => {
    // Prepare
    const base = { consumer: 'peso-acima-80', kind: 'record', topic: 'health', partition: 1, expiresAt: 1 };
    documents.on(QueryCommand).resolves({
      Items: [
        {
          ...keptRecordKey('peso-acima-80', T0 + 2, 'health', 1, 8),
          ...base,
          offset: 8,
          eventTime: T0 + 2,
          key: '7',
          value: { id: 7, peso: 90 },
        },
        {
          ...keptRecordKey('peso-acima-80', T0 + 1, 'health', 1, 7),
          ...base,
          offset: 7,
          eventTime: T0 + 1,
          valueJson: '{"id":8,"peso":1e200}',
        },
        {
          ...keptRecordKey('peso-acima-80', T0, 'health', 1, 6),
          ...base,
          offset: 6,
          eventTime: T0,
          valueBytes: 400000,
          valueOmitted: true,
        },
      ],
    });

    // Act
    const answer = await results(recordsOf('peso-acima-80', { limit: '3' }));

    // Assess
    expect(body(answer)).toEqual({
      consumer: 'peso-acima-80',
      items: [
        { topic: 'health', partition: 1, offset: 8, eventTime: '2026-11-22T10:00:00.002Z', key: '7', value: { id: 7, peso: 90 } },
        { topic: 'health', partition: 1, offset: 7, eventTime: '2026-11-22T10:00:00.001Z', value: { id: 8, peso: 1e200 } },
        { topic: 'health', partition: 1, offset: 6, eventTime: '2026-11-22T10:00:00.000Z', valueOmitted: true, valueBytes: 400000 },
      ],
    });
    expect(queryInput()).toMatchObject({ ExpressionAttributeValues: { ':pk': 'REC#peso-acima-80' }, ScanIndexForward: false, Limit: 3 });
  });

  it('answers 404/40402 for a consumer that does not keep records', async () => {
    // Act
    const answer = await results(recordsOf('ohlc-1m'));

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(body(answer)).toMatchObject({ error_code: 40402, message: 'consumer "ohlc-1m" does not keep its records (keepRecords is off)' });
  });
});

describe('GET /dlq', () => {
  const dlq = (query: Record<string, string> | null = null) => get('/dlq', '/dlq', null, query);

  function deadLetter(consumer: string, offset: number) {
    return {
      ...deadLetterKey(consumer, 'health', 0, offset),
      kind: 'deadLetter',
      consumer,
      topic: 'health',
      partition: 0,
      offset,
      timestamp: T0,
      reason: 'NOT_JSON',
      error: 'value is not JSON',
      value: Buffer.from('not json').toString('base64'),
      valueBytes: 8,
      valueTruncated: false,
      deadLetteredAt: T0 + 5,
      expiresAt: 1,
    };
  }

  it("answers one consumer's dead letters", async () => {
    // Prepare
    documents.on(QueryCommand).resolves({ Items: [deadLetter('imc-acima-35', 4)] });

    // Act
    const answer = await results(dlq({ consumer: 'imc-acima-35' }));

    // Assess
    expect(body(answer)).toEqual({
      items: [
        {
          consumer: 'imc-acima-35',
          topic: 'health',
          partition: 0,
          offset: 4,
          timestamp: '2026-11-22T10:00:00.000Z',
          reason: 'NOT_JSON',
          error: 'value is not JSON',
          value: 'bm90IGpzb24=',
          valueBytes: 8,
          valueTruncated: false,
          deadLetteredAt: '2026-11-22T10:00:00.005Z',
        },
      ],
    });
    expect(queryInput()).toMatchObject({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'DLQ#imc-acima-35' } });
  });

  it('walks every consumer in spec order and continues in the next one with the cursor', async () => {
    // Prepare
    documents
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DLQ#mensagens-por-minuto' } })
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DLQ#peso-acima-80' } })
      .resolves({ Items: [deadLetter('peso-acima-80', 1)] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DLQ#imc-acima-35' } })
      .resolves({ Items: [deadLetter('imc-acima-35', 2)] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DLQ#ohlc-1m' } })
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DLQ#hashtags-5m' } })
      .resolves({ Items: [] });

    // Act
    const first = await results(dlq({ limit: '1' }));
    const second = await results(dlq({ limit: '1', cursor: String(body(first).nextCursor) }));
    const third = await results(dlq({ limit: '5', cursor: String(body(second).nextCursor) }));

    // Assess
    expect((body(first).items as Array<{ consumer: string }>).map((i) => i.consumer)).toEqual(['peso-acima-80']);
    expect((body(second).items as Array<{ consumer: string }>).map((i) => i.consumer)).toEqual(['imc-acima-35']);
    expect(body(third)).toEqual({ items: [] });
  });

  it('continues inside a consumer partition from its last key', async () => {
    // Prepare
    const lastKey = deadLetterKey('ohlc-1m', 'petr4', 0, 9);
    documents.on(QueryCommand).resolves({ Items: [] });

    // Act
    await results(dlq({ consumer: 'ohlc-1m', cursor: encodeCursor(lastKey) }));

    // Assess
    expect(queryInput().ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['an unknown consumer', { consumer: 'nobody' }, 404, 40402],
    ['a cursor of a consumer outside the filter', { consumer: 'ohlc-1m', cursor: encodeCursor({ pk: 'DLQ#hashtags-5m' }) }, 400, 40003],
  ])('refuses %s', async (_, query, status, code) => {
    // Act
    const answer = await results(dlq(query));

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(body(answer).error_code).toBe(code);
  });
});

describe('routing and the entry point', () => {
  it('answers 404/40404 for a route it does not serve', async () => {
    // Act
    const answer = await results(get('/topics', '/topics', null));

    // Assess
    expect(answer.statusCode).toBe(404);
    expect(body(answer).error_code).toBe(40404);
  });

  it('answers 500 when RESULTS_TABLE is not set', async () => {
    // Prepare
    const saved = process.env.RESULTS_TABLE;
    delete process.env.RESULTS_TABLE;

    try {
      // Act
      const answer = await handler(apigwEvent('get-results'));

      // Assess
      expect(answer.statusCode).toBe(500);
      expect(body(answer).error_code).toBe(50001);
    } finally {
      if (saved !== undefined) process.env.RESULTS_TABLE = saved;
    }
  });
});
