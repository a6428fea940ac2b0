/**
 * The course's exercises end to end on the local stack: each scenario's load goes over HTTP to
 * copies of the built-in topics and consumers (`sc-health`, `sc-ohlc-1m`, ..., see
 * pipeline-spec.ts, so no other test writes into their windows), and every stored aggregate is
 * compared with the direct computation: exact for counts, sums, min, max, first and last,
 * relative 1e-9 for averages; for tweets, the top-K and trending lists at every pane boundary too.
 * A break-out is planted in a copy of hashtags-5m whose window is scaled down (`bo-`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { cliContext, type CliContext } from '../../local/tools/cli/context';
import { run } from '../../local/tools/cli/main';
import { healthScenario } from '../../local/tools/scenarios/health';
import type { Difference } from '../../local/tools/scenarios/compare';
import { getRoute } from '../../local/tools/api-client';
import { runLoad, sleep } from '../../local/tools/scenarios/load';
import type { Scenario } from '../../local/tools/scenarios/scenario';
import { ticksScenario } from '../../local/tools/scenarios/ticks';
import { tweetsScenario } from '../../local/tools/scenarios/tweets';
import { verifyRun } from '../../local/tools/scenarios/verify';
import { apiUrl, eventually, post } from './helpers';
import { BREAKOUT_PREFIX, pipeline, SCENARIO_PREFIX } from './pipeline-spec';

const RUNS_DIR = mkdtempSync(join(tmpdir(), 'fluxo-it-runs-'));

function context(): CliContext {
  const io = {
    stdout: () => undefined,
    stderr: () => undefined,
    stdin: Readable.from([]),
    env: { FLUXO_URL: apiUrl() },
    signal: new AbortController().signal,
  };
  return cliContext(io, () => undefined);
}

/** Four producers, 600 records in two seconds, ten per request. */
async function loadAndVerify(scenario: Scenario, seed: number) {
  const summary = await runLoad({
    context: context(),
    scenario,
    seed,
    producers: 4,
    rate: 300,
    durationSeconds: 2,
    batch: 10,
    prefix: SCENARIO_PREFIX,
    runsDir: RUNS_DIR,
    progress: false,
  });
  const report = await verifyRun({ context: context(), scenario, seed, runsDir: RUNS_DIR, spec: pipeline, waitMs: 60_000, pollMs: 250 });
  return { summary, report };
}

afterAll(() => rmSync(RUNS_DIR, { recursive: true, force: true }));

describe('course scenarios on the local stack', () => {
  it('stores for the health tuples exactly what the peso > 80 and IMC > 35 filters give directly, and verify sees a stray record', async () => {
    // Act
    const { summary, report } = await loadAndVerify(healthScenario, 11);

    // Assess
    expect(summary).toMatchObject({ sent: 600, acknowledged: 600, rejected: 0, unanswered: 0 });
    expect(report.records).toBe(600);
    expect(report.expected).toBeGreaterThanOrEqual(2);
    expect(report.differences).toEqual([]);

    // Act: one more heavy tuple in the run's first window, from outside the run
    await post(`${SCENARIO_PREFIX}health`, [{ value: [1, { idade: 30, altura: 170, peso: 95 }], timestamp: summary.manifest.start }]);
    const stray = (d: Difference): boolean => d.consumer === 'sc-peso-acima-80' && (d.measure === 'count' || d.measure === 'late');
    const after = await eventually(
      () => verifyRun({ context: context(), scenario: healthScenario, seed: 11, runsDir: RUNS_DIR, spec: pipeline }),
      (r) => r.differences.some(stray),
    );

    // Assess: one more than expected, counted in the window or, on a slow machine past its grace, as late
    const found = after.differences.find(stray);
    expect(found).toMatchObject({ key: 'all', windowStart: Math.floor(summary.manifest.start / 60_000) * 60_000 });
    expect((found?.actual as number) - ((found?.expected as number | undefined) ?? 0)).toBe(1);
  });

  it('stores open, high, low, close and volume per ticker and minute as computed directly on event time', async () => {
    // Act
    const { summary, report } = await loadAndVerify(ticksScenario, 12);

    // Assess
    expect(summary).toMatchObject({ acknowledged: 600, rejected: 0, unanswered: 0 });
    expect(report.differences).toEqual([]);
    expect(report.expected).toBeGreaterThanOrEqual(2);
  });

  it('counts each hashtag once per tweet per 30-s pane and ranks the 5-minute top-K and trending lists as computed directly', async () => {
    // Act
    const { summary, report } = await loadAndVerify(tweetsScenario, 13);

    // Assess
    expect(summary).toMatchObject({ acknowledged: 600, rejected: 0, unanswered: 0 });
    expect(report.differences).toEqual([]);
    expect(report.expected).toBeGreaterThanOrEqual(10);
    expect(report.rankings).toBeGreaterThanOrEqual(1);
  });

  it('ranks a planted break-out first in the trending list within one advance of its rise, as computed directly at every pane boundary', async () => {
    // Prepare: bo-hashtags-5m's window is 10 s advancing every 2 s; the rise, 40 s into the run,
    // falls 0.1 s after a pane boundary, after the 3 baseline windows of history
    const advanceMs = 2000;
    await sleep((advanceMs - (Date.now() % advanceMs) + 100) % advanceMs);

    // Act: 100 tweets a second for 44 s, #copa2026 in ten times as many from 40 s on
    const summary = await runLoad({
      context: context(),
      scenario: tweetsScenario,
      seed: 21,
      producers: 4,
      rate: 100,
      durationSeconds: 44,
      batch: 10,
      prefix: BREAKOUT_PREFIX,
      runsDir: RUNS_DIR,
      progress: false,
      breakout: { hashtag: 'copa2026', atSeconds: 40 },
    });
    const report = await verifyRun({
      context: context(),
      scenario: tweetsScenario,
      seed: 21,
      runsDir: RUNS_DIR,
      spec: pipeline,
      waitMs: 90_000,
      pollMs: 500,
    });

    // Assess: the API agrees with the direct computation at every boundary, and leads with the break-out one advance after its rise
    expect(summary).toMatchObject({ acknowledged: 4400, rejected: 0, unanswered: 0 });
    expect(report.differences).toEqual([]);
    expect(report.rankings).toBeGreaterThanOrEqual(20);
    const { riseAt, firstAt } = report.breakout ?? {};
    expect(firstAt! - riseAt!).toBeGreaterThanOrEqual(0);
    expect(firstAt! - riseAt!).toBeLessThanOrEqual(advanceMs);
    const trending = await getRoute(context(), 'getTrending', {
      path: { consumer: `${BREAKOUT_PREFIX}hashtags-5m` },
      query: { at: String(firstAt) },
    });
    expect(trending).toMatchObject({ windowEnd: new Date(firstAt!).toISOString(), sizeSeconds: 10, advanceSeconds: 2 });
    expect(trending.items[0]).toMatchObject({ key: 'copa2026' });
    // The same through the CLI: fluxo results bo-hashtags-5m --trending --top 3 --at <that boundary>
    const printed: string[] = [];
    const code = await run(['results', `${BREAKOUT_PREFIX}hashtags-5m`, '--trending', '--top', '3', '--at', String(firstAt)], {
      ...context().io,
      stdout: (text) => void printed.push(text),
    });
    expect(code).toBe(0);
    expect(printed.join('').split('\n')[1]).toMatch(/^ {2}1 {2}copa2026 +count=\d+ +baseline=[\d.]+ +score=[\d.]+/);
  });
});
