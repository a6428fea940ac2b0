/**
 * Runs only the local services (Kafka and DynamoDB Local) until Ctrl-C, for running tests or
 * tools against them:
 *
 * ```sh
 * npx tsx local/emulation/services/cli.ts [--fresh] [--in-memory] [--data-dir DIR] [--json]
 * ```
 *
 * Prints the `export` lines of the variables that point other programs at them (or, with
 * `--json`, one JSON line with the addresses and process ids), then waits. User errors are one line.
 */
import { parseArgs } from 'node:util';
import { startServices, type LocalServices } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      'in-memory': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quiet = values.json;
  // A signal during the start exits at once; the exit handler of process.ts kills the JVMs.
  const running: { services?: LocalServices } = {};
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void (running.services?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const services = await startServices({
    dataDir: values['data-dir'],
    fresh: values.fresh,
    inMemory: values['in-memory'],
    onProgress: (line) => (quiet ? undefined : console.error(line)),
  });
  running.services = services;
  if (values.json) {
    const { kafkaBrokers, dynamodbEndpoint, pids, startMs } = services;
    console.log(JSON.stringify({ kafkaBrokers, dynamodbEndpoint, pids, startMs }));
  } else {
    for (const [name, value] of Object.entries(services.env)) console.log(`export ${name}=${value}`);
    console.error('services running; Ctrl-C stops them');
  }
  // Keep the event loop alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(`fluxo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
