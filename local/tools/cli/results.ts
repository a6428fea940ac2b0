/**
 * `fluxo results <consumer>`: a consumer's stored aggregates (panes of a hopping consumer), the
 * top-K of its window at an instant (`--top K [--at T]`) or its break-outs (`--trending`), read
 * over the results API through the typed client.
 */
import { API, EVENT_TIME_ISO, type AggregateView, type TrendingView } from '../../../core/api/routes';
import { getRoute } from '../api-client';
import { print, wholeFlag, type Options } from './commands';
import type { CliContext } from './context';
import { UsageError } from './errors';

/** The usage line of `fluxo results`. */
export const RESULTS_USAGE =
  'usage: fluxo results <consumer> [--key K] [--from T] [--to T] [--limit N] | --top K [--at T] | --trending [--top K] [--at T] [--baseline B] [--min-count M]';

/** `--at`: an ISO 8601 date-time with a zone, or epoch milliseconds, as the API takes it. */
function atFlag(options: Options): string | undefined {
  const value = options.at;
  if (value === undefined) return undefined;
  const iso = new RegExp(EVENT_TIME_ISO.pattern as string, 'u');
  if (typeof value !== 'string' || !(/^\d{1,14}$/.test(value) || (iso.test(value) && Number.isFinite(Date.parse(value)))))
    throw new UsageError(
      `--at must be an ISO 8601 date-time with a zone (2026-11-29T21:45:00Z) or epoch milliseconds (got "${String(value)}")`,
    );
  return value;
}

/** Refuses flags that mean nothing with the ones given. */
function refuse(options: Options, flags: readonly string[], why: string): void {
  const given = flags.find((flag) => options[flag] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} ${why}`);
}

/** A measure or score as printed: whole numbers as they are, others with two decimals. */
export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** One aggregate as a line: window start, key, count, late, measures. */
export function aggregateLine(item: AggregateView): string {
  const measures = Object.entries(item.measures ?? {}).map(([name, value]) => `${name}=${formatNumber(value)}`);
  const late = item.late ? `  late=${item.late}` : '';
  return `${item.windowStart}  ${item.key.padEnd(16)} count=${item.count}${late}  ${measures.join('  ')}`.trimEnd();
}

/** The trending list as lines: which window against which baseline, then one line per key, rising ones marked. */
export function trendingLines(answer: TrendingView): string[] {
  const head = `${answer.consumer}: window ${answer.windowStart} to ${answer.windowEnd} against the ${answer.baselineWindows} window(s) of ${answer.sizeSeconds} s before it, keys counted ${answer.minCount} time(s) or more`;
  if (answer.items.length === 0) return [head, '(no key)'];
  return [
    head,
    ...answer.items.map((item, rank) =>
      `${String(rank + 1).padStart(3)}  ${item.key.padEnd(16)} count=${String(item.count).padEnd(6)} baseline=${formatNumber(item.baseline).padEnd(8)} score=${formatNumber(item.score).padEnd(6)}${item.rising ? ' rising' : ''}`.trimEnd(),
    ),
  ];
}

/**
 * `fluxo results <consumer>`: without `--top` or `--trending`, the stored aggregates (newest
 * first; a hopping consumer's panes); `--top K [--at T]`, the K keys of the window ending at the
 * last pane boundary at or before T (default now); `--trending`, the keys rising against the
 * windows before it.
 */
export async function results(context: CliContext, consumer: string | undefined, options: Options): Promise<void> {
  if (consumer === undefined) throw new UsageError(RESULTS_USAGE);
  const at = atFlag(options);
  if (options.trending === true) {
    refuse(options, ['key', 'from', 'to', 'limit'], 'cannot be used with --trending');
    const declared = API.getTrending.query.properties;
    const answer = await getRoute(context, 'getTrending', {
      path: { consumer },
      query: {
        top: wholeFlag(options, 'top', declared.top),
        at,
        baseline: wholeFlag(options, 'baseline', declared.baseline),
        minCount: wholeFlag(options, 'min-count', declared.minCount),
      },
    });
    if (options.json) print(context, JSON.stringify(answer));
    else for (const line of trendingLines(answer)) print(context, line);
    return;
  }
  refuse(options, ['baseline', 'min-count'], 'needs --trending');
  const declared = API.getAggregates.query.properties;
  const top = wholeFlag(options, 'top', declared.top);
  if (at !== undefined) {
    if (top === undefined) throw new UsageError('--at needs --top or --trending');
    refuse(options, ['from', 'to'], 'cannot be used with --at (--at picks the window)');
  }
  const text = (flag: string): string | undefined => (typeof options[flag] === 'string' ? (options[flag] as string) : undefined);
  const page = await getRoute(context, 'getAggregates', {
    path: { consumer },
    query: { key: text('key'), from: text('from'), to: text('to'), limit: wholeFlag(options, 'limit', declared.limit), top, at },
  });
  if (options.json) {
    print(context, JSON.stringify(page));
    return;
  }
  if (page.items.length === 0) {
    print(context, `no results for ${consumer} yet`);
    return;
  }
  for (const item of page.items) print(context, aggregateLine(item));
}
