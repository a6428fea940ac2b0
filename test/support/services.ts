/**
 * The services of the integration tests, for jest's global setup and teardown: started once,
 * fresh, in a temporary data directory with DynamoDB in memory; tables and the spec's topics
 * created; their addresses published in `process.env` for the test workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '../../pipeline';
import { ENV } from '../../core/config';
import { LOCAL_TABLES, ensureTables, ensureTopics, startServices, type LocalServices } from '../../local/emulation/services/index';

/** What the global setup keeps for the teardown. */
export interface TestServices {
  /** The running services. */
  readonly services: LocalServices;
  /** The temporary data directory, removed by {@link stopTestServices}. */
  readonly dataDir: string;
}

const HANDLE: unique symbol = Symbol.for('fluxo.integration.services');
const registry = globalThis as typeof globalThis & { [HANDLE]?: TestServices };

function progress(line: string): void {
  process.stderr.write(`fluxo services: ${line}\n`);
}

/**
 * Starts Kafka and DynamoDB Local for the test run (or uses `KAFKA_BROKERS` / `DYNAMODB_ENDPOINT`),
 * creates the tables and the built-in spec's topics, and sets `KAFKA_BROKERS`, `KAFKA_AUTH`,
 * `DYNAMODB_ENDPOINT`, the table names and placeholder AWS credentials in `process.env`, which the
 * test workers inherit. Keeps the handle on `globalThis` for {@link stopTestServices}.
 */
export async function startTestServices(): Promise<TestServices> {
  const existing = registry[HANDLE];
  if (existing) return existing;
  const dataDir = mkdtempSync(join(tmpdir(), 'fluxo-it-'));
  try {
    const services = await startServices({ dataDir, fresh: true, inMemory: true, onProgress: progress });
    try {
      await ensureTables(services.dynamodbEndpoint);
      await ensureTopics(services.kafkaBrokers, pipeline);
    } catch (error) {
      await services.stop();
      throw error;
    }
    Object.assign(process.env, services.env, {
      [ENV.resultsTable]: LOCAL_TABLES.results,
      [ENV.idempotencyTable]: LOCAL_TABLES.idempotency,
    });
    const handle = { services, dataDir };
    registry[HANDLE] = handle;
    return handle;
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The running test services, if {@link startTestServices} ran in this process. */
export function currentTestServices(): TestServices | undefined {
  return registry[HANDLE];
}

/** Stops what {@link startTestServices} started and removes its data directory. */
export async function stopTestServices(): Promise<void> {
  const handle = registry[HANDLE];
  if (!handle) return;
  delete registry[HANDLE];
  try {
    await handle.services.stop();
  } finally {
    rmSync(handle.dataDir, { recursive: true, force: true });
  }
}
