/**
 * Where a running `npm start` says where it is: `.fluxo/run/local.json` holds the API URL and the
 * services' addresses (their ports are picked at start), so that the `fluxo` CLI finds the local
 * Kafka for `topics create` and `tail` without being told. Written at start, removed at stop.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive } from './emulation/services/process';

/** What a running local stack records. */
export interface LocalState {
  readonly url: string;
  readonly kafkaBrokers: string;
  readonly dynamodbEndpoint: string;
  /** The `npm start` process. */
  readonly pid: number;
  /** The on-failure destination file of the emulators. */
  readonly onFailureFile: string;
}

/** The project root (this file is `<root>/local/state.ts`). */
export const PROJECT_ROOT = join(__dirname, '..');

/** The state file's path. */
export function localStateFile(root: string = PROJECT_ROOT): string {
  return join(root, '.fluxo', 'run', 'local.json');
}

/** Records the running stack. */
export function writeLocalState(state: LocalState, file: string = localStateFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the record (only when it is this process's). */
export function clearLocalState(pid: number = process.pid, file: string = localStateFile()): void {
  const state = readLocalState(file);
  if (state?.pid === pid) rmSync(file, { force: true });
}

/** The running stack's record; undefined when there is none or its process is gone. */
export function readLocalState(file: string = localStateFile()): LocalState | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as LocalState;
    return typeof state.pid === 'number' && isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}
