/**
 * Figure 6, hopping-window queries: `GET /results/{consumer}?top=10&at=T` and
 * `GET /results/{consumer}/trending?top=10&at=T` over a window holding `queryKeys` distinct keys
 * (10,000 in a full run), timed through the local gateway and the results Lambda on DynamoDB Local,
 * with the DynamoDB reads each query makes and what they would cost on AWS on demand.
 *
 * The table is filled directly with pane aggregates built by the consumer's own core functions
 * (`applyContribution`, `aggregateKey`, `paneOf`), written with BatchWriteItem: what the consumer
 * would have stored for that traffic, without waiting minutes of event time. Each answer is
 * checked against the ranking computed here from the same layout, so a fast wrong answer fails the
 * bench instead of passing it.
 */
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { applyContribution, encodeGroupKey, expiresAtOf, paneOf } from '../core/aggregate';
import { mapLimit } from '../core/concurrency';
import type { AggregateItem } from '../core/aggregate-item';
import { applyPaneCounts, type PaneCountEntry, type PaneCountsItem } from '../core/pane-counts';
import { hoppingWindowAt } from '../core/trending';
import { LOCAL_TABLES } from '../local/emulation/services';
import { localDynamoDbClient } from '../local/emulation/services/dynamodb-local';
import { seededRandom } from '../local/tools/scenarios/random';
import { percentile } from '../local/tools/stats';
import { createResultsHandler } from '../lambdas/results/index';
import { ResultsReader, type ReadCost } from '../lambdas/results/reader';
import { proxyEvents, type BenchContext } from './context';
import { benchConsumer } from './latency';
import type { QueryRow } from './report';
import { BENCH, pipeline as benchSpec } from './spec';

/**
 * The on-demand price of one read request unit, US$, Standard table class, US East (N. Virginia):
 * $0.125 per million. UNVERIFIED: AWS's on-demand pricing page defines the unit — "For items up
 * to 4 KB in size, an eventually consistent read request requires one-half read request unit"
 * ("Amazon DynamoDB", DynamoDB pricing for on-demand capacity,
 * https://aws.amazon.com/dynamodb/pricing/on-demand/) — but the copy of that page the author could
 * search did not show the dollar figure, so this is the price as the author knew it (after AWS's
 * November 2024 reduction of on-demand throughput prices); check the page for your Region.
 */
export const USD_PER_READ_REQUEST_UNIT = 0.125 / 1_000_000;

/**
 * DynamoDB's read units of a Query on the byWindow index, as this module estimates them when
 * DynamoDB Local reports none: a global secondary index is read eventually consistently, "each of
 * which consume one half of a read capacity unit", and a query's units come from the summed size
 * of the (projected) items it returns, rounded up to 4 KB ("Global Secondary Index Considerations",
 * Comparing the Use of Amazon DynamoDB and Apache HBase for NoSQL,
 * https://docs.aws.amazon.com/whitepapers/latest/comparing-dynamodb-and-hbase-for-nosql/global-secondary-index-considerations.html).
 * The index projects ALL attributes, so the whole item counts, whatever ProjectionExpression asks for.
 */
export function estimatedReadUnits(pageBytes: readonly number[]): number {
  return pageBytes.reduce((units, bytes) => units + Math.ceil(bytes / 4096) * 0.5, 0);
}

/**
 * An item's size as DynamoDB counts it (Amazon DynamoDB Developer Guide, "Item sizes and formats"):
 * attribute names plus values; strings as UTF-8; a number about 1 byte per two significant digits
 * plus 1; a map or list 3 bytes plus 1 per element plus its contents. An estimate (number encoding).
 */
export function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[.e+-]/g, '')
      .replace(/^0+/, '');
    return Math.ceil(digits.length / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + itemBytes(v), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (sum, [name, v]) => sum + 1 + Buffer.byteLength(name, 'utf8') + itemBytes(v),
        0,
      )
    );
  }
  return 0;
}

/** The pane counts of one window: key -> count per pane start. */
type Layout = Map<string, Map<number, number>>;

/**
 * A hashtag-like layout over `windows` consecutive windows of `panes` panes each, ending at `end`:
 * in every window `keys` distinct keys — 1 % hot (in every pane, 20–50 each), 9 % warm (3 panes,
 * 2–10 each), 90 % a long tail (one pane, 1–3), the tail's keys half new in each window — and one
 * planted key at the tail's rate until the last pane, where it has 40: the break-out.
 */
export function queryLayout(options: { keys: number; windows: number; panes: number; advanceMs: number; end: number; seed?: number }): {
  layout: Layout;
  planted: string;
} {
  const { keys, windows, panes, advanceMs, end } = options;
  const { int } = seededRandom(options.seed ?? 16);
  const layout: Layout = new Map();
  const add = (key: string, pane: number, count: number): void => {
    let byPane = layout.get(key);
    if (byPane === undefined) layout.set(key, (byPane = new Map()));
    byPane.set(pane, (byPane.get(pane) ?? 0) + count);
  };
  const hot = Math.max(1, Math.floor(keys / 100));
  const warm = Math.floor((keys * 9) / 100);
  const tail = keys - hot - warm - 1;
  for (let w = 0; w < windows; w += 1) {
    const first = end - (w + 1) * panes * advanceMs;
    const paneAt = (i: number): number => first + i * advanceMs;
    for (let k = 0; k < hot; k += 1) for (let i = 0; i < panes; i += 1) add(`hot-${k}`, paneAt(i), int(20, 50));
    for (let k = 0; k < warm; k += 1) for (let n = 0; n < 3; n += 1) add(`warm-${k}`, paneAt(int(0, panes - 1)), int(2, 10));
    // Half of each window's tail is the previous window's, half new.
    const offset = Math.floor((w * tail) / 2);
    for (let k = 0; k < tail; k += 1) add(`tail-${offset + k}`, paneAt(int(0, panes - 1)), int(1, 3));
    if (w === 0) add('planted', paneAt(panes - 1), 40);
    else add('planted', paneAt(int(0, panes - 1)), 1);
  }
  return { layout, planted: 'planted' };
}

/**
 * Fills the table with the layout's pane aggregates for `consumer` and each pane's key counts item,
 * 25 items per BatchWriteItem, 8 requests at a time. Answers both.
 */
export async function fill(
  documents: DynamoDBDocumentClient,
  consumer: string,
  layout: Layout,
  advanceMs: number,
): Promise<{ items: AggregateItem[]; counts: PaneCountsItem[] }> {
  const resolved = benchConsumer(consumer);
  const items: AggregateItem[] = [];
  let offset = 0;
  for (const [key, byPane] of layout) {
    for (const [start, count] of byPane) {
      const pane = paneOf(start, resolved.window);
      if (pane.start !== start || pane.end !== start + advanceMs) throw new RangeError(`layout pane ${start} is not a pane of ${consumer}`);
      offset += count;
      items.push(
        applyContribution(
          undefined,
          { consumer, groupKey: encodeGroupKey(key), window: pane, expiresAt: expiresAtOf(pane.end, resolved.retentionDays) },
          { count, late: 0, fields: {}, wm: { [`${consumer}-0`]: offset - 1 }, records: count },
        ),
      );
    }
  }
  // Beside the aggregates, each pane's key counts item, as the consumer keeps it for a keyed consumer
  // (core/pane-counts.ts): one entry per record counted, the same offsets as the aggregates' watermarks.
  const entries = new Map<number, PaneCountEntry[]>();
  let position = 0;
  for (const item of items) {
    const list = entries.get(item.windowStart) ?? [];
    for (let n = 0; n < item.count; n += 1) list.push({ groupKey: item.groupKey, tp: `${consumer}-0`, off: position++ });
    entries.set(item.windowStart, list);
  }
  const counts = [...entries].map(([start, list]) =>
    applyPaneCounts(
      undefined,
      { consumer, start, end: start + advanceMs, expiresAt: expiresAtOf(start + advanceMs, resolved.retentionDays) },
      list,
    )!,
  );
  const stored: ReadonlyArray<AggregateItem | PaneCountsItem> = [...items, ...counts];
  const chunks: Array<AggregateItem | PaneCountsItem>[] = [];
  for (let i = 0; i < stored.length; i += 25) chunks.push(stored.slice(i, i + 25));
  await mapLimit(chunks, 8, async (chunk) => {
    let pending = chunk.map((item) => ({ PutRequest: { Item: item } }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
      const answer = await documents.send(new BatchWriteCommand({ RequestItems: { [LOCAL_TABLES.results]: pending } }));
      pending = (answer.UnprocessedItems?.[LOCAL_TABLES.results] ?? []) as typeof pending;
    }
  });
  return { items, counts };
}

/** Counts of each key in [from, to), from the layout. */
function countsIn(layout: Layout, from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [key, byPane] of layout) {
    let count = 0;
    for (const [start, n] of byPane) if (start >= from && start < to) count += n;
    if (count > 0) counts.set(key, count);
  }
  return counts;
}

const byCountThenKey = ([a, x]: [string, number], [b, y]: [string, number]): number => y - x || (a < b ? -1 : a > b ? 1 : 0);

/** Times top-10 and trending-10 over a filled window; see the module comment. */
export async function measureQueries(ctx: BenchContext): Promise<QueryRow[]> {
  const { queryKeys: keys, querySamples } = ctx.settings;
  const consumer = benchConsumer(BENCH.trending);
  const advanceMs = consumer.window.advanceSeconds * 1000;
  const sizeMs = consumer.window.sizeSeconds * 1000;
  const panes = sizeMs / advanceMs;
  const baselineWindows = 3;
  // A recent window boundary, so the items' TTLs are in the future.
  const end = Math.floor(Date.now() / advanceMs) * advanceMs - 10 * sizeMs;
  const at = end + advanceMs - 1;
  const { layout, planted } = queryLayout({ keys, windows: baselineWindows + 1, panes, advanceMs, end });
  const documents = DynamoDBDocumentClient.from(localDynamoDbClient(ctx.services.dynamodbEndpoint));
  const started = Date.now();
  const { items, counts } = await fill(documents, consumer.name, layout, advanceMs);
  ctx.log(
    `[queries] ${items.length} pane aggregates and ${counts.length} pane key counts items written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // What the answers must be, from the layout.
  const window = hoppingWindowAt(at, consumer.window);
  const current = countsIn(layout, window.start, window.end);
  if (current.size !== keys) throw new Error(`the layout has ${current.size} keys in the window, not ${keys}`);
  const expectedTop = [...current].sort(byCountThenKey).slice(0, 10);

  // DynamoDB reads of one query of each kind, through the same handler in process.
  const costs: ReadCost[] = [];
  const measured = createResultsHandler({
    spec: benchSpec,
    reader: new ResultsReader(documents, LOCAL_TABLES.results, { onRead: (cost) => costs.push(cost) }),
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  // Read units as DynamoDB would count them: the pane key counts of the span in one Query, and for
  // top-10 one Query per winner over its panes of the window.
  const countsBytes = (from: number, to: number): number =>
    counts.filter((c) => c.paneStart >= from && c.paneStart < to).reduce((sum, c) => sum + itemBytes(c), 0);
  const keyBytes = (key: string): number =>
    items
      .filter((i) => i.groupKey === encodeGroupKey(key) && i.windowStart >= window.start && i.windowStart < window.end)
      .reduce((sum, i) => sum + itemBytes(i), 0);
  const kinds: Array<{
    query: string;
    path: string;
    params: Record<string, string>;
    estimate: () => number;
    check: (body: unknown) => void;
  }> = [
    {
      query: 'top-10',
      path: `/results/${consumer.name}`,
      params: { top: '10', at: String(at) },
      estimate: () => estimatedReadUnits([countsBytes(window.start, window.end), ...expectedTop.map(([key]) => keyBytes(key))]),
      check: (body: unknown): void => {
        const got = (body as { items: Array<{ key: string; count: number }> }).items.map((i) => [i.key, i.count]);
        if (JSON.stringify(got) !== JSON.stringify(expectedTop))
          throw new Error(`top-10 answered ${JSON.stringify(got)}, expected ${JSON.stringify(expectedTop)}`);
      },
    },
    {
      query: 'trending-10',
      path: `/results/${consumer.name}/trending`,
      params: { top: '10', at: String(at), baseline: String(baselineWindows) },
      estimate: () => estimatedReadUnits([countsBytes(window.end - (baselineWindows + 1) * sizeMs, window.end)]),
      check: (body: unknown): void => {
        const first = (body as { items: Array<{ key: string }> }).items[0]?.key;
        if (first !== planted) throw new Error(`trending-10 ranked ${String(first)} first, not the planted ${planted}`);
      },
    },
  ];
  const rows: QueryRow[] = [];
  for (const kind of kinds) {
    costs.length = 0;
    const url = new URL(`${ctx.stack.url}${kind.path}?${new URLSearchParams(kind.params).toString()}`);
    const answer = await measured(proxyEvents('GET', url)());
    if (answer.statusCode !== 200) throw new Error(`${kind.query} answered ${answer.statusCode}: ${answer.body}`);
    kind.check(JSON.parse(answer.body));
    const total = (of: (cost: ReadCost) => number): number => costs.reduce((sum, c) => sum + of(c), 0);
    const cost = { queries: total((c) => c.queries), items: total((c) => c.items), readUnits: total((c) => c.readUnits) };
    const estimated = kind.estimate();
    // Timed through the local gateway and the results Lambda's worker thread, as a client sees it.
    const samples: number[] = [];
    for (let i = 0; i < querySamples + 3; i += 1) {
      const t0 = performance.now();
      const response = await fetch(url);
      const text = await response.text();
      const ms = performance.now() - t0;
      if (response.status !== 200) throw new Error(`${kind.query} over HTTP answered ${response.status}: ${text}`);
      if (i === 0) kind.check(JSON.parse(text));
      if (i >= 3) samples.push(ms);
    }
    const readUnits = cost.readUnits > 0 ? cost.readUnits : estimated;
    rows.push({
      query: kind.query,
      keysInWindow: keys,
      paneItemsRead: cost.items,
      queryRequests: cost.queries,
      readUnitsReported: cost.readUnits,
      readUnitsEstimated: estimated,
      usdPer1000Queries: readUnits * 1000 * USD_PER_READ_REQUEST_UNIT,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      samples: samples.length,
    });
    ctx.log(
      `[queries] ${kind.query}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms; ${cost.queries} Query requests, ${cost.items} items, ${cost.readUnits} RCU reported, ${estimated} estimated`,
    );
  }
  return rows;
}
