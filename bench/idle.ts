/**
 * Idle CPU of `npm start`: the real command, started by the bench against the bench's own Kafka and
 * DynamoDB Local (`KAFKA_BROKERS`, `DYNAMODB_ENDPOINT`, a free `PORT`), left alone with no traffic
 * for a while after its banner, then stopped with SIGTERM as Ctrl-C would. CPU is the kernel's count
 * (utime + stime in /proc/<pid>/stat, Linux) of every process the command started (npm, tsx and the
 * Node process of the stack, whose figure covers all its threads: the gateway, the ESM emulators
 * and the Lambda worker threads), so it is what `top` would show for the whole command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV } from '../core/config';
import { freePort } from '../local/emulation/services/ports';
import { BenchError, exited, outputTail, type BenchContext } from './context';

/** What one idle measurement found. */
export interface IdleResult {
  /** Length of the measured window, s. */
  readonly seconds: number;
  /** CPU time of the whole process tree in the window, s. */
  readonly cpuSeconds: number;
  /** cpuSeconds / seconds: the share of one core. */
  readonly coreShare: number;
  /** Threads of the stack's Node process during the window. */
  readonly nodeThreads: number;
  /** Processes of the tree (command names). */
  readonly processes: readonly string[];
  /** How long `npm start` took to print its banner, s. */
  readonly startSeconds: number;
}

/** One line of /proc/<pid>/stat: the parent pid, the command, the CPU ticks (utime + stime) and the threads. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
  readonly ticks: number;
  readonly threads: number;
}

/** Parses /proc/<pid>/stat (proc(5)); the command may hold spaces and parentheses, so fields count from its last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15, num_threads 20.
  const field = (n: number): number => Number(rest[n - 3]);
  const [ppid, utime, stime, threads] = [field(4), field(14), field(15), field(20)];
  if (![ppid, utime, stime, threads].every(Number.isFinite)) return undefined;
  return { pid: Number(text.slice(0, open).trim()), ppid, command: text.slice(open + 1, close), ticks: utime + stime, threads };
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `root` and every live descendant of it. */
export function processTree(root: number, all: readonly ProcStat[]): ProcStat[] {
  const tree: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const self = all.find((p) => p.pid === pid);
    if (self !== undefined) tree.push(self);
    for (const child of all) if (child.ppid === pid) queue.push(child.pid);
  }
  return tree;
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((p): p is ProcStat => p !== undefined);
}

function clockTicksPerSecond(): number {
  const run = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(run.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/**
 * Starts `npm start`, waits for its banner, lets it idle `settings.idleMs` with no traffic and returns the
 * CPU its process tree used meanwhile; stops it in every case.
 */
export async function measureIdle(ctx: BenchContext): Promise<IdleResult> {
  const port = await freePort();
  const began = Date.now();
  // Its own process group, so that stopping it reaches npm, tsx and the stack's Node process.
  const child = spawn('npm', ['start'], {
    cwd: ctx.root,
    env: {
      ...process.env,
      [ENV.kafkaBrokers]: ctx.services.kafkaBrokers,
      [ENV.dynamodbEndpoint]: ctx.services.dynamodbEndpoint,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = outputTail(child);
  try {
    const deadline = Date.now() + 180_000;
    while (!output().includes('fluxo is running')) {
      if (child.exitCode !== null) throw new BenchError(`npm start exited (${child.exitCode}) before its banner:\n${output()}`);
      if (Date.now() > deadline) throw new BenchError(`npm start printed no banner within 180 s:\n${output()}`);
      await sleep(100);
    }
    const startSeconds = (Date.now() - began) / 1000;
    const root = child.pid as number;
    const hz = clockTicksPerSecond();
    const before = processTree(root, allProcesses());
    const t0 = process.hrtime.bigint();
    await sleep(ctx.settings.idleMs);
    const after = processTree(root, allProcesses());
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // A process of the tree counts from its first sample (0 when it appeared during the window).
    const ticks = after.reduce((sum, p) => sum + p.ticks - (before.find((b) => b.pid === p.pid)?.ticks ?? 0), 0);
    const cpuSeconds = ticks / hz;
    const node = after.filter((p) => p.command === 'node').at(-1);
    return {
      seconds,
      cpuSeconds,
      coreShare: cpuSeconds / seconds,
      nodeThreads: node?.threads ?? 0,
      processes: after.map((p) => p.command),
      startSeconds,
    };
  } finally {
    if (child.exitCode === null && child.pid !== undefined) {
      // SIGTERM to the stack's Node process alone, as one Ctrl-C: npm and sh forward a signal to
      // the group too, and a second one makes `npm start` skip its orderly stop.
      const stack = processTree(child.pid, allProcesses())
        .filter((p) => p.command === 'node')
        .at(-1);
      process.kill(stack?.pid ?? -child.pid, 'SIGTERM');
      if (!(await exited(child, 25_000))) process.kill(-child.pid, 'SIGKILL');
    }
  }
}
