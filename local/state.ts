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

/** The state file. */
const STATE_FILE = join(PROJECT_ROOT, '.fluxo', 'run', 'local.json');

/** Records the running stack. */
export function writeLocalState(state: LocalState): void {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the record (only when it is this process's). */
export function clearLocalState(): void {
  if (readLocalState()?.pid === process.pid) rmSync(STATE_FILE, { force: true });
}

/** The running stack's record; undefined when there is none or its process is gone. */
export function readLocalState(): LocalState | undefined {
  try {
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LocalState;
    return typeof state.pid === 'number' && isAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}
