/**
 * `fluxo load <scenario>` and `fluxo verify <scenario> --seed S`: the course's exercises as
 * built-in loads, checked against a direct computation (the work is in local/tools/scenarios/).
 * `FLUXO_RUNS_DIR` moves the run manifests (default `.fluxo/runs`).
 */
import { randomInt } from 'node:crypto';
import { formatDifference } from '../scenarios/compare';
import { scenarioNamed, SCENARIOS } from '../scenarios/index';
import { formatLoadSummary, runLoad } from '../scenarios/load';
import { MAX_SEED } from '../scenarios/random';
import type { Breakout, Scenario } from '../scenarios/scenario';
import { TOP_N, verifyRun, type BreakoutSeen } from '../scenarios/verify';
import { wholeFlag, type Options } from './commands';
import type { CliContext } from './context';
import { CliError, UsageError } from './errors';

/** What `--seed` takes. */
const SEED_BOUNDS = { minimum: 0, maximum: MAX_SEED };

/** Default `--wait` of verify, seconds: time for the consumers to catch up after a load. */
export const DEFAULT_VERIFY_WAIT_SECONDS = 30;

function scenarioOf(name: string | undefined, usage: string): Scenario {
  if (name === undefined) throw new UsageError(`${usage}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
  return scenarioNamed(name);
}

/** A flag's number, 0 or more (a fraction allowed); undefined when not given. */
function numberOption(options: Options, name: string, what = 'a number of 0 or more'): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} must be ${what} (got "${String(value)}")`);
  return n;
}

/**
 * The break-out of `--breakout TAG|none` and `--breakout-at MINUTES` (minutes into the run, a
 * fraction allowed): null for `none`, undefined for the scenario's default.
 */
export function breakoutOption(options: Options, durationSeconds: number, scenario: Scenario): Breakout | null | undefined {
  const tag = options.breakout;
  const at = options['breakout-at'];
  if (tag === undefined && at === undefined) return undefined;
  if (scenario.defaultBreakout === undefined)
    throw new UsageError(`--${tag === undefined ? 'breakout-at' : 'breakout'}: only tweets can plant a break-out, not ${scenario.name}`);
  if (tag === 'none') {
    if (at !== undefined) throw new UsageError('--breakout-at cannot be used with --breakout none');
    return null;
  }
  const fallback = scenario.defaultBreakout(durationSeconds);
  if (typeof tag === 'string' && !/^[\p{L}\p{N}_]{1,100}$/u.test(tag))
    throw new UsageError(`--breakout must be a hashtag without "#" (letters, digits, _) or none (got "${tag}")`);
  const minutes = numberOption(options, 'breakout-at', 'a number of minutes into the run, 0 or more');
  return {
    hashtag: typeof tag === 'string' ? tag.toLowerCase() : fallback.hashtag,
    atSeconds: minutes === undefined ? fallback.atSeconds : minutes * 60,
  };
}

/** `fluxo load <scenario> [--producers N] [--rate R] [--duration S] [--seed S] [--batch N] [--breakout TAG|none] [--breakout-at M]`. */
export async function load(context: CliContext, name: string | undefined, options: Options): Promise<void> {
  const scenario = scenarioOf(name, 'usage: fluxo load <scenario> [--producers 4] [--rate 200] [--duration 60] [--seed S] [--batch 1]');
  const seed = wholeFlag(options, 'seed', SEED_BOUNDS) ?? randomInt(0, MAX_SEED);
  const durationSeconds = numberOption(options, 'duration') ?? 60;
  const breakout = breakoutOption(options, durationSeconds, scenario);
  const summary = await runLoad({
    context,
    scenario,
    seed,
    producers: numberOption(options, 'producers') ?? 4,
    rate: numberOption(options, 'rate') ?? 200,
    durationSeconds,
    ...(breakout === undefined ? {} : { breakout }),
    batch: numberOption(options, 'batch') ?? 1,
    tty: context.io.stderrIsTTY === true,
    runsDir: context.io.env.FLUXO_RUNS_DIR || undefined,
  });
  if (options.json) context.io.stdout(`${JSON.stringify({ ...summary, manifest: undefined, seed })}\n`);
  else context.io.stdout(`${formatLoadSummary(summary).join('\n')}\n`);
  if (summary.acknowledged === 0) throw new CliError('no record was acknowledged');
}

/**
 * Progress while `verify` waits for the consumers: on a terminal one line redrawn in place, else a
 * line every 5 seconds; on standard error, so standard output keeps only the report.
 */
function waitingProgress(context: CliContext): (differences: number, remainingMs: number) => void {
  const tty = context.io.stderrIsTTY === true;
  let lastLine = -Infinity;
  return (differences, remainingMs) => {
    const text = `waiting for the consumers: ${differences} difference(s) left, ${Math.ceil(remainingMs / 1000)} s to go`;
    if (tty) context.io.stderr(`\r${text}\u001b[K`);
    else if (Date.now() - lastLine >= 5000) {
      lastLine = Date.now();
      context.io.stderr(`fluxo: ${text}\n`);
    }
  };
}

/** What the direct computation says of a planted break-out: when it rose and when it led the trending list. */
export function formatBreakout(seen: BreakoutSeen): string {
  const later = (at: number): string => `${new Date(at).toISOString()}, ${((at - seen.riseAt) / 1000).toFixed(1)} s after its rise`;
  const led =
    seen.firstAt === undefined
      ? 'did not lead the trending list at any pane boundary of the run'
      : `led the trending list from ${later(seen.firstAt)}${seen.risingAt === undefined ? '' : `, marked rising from ${later(seen.risingAt)}`}`;
  return `break-out: #${seen.hashtag} rose at ${new Date(seen.riseAt).toISOString()} and ${led} (panes of ${seen.advanceMs / 1000} s)`;
}

/** `fluxo verify <scenario> --seed S [--wait SECONDS]`: exit status 1 on any difference. */
export async function verify(context: CliContext, name: string | undefined, options: Options): Promise<void> {
  const scenario = scenarioOf(name, 'usage: fluxo verify <scenario> --seed S [--wait 30]');
  const seed = wholeFlag(options, 'seed', SEED_BOUNDS);
  if (seed === undefined) throw new UsageError('fluxo verify needs the --seed of the load run it checks');
  const report = await verifyRun({
    context,
    scenario,
    seed,
    runsDir: context.io.env.FLUXO_RUNS_DIR || undefined,
    waitMs: (numberOption(options, 'wait') ?? DEFAULT_VERIFY_WAIT_SECONDS) * 1000,
    onWaiting: waitingProgress(context),
  });
  const { differences } = report;
  if (context.io.stderrIsTTY === true) context.io.stderr('\r\u001b[K');
  if (options.json)
    context.io.stdout(
      `${JSON.stringify({ records: report.records, expected: report.expected, rankings: report.rankings, differences, breakout: report.breakout })}\n`,
    );
  else {
    for (const difference of differences) context.io.stdout(`${formatDifference(difference)}\n`);
    const ranked = report.rankings > 0 ? `, and the top-${TOP_N} and trending lists at ${report.rankings} pane boundaries` : '';
    const what = `${report.records} acknowledged records, ${report.expected} aggregates${ranked} of ${scenario.consumers.join(', ')}`;
    context.io.stdout(
      differences.length === 0 ? `OK: ${what} equal to the direct computation\n` : `${differences.length} difference(s) over ${what}\n`,
    );
    if (report.breakout !== undefined) context.io.stdout(`${formatBreakout(report.breakout)}\n`);
  }
  if (differences.length > 0)
    throw new CliError(`${differences.length} difference(s) between the stored aggregates and the direct computation`);
}
