/**
 * A load run's manifest, `.fluxo/runs/<scenario>-<seed>.json`: what `fluxo verify` needs to
 * regenerate exactly the records the run sent — the seed and the count give the values, and the
 * instant each request was first sent gives their event times — and which of them the API
 * acknowledged.
 *
 * Event times are the send instants rather than a schedule fixed in advance: a load the pipeline
 * cannot keep up with then sends its records late but stamped when sent, as the course's
 * producers stamp theirs, instead of stamping them with a planned time minutes past and making
 * them late records of windows long closed. The price is one number per request in the manifest.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../state';
import type { Breakout, ValuesPlan } from './scenario';
import { namedError } from '../../../core/errors';

/** The default folder of run manifests. */
export const DEFAULT_RUNS_DIR = join(PROJECT_ROOT, '.fluxo', 'runs');

/** What a load run wrote down. */
export interface RunManifest {
  readonly scenario: string;
  readonly seed: number;
  /** Records generated (and scheduled). */
  readonly count: number;
  /** When the run started, epoch ms. */
  readonly start: number;
  /**
   * When each batch (records `[k * batch, (k + 1) * batch)`) was first sent, ms after `start`;
   * null for a batch never sent (an interrupted run).
   */
  readonly sentAt: ReadonlyArray<number | null>;
  /** Prefix of the deployed topic and consumer names. */
  readonly prefix: string;
  /** The API the run posted to. */
  readonly url: string;
  readonly producers: number;
  readonly rate: number;
  readonly durationSeconds: number;
  readonly batch: number;
  /** The break-out the run planted (tweets); absent when none was. */
  readonly breakout?: Breakout;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Whether the run was stopped (Ctrl-C) before every record was sent. */
  readonly interrupted: boolean;
  /** Acknowledged records, as half-open index ranges `[from, to)` in order. */
  readonly acknowledged: ReadonlyArray<readonly [number, number]>;
  /** Records the API refused (4xx), never retried. */
  readonly rejected: number;
  /** Records given up after the retries (no answer, or 5xx/429 every time). */
  readonly unanswered: number;
}

/** No manifest for this scenario and seed. */
export class RunNotFoundError extends namedError('RunNotFoundError') {
  public constructor(file: string, options?: { cause?: unknown }) {
    super(`no run manifest at ${file}: run \`fluxo load\` with the same scenario and --seed first`, options);
  }
}

/** The manifest file of a scenario and seed. */
export function manifestFile(scenario: string, seed: number, runsDir: string = DEFAULT_RUNS_DIR): string {
  return join(runsDir, `${scenario}-${seed}.json`);
}

/** Index ranges `[from, to)` of the sorted, distinct indices. */
export function toRanges(indices: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const index of [...indices].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && index <= last[1]) last[1] = Math.max(last[1], index + 1);
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

/** Whether an index is in one of the ranges. */
export function inRanges(ranges: ReadonlyArray<readonly [number, number]>, index: number): boolean {
  return ranges.some(([from, to]) => index >= from && index < to);
}

/** When record `index` of a run was first sent, epoch ms; undefined when it never was. */
export function sentAtOf(manifest: Pick<RunManifest, 'start' | 'sentAt' | 'batch'>, index: number): number | undefined {
  const offset = manifest.sentAt[Math.floor(index / manifest.batch)];
  return offset === null || offset === undefined ? undefined : manifest.start + offset;
}

/** What the run's values were generated from besides seed and count (see `Scenario.values`). */
export function planOf(manifest: Pick<RunManifest, 'rate' | 'batch' | 'breakout'>): ValuesPlan {
  return { rate: manifest.rate, batch: manifest.batch, ...(manifest.breakout === undefined ? {} : { breakout: manifest.breakout }) };
}

/** Writes a manifest (atomically: a reader never sees half of one). */
export function writeManifest(manifest: RunManifest, runsDir: string = DEFAULT_RUNS_DIR): string {
  mkdirSync(runsDir, { recursive: true });
  const file = manifestFile(manifest.scenario, manifest.seed, runsDir);
  // One field a line, except the two long lists of numbers, one line each.
  const { acknowledged, sentAt, ...fields } = manifest;
  const head = JSON.stringify(fields, null, 2).replace(/\n}$/, '');
  writeFileSync(`${file}.tmp`, `${head},\n  "acknowledged": ${JSON.stringify(acknowledged)},\n  "sentAt": ${JSON.stringify(sentAt)}\n}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Reads the manifest of a scenario and seed. @throws RunNotFoundError */
export function readManifest(scenario: string, seed: number, runsDir: string = DEFAULT_RUNS_DIR): RunManifest {
  const file = manifestFile(scenario, seed, runsDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RunNotFoundError(file, { cause: error });
  }
  return JSON.parse(text) as RunManifest;
}
