/** Service processes: stopped for sure, recognised after a crash, never outliving their run. */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError } from '../../../../../local/emulation/services/errors';
import { isAlive, logErrors, reapStaleProcess, readLogSince, spawnService } from '../../../../../local/emulation/services/process';

/** A Node process that ignores SIGTERM, says `ready`, and runs until killed; `marker` is on its command line. */
function stubbornArgs(marker: string): string[] {
  return ['-e', "process.on('SIGTERM', () => undefined); console.log('ready'); setInterval(() => undefined, 1000);", marker];
}

/** Resolves once a stubborn process has installed its SIGTERM handler (it said `ready` in `logFile`). */
async function ready(logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!readLogSince(logFile).includes('ready') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Polls until `pid` is gone or the deadline passes; whether it is gone. */
async function gone(pid: number, deadlineMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('service processes', () => {
  let dir: string;
  const started: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fluxo-process-'));
  });

  afterEach(() => {
    for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stop() kills a process that ignores SIGTERM once the grace period is over, and removes its PID file', async () => {
    // Prepare
    const pidFile = join(dir, 'run', 'svc.pid');
    const service = spawnService({
      name: 'stubborn',
      command: process.execPath,
      args: stubbornArgs('fluxo.test=stop'),
      logFile: join(dir, 'logs', 'svc.log'),
      pidFile,
      marker: 'fluxo.test=stop',
    });
    started.push(service.pid);
    await ready(service.logFile);
    const pidFileWritten = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; parentPid: number };

    // Act
    await service.stop(300);

    // Assess
    expect(pidFileWritten).toMatchObject({ pid: service.pid, parentPid: process.pid });
    expect(service.hasExited()).toBe(true);
    expect(isAlive(service.pid)).toBe(false);
    expect(await service.exited).toBe('SIGKILL');
    expect(existsSync(pidFile)).toBe(false);
  });

  it.each([
    [true, "its own process group, out of reach of the terminal's Ctrl-C"],
    [false, 'the process group of the process that started it'],
  ])('with ownProcessGroup %s, runs in %s', async (ownProcessGroup) => {
    // Prepare
    const service = spawnService({
      name: 'grouped',
      command: process.execPath,
      args: ['-e', 'setInterval(() => undefined, 1000)', 'fluxo.test=group'],
      logFile: join(dir, 'svc.log'),
      pidFile: join(dir, 'svc.pid'),
      marker: 'fluxo.test=group',
      ownProcessGroup,
    });
    started.push(service.pid);

    // Act
    const stat = readFileSync(`/proc/${service.pid}/stat`, 'utf8');
    await service.stop();

    // Assess: /proc/<pid>/stat is "pid (comm) state ppid pgrp ...".
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(group === service.pid).toBe(ownProcessGroup);
  });

  it('appends what the process writes to its log file', async () => {
    // Prepare
    const logFile = join(dir, 'svc.log');
    writeFileSync(logFile, 'earlier run\n');
    const service = spawnService({
      name: 'talker',
      command: process.execPath,
      args: ['-e', "console.log('hello'); console.error('oops')"],
      logFile,
      pidFile: join(dir, 'svc.pid'),
      marker: 'talker',
    });

    // Act
    await service.exited;

    // Assess
    expect(readLogSince(logFile)).toBe('earlier run\nhello\noops\n');
    expect(readLogSince(logFile, 'earlier run\n'.length)).toBe('hello\noops\n');
  });

  it('kills the service process a crashed run left behind, recognised by the marker on its command line', async () => {
    // Prepare
    const logFile = join(dir, 'orphan.log');
    const orphan = spawn(process.execPath, stubbornArgs('fluxo.test=orphan'), { stdio: ['ignore', openSync(logFile, 'a'), 'ignore'] });
    started.push(orphan.pid ?? -1);
    await ready(logFile);
    const pidFile = join(dir, 'svc.pid');
    writeFileSync(pidFile, JSON.stringify({ pid: orphan.pid, parentPid: deadPid(), marker: 'fluxo.test=orphan', startedAt: '' }));

    const orphanExit = once(orphan, 'exit');

    // Act
    await reapStaleProcess(pidFile, { graceMs: 300 });
    await orphanExit;

    // Assess
    expect(isAlive(orphan.pid ?? -1)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('refuses to touch a service process whose run is still alive', async () => {
    // Prepare
    const running = spawn(process.execPath, stubbornArgs('fluxo.test=live'), { stdio: 'ignore' });
    started.push(running.pid ?? -1);
    const pidFile = join(dir, 'svc.pid');
    writeFileSync(pidFile, JSON.stringify({ pid: running.pid, parentPid: process.pid, marker: 'fluxo.test=live', startedAt: '' }));

    // Act
    const reaping = reapStaleProcess(pidFile);

    // Assess
    await expect(reaping).rejects.toBeInstanceOf(DataDirInUseError);
    expect(isAlive(running.pid ?? -1)).toBe(true);
    expect(existsSync(pidFile)).toBe(true);
  });

  it('leaves alone a process that reused the recorded pid but is not ours, and drops the PID file', async () => {
    // Prepare: the recorded pid is this test process, whose command line lacks the marker.
    const pidFile = join(dir, 'svc.pid');
    writeFileSync(pidFile, JSON.stringify({ pid: process.pid, parentPid: deadPid(), marker: 'fluxo.test=absent', startedAt: '' }));

    // Act
    await reapStaleProcess(pidFile);

    // Assess
    expect(isAlive(process.pid)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });
});

// These start Node processes that load TypeScript through tsx: seconds each on a loaded 2-core machine.
jest.setTimeout(30_000);

describe('signals to the process that started the services', () => {
  it('stop the services that opted in, leave the others to the caller, and the exit still kills those', async () => {
    // Prepare: a Node process starts two services, handles SIGTERM itself, and reports who is alive.
    const processModule = join(__dirname, '..', '..', '..', '..', '..', 'local', 'emulation', 'services', 'process.ts');
    const dir = mkdtempSync(join(tmpdir(), 'fluxo-signals-'));
    const script = `
      const { spawnService } = require(${JSON.stringify(processModule)});
      const start = (name, stopOnSignals) => spawnService({ name, command: process.execPath,
        args: ['-e', 'setInterval(() => undefined, 1000)', 'fluxo.test=' + name],
        logFile: ${JSON.stringify(dir)} + '/' + name + '.log', pidFile: ${JSON.stringify(dir)} + '/' + name + '.pid',
        marker: name, stopOnSignals });
      const optedIn = start('opted-in', true);
      const leftToCaller = start('left-to-caller', false);
      process.on('SIGTERM', async () => {
        await optedIn.exited;
        setTimeout(() => {
          console.log(JSON.stringify({ optedIn: optedIn.hasExited(), leftToCaller: leftToCaller.hasExited(), pid: leftToCaller.pid }));
          process.exit(0);
        }, 300);
      });
      console.log('ready');`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
    const output: string[] = [];
    lines.on('line', (line) => output.push(line));
    const deadline = Date.now() + 20_000;
    while (!output.includes('ready') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const parentExit = once(parent, 'exit');

    // Act
    parent.kill('SIGTERM');
    await parentExit;

    // Assess
    const report = JSON.parse(output[1] ?? '{}') as { optedIn: boolean; leftToCaller: boolean; pid: number };
    rmSync(dir, { recursive: true, force: true });
    expect(report).toMatchObject({ optedIn: true, leftToCaller: false });
    expect(await gone(report.pid)).toBe(true);
  });
});

describe('a signal nothing else handles', () => {
  it('still ends the process that started the services, but only once they have exited', async () => {
    // Prepare: the service takes 300 ms to shut down after SIGTERM; its parent has no handler of its own.
    const processModule = join(__dirname, '..', '..', '..', '..', '..', 'local', 'emulation', 'services', 'process.ts');
    const dir = mkdtempSync(join(tmpdir(), 'fluxo-signal-default-'));
    const logFile = join(dir, 'slow.log');
    const serviceCode =
      "process.on('SIGTERM', () => setTimeout(() => { console.log('bye'); process.exit(0); }, 300)); console.log('ready'); setInterval(() => undefined, 1000);";
    const script = `
      const { spawnService } = require(${JSON.stringify(processModule)});
      const service = spawnService({ name: 'slow', command: process.execPath, args: ['-e', ${JSON.stringify(serviceCode)}, 'fluxo.test=slow'],
        logFile: ${JSON.stringify(logFile)}, pidFile: ${JSON.stringify(join(dir, 'slow.pid'))}, marker: 'slow' });
      // The pid once the service has its SIGTERM handler (it logs 'ready'): a loaded machine can take longer than any fixed wait.
      const fs = require('node:fs');
      const ready = setInterval(() => {
        if (!(fs.existsSync(${JSON.stringify(logFile)}) && fs.readFileSync(${JSON.stringify(logFile)}, 'utf8').includes('ready'))) return;
        clearInterval(ready);
        console.log(JSON.stringify({ pid: service.pid }));
      }, 20);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
    const [line] = (await once(lines, 'line')) as [string];
    const { pid } = JSON.parse(line) as { pid: number };
    const parentExit = once(parent, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    // Act
    parent.kill('SIGTERM');
    const [, signal] = await parentExit;

    // Assess
    const serviceLog = readFileSync(logFile, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(signal).toBe('SIGTERM');
    expect(serviceLog).toContain('bye');
    expect(isAlive(pid)).toBe(false);
  });
});

describe('the errors of a failed start', () => {
  it('are the ERROR and FATAL entries of the log with their exception messages, without stack frames', () => {
    // Prepare
    const log = [
      '[2026-01-01 00:00:00,000] INFO starting (kafka.server.KafkaRaftServer)',
      '[2026-01-01 00:00:01,000] ERROR Unable to start acceptor for ListenerName(PLAINTEXT) (kafka.network.DataPlaneAcceptor)',
      'org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: Address already in use.',
      '\tat kafka.network.Acceptor.openServerSocket(SocketServer.scala:736)',
      '[2026-01-01 00:00:02,000] FATAL Exiting Kafka (kafka.Kafka$)',
      '[2026-01-01 00:00:03,000] INFO shut down (kafka.server.KafkaRaftServer)',
    ].join('\n');

    // Act
    const errors = logErrors(log);

    // Assess
    expect(errors.split('\n')).toEqual([
      '[2026-01-01 00:00:01,000] ERROR Unable to start acceptor for ListenerName(PLAINTEXT) (kafka.network.DataPlaneAcceptor)',
      'org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:9092: Address already in use.',
      '[2026-01-01 00:00:02,000] FATAL Exiting Kafka (kafka.Kafka$)',
    ]);
  });

  it('are empty when the log has none', () => {
    // Act
    const errors = logErrors('[2026-01-01 00:00:00,000] INFO fine (x)\n');

    // Assess
    expect(errors).toBe('');
  });
});
