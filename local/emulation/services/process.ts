/**
 * The JVMs the local stack starts: spawned attached to this process (`detached: false` unless a
 * process group of their own is asked for), their output appended to a log file, their pid
 * recorded in a PID file, stopped with SIGTERM then SIGKILL after a deadline. Exit and signal
 * handlers make sure none outlives this process; on Linux the kernel also signals them if it is
 * killed outright (`setpriv --pdeathsig`); and a PID file left by a crashed earlier run lets the
 * next start kill an orphan first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataDirInUseError } from './errors';
import { setTimeout as sleep } from 'node:timers/promises';

/** A service process this module started. */
export interface ManagedProcess {
  /** The service name (`kafka`, `dynamodb`). */
  readonly name: string;
  /** The operating-system process id. */
  readonly pid: number;
  /** The file its standard output and error are appended to. */
  readonly logFile: string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** Whether it has exited. */
  hasExited(): boolean;
  /** Stops it: SIGTERM, then SIGKILL when it has not exited after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A service process started and answering clients. */
export interface RunningService {
  /** Where clients reach it: Kafka's bootstrap brokers `127.0.0.1:<port>`, DynamoDB Local's endpoint `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** Its JVM. */
  readonly process: ManagedProcess;
}

/** What a PID file holds. */
interface PidFileContent {
  /** The service process. */
  readonly pid: number;
  /** The Node process that started it: while it lives, the data directory is in use. */
  readonly parentPid: number;
  /** What its command line must carry for a later run to signal it. */
  readonly marker: string;
  readonly startedAt: string;
}

/** How to start a service process. */
export interface SpawnServiceOptions {
  /** The service name, for messages. */
  readonly name: string;
  /** The program (`java`). */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** The file its standard output and error are appended to. */
  readonly logFile: string;
  /** The PID file, written at start and removed once it has exited. */
  readonly pidFile: string;
  /** A string that appears on the process's command line, to recognise it later as ours. */
  readonly marker: string;
  /**
   * Stop the process (SIGTERM) when this one gets SIGINT, SIGTERM or SIGHUP. False leaves that to
   * the caller's own handler (e.g. to stop its consumers first); the exit handler still SIGKILLs
   * the process if this one exits with it running. @default true
   */
  readonly stopOnSignals?: boolean;
  /**
   * Start it in a process group of its own, so that Ctrl-C in a terminal (SIGINT to the
   * foreground group) reaches only this process, which then stops it in its own order.
   * @default false: the service shares this process's group and gets the terminal's signals too
   */
  readonly ownProcessGroup?: boolean;
}

/** What starting either JVM service (Kafka, DynamoDB Local) takes besides its own settings. */
export interface JvmServiceOptions extends Pick<SpawnServiceOptions, 'stopOnSignals' | 'ownProcessGroup'> {
  /** The `java` to run. */
  readonly java: string;
  /** Directory of its jars. */
  readonly libDir: string;
  /** Wipe its data first (Kafka's topics, offsets and metadata; DynamoDB Local's database file). @default false */
  readonly fresh?: boolean;
  /** How long to wait for it to answer, in ms. @default 90000 for Kafka, 60000 for DynamoDB Local */
  readonly startTimeoutMs?: number;
  /** Receives one line per step. */
  readonly onProgress?: (line: string) => void;
}

const DEFAULT_GRACE_MS = 15_000;
/** Running service processes, each with whether a signal to this process stops it, and how. */
const live = new Map<ChildProcess, { readonly stopOnSignals: boolean; readonly stop: () => Promise<void> }>();
let handlersInstalled = false;

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (comm) state ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Whether a process exists and has not exited (a zombie, exited but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function commandLine(pid: number): string {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return '';
    }
  }
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.stdout ?? '';
}

/**
 * Deals with a PID file a previous run left behind. When the run that wrote it is still alive,
 * the data directory is in use: throws a {@link DataDirInUseError}. When that run is gone but
 * its service process is not (a crash, `kill -9`), kills the orphan and waits until it is gone.
 * Only a process whose command line carries the recorded marker is ever signalled: SIGTERM, then
 * SIGKILL after `graceMs`.
 */
export async function reapStaleProcess(
  pidFile: string,
  { onProgress = () => undefined, graceMs = DEFAULT_GRACE_MS }: { onProgress?: (line: string) => void; graceMs?: number } = {},
): Promise<void> {
  let content: PidFileContent;
  try {
    content = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFileContent;
  } catch {
    // None, or unreadable: nothing to reap.
    rmSync(pidFile, { force: true });
    return;
  }
  const ours = isAlive(content.pid) && commandLine(content.pid).includes(content.marker);
  if (ours && isAlive(content.parentPid)) {
    throw new DataDirInUseError(
      `another local stack (pid ${content.parentPid}) is using this data directory; stop it, or pass another data directory (${pidFile})`,
    );
  }
  if (ours) {
    onProgress(`stopping a ${content.marker} process (pid ${content.pid}) left by an earlier run`);
    process.kill(content.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(content.pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(content.pid)) process.kill(content.pid, 'SIGKILL');
    while (isAlive(content.pid)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
}

function onSignal(signal: NodeJS.Signals): void {
  const stopping = [...live.values()].filter((entry) => entry.stopOnSignals).map((entry) => entry.stop());
  // When nothing else handles the signal, keep its default meaning, end this process, but only
  // once the services have exited. Our listener goes first, so a second signal ends it at once.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    void Promise.allSettled(stopping).then(() => process.kill(process.pid, signal));
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // kill() reports a child already gone by returning false; it throws only for an invalid signal.
  process.on('exit', () => {
    for (const child of live.keys()) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

let setprivWorks: boolean | undefined;

/**
 * On Linux, util-linux's `setpriv --pdeathsig` (then exec of the real command) makes the kernel
 * send SIGTERM to the service when this process dies, even by SIGKILL. False where it is not
 * available; the PID file then catches the orphan on the next start.
 */
function parentDeathSignalWorks(): boolean {
  // Try it for real: an old util-linux lacks the option, a sandbox may forbid the prctl.
  setprivWorks ??=
    process.platform === 'linux' &&
    spawnSync('setpriv', ['--pdeathsig', 'TERM', '--', process.execPath, '-e', ''], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return setprivWorks;
}

/**
 * Starts a service process attached to this one, output appended to `logFile`, pid written to
 * `pidFile` (removed once it has exited). Where the kernel can (Linux), it also gets SIGTERM
 * when this process dies.
 */
export function spawnService(options: SpawnServiceOptions): ManagedProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(dirname(options.pidFile), { recursive: true });
  // setpriv execs the command: the pid stays the service's own.
  const [command, args] = parentDeathSignalWorks()
    ? ['setpriv', ['--pdeathsig', 'TERM', '--', options.command, ...options.args]]
    : [options.command, [...options.args]];
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', log, log], detached: options.ownProcessGroup ?? false });
  } finally {
    closeSync(log);
  }
  installExitHandlers();
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      exitedFlag = true;
      live.delete(child);
      rmSync(options.pidFile, { force: true });
      resolve(code ?? signal ?? 'unknown');
    };
    child.once('exit', done);
    child.once('error', () => done(null, null));
  });
  const pid = child.pid ?? -1;
  if (pid > 0) {
    const content: PidFileContent = { pid, parentPid: process.pid, marker: options.marker, startedAt: new Date().toISOString() };
    writeFileSync(options.pidFile, JSON.stringify(content));
  }
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = DEFAULT_GRACE_MS): Promise<void> => {
    stopping ??= (async () => {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  if (!exitedFlag) live.set(child, { stopOnSignals: options.stopOnSignals ?? true, stop: () => stop() });
  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => exitedFlag,
    stop,
  };
}

/** The size of a file in bytes (0 when it does not exist): where this start's part of an appended log begins. */
export function fileSize(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/** What a log file holds from byte `offset` on ('' when it does not exist). */
export function readLogSince(file: string, offset = 0): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** The last `lines` lines of a log text. */
export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * The first `max` ERROR or FATAL entries of a log4j log, each with the exception message on the
 * line after it (stack frames left out): where a failed start says why.
 */
export function logErrors(text: string, max = 6): string {
  const lines = text.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (found.length >= max * 2 || !/^\[[^\]]+\] (ERROR|FATAL) /.test(line)) return;
    found.push(line);
    const next = lines[i + 1];
    if (next !== undefined && next !== '' && !next.startsWith('[') && !/^\s+at /.test(next)) found.push(next);
  });
  return found.join('\n');
}
