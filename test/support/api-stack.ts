/**
 * The local stack on its own, for tools that test it from outside (scripts/schemathesis.sh): the
 * integration tests' services and stack (fresh Kafka and DynamoDB Local on free ports, the
 * gateway on a free port of 127.0.0.1), then `FLUXO_URL=<url>` on stdout. Stops everything on
 * SIGTERM or SIGINT.
 */
import { startTestServices, stopTestServices } from './services';
import { startTestStack, stopTestStack } from '../integration/stack-setup';

async function main(): Promise<void> {
  await startTestServices();
  try {
    await startTestStack();
  } catch (error) {
    await stopTestServices();
    throw error;
  }
  process.stdout.write(`FLUXO_URL=${process.env.FLUXO_URL ?? ''}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await stopTestStack();
    } finally {
      await stopTestServices();
    }
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`api-stack: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
