/**
 * Summaries of V8 CPU profiles (`node --cpu-prof` writes one `.cpuprofile` per thread): the top
 * frames by self time, and self time by package, so BENCHMARKS.md can say where the time goes.
 * {@link summarizeProfile} is pure; {@link summarizeProfileDir} reads a directory of profiles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The parts of a `.cpuprofile` (Chrome DevTools protocol `Profiler.Profile`) the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
}

/** One line of a summary: a frame or a package, with its share of the sampled self time. */
export interface ProfileEntry {
  readonly name: string;
  readonly samples: number;
  readonly share: number;
}

/** What a profile says about where the time went. */
export interface ProfileSummary {
  readonly samples: number;
  /** Sampled samples that were not idle or garbage collection. */
  readonly busyShare: number;
  readonly topFrames: readonly ProfileEntry[];
  readonly packages: readonly ProfileEntry[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * The package a script URL belongs to: `node_modules/<pkg>` (scoped too), `node:internal` for
 * Node's own, `(v8)` for frames without a URL, else the file name (a bundle: its directory and file).
 */
export function packageOf(url: string): string {
  if (url === '') return '(v8)';
  if (url.startsWith('node:')) return 'node:internal';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] as string;
  const path = url.replace(/^file:\/\//, '');
  const parts = path.split('/');
  return parts.slice(-2).join('/');
}

function rank(counts: Map<string, number>, total: number, top: number): ProfileEntry[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, samples]) => ({ name, samples, share: total === 0 ? 0 : samples / total }));
}

/** The top `top` frames by self samples and self samples by package. */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (SPECIAL.has(functionName)) {
      if (functionName !== '(program)') idle += hits;
      frames.set(functionName, (frames.get(functionName) ?? 0) + hits);
      continue;
    }
    const frame = `${functionName || '(anonymous)'} ${url === '' ? '' : `${basename(url)}:${lineNumber + 1}`}`.trim();
    frames.set(frame, (frames.get(frame) ?? 0) + hits);
    const pkg = packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + hits);
  }
  return {
    samples: total,
    busyShare: total === 0 ? 0 : (total - idle) / total,
    topFrames: rank(frames, total, top),
    packages: rank(packages, total, top),
  };
}

/** Summaries of every `.cpuprofile` in `dir`, busiest first. */
export function summarizeProfileDir(dir: string, top = 15): { readonly file: string; readonly summary: ProfileSummary }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((file) => ({ file, summary: summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, top) }))
    .sort((a, b) => b.summary.busyShare * b.summary.samples - a.summary.busyShare * a.summary.samples);
}

/** A summary as markdown lines. */
export function renderProfileSummary(file: string, summary: ProfileSummary): string {
  const line = (e: ProfileEntry): string => `  - ${(e.share * 100).toFixed(1)} % ${e.name}`;
  return [
    `### ${file}: ${summary.samples} samples, ${(summary.busyShare * 100).toFixed(0)} % busy`,
    '- top frames by self time:',
    ...summary.topFrames.map(line),
    '- self time by package:',
    ...summary.packages.map(line),
  ].join('\n');
}
