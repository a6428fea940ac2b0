/**
 * The `fluxo` commands, each a function of the parsed command line and the CLI context. They talk
 * to the HTTP API, except `topics create` and `tail`, which use the local Kafka directly as the
 * course's kafka-topics and kafka-console-consumer do.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Kafka } from 'kafkajs';
import { canonicalRecord } from '../../../core/canonical';
import { parseValue } from '../../../core/filter';
import { createKafka, ensureTopic } from '../../../lambdas/clients/kafka';
import type { ResolvedTopic } from '../../../core/spec';
import type { RecordResultView } from '../../../core/api/routes';
import { readOnFailureEntries } from '../../emulation/esm/on-failure';
import { kafkaTool } from '../../emulation/services';
import { kafkaToolInvocation } from './kafka-tools';
import { callApi, getRoute } from '../api-client';
import { requireLocalKafka, type CliContext } from './context';
import { CliError, UsageError } from './errors';

/** Parsed options common to the commands (values as util.parseArgs gives them). */
export type Options = Readonly<Record<string, string | boolean | undefined>>;

function kafkaFor(brokers: string, clientId: string): Kafka {
  // kafkajs' own request timeout (30 s): `fluxo tail` joins a consumer group, which may wait out a rebalance.
  return createKafka({ clientId, brokers: brokers.split(','), requestTimeoutMs: 30_000, retries: 3 });
}

function positiveInt(value: string | boolean | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number above 0 (got "${String(value)}")`);
  return n;
}

/** A whole-number flag within bounds (a query parameter's, as declared in core/api/routes.ts; 1 and up by default). */
export function wholeFlag(
  options: Options,
  flag: string,
  bounds: { readonly minimum?: number; readonly maximum?: number },
): number | undefined {
  const value = options[flag];
  if (value === undefined) return undefined;
  const { minimum = 1, maximum = Number.MAX_SAFE_INTEGER } = bounds;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < minimum || n > maximum)
    throw new UsageError(`--${flag} must be a whole number from ${minimum} to ${maximum} (got "${String(value)}")`);
  return n;
}

/** Writes one line to standard output. */
export function print(context: CliContext, line: string): void {
  context.io.stdout(`${line}\n`);
}

/** `fluxo topics`: the spec's topics from the API; locally, also topics that exist only on the broker. */
export async function listTopics(context: CliContext, options: Options): Promise<void> {
  const { topics } = await getRoute(context, 'listTopics', { path: {} });
  let extra: string[] = [];
  if (context.local && context.kafkaBrokers !== undefined) {
    const admin = kafkaFor(context.kafkaBrokers, 'fluxo-cli').admin();
    try {
      await admin.connect();
      const known = new Set(topics.map((t) => t.name));
      extra = (await admin.listTopics()).filter((t) => !t.startsWith('__') && !known.has(t)).sort();
    } catch {
      // The broker listing is a convenience; the API's answer stands on its own.
    } finally {
      await admin.disconnect();
    }
  }
  if (options.json) {
    print(context, JSON.stringify({ topics, brokerOnly: extra }));
    return;
  }
  for (const t of topics) {
    print(
      context,
      `${t.name.padEnd(20)} ${String(t.partitions).padStart(3)} partition(s)  ${t.retentionHours} h  ${t.description ?? ''}`.trimEnd(),
    );
  }
  for (const name of extra)
    print(context, `${name.padEnd(20)}   (on the broker only: not in pipeline.ts, so the API does not accept records for it)`);
}

/** `fluxo topics create NAME --partitions N`: local only, like `kafka-topics.sh --create`. */
export async function createTopic(context: CliContext, name: string | undefined, options: Options): Promise<void> {
  if (name === undefined) throw new UsageError('usage: fluxo topics create NAME [--partitions N] [--retention-hours H]');
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name)) throw new UsageError(`topic name must be 1 to 249 of [a-zA-Z0-9._-] (got "${name}")`);
  const brokers = requireLocalKafka(context, '`fluxo topics create`');
  const partitions = positiveInt(options.partitions, 'partitions', 1) as number;
  const retentionHours = positiveInt(options['retention-hours'], 'retention-hours', 168) as number;
  const admin = kafkaFor(brokers, 'fluxo-cli').admin();
  try {
    await admin.connect();
    const outcome = await ensureTopic(admin, { name, partitions, retentionHours, replicationFactor: 1 });
    print(
      context,
      `${outcome === 'created' ? 'Created' : outcome === 'updated' ? 'Updated' : 'Already had'} topic ${name} (${partitions} partition(s), ${retentionHours} h retention).`,
    );
    print(context, 'To post records to it over HTTP, declare it in pipeline.ts (the API only accepts topics of the spec).');
  } catch (error) {
    throw new CliError(`could not create topic ${name} on ${brokers}: ${(error as Error).message}`, { cause: error });
  } finally {
    await admin.disconnect();
  }
}

/** Posts one batch of values and prints one line per result; returns how many failed. */
async function postValues(context: CliContext, topic: string, values: readonly unknown[], options: Options): Promise<number> {
  const key = typeof options.key === 'string' ? options.key : undefined;
  const records = values.map((value) => (key === undefined ? { value } : { key, value }));
  const { body } = await callApi(context, 'POST', `/topics/${encodeURIComponent(topic)}/records`, { records });
  const results = (body as { results?: RecordResultView[] } | undefined)?.results ?? [];
  let failed = 0;
  for (const result of results) {
    if (options.json) print(context, JSON.stringify(result));
    else if ('error_code' in result) print(context, `error ${result.error_code}: ${result.message ?? ''}`);
    else print(context, `partition ${result.partition} offset ${result.offset}`);
    if ('error_code' in result) failed += 1;
  }
  return failed;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${where} is not JSON: ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`, { cause: error });
  }
}

/** Most records per request when reading stdin (the API takes up to 500). */
const STDIN_BATCH = 100;

/**
 * `fluxo send <topic> [json | -]`: posts one value, or one value per stdin line (like
 * kafka-console-producer), printing each record's partition and offset or error.
 */
export async function send(context: CliContext, topic: string | undefined, input: string | undefined, options: Options): Promise<void> {
  if (topic === undefined)
    throw new UsageError(
      "usage: fluxo send <topic> ['<json value>' | -]   (no value, or -, reads one JSON value per line from stdin; on a text topic, one line of text)",
    );
  // A text topic takes lines as they are, as kafka-console-producer writes them; other topics one JSON value per line.
  const text = (await specTopics(context))?.find((t) => t.name === topic)?.format === 'text';
  const valueOf = (line: string, where: string): unknown => (text ? line : parseJson(line, where));
  if (input !== undefined && input !== '-') {
    const failed = await postValues(context, topic, [valueOf(input, 'the value')], options);
    if (failed > 0) throw new CliError('the record was not written');
    return;
  }
  let failed = 0;
  let lineNo = 0;
  let pending: unknown[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const values = pending;
    pending = [];
    failed += await postValues(context, topic, values, options);
  };
  const lines = createInterface({ input: context.io.stdin, crlfDelay: Infinity });
  const stop = (): void => lines.close();
  context.io.signal.addEventListener('abort', stop);
  try {
    for await (const line of lines) {
      lineNo += 1;
      if (line.trim() === '') continue;
      try {
        pending.push(valueOf(line, `line ${lineNo}`));
      } catch (error) {
        context.io.stderr(`fluxo: ${(error as Error).message}\n`);
        failed += 1;
        continue;
      }
      // An interactive terminal gets each line's answer at once; a pipe is sent in batches.
      if (pending.length >= STDIN_BATCH || (context.io.stdin as { isTTY?: boolean }).isTTY) await flush();
    }
    await flush();
  } finally {
    context.io.signal.removeEventListener('abort', stop);
  }
  if (failed > 0) throw new CliError(`${failed} record(s) were not written`);
}

/** The spec's topics as the API describes them (`GET /topics`), ready to bring records to their canonical form. */
async function specTopics(context: CliContext): Promise<ResolvedTopic[] | undefined> {
  try {
    return (await getRoute(context, 'listTopics', { path: {} })).topics;
  } catch {
    return undefined;
  }
}

/**
 * One record as `fluxo tail` prints it: on a topic of the spec, what the consumers see — the
 * canonical value (a tuple as its object with IMC, a text line as it is) — or, for a record they
 * cannot count, `# dead letter (<reason>): <detail>`; elsewhere, or with `--raw`, the value as
 * written.
 */
export function tailLine(value: Buffer | null, topic: ResolvedTopic | undefined, raw: boolean): string {
  const text = value === null ? undefined : value.toString('utf8');
  if (topic === undefined || raw) return text ?? 'null';
  const outcome = canonicalRecord(topic, { text, parsed: parseValue(text), raw: value ?? undefined });
  if (!outcome.ok) return `# dead letter (${outcome.reason}): ${outcome.detail}`;
  return typeof outcome.value === 'string' ? outcome.value : JSON.stringify(outcome.value);
}

/**
 * `fluxo tail <topic> [--from-beginning] [--max-messages N] [--print-key] [--raw]`: like
 * kafka-console-consumer, locally, printing what the consumers see (see {@link tailLine}).
 */
export async function tail(context: CliContext, topic: string | undefined, options: Options): Promise<void> {
  if (topic === undefined) throw new UsageError('usage: fluxo tail <topic> [--from-beginning] [--max-messages N] [--print-key] [--raw]');
  const brokers = requireLocalKafka(context, '`fluxo tail`');
  const raw = options.raw === true;
  const topicSpec = raw ? undefined : (await specTopics(context))?.find((t) => t.name === topic);
  const max = positiveInt(options['max-messages'], 'max-messages');
  const kafka = kafkaFor(brokers, 'fluxo-cli-tail');
  const admin = kafka.admin();
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) throw new CliError(`topic "${topic}" does not exist on ${brokers}`);
  } finally {
    await admin.disconnect();
  }
  // A throwaway group that never commits, as the console consumer's: every tail reads on its own.
  const consumer = kafka.consumer({
    groupId: `fluxo-tail-${randomUUID()}`,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  let seen = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  context.io.signal.addEventListener('abort', () => finish());
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options['from-beginning'] === true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (max !== undefined && seen >= max) return;
        seen += 1;
        const value = tailLine(message.value, topicSpec, raw);
        print(context, options['print-key'] ? `${message.key?.toString('utf8') ?? 'null'}\t${value}` : value);
        if (max !== undefined && seen >= max) finish();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  if (!options.json) context.io.stderr(`Processed a total of ${seen} messages\n`);
}

/** `fluxo dlq [--consumer C]`: the consumers' dead letters (API), and locally the emulator's failed batches. */
export async function dlq(context: CliContext, options: Options): Promise<void> {
  const only = typeof options.consumer === 'string' ? options.consumer : undefined;
  const { items } = await getRoute(context, 'getDeadLetters', { path: {}, query: { consumer: only } });
  const failedBatches = context.state === undefined ? [] : await readOnFailureEntries(context.state.onFailureFile);
  const wanted = failedBatches.filter((e) => only === undefined || e.fluxo.consumer === only);
  if (options.json) {
    print(context, JSON.stringify({ deadLetters: items, failedBatches: wanted }));
    return;
  }
  print(context, `dead letters: ${items.length}`);
  for (const { consumer, topic, partition, offset, reason, error, form, writer } of items) {
    const from = form === undefined ? '' : `  [${form} from ${writer === 'http' ? "fluxo's HTTP API" : 'a Kafka client'}]`;
    print(context, `  ${consumer}  ${topic}-${partition}@${offset}  ${reason}: ${error}${from}`);
  }
  if (context.state !== undefined) {
    print(context, `failed batches (event source mapping on-failure destination, ${context.state.onFailureFile}): ${wanted.length}`);
    for (const entry of wanted) {
      const { consumer, topic, partition, offsets, error } = entry.fluxo;
      const range = offsets.length === 1 ? `${offsets[0]}` : `${offsets[0]}..${offsets[offsets.length - 1]}`;
      print(
        context,
        `  ${entry.timestamp}  ${consumer}  ${topic}-${partition}@${range}  ${entry.requestContext.condition}${error ? `: ${error.errorType}: ${error.errorMessage}` : ''}`,
      );
    }
  }
}

/**
 * `fluxo kafka <tool> [args]`: one of Kafka's own tools (kafka-tools.ts), from the cached broker
 * jars, against the local broker; its standard streams are the CLI's. Resolves to its exit code.
 */
export async function kafka(context: CliContext, tool: string, args: readonly string[]): Promise<number> {
  const brokers = requireLocalKafka(context, '`fluxo kafka`');
  const invocation = kafkaToolInvocation(tool, args, brokers);
  for (const note of invocation.notes) context.io.stderr(`fluxo: ${note}\n`);
  const command = await kafkaTool(invocation.mainClass, invocation.args, { env: context.io.env });
  const child = spawn(command.command, command.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => context.io.stdout(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => context.io.stderr(chunk.toString('utf8')));
  context.io.stdin.pipe(child.stdin);
  // The tool may exit before its input ends (a consumer's --max-messages): its closed stdin is not an error.
  child.stdin.on('error', () => undefined);
  const stop = (): void => void child.kill('SIGTERM');
  context.io.signal.addEventListener('abort', stop);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) => reject(new CliError(`could not run ${invocation.tool}: ${error.message}`, { cause: error })));
      child.once('close', (code, signal) => resolve(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 130 : 1)));
    });
  } finally {
    context.io.signal.removeEventListener('abort', stop);
    context.io.stdin.unpipe(child.stdin);
  }
}
