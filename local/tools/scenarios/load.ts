/**
 * `fluxo load`: the course's simultaneous producers, faster. N producers post a scenario's
 * records over HTTP on a schedule that gives the target total rate; each request carries an
 * `Idempotency-Key` derived from the run and the batch, so a request retried after a 503, a 429
 * or a lost answer writes nothing twice. The run's manifest says which records were
 * acknowledged, for `fluxo verify`.
 */
import { isAbsolute, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as timer } from 'node:timers/promises';
import { percentile } from '../stats';
import { apiRequest, describeApiError, retryAfterMs, type ApiTarget } from '../api-client';
import { writeManifest, toRanges, type RunManifest } from './manifest';
import { progressDisplay, type ProgressCounts } from './progress';
import {
  BREAKOUT_FACTOR,
  BreakoutError,
  eventTimeOf,
  plannedOffsetMs,
  type Breakout,
  type Scenario,
  type ScenarioRecord,
  type ValuesPlan,
} from './scenario';
import { backoffMs, type BackoffPolicy } from '../../../core/backoff';
import type { RecordResultView } from '../../../core/api/routes';
import { namedError } from '../../../core/errors';

/** Most records in one request (the API takes up to 500). */
export const MAX_BATCH = 500;

/** Where a scenario runs: the API, a signal that stops it, and where progress goes. The CLI's context is one. */
export interface ScenarioContext extends ApiTarget {
  readonly io: { readonly signal: AbortSignal; readonly stderr: (text: string) => void };
}

/** How a failed request is retried: backoff from `initialMs` doubling to `maxMs`, unless the answer has a `Retry-After`. */
export interface RetryPolicy extends BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The API and the CLI's streams; Ctrl-C (`io.signal`) stops the run and keeps what was acknowledged. */
  readonly context: ScenarioContext;
  readonly scenario: Scenario;
  readonly seed: number;
  /** Concurrent producers, each with one request in flight. @default 4 */
  readonly producers?: number;
  /** Target total rate, records per second. @default 200 */
  readonly rate?: number;
  /** How long the run lasts, in seconds: `rate * duration` records in all. @default 60 */
  readonly durationSeconds?: number;
  /** Records per request (per topic). @default 1, as the course's producers send them */
  readonly batch?: number;
  /** Prefix of the deployed topic names (see `Target.prefix`). @default '' */
  readonly prefix?: string;
  /** Where the manifest goes. @default .fluxo/runs */
  readonly runsDir?: string;
  /** Whether standard error is a terminal (a redrawn bar) or not (plain lines). @default false */
  readonly tty?: boolean;
  /** Show progress at all. @default true */
  readonly progress?: boolean;
  /** @default 8 attempts, 100 ms doubling to 5 s */
  readonly retry?: RetryPolicy;
  /**
   * The break-out to plant (tweets only); null plants none.
   * @default the scenario's own (`defaultBreakout`), none for a scenario without one
   */
  readonly breakout?: Breakout | null;
}

/** What a load run did. */
export interface LoadSummary {
  readonly manifest: RunManifest;
  /** The manifest's path. */
  readonly file: string;
  /** Records sent at least once. */
  readonly sent: number;
  readonly acknowledged: number;
  readonly rejected: number;
  readonly unanswered: number;
  /** From the first request to the last answer. */
  readonly elapsedMs: number;
  /** Acknowledged records per second over `elapsedMs`. */
  readonly achievedRate: number;
  /** Request latency until acknowledged (first attempt to final answer), ms; undefined when nothing was acknowledged. */
  readonly latency: { readonly p50: number; readonly p99: number } | undefined;
  /** Distinct reasons records were refused or given up, with how many records each. */
  readonly errors: ReadonlyArray<{ readonly message: string; readonly records: number }>;
}

/** Load options out of range. */
export class LoadOptionsError extends namedError('LoadOptionsError') {}

const DEFAULT_RETRY: RetryPolicy = { attempts: 8, initialMs: 100, maxMs: 5000 };
/** Statuses worth retrying with the same key: in progress, throttled, unavailable, gateway errors. */
const RETRYABLE = new Set([409, 429, 502, 503, 504]);

/** Resolves after `ms`, or at once when `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  // The timer rejects when the signal aborts: stopping early is what the callers want.
  if (ms > 0) await timer(ms, undefined, { signal }).catch(() => undefined);
}

/** What one request ended with, record by record. */
type Outcome =
  | { readonly kind: 'answered'; readonly results: readonly RecordResultView[]; readonly latencyMs: number }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'unanswered'; readonly message: string };

/** Posts one request, retrying what is worth retrying with the same `Idempotency-Key`. */
async function postWithRetries(
  context: ScenarioContext,
  topic: string,
  records: readonly ScenarioRecord[],
  idempotencyKey: string,
  retry: RetryPolicy,
): Promise<Outcome> {
  const body = JSON.stringify({ records: records.map((r) => ({ value: r.value, timestamp: r.timestamp })) });
  const began = performance.now();
  let last = 'not sent';
  for (let attempt = 1; attempt <= retry.attempts && !context.io.signal.aborted; attempt += 1) {
    const delay = backoffMs(attempt, retry);
    let wait = delay;
    try {
      const answer = await apiRequest(context, 'POST', `/topics/${encodeURIComponent(topic)}/records`, body, {
        'idempotency-key': idempotencyKey,
      });
      if (answer.status === 200 || answer.status === 207) {
        const results = (answer.body as { results?: RecordResultView[] } | undefined)?.results;
        if (!Array.isArray(results) || results.length !== records.length)
          return { kind: 'refused', message: `${answer.status} with an unreadable answer` };
        return { kind: 'answered', results, latencyMs: performance.now() - began };
      }
      last = describeApiError(answer.status, answer.body);
      if (!RETRYABLE.has(answer.status)) return { kind: 'refused', message: last };
      wait = retryAfterMs(answer.headers) ?? delay;
    } catch (error) {
      // No answer (connection refused or reset): the request may or may not have been written;
      // the retry's Idempotency-Key makes either case safe.
      last = `no answer: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`;
    }
    if (attempt < retry.attempts) await sleep(Math.min(wait, retry.maxMs), context.io.signal);
  }
  return { kind: 'unanswered', message: context.io.signal.aborted ? 'interrupted' : last };
}

/** The topic groups of one batch, each in index order (a batch of ticks holds both tickers). */
function byTopic(records: readonly ScenarioRecord[]): Map<string, ScenarioRecord[]> {
  const groups = new Map<string, ScenarioRecord[]>();
  for (const record of records) {
    const group = groups.get(record.topic) ?? [];
    group.push(record);
    groups.set(record.topic, group);
  }
  return groups;
}

function checked(name: string, value: number, min: number, max: number, whole: boolean): number {
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new LoadOptionsError(`--${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/** The break-out a run plants: the one asked for, checked, else the scenario's default; undefined for none. */
function breakoutOf(scenario: Scenario, asked: Breakout | null | undefined, durationSeconds: number): Breakout | undefined {
  if (asked === null) return undefined;
  if (asked === undefined) return scenario.defaultBreakout?.(durationSeconds);
  if (scenario.defaultBreakout === undefined)
    throw new LoadOptionsError(`--breakout: only a scenario with hashtags can plant a break-out (tweets), not ${scenario.name}`);
  if (!Number.isFinite(asked.atSeconds) || asked.atSeconds < 0 || asked.atSeconds >= durationSeconds)
    throw new LoadOptionsError(
      `--breakout-at must be a minute of the run, from 0 to less than its ${durationSeconds / 60} minute(s) (got ${asked.atSeconds / 60})`,
    );
  return asked;
}

/**
 * Runs a scenario's load: `rate * duration` records, batch k of `batch` records due at
 * `k * batch / rate` seconds and sent by producer `k mod producers`. A producer that falls behind
 * sends at once what is due (the achieved rate shows it). A record's event time is the instant
 * its batch was first sent (shuffled within that minute for ticks), written to the manifest.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const { context, scenario, seed, prefix = '', retry = DEFAULT_RETRY } = options;
  const producers = checked('producers', options.producers ?? 4, 1, 1000, true);
  const rate = checked('rate', options.rate ?? 200, 0.01, 1_000_000, false);
  const durationSeconds = checked('duration', options.durationSeconds ?? 60, 0.01, 86_400, false);
  const batch = checked('batch', options.batch ?? 1, 1, MAX_BATCH, true);
  const count = Math.round(rate * durationSeconds);
  if (count < 1) throw new LoadOptionsError(`--rate times --duration must give at least one record (got ${rate} x ${durationSeconds})`);

  if (scenario.maxRecordsPerMinute !== undefined && rate * 60 > scenario.maxRecordsPerMinute) {
    throw new LoadOptionsError(`--rate must be at most ${scenario.maxRecordsPerMinute / 60} records/s for ${scenario.name}`);
  }

  const breakout = breakoutOf(scenario, options.breakout, durationSeconds);
  const plan: ValuesPlan = { rate, batch, ...(breakout === undefined ? {} : { breakout }) };
  let values;
  try {
    values = scenario.values(seed, count, plan);
  } catch (error) {
    if (error instanceof BreakoutError) throw new LoadOptionsError(error.message);
    throw error;
  }
  const start = Date.now();
  const batches = Math.ceil(count / batch);
  const sentAt: Array<number | null> = new Array<number | null>(batches).fill(null);
  const began = performance.now();

  const acknowledged: number[] = [];
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let sent = 0;
  let rejected = 0;
  let unanswered = 0;
  let lastAnswer = began;
  const counts = (): ProgressCounts => ({
    total: count,
    sent,
    acknowledged: acknowledged.length,
    rejected,
    elapsedMs: performance.now() - began,
  });
  const display = options.progress === false ? undefined : progressDisplay({ write: context.io.stderr, tty: options.tty === true });
  const ticker = display === undefined ? undefined : setInterval(() => display.update(counts()), 100);
  const noteError = (message: string, records: number): void => void errors.set(message, (errors.get(message) ?? 0) + records);

  const producer = async (p: number): Promise<void> => {
    for (let k = p; k < batches && !context.io.signal.aborted; k += producers) {
      await sleep(began + plannedOffsetMs(k * batch, plan) - performance.now(), context.io.signal);
      if (context.io.signal.aborted) return;
      const at = Date.now();
      sentAt[k] = at - start;
      const first = k * batch;
      const records: ScenarioRecord[] = values
        .slice(first, first + batch)
        .map((v, j) => ({ ...v, index: first + j, timestamp: eventTimeOf(scenario, first + j, at, seed) }));
      for (const [topic, group] of byTopic(records)) {
        sent += group.length;
        const outcome = await postWithRetries(
          context,
          `${prefix}${topic}`,
          group,
          `fluxo-load-${scenario.name}-${seed}-${start}-${k}-${topic}`,
          retry,
        );
        lastAnswer = performance.now();
        if (outcome.kind === 'answered') {
          latencies.push(outcome.latencyMs);
          outcome.results.forEach((result, i) => {
            if ('offset' in result) acknowledged.push((group[i] as ScenarioRecord).index);
            else {
              rejected += 1;
              noteError(`${result.error_code ?? '?'}: ${result.message ?? 'refused'}`, 1);
            }
          });
        } else {
          if (outcome.kind === 'refused') rejected += group.length;
          else unanswered += group.length;
          noteError(outcome.message, group.length);
        }
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: producers }, (_, p) => producer(p)));
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
  }
  display?.done(counts());

  const elapsedMs = lastAnswer - began;
  const manifest: RunManifest = {
    scenario: scenario.name,
    seed,
    count,
    start,
    sentAt,
    prefix,
    url: context.url,
    producers,
    rate,
    durationSeconds,
    batch,
    ...(breakout === undefined ? {} : { breakout }),
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted: context.io.signal.aborted,
    acknowledged: toRanges(acknowledged),
    rejected,
    unanswered,
  };
  const file = writeManifest(manifest, options.runsDir);
  return {
    manifest,
    file,
    sent,
    acknowledged: acknowledged.length,
    rejected,
    unanswered,
    elapsedMs,
    achievedRate: elapsedMs > 0 ? (acknowledged.length * 1000) / elapsedMs : 0,
    latency: latencies.length === 0 ? undefined : { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    errors: [...errors].map(([message, n]) => ({ message, records: n })).sort((a, b) => b.records - a.records),
  };
}

/** Seconds into a run as `m:ss`. */
function formatOffset(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** The summary's lines, as `fluxo load` prints them. */
export function formatLoadSummary(summary: LoadSummary): string[] {
  const { manifest } = summary;
  const fromHere = relative(process.cwd(), summary.file);
  const file = fromHere.startsWith('..') || isAbsolute(fromHere) ? summary.file : fromHere;
  const latency =
    summary.latency === undefined ? 'n/a' : `p50 ${summary.latency.p50.toFixed(1)} ms, p99 ${summary.latency.p99.toFixed(1)} ms`;
  return [
    `${manifest.scenario} (seed ${manifest.seed}): ${manifest.producers} producers, target ${manifest.rate} records/s for ${manifest.durationSeconds} s, ${manifest.batch} record(s) per request${manifest.interrupted ? ' (interrupted)' : ''}`,
    `sent          ${summary.sent} of ${manifest.count}`,
    `acknowledged  ${summary.acknowledged}`,
    `rejected      ${summary.rejected}`,
    ...(summary.unanswered > 0 ? [`unanswered    ${summary.unanswered} (gave up after retries)`] : []),
    `achieved      ${summary.achievedRate.toFixed(1)} records/s over ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    `ack latency   ${latency} (per request)`,
    ...(manifest.breakout === undefined
      ? []
      : [`break-out     #${manifest.breakout.hashtag} x${BREAKOUT_FACTOR} from ${formatOffset(manifest.breakout.atSeconds)} into the run`]),
    ...summary.errors.slice(0, 5).map((e) => `  ${e.records} record(s): ${e.message}`),
    `run manifest  ${file}`,
    `verify with   fluxo verify ${manifest.scenario} --seed ${manifest.seed}`,
  ];
}
