/**
 * The results Lambda behind API Gateway (REST proxy events), also invoked by the local gateway:
 *
 * - `GET /results/{consumer}`: aggregates, newest window first. `key` selects one group key;
 *   `from`/`to` select windows overlapping `[from, to)`; `limit`, `cursor` page; `top=N` answers
 *   the N keys with the highest count in one window (the window containing `from` when given,
 *   else the newest window starting before `to`), highest first, ties by key (with `key`: that
 *   key only). Without `from` and `to`, `top=N&at=T` ranks the hopping window answered at T
 *   (default now): its panes merged (core/trending.ts).
 * - `GET /results/{consumer}/trending`: break-outs of the window answered at `at` against the
 *   `baseline` windows before it (core/trending.ts defines the score).
 * - `GET /results/{consumer}/records`: the records a `keepRecords` consumer kept, newest first.
 * - `GET /dlq`: dead letters, optionally of one `consumer`, by consumer, topic, partition, offset.
 *
 * Parameters, answers and error codes are declared once in core/api/routes.ts, which checks the
 * parameters before these run; errors are `{error_code, message}` from the one table in errors.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { pipeline } from '../../pipeline';
import { encodeGroupKey, paneOf, summarize, type AggregateFigures } from '../../core/aggregate';
import type { AggregateItem } from '../../core/aggregate-item';
import { ENV, requireEnv } from '../../core/config';
import { createDocumentClient } from '../clients/dynamodb';
import { BadParameterError, FluxoError, UnknownConsumerError } from '../../core/errors';
import { answerRoute, errorAnswer, jsonAnswer } from '../../core/api/http-answer';
import type { RouteImplementations } from '../../core/api/http-answer';
import { PAGE_SIZE, type AggregateView, type DeadLetterView, type KeptRecordView, type TrendingView } from '../../core/api/routes';
import { aggregateKey, deadLetterKey, keptRecordKey } from '../../core/keys';
import { MAX_EVENT_TIME } from '../../core/ingest';
import { findConsumer } from '../../core/spec';
import type { PipelineSpec, ResolvedConsumer } from '../../core/spec';
import { keepsPaneCounts } from '../../core/pane-counts';
import {
  countsOver,
  hoppingWindowAt,
  mergePanes,
  paneStartsOf,
  rankTop,
  rankTrending,
  trendingSpanAt,
  TRENDING_DEFAULTS,
} from '../../core/trending';
import { decodeCursor, encodeCursor, iso, parseTime, parseTimeRange } from './query';
import type { CursorKey } from './query';
import { ResultsReader } from './reader';

/** Most aggregates of one stored window read to rank `top` with `from` or `to` (one pane, today's meaning). */
export const TOP_SCAN_LIMIT = 10_000;

/** The pane starts of a span, less those before the epoch (no event time is there). */
function storedPaneStarts(span: { start: number; end: number }, consumer: ResolvedConsumer): number[] {
  return paneStartsOf(span, consumer.window).filter((start) => start >= 0);
}

function aggregateView(item: AggregateFigures, consumer: ResolvedConsumer): AggregateView {
  const s = summarize(item, consumer);
  // The last window of year 9999 ends at its last millisecond: a date-time has no year 10000.
  return { ...s, windowStart: iso(s.windowStart), windowEnd: iso(Math.min(s.windowEnd, MAX_EVENT_TIME)) };
}

function pageAnswer(consumer: string | undefined, items: readonly unknown[], lastKey: CursorKey | undefined): APIGatewayProxyResult {
  return jsonAnswer(200, {
    ...(consumer === undefined ? {} : { consumer }),
    items,
    ...(lastKey === undefined ? {} : { nextCursor: encodeCursor(lastKey) }),
  });
}

function consumerOf(spec: PipelineSpec, name: string): ResolvedConsumer {
  const consumer = findConsumer(spec, name);
  if (consumer === undefined) throw new UnknownConsumerError(name);
  return consumer;
}

/** A kept record as the API reports it. */
export function keptRecordView(item: Readonly<Record<string, unknown>>): KeptRecordView {
  const value = item.value ?? (typeof item.valueJson === 'string' ? (JSON.parse(item.valueJson) as unknown) : undefined);
  return {
    topic: item.topic as string,
    partition: item.partition as number,
    offset: item.offset as number,
    eventTime: iso(Number(item.eventTime)),
    ...(item.key === undefined ? {} : { key: item.key as string }),
    ...(value === undefined ? {} : { value: value as KeptRecordView['value'] }),
    ...(item.form === undefined ? {} : { form: item.form as KeptRecordView['form'] }),
    ...(item.writer === undefined ? {} : { writer: item.writer as KeptRecordView['writer'] }),
    ...(item.valueOmitted === true ? { valueOmitted: true, valueBytes: item.valueBytes as number } : {}),
  };
}

/** A dead letter as the API reports it; `value` stays base64 (it may not be text). */
export function deadLetterView(item: Readonly<Record<string, unknown>>): DeadLetterView {
  return {
    consumer: item.consumer as string,
    topic: item.topic as string,
    partition: item.partition as number,
    offset: item.offset as number,
    timestamp: iso(Number(item.timestamp)),
    reason: item.reason as DeadLetterView['reason'],
    error: item.error as string,
    ...(item.form === undefined ? {} : { form: item.form as DeadLetterView['form'] }),
    ...(item.writer === undefined ? {} : { writer: item.writer as DeadLetterView['writer'] }),
    ...(item.key === undefined ? {} : { key: item.key as string }),
    ...(item.value === undefined ? {} : { value: item.value as string }),
    valueBytes: item.valueBytes as number,
    valueTruncated: item.valueTruncated as boolean,
    deadLetteredAt: iso(Number(item.deadLetteredAt)),
  };
}

type Routes = RouteImplementations<'results', unknown>;

/** What a results handler needs. */
export interface ResultsHandlerOptions {
  readonly spec: PipelineSpec;
  readonly reader: ResultsReader;
  readonly logger?: Logger;
  /** The clock `at` defaults to, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Builds a results handler; {@link handler} is the one built from the environment. */
export function createResultsHandler({
  spec,
  reader,
  logger = new Logger({ serviceName: 'fluxo-results' }),
  now = Date.now,
}: ResultsHandlerOptions) {
  const atOf = (raw: string | undefined): number => (raw === undefined ? now() : parseTime(raw, 'at'));

  /**
   * The top keys of the hopping window answered at `at`: ranked by their counts over its panes
   * (pane key counts, one Query), ties by key; then only the winners' pane aggregates are read and
   * merged for their late figures and measures.
   */
  const topOfWindowAt = async (consumer: ResolvedConsumer, at: number, top: number, key: string | undefined): Promise<AggregateView[]> => {
    const window = hoppingWindowAt(at, consumer.window);
    const panes = storedPaneStarts(window, consumer);
    if (panes.length === 0) return [];
    let winners: string[];
    if (key === undefined) {
      const counts = countsOver(await reader.paneCounts(consumer.name, panes, keepsPaneCounts(consumer.groupBy)), window);
      const candidates = [...counts].map(([k, count]) => ({ key: k, count }));
      winners = rankTop(candidates, top).map((w) => w.key);
    } else winners = [key];
    const pks = winners.map((winner) => aggregateKey(consumer.name, encodeGroupKey(winner), 0).pk);
    const merged = (await reader.aggregatesOfKeys(pks, panes[0], window.end, panes.length)).map((items) => mergePanes(items, window));
    const views = merged.flat().map((m) => aggregateView(m, consumer));
    return rankTop(views, top);
  };

  const aggregates: Routes['getAggregates'] = async ({ path, query }) => {
    const consumer = consumerOf(spec, path.consumer);
    const range = parseTimeRange(query);
    const { key, top, limit = PAGE_SIZE.default } = query;
    if (top !== undefined && query.cursor !== undefined)
      throw new BadParameterError('top cannot be combined with cursor: a top answer has no pages', { details: { parameter: 'cursor' } });
    const ranged = query.from !== undefined || query.to !== undefined;
    if (query.at !== undefined && (top === undefined || ranged)) {
      throw new BadParameterError('at applies to top without from and to: give top, and drop from and to', {
        details: { parameter: 'at' },
      });
    }
    if (top !== undefined && !ranged) return pageAnswer(consumer.name, await topOfWindowAt(consumer, atOf(query.at), top, key), undefined);
    if (range.from >= range.to) return pageAnswer(consumer.name, [], undefined);
    // Stored aggregates are per pane (the window itself when tumbling): from is aligned down to its pane.
    const fromStart = paneOf(range.from, consumer.window).start;
    const gsi1pk = aggregateKey(consumer.name, '', 0).gsi1pk;

    if (top !== undefined) {
      // With from or to: the keys of one stored window (pane), as before hopping windows.
      const windowStart =
        query.from !== undefined ? fromStart : (await reader.byTime<AggregateItem>({ gsi1pk }, 0, range.to, 1)).items[0]?.windowStart;
      if (windowStart === undefined) return pageAnswer(consumer.name, [], undefined);
      const items = await reader.aggregatesOfWindow(gsi1pk, windowStart, TOP_SCAN_LIMIT);
      const views = items.map((item) => aggregateView(item, consumer)).filter((view) => key === undefined || view.key === key);
      return pageAnswer(consumer.name, rankTop(views, top), undefined);
    }

    const partition: { pk: string } | { gsi1pk: string } =
      key === undefined ? { gsi1pk } : { pk: aggregateKey(consumer.name, encodeGroupKey(key), 0).pk };
    const page = await reader.byTime<AggregateItem>(partition, fromStart, range.to, limit, decodeCursor(query.cursor, partition));
    const views = page.items.map((item) => aggregateView(item, consumer));
    return pageAnswer(consumer.name, views, page.lastKey);
  };

  const trending: Routes['getTrending'] = async ({ path, query }) => {
    const consumer = consumerOf(spec, path.consumer);
    const at = atOf(query.at);
    const {
      top = TRENDING_DEFAULTS.top,
      baseline: baselineWindows = TRENDING_DEFAULTS.baselineWindows,
      minCount = TRENDING_DEFAULTS.minCount,
    } = query;
    const current = hoppingWindowAt(at, consumer.window);
    const span = trendingSpanAt(at, consumer.window, baselineWindows);
    const panes = await reader.paneCounts(consumer.name, storedPaneStarts(span, consumer), keepsPaneCounts(consumer.groupBy));
    const size = consumer.window.sizeSeconds * 1000;
    // windows[0] is the current window, windows[i] the i-th baseline window before it.
    const windows = Array.from({ length: baselineWindows + 1 }, (_, i) =>
      countsOver(panes, { start: current.start - i * size, end: current.end - i * size }),
    );
    return jsonAnswer(200, {
      consumer: consumer.name,
      at: iso(at),
      windowStart: iso(current.start),
      windowEnd: iso(current.end),
      sizeSeconds: consumer.window.sizeSeconds,
      advanceSeconds: consumer.window.advanceSeconds,
      baselineWindows,
      minCount,
      items: rankTrending(windows, { top, minCount }),
    } satisfies TrendingView);
  };

  const keptRecords: Routes['getKeptRecords'] = async ({ path, query }) => {
    const consumer = consumerOf(spec, path.consumer);
    if (!consumer.keepRecords)
      throw new FluxoError(40402, `consumer "${consumer.name}" does not keep its records (keepRecords is off)`, {
        details: { consumer: consumer.name },
      });
    const range = parseTimeRange(query);
    const { pk } = keptRecordKey(consumer.name, 0, '', 0, 0);
    const cursor = decodeCursor(query.cursor, { pk });
    if (range.from >= range.to) return pageAnswer(consumer.name, [], undefined);
    const page = await reader.byTime<Record<string, unknown>>({ pk }, range.from, range.to, query.limit ?? PAGE_SIZE.default, cursor);
    return pageAnswer(consumer.name, page.items.map(keptRecordView), page.lastKey);
  };

  const deadLetters: Routes['getDeadLetters'] = async ({ query }) => {
    const consumers = query.consumer === undefined ? spec.consumers : [consumerOf(spec, query.consumer)];
    const partitions = consumers.map(({ name }) => deadLetterKey(name, '', 0, 0).pk);
    const limit = query.limit ?? PAGE_SIZE.default;
    // The cursor names the consumer partition to continue in (its `pk`), with `sk` when mid-partition.
    let cursor = decodeCursor(query.cursor, {});
    let index = 0;
    if (cursor !== undefined) {
      index = partitions.indexOf(cursor.pk ?? '');
      if (index < 0) throw new BadParameterError('cursor is not valid: it belongs to another query');
      if (cursor.sk === undefined) cursor = undefined;
    }
    const items: Record<string, unknown>[] = [];
    let lastKey: CursorKey | undefined;
    for (; index < partitions.length && items.length < limit; index += 1, cursor = undefined) {
      const page = await reader.all<Record<string, unknown>>(partitions[index], limit - items.length, cursor);
      items.push(...page.items);
      lastKey = page.lastKey;
      if (lastKey !== undefined) break;
    }
    if (lastKey === undefined && items.length >= limit && index < partitions.length) lastKey = { pk: partitions[index] };
    return pageAnswer(undefined, items.map(deadLetterView), lastKey);
  };

  const routes: Routes = { getAggregates: aggregates, getTrending: trending, getKeptRecords: keptRecords, getDeadLetters: deadLetters };
  return (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
    answerRoute<'results', unknown>(event, undefined, routes, (route, error) =>
      logger.error('request failed', { route, error: error as Error }),
    );
}

let defaultHandler: ReturnType<typeof createResultsHandler> | undefined;

/** The Lambda entry point: `RESULTS_TABLE` (and `DYNAMODB_ENDPOINT` locally), the built-in spec. */
export function handler(event: APIGatewayProxyEvent, _context?: Context): Promise<APIGatewayProxyResult> {
  try {
    defaultHandler ??= createResultsHandler({
      spec: pipeline,
      reader: new ResultsReader(createDocumentClient(), requireEnv(ENV.resultsTable)),
    });
  } catch (error) {
    return Promise.resolve(errorAnswer(error));
  }
  return defaultHandler(event);
}
