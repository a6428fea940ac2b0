/**
 * `fluxo verify`: regenerates a load run's records from its manifest, computes directly what every
 * consumer must have stored for the acknowledged ones, reads what is stored over HTTP
 * (`GET /results/{consumer}`) and lists every difference. For the ranked consumer (tweets'
 * hashtags-5m) it also asks, at every pane boundary of the run, for the top-K of the hopping
 * window ending there (`?top=K&at=w`) and the trending list (`/trending?at=w`), and compares
 * them with the direct computation of hopping.ts. The consumers may still be catching up right
 * after a load, so it polls until everything agrees or the wait runs out.
 */
import type { PipelineSpec } from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { getRoute } from '../api-client';
import { compareConsumer, compareTopAt, compareTrendingAt, type Difference, type StoredAggregate } from './compare';
import { boundariesOf, directTop, directTrending, paneCountsOf, type HoppingWindow, type PaneCounts, type TrendingQuery } from './hopping';
import { sleep, type ScenarioContext } from './load';
import { inRanges, planOf, readManifest, sentAtOf, type RunManifest } from './manifest';
import { plannedOffsetMs, recordsOf, windowOf, type ExpectedAggregate, type Scenario, type ScenarioRecord } from './scenario';

/** How many keys the top-K check compares. */
export const TOP_N = 10;
/**
 * The trending list verify asks for and computes, every parameter given (the API's defaults are
 * not assumed): the 10 keys with the highest score against the 3 windows before, counted 5 times or more.
 */
export const TRENDING_QUERY: TrendingQuery = { top: 10, baseline: 3, minCount: 5 };

/** Options of {@link verifyRun}. */
export interface VerifyOptions {
  readonly context: ScenarioContext;
  readonly scenario: Scenario;
  readonly seed: number;
  /** Where the manifests are. @default .fluxo/runs */
  readonly runsDir?: string;
  /** The spec the API runs (window sizes). @default pipeline.ts */
  readonly spec?: PipelineSpec;
  /** How long to wait for the stored aggregates to agree, ms. @default 0: one look */
  readonly waitMs?: number;
  /** Interval between two looks while waiting, ms. @default 500 */
  readonly pollMs?: number;
  /** Called after each look that still differs while time is left (progress). */
  readonly onWaiting?: (differences: number, remainingMs: number) => void;
}

/** What a verification found. */
export interface VerifyReport {
  readonly manifest: RunManifest;
  /** Records the comparison covers: the acknowledged ones. */
  readonly records: number;
  /** Aggregates the direct computation expects, over every consumer. */
  readonly expected: number;
  /** Pane boundaries at which the top-K and trending lists were compared. */
  readonly rankings: number;
  /** The planted break-out, as the direct computation sees it; absent when the run planted none. */
  readonly breakout?: BreakoutSeen;
  /** Every difference of the last look; empty when everything agrees. */
  readonly differences: readonly Difference[];
}

/** Every aggregate of a consumer whose window overlaps `[from, to)` (a hopping consumer's panes), all pages. */
export async function storedAggregates(context: ScenarioContext, consumer: string, from: number, to: number): Promise<StoredAggregate[]> {
  const found: StoredAggregate[] = [];
  let cursor: string | undefined;
  do {
    const page = await getRoute(context, 'getAggregates', {
      path: { consumer },
      query: { from: String(from), to: String(to), limit: 1000, cursor },
    });
    found.push(
      ...page.items.map((item) => ({ ...item, windowStart: Date.parse(item.windowStart), windowEnd: Date.parse(item.windowEnd) })),
    );
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

/** The ranked consumer's hopping window and pane counts, as the direct computation gives them. */
interface Ranked {
  readonly consumer: string;
  readonly window: HoppingWindow;
  readonly panes: PaneCounts;
  readonly boundaries: readonly number[];
}

/** A planted break-out in the direct computation: when it rose and when the trending list first shows it. */
export interface BreakoutSeen {
  readonly hashtag: string;
  /** The event time of the first record due from the break-out on (epoch ms). */
  readonly riseAt: number;
  /** The first pane boundary at or after the rise whose trending list it leads; absent when none of the run's does. */
  readonly firstAt?: number;
  /** The first such boundary at which it is marked rising. */
  readonly risingAt?: number;
  /** The consumer's pane length, ms. */
  readonly advanceMs: number;
}

/** The acknowledged records of a run and what each consumer must store for them. */
export function expectationOf(
  scenario: Scenario,
  manifest: RunManifest,
  spec: PipelineSpec,
): { records: number; from: number; to: number; expected: ExpectedAggregate[]; ranked?: Ranked; breakout?: BreakoutSeen } {
  const plan = planOf(manifest);
  const all = recordsOf(scenario, manifest.seed, manifest.count, (index) => sentAtOf(manifest, index), plan);
  const acknowledged = all.filter((r) => inRanges(manifest.acknowledged, r.index));
  // Every window any record sent falls in, acknowledged or not.
  const from = all.reduce((min, r) => Math.min(min, r.timestamp), Infinity);
  const to = all.reduce((max, r) => Math.max(max, r.timestamp), -Infinity) + 1;
  if (all.length === 0) return { records: 0, from: manifest.start, to: manifest.start + 1, expected: [] };
  const target = { spec, prefix: manifest.prefix };
  const expected = scenario.expected(acknowledged, target);
  if (scenario.ranked === undefined) return { records: acknowledged.length, from, to, expected };
  const consumer = `${manifest.prefix}${scenario.ranked}`;
  const window = windowOf(target, scenario.ranked);
  const panes = paneCountsOf(expected.filter((e) => e.consumer === consumer));
  const ranked = { consumer, window, panes, boundaries: boundariesOf(panes, window.advanceMs) };
  const breakout = manifest.breakout === undefined ? undefined : breakoutSeen(ranked, acknowledged, plan, manifest.breakout);
  return { records: acknowledged.length, from, to, expected, ranked, breakout };
}

function breakoutSeen(
  ranked: Ranked,
  records: readonly ScenarioRecord[],
  plan: ReturnType<typeof planOf>,
  breakout: NonNullable<RunManifest['breakout']>,
): BreakoutSeen | undefined {
  const after = records.filter((r) => plannedOffsetMs(r.index, plan) >= breakout.atSeconds * 1000);
  if (after.length === 0) return undefined;
  const riseAt = after.reduce((min, r) => Math.min(min, r.timestamp), Infinity);
  let firstAt: number | undefined;
  let risingAt: number | undefined;
  for (const w of ranked.boundaries) {
    if (w < riseAt) continue;
    const lead = directTrending(ranked.panes, w, ranked.window, TRENDING_QUERY)[0];
    if (lead?.key !== breakout.hashtag) continue;
    firstAt ??= w;
    if (lead.rising) {
      risingAt = w;
      break;
    }
  }
  return { hashtag: breakout.hashtag, riseAt, advanceMs: ranked.window.advanceMs, firstAt, risingAt };
}

/** The top-K and trending lists at every pane boundary of the run, from the API, against the direct computation. */
async function compareRankings(context: ScenarioContext, ranked: Ranked): Promise<Difference[]> {
  const { consumer, window, panes } = ranked;
  const differences: Difference[] = [];
  for (const w of ranked.boundaries) {
    const hopping = { start: w - window.sizeMs, end: w };
    const top = await getRoute(context, 'getAggregates', { path: { consumer }, query: { top: TOP_N, at: String(w) } });
    differences.push(...compareTopAt(consumer, hopping, directTop(panes, w, window, TOP_N), top.items));
    const trending = await getRoute(context, 'getTrending', { path: { consumer }, query: { ...TRENDING_QUERY, at: String(w) } });
    differences.push(...compareTrendingAt(consumer, hopping, TRENDING_QUERY, directTrending(panes, w, window, TRENDING_QUERY), trending));
  }
  return differences;
}

async function look(
  context: ScenarioContext,
  scenario: Scenario,
  manifest: RunManifest,
  expectation: ReturnType<typeof expectationOf>,
): Promise<{ differences: Difference[]; rankings: number }> {
  const differences: Difference[] = [];
  for (const name of scenario.consumers) {
    const consumer = `${manifest.prefix}${name}`;
    const expected = expectation.expected.filter((e) => e.consumer === consumer);
    differences.push(...compareConsumer(consumer, expected, await storedAggregates(context, consumer, expectation.from, expectation.to)));
  }
  const { ranked } = expectation;
  if (ranked !== undefined) differences.push(...(await compareRankings(context, ranked)));
  return { differences, rankings: ranked?.boundaries.length ?? 0 };
}

/**
 * Compares the stored aggregates of a run with the direct computation; with `waitMs`, looks again
 * until they agree or the time is up. Resolves to the last look's differences.
 */
export async function verifyRun(options: VerifyOptions): Promise<VerifyReport> {
  const { context, scenario, seed, spec = pipeline, waitMs = 0, pollMs = 500 } = options;
  const manifest = readManifest(scenario.name, seed, options.runsDir);
  const expectation = expectationOf(scenario, manifest, spec);
  const deadline = Date.now() + waitMs;
  let result = await look(context, scenario, manifest, expectation);
  while (result.differences.length > 0 && Date.now() + pollMs <= deadline && !context.io.signal.aborted) {
    options.onWaiting?.(result.differences.length, deadline - Date.now());
    await sleep(pollMs, context.io.signal);
    result = await look(context, scenario, manifest, expectation);
  }
  return {
    manifest,
    records: expectation.records,
    expected: expectation.expected.length,
    rankings: result.rankings,
    differences: result.differences,
    breakout: expectation.breakout,
  };
}
