/**
 * `fluxo`: the command line for the course's exercises, against the local stack or a deployed API
 * (`FLUXO_URL`, default http://127.0.0.1:3000 or the running `npm start`; `FLUXO_API_KEY`).
 * Every failure prints one line, `fluxo: <what went wrong>`, and exits 1 (or 2 for a wrong
 * command line); no stack traces.
 */
import { parseArgs } from 'node:util';
import { cliContext, type CliContext, type CliIo } from './context';
import { ApiError } from '../api-client';
import { API } from '../../../core/api/routes';
import { RISING_SCORE } from '../../../core/trending';
import { CliError, UsageError } from './errors';
import { createTopic, dlq, kafka, listTopics, send, tail, type Options } from './commands';
import { UnknownKafkaToolError } from './kafka-tools';
import { load, verify } from './load-verify';
import { UnknownScenarioError } from '../scenarios/index';
import { LoadOptionsError } from '../scenarios/load';
import { RunNotFoundError } from '../scenarios/manifest';
import { results, RESULTS_USAGE } from './results';

/** The trending list's parameters as the API declares them (their defaults). */
const TRENDING = API.getTrending.query.properties;

/** The help text. */
export const USAGE = `usage: fluxo <command> [options]

  topics                                   list the topics (GET /topics)
  topics create NAME [--partitions N]      create a topic on the local broker (kafka-topics --create)
        [--retention-hours H]
  send <topic> ['<json value>' | -]        post a value, or one JSON value per stdin line (a line of
        [--key K]                          text on a text topic), like kafka-console-producer over
                                           HTTP; prints partition and offset
  tail <topic> [--from-beginning]          print the topic's values as they arrive, locally, as the
        [--max-messages N] [--print-key]   consumers see them (tuples as objects with IMC; what they
        [--raw]                            cannot count as "# dead letter"); --raw: as written
  results <consumer> [--key K]             a consumer's stored aggregates, newest first (GET
        [--from T] [--to T] [--limit N]    /results/{consumer}; a hopping window's panes)
  results <consumer> --top K [--at T]      the K keys with the highest count in the window ending
                                           at the last pane boundary at or before T (default now)
  results <consumer> --trending [--top K]  break-outs: keys scored (count + 1) / (mean count of
        [--at T] [--baseline B]            the B windows before + 1), rising from ${RISING_SCORE}; only keys
        [--min-count M]                    counted M times or more (defaults ${TRENDING.top.default}, now, ${TRENDING.baseline.default}, ${TRENDING.minCount.default})
  dlq [--consumer C]                       dead letters and failed batches
  load <scenario> [--producers 4]          the course's producers, faster: health, ticks or tweets
        [--rate 200] [--duration 60]       (records/s in all, seconds); progress, then a summary;
        [--seed S] [--batch 1]             the run is written to .fluxo/runs/<scenario>-<seed>.json;
        [--breakout TAG|none]              tweets: from minute M of the run, TAG (default copa2026,
        [--breakout-at M]                  at half the run) is in ten times as many tweets
  verify <scenario> --seed S [--wait 30]   compare the stored aggregates of that run with a direct
                                           computation (tweets: the top-K and trending lists at
                                           every pane boundary too); exit status 1 on any difference
  kafka <tool> [args]                      Kafka's own tools against the local broker, as the course
                                           types them: kafka-topics, kafka-console-producer,
                                           kafka-console-consumer, kafka-consumer-groups, kafka-configs,
                                           kafka-get-offsets (".sh" optional; --bootstrap-server added)

  --json prints the API's answers as JSON.
  FLUXO_URL (default http://127.0.0.1:3000), FLUXO_API_KEY, KAFKA_BROKERS (local commands),
  FLUXO_RUNS_DIR (load and verify; default .fluxo/runs).`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  partitions: { type: 'string' },
  'retention-hours': { type: 'string' },
  key: { type: 'string' },
  'from-beginning': { type: 'boolean' },
  'max-messages': { type: 'string' },
  'print-key': { type: 'boolean' },
  raw: { type: 'boolean' },
  top: { type: 'string' },
  at: { type: 'string' },
  trending: { type: 'boolean' },
  baseline: { type: 'string' },
  'min-count': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  consumer: { type: 'string' },
  producers: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  wait: { type: 'string' },
  breakout: { type: 'string' },
  'breakout-at': { type: 'string' },
} as const;

function parse(argv: readonly string[]): { positionals: string[]; options: Options } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    return { positionals, options: values };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see fluxo --help)`, { cause: error });
  }
}

/** Each command: the most arguments it takes, the usage line that says so, and what runs it. */
const COMMANDS: Readonly<
  Record<string, readonly [number, string, (context: CliContext, rest: string[], options: Options) => Promise<void>]>
> = {
  topics: [
    0,
    'usage: fluxo topics [create NAME --partitions N]',
    (context, rest, options) => (rest[0] === 'create' ? createTopic(context, rest[1], options) : listTopics(context, options)),
  ],
  send: [2, "usage: fluxo send <topic> ['<json value>' | -]", (context, [topic, input], options) => send(context, topic, input, options)],
  tail: [1, 'usage: fluxo tail <topic> [--from-beginning]', (context, [topic], options) => tail(context, topic, options)],
  results: [1, RESULTS_USAGE, (context, [consumer], options) => results(context, consumer, options)],
  dlq: [0, 'usage: fluxo dlq [--consumer C]', (context, _rest, options) => dlq(context, options)],
  load: [
    1,
    'usage: fluxo load <scenario> [--producers N] [--rate R] [--duration S]',
    (context, [name], options) => load(context, name, options),
  ],
  verify: [1, 'usage: fluxo verify <scenario> --seed S', (context, [name], options) => verify(context, name, options)],
};

/**
 * The errors a command reports as one line, with their exit code: 2 for a wrong command line
 * (an unknown scenario or Kafka tool, load options out of range), 1 for a command that failed.
 */
const EXIT_CODES: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, number]> = [
  [UsageError, 2],
  [UnknownKafkaToolError, 2],
  [UnknownScenarioError, 2],
  [LoadOptionsError, 2],
  [CliError, 1],
  [ApiError, 1],
  [RunNotFoundError, 1],
];

/** Runs one command line; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    // Kafka's tools take their own options, passed through untouched.
    if (argv[0] === 'kafka') {
      if (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')
        throw new UsageError(
          'usage: fluxo kafka <tool> [args]   (kafka-topics, kafka-console-producer, kafka-console-consumer, kafka-consumer-groups, kafka-configs, kafka-get-offsets)',
        );
      return await kafka(cliContext(io), argv[1], argv.slice(2));
    }
    const { positionals, options } = parse(argv);
    const [command, ...rest] = positionals;
    if (options.help || command === undefined || command === 'help') {
      io.stdout(`${USAGE}\n`);
      return command === undefined && !options.help ? 2 : 0;
    }
    const context = cliContext(io);
    const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (entry === undefined) throw new UsageError(`unknown command "${command}" (see fluxo --help)`);
    // `topics create` takes one argument more than `topics`.
    const [max, usage] = command === 'topics' && rest[0] === 'create' ? [2, 'usage: fluxo topics create NAME [--partitions N]'] : entry;
    if (rest.length > max) throw new UsageError(`unexpected argument "${rest[max]}"; ${usage}`);
    await entry[2](context, rest, options);
    return 0;
  } catch (error) {
    const exitCode = EXIT_CODES.find(([type]) => error instanceof type)?.[1];
    if (exitCode !== undefined) {
      io.stderr(`fluxo: ${(error as Error).message}\n`);
      return exitCode;
    }
    // Anything else is a bug in fluxo, still reported as one line; FLUXO_DEBUG=1 shows the stack.
    io.stderr(`fluxo: unexpected error: ${(error as Error).message ?? String(error)}\n`);
    if (io.env.FLUXO_DEBUG) io.stderr(`${(error as Error).stack ?? ''}\n`);
    return 1;
  }
}

/** Runs the CLI in this process: real streams, Ctrl-C aborts long commands. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const code = await run(argv, {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: process.stdin,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = code;
  // Pending keep-alive sockets or timers must not keep a finished command alive.
  setImmediate(() => process.exit(code));
}
