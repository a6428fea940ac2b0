/**
 * `fluxo verify`: regenerates a load run's records from its manifest, computes directly what every
 * consumer must have stored for the acknowledged ones, reads what is stored over HTTP
 * (`GET /results/{consumer}`) and lists every difference. The consumers may still be catching up
 * right after a load, so it polls until everything agrees or the wait runs out.
 */
import type { PipelineSpec } from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { callApi } from '../api-client';
import { compareConsumer, compareTop, expectedTop, type Difference, type StoredAggregate } from './compare';
import { sleep, type ScenarioContext } from './load';
import { inRanges, readManifest, sentAtOf, type RunManifest } from './manifest';
import { recordsOf, type ExpectedAggregate, type Scenario } from './scenario';

/** How many keys the trending list check compares. */
export const TOP_N = 10;

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
  /** Trending-list windows compared. */
  readonly rankings: number;
  /** Every difference of the last look; empty when everything agrees. */
  readonly differences: readonly Difference[];
}

interface ResultsPage {
  readonly items: ReadonlyArray<{
    key: string;
    windowStart: string;
    windowEnd: string;
    count: number;
    late?: number;
    measures?: Record<string, number>;
  }>;
  readonly nextCursor?: string;
}

function stored(item: ResultsPage['items'][number]): StoredAggregate {
  return {
    key: item.key,
    windowStart: Date.parse(item.windowStart),
    windowEnd: Date.parse(item.windowEnd),
    count: item.count,
    late: item.late ?? 0,
    measures: item.measures ?? {},
  };
}

/** Every aggregate of a consumer whose window overlaps `[from, to)`, all pages. */
export async function storedAggregates(context: ScenarioContext, consumer: string, from: number, to: number): Promise<StoredAggregate[]> {
  const found: StoredAggregate[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ from: String(from), to: String(to), limit: '1000' });
    if (cursor !== undefined) query.set('cursor', cursor);
    const { body } = await callApi(context, 'GET', `/results/${encodeURIComponent(consumer)}?${query.toString()}`);
    const page = body as ResultsPage;
    found.push(...page.items.map(stored));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

async function storedTop(context: ScenarioContext, consumer: string, windowStart: number): Promise<string[]> {
  const { body } = await callApi(context, 'GET', `/results/${encodeURIComponent(consumer)}?top=${TOP_N}&from=${windowStart}`);
  return (body as ResultsPage).items.map((item) => `${item.key}=${item.count}`);
}

/** The acknowledged records of a run and what each consumer must store for them. */
export function expectationOf(
  scenario: Scenario,
  manifest: RunManifest,
  spec: PipelineSpec,
): { records: number; from: number; to: number; expected: ExpectedAggregate[] } {
  const all = recordsOf(scenario, manifest.seed, manifest.count, (index) => sentAtOf(manifest, index));
  const acknowledged = all.filter((r) => inRanges(manifest.acknowledged, r.index));
  // Every window any record sent falls in, acknowledged or not.
  const from = all.reduce((min, r) => Math.min(min, r.timestamp), Infinity);
  const to = all.reduce((max, r) => Math.max(max, r.timestamp), -Infinity) + 1;
  if (all.length === 0) return { records: 0, from: manifest.start, to: manifest.start + 1, expected: [] };
  return {
    records: acknowledged.length,
    from,
    to,
    expected: scenario.expected(acknowledged, { spec, prefix: manifest.prefix }),
  };
}

async function look(
  context: ScenarioContext,
  scenario: Scenario,
  manifest: RunManifest,
  expectation: ReturnType<typeof expectationOf>,
): Promise<{ differences: Difference[]; rankings: number }> {
  const differences: Difference[] = [];
  let rankings = 0;
  for (const name of scenario.consumers) {
    const consumer = `${manifest.prefix}${name}`;
    const expected = expectation.expected.filter((e) => e.consumer === consumer);
    differences.push(...compareConsumer(consumer, expected, await storedAggregates(context, consumer, expectation.from, expectation.to)));
    if (name !== scenario.ranked) continue;
    for (const windowStart of [...new Set(expected.map((e) => e.windowStart))].sort((a, b) => a - b)) {
      rankings += 1;
      differences.push(
        ...compareTop(consumer, windowStart, expectedTop(expected, windowStart, TOP_N), await storedTop(context, consumer, windowStart)),
      );
    }
  }
  return { differences, rankings };
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
  };
}
