/**
 * The load's progress display: on a terminal, one bar redrawn in place; otherwise (a pipe, a CI
 * log) a plain line every few seconds, so that logs stay readable.
 */

/** What the display shows. */
export interface ProgressCounts {
  readonly total: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly rejected: number;
  readonly elapsedMs: number;
}

/** Options of {@link progressDisplay}. */
export interface ProgressOptions {
  /** Where the display goes (standard error, so that the summary alone is on standard output). */
  readonly write: (text: string) => void;
  /** Whether `write` is a terminal: redraw one line rather than print many. */
  readonly tty: boolean;
  /** Smallest interval between two plain lines. @default 5000 */
  readonly plainIntervalMs?: number;
  /** Width of the bar in characters. @default 30 */
  readonly width?: number;
}

/** A progress display: `update` as often as wanted (it throttles itself), `done` once at the end. */
export interface ProgressDisplay {
  update(counts: ProgressCounts): void;
  done(counts: ProgressCounts): void;
}

function line(counts: ProgressCounts): string {
  const seconds = counts.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(counts.acknowledged / seconds) : 0;
  return `${counts.sent}/${counts.total} sent  ${counts.acknowledged} acknowledged  ${counts.rejected} rejected  ${rate} records/s  ${seconds.toFixed(1)} s`;
}

/** The bar's text for a fraction done (0..1). */
export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** Creates a progress display. */
export function progressDisplay({ write, tty, plainIntervalMs = 5000, width = 30 }: ProgressOptions): ProgressDisplay {
  let lastDraw = -Infinity;
  const draw = (counts: ProgressCounts, end: string): void => {
    const fraction = counts.total === 0 ? 1 : counts.sent / counts.total;
    write(tty ? `\r${bar(fraction, width)} ${line(counts)}\u001b[K${end}` : `${line(counts)}\n`);
  };
  return {
    update(counts) {
      if (counts.elapsedMs - lastDraw < (tty ? 100 : plainIntervalMs)) return;
      lastDraw = counts.elapsedMs;
      draw(counts, '');
    },
    done: (counts) => draw(counts, '\n'),
  };
}
