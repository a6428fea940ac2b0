/**
 * `npm start`: the whole pipeline on this machine. Starts (or reuses, with `KAFKA_BROKERS` /
 * `DYNAMODB_ENDPOINT`) a Kafka broker and DynamoDB Local, creates the spec's topics and tables,
 * bundles the handlers, serves the HTTP API on http://127.0.0.1:3000 (`PORT` overrides) and runs
 * one event-source-mapping emulator per consumer. Ctrl-C or SIGTERM stops everything.
 *
 * Options: `--fresh` wipes the local data (topics, offsets, tables) first; `--verbose` prints the
 * functions' logs and every request.
 */
import { parseArgs } from 'node:util';
import { pipeline } from '../pipeline';
import { ENV } from '../core/config';
import { COURSE_KAFKA_PORT, ensureTables, ensureTopics, portIsFree, startServices, type LocalServices } from './emulation/services';
import { banner } from './banner';
import { startLocalStack, type LocalStack } from './stack';
import { DEFAULT_ON_FAILURE_FILE } from './emulation/esm/on-failure';
import { PROJECT_ROOT, clearLocalState, writeLocalState } from './state';
import { join } from 'node:path';

const USAGE = 'usage: npm start [-- --fresh] [-- --verbose]   (PORT=3000, KAFKA_BROKERS, DYNAMODB_ENDPOINT)';

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return 3000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`PORT must be a port number 1..65535 (got "${text}")`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(process.env.PORT);
  const began = Date.now();
  const progress = (line: string): void => console.log(`fluxo: ${line}`);
  let services: LocalServices | undefined;
  let stack: LocalStack | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      progress('stopping...');
      // A shutdown that hangs (a broker that does not answer) must not keep the JVMs alive.
      setTimeout(() => {
        progress('stopping took too long; exiting');
        process.exit(code === 0 ? 1 : code);
      }, 20_000).unref();
      clearLocalState();
      await stack?.stop().catch((error: unknown) => progress(`stopping the stack failed: ${(error as Error).message}`));
      await services?.stop();
      progress('stopped');
      // Nothing is left to finish; idle keep-alive sockets must not hold the process open.
      process.exit(code);
    })());
  // `on`, not `once`: the services' own signal handler then leaves the shutdown to this one.
  const onSignal = (): void => {
    if (stopping === undefined) {
      void stop(0);
    } else {
      progress('stopping now');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // This process stops the JVMs itself, after the emulators have left their consumer groups (else
    // the next start waits for their sessions to expire); in their own process group, a terminal's
    // Ctrl-C does not reach them first. Their exit handler still kills any JVM left if this process
    // dies another way.
    services = await startServices({
      fresh: values.fresh,
      onProgress: progress,
      stopOnSignals: false,
      ownProcessGroup: true,
      // The course's 9092 when nothing else listens there, so that its scripts and commands
      // (`localhost:9092`) work unchanged; otherwise a free port, said in the banner.
      kafkaPort: !process.env[ENV.kafkaBrokers] && (await portIsFree(COURSE_KAFKA_PORT)) ? COURSE_KAFKA_PORT : undefined,
    });
    const tables = await ensureTables(services.dynamodbEndpoint);
    progress(`tables: ${[...tables.created.map((t) => `${t} (created)`), ...tables.existing].join(', ')}`);
    const topics = await ensureTopics(services.kafkaBrokers, pipeline);
    progress(`topics: ${topics.created.length} created, ${topics.updated.length} updated, ${topics.unchanged.length} unchanged`);
    if (stopping) return;
    stack = await startLocalStack({
      spec: pipeline,
      kafkaBrokers: services.kafkaBrokers,
      dynamodbEndpoint: services.dynamodbEndpoint,
      port,
      log: values.verbose ? (line) => console.log(line) : (line) => (line.includes('failed') ? console.error(line) : undefined),
    });
    progress(
      `bundles: ${stack.bundles.map((b) => `${b.name} ${(b.bytes / 1024).toFixed(0)} KiB${b.cached ? ' (cached)' : ''}`).join(', ')}`,
    );
    if (stopping) {
      await stack.stop();
      return;
    }
    writeLocalState({
      url: stack.url,
      kafkaBrokers: services.kafkaBrokers,
      dynamodbEndpoint: services.dynamodbEndpoint,
      pid: process.pid,
      onFailureFile: join(PROJECT_ROOT, DEFAULT_ON_FAILURE_FILE),
    });
    console.log(banner(stack, services, (Date.now() - began) / 1000));
  } catch (error) {
    console.error(`fluxo: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
