/**
 * What every command gets: where the API is, the local stack's record (when `npm start` runs
 * here), and the process's streams, injectable for tests.
 */
import type { Readable } from 'node:stream';
import { readLocalState, type LocalState } from '../../state';
import { ENV } from '../../../core/config';
import { UsageError } from './errors';

/** The CLI's streams and environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: Readable;
  /** Whether standard error is a terminal (progress bars redraw in place). @default false */
  readonly stderrIsTTY?: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: long-running commands (tail, send from stdin) stop cleanly. */
  readonly signal: AbortSignal;
}

/** Resolved settings of one CLI run. */
export interface CliContext {
  readonly io: CliIo;
  /** The API's base URL, without a trailing slash. */
  readonly url: string;
  readonly apiKey: string | undefined;
  /** Kafka brokers for local-only commands; undefined when unknown. */
  readonly kafkaBrokers: string | undefined;
  /** Whether the API is the local stack (a loopback address). */
  readonly local: boolean;
  readonly state: LocalState | undefined;
}

/** The default API URL. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname) || url.hostname.startsWith('127.');
}

/** Builds the context from `FLUXO_URL`, `FLUXO_API_KEY`, `KAFKA_BROKERS` and the local stack's record. */
export function cliContext(io: CliIo, readState: () => LocalState | undefined = readLocalState): CliContext {
  const state = readState();
  const raw = io.env.FLUXO_URL || state?.url || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UsageError(`FLUXO_URL is not a URL: "${raw}"`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`FLUXO_URL must be http(s): "${raw}"`);
  const local = isLoopback(url);
  const base = url.toString().replace(/\/+$/, '');
  // The running stack's record only describes the API it serves.
  const own = local && state !== undefined && state.url.replace(/\/+$/, '') === base ? state : undefined;
  return {
    io,
    url: base,
    apiKey: io.env.FLUXO_API_KEY || undefined,
    kafkaBrokers: io.env[ENV.kafkaBrokers] || own?.kafkaBrokers,
    local,
    state: own,
  };
}

/** The brokers of a local-only command, or a clear error saying why there are none. */
export function requireLocalKafka(context: CliContext, what: string): string {
  if (!context.local && !context.io.env[ENV.kafkaBrokers]) {
    throw new UsageError(`${what} is not supported on a deployed API (${context.url}); on AWS use the client host's Kafka tools`);
  }
  if (context.kafkaBrokers === undefined) {
    throw new UsageError(`${what} needs the local Kafka: start it with \`npm start\`, or set ${ENV.kafkaBrokers}`);
  }
  return context.kafkaBrokers;
}
