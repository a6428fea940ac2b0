/**
 * DynamoDB Local (com.amazonaws:DynamoDBLocal 2.x), started from the cached Maven jars with its
 * sqlite4java native library, listening on 127.0.0.1 only. It has no option for its bind
 * address (its Jetty server listens on every interface of the port), so fluxo starts it through
 * a small launcher, `java/LoopbackDynamoDbLocal.java`, which sets the Jetty connector's host
 * before the server starts; the launcher is compiled once with the JDK's `javac` into a
 * temporary directory named after its hash. Without `javac` (a JRE only), DynamoDB Local is not
 * started unless `FLUXO_DYNAMODB_ANY_INTERFACE=1` accepts that it listens on every interface.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ServiceStartError } from './errors';
import { type JvmServiceOptions, fileSize, lastLines, readLogSince, reapStaleProcess, spawnService, type RunningService } from './process';
import { LOOPBACK } from './ports';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link startDynamoDbLocal}. */
export interface StartDynamoDbLocalOptions extends JvmServiceOptions {
  /** Directory of sqlite4java's native libraries. */
  readonly nativeDir: string;
  /** Where the database file is kept (`-dbPath`); ignored with `inMemory`. */
  readonly dataDir: string;
  /** Directory of the PID file. */
  readonly runDir: string;
  /** Directory of `dynamodb.log`. */
  readonly logDir: string;
  /** Its port. */
  readonly port: number;
  /** Keep tables in memory only (`-inMemory`): nothing survives a stop. @default false */
  readonly inMemory?: boolean;
}

const MARKER = 'fluxo.service=dynamodb';
const MAIN_CLASS = 'com.amazonaws.services.dynamodbv2.local.main.ServerRunner';
/** The launcher that binds DynamoDB Local to 127.0.0.1 (see the module comment). */
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const LAUNCHER_SOURCE = join(__dirname, 'java', `${LAUNCHER_CLASS}.java`);
/** Set to `1` to run DynamoDB Local without the launcher, listening on every interface. */
export const ANY_INTERFACE_ENV = 'FLUXO_DYNAMODB_ANY_INTERFACE';

/**
 * The directory holding the compiled launcher, compiled with the `javac` next to `java` (or on
 * PATH) against `libDir` on first use; named after the source and the jar directory, so a new
 * DynamoDB Local version or launcher compiles again. Throws a {@link ServiceStartError} when it cannot be compiled.
 */
export function loopbackLauncher(java: string, libDir: string): string {
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash('sha256').update(source).update(libDir).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `fluxo-dynamodb-launcher-${hash}`);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  let javac = join(dirname(realpathSync(java)), 'javac');
  if (!existsSync(javac)) javac = 'javac';
  const staging = mkdtempSync(join(tmpdir(), 'fluxo-dynamodb-launcher-build-'));
  const compiled = spawnSync(javac, ['-nowarn', '-cp', join(libDir, '*'), '-d', staging, LAUNCHER_SOURCE], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const why = compiled.error === undefined ? (compiled.stderr ?? '').trim() : compiled.error.message;
    throw new ServiceStartError(
      'dynamodb',
      `cannot compile the launcher that binds DynamoDB Local to 127.0.0.1 (${javac}): install a JDK 17 (javac), or set ${ANY_INTERFACE_ENV}=1 to run DynamoDB Local listening on every interface`,
      why,
    );
  }
  try {
    renameSync(staging, dir);
  } catch {
    // Another process compiled it meanwhile: use theirs.
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Placeholder credentials for DynamoDB Local: not checked (it runs with `-sharedDb`), but 2.x takes only letters and digits in the key id. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'fluxolocal', secretAccessKey: 'fluxolocal' } as const;
/** The region name clients of DynamoDB Local use; any name works. */
export const LOCAL_REGION = 'us-east-1';

/** A DynamoDB client for a local endpoint, with placeholder credentials and a short retry budget. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 });
}

/** The command-line arguments of DynamoDB Local, telemetry off. */
export function dynamoDbLocalArgs(options: Pick<StartDynamoDbLocalOptions, 'port' | 'inMemory' | 'dataDir'>): string[] {
  const storage = options.inMemory ? ['-inMemory'] : ['-dbPath', options.dataDir];
  return ['-port', String(options.port), '-sharedDb', '-disableTelemetry', ...storage];
}

/** Waits until DynamoDB at `endpoint` answers ListTables, or throws when the deadline passes or `failed()` turns true. */
export async function waitForDynamoDb(endpoint: string, deadlineMs: number, failed?: () => boolean): Promise<void> {
  const client = localDynamoDbClient(endpoint);
  let lastError: unknown;
  try {
    while (Date.now() < deadlineMs && !failed?.()) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        // An HTTP 4xx answer means it is up but rejects us: waiting longer will not help.
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== undefined && status >= 400 && status < 500) throw error;
        lastError = error;
      }
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
  throw new Error(`DynamoDB at ${endpoint} did not answer`, { cause: lastError });
}

/**
 * Starts DynamoDB Local and resolves once it answers ListTables. Throws a
 * {@link ServiceStartError} with the log's last lines when it exits or does not answer.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions): Promise<RunningService> {
  const pidFile = join(options.runDir, 'dynamodb.pid');
  // Before touching the data: it may belong to a DynamoDB Local that is still running.
  await reapStaleProcess(pidFile, { onProgress: options.onProgress });
  if (options.fresh) rmSync(options.dataDir, { recursive: true, force: true });
  // spawnService makes the log and PID file directories.
  if (!options.inMemory) mkdirSync(options.dataDir, { recursive: true });
  const endpoint = `http://${LOOPBACK}:${options.port}`;
  options.onProgress?.(`dynamodb: starting DynamoDB Local on ${endpoint}${options.inMemory ? ' (in memory)' : ''}`);
  const logFile = join(options.logDir, 'dynamodb.log');
  const logOffset = fileSize(logFile);
  const anyInterface = process.env[ANY_INTERFACE_ENV] === '1';
  if (anyInterface)
    options.onProgress?.(`dynamodb: ${ANY_INTERFACE_ENV}=1: DynamoDB Local listens on every interface of port ${options.port}`);
  const launcher = anyInterface ? undefined : loopbackLauncher(options.java, options.libDir);
  const child = spawnService({
    name: 'dynamodb',
    command: options.java,
    args: [
      '-Xms32m',
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      `-Djava.library.path=${options.nativeDir}`,
      `-Dsqlite4java.library.path=${options.nativeDir}`,
      `-D${MARKER}`,
      '-cp',
      launcher === undefined ? join(options.libDir, '*') : [launcher, join(options.libDir, '*')].join(delimiter),
      launcher === undefined ? MAIN_CLASS : LAUNCHER_CLASS,
      ...dynamoDbLocalArgs(options),
    ],
    logFile,
    pidFile,
    marker: MARKER,
    stopOnSignals: options.stopOnSignals,
    ownProcessGroup: options.ownProcessGroup,
  });
  try {
    await waitForDynamoDb(endpoint, Date.now() + (options.startTimeoutMs ?? 60_000), () => child.hasExited());
  } catch (error) {
    const exited = child.hasExited();
    await child.stop();
    throw new ServiceStartError(
      'dynamodb',
      exited
        ? `DynamoDB Local exited while starting (log: ${child.logFile})`
        : `DynamoDB Local did not answer on ${endpoint} in time (log: ${child.logFile})`,
      lastLines(readLogSince(logFile, logOffset), 30),
      { cause: error },
    );
  }
  return { address: endpoint, process: child };
}
