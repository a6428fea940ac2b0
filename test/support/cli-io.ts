/** The CLI's input and output for unit tests: no standard input, and every line printed kept. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../local/tools/cli/context';

/** A {@link CliIo} with the given environment that records what the command prints on `out` and `err`. */
export function recordingIo(
  env: NodeJS.ProcessEnv = {},
  options: { stderrIsTTY?: boolean } = {},
): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stdin: Readable.from([]),
    env,
    ...(options.stderrIsTTY === undefined ? {} : { stderrIsTTY: options.stderrIsTTY }),
    signal: new AbortController().signal,
  };
}
