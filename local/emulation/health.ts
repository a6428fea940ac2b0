/**
 * `GET /health` of the local gateway: whether Kafka and DynamoDB answer, with how long each took.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { connect } from 'node:net';
import { localDynamoDbClient, type LocalServices } from './services';
import type { HealthReport } from './gateway';

/** One dependency's state. */
export interface DependencyHealth {
  readonly ok: boolean;
  readonly address: string;
  readonly ms: number;
  readonly error?: string;
}

/** How long each check may take, ms. */
const TIMEOUT_MS = 2000;

async function tcpReachable(address: string): Promise<void> {
  const colon = address.lastIndexOf(':');
  const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)), timeout: TIMEOUT_MS });
  try {
    // `once` rejects on the socket's 'error' event.
    const timedOut = once(socket, 'timeout').then(() => Promise.reject(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    await Promise.race([once(socket, 'connect'), timedOut]);
  } finally {
    socket.destroy();
  }
}

async function timed(address: string, check: () => Promise<unknown>): Promise<DependencyHealth> {
  const started = Date.now();
  try {
    await check();
    return { ok: true, address, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, address, ms: Date.now() - started, error: (error as Error).message };
  }
}

/** Builds the health check of the local services: a TCP connect to each broker, ListTables on DynamoDB. */
export function localHealthCheck(services: Pick<LocalServices, 'kafkaBrokers' | 'dynamodbEndpoint'>): () => Promise<HealthReport> {
  const { kafkaBrokers, dynamodbEndpoint } = services;
  const dynamodb = localDynamoDbClient(dynamodbEndpoint);
  return async () => {
    const brokers = kafkaBrokers.split(',').filter((b) => b !== '');
    const [kafka, tables] = await Promise.all([
      timed(kafkaBrokers, () => Promise.any(brokers.map((b) => tcpReachable(b)))),
      timed(dynamodbEndpoint, () => dynamodb.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) })),
    ]);
    return { ok: kafka.ok && tables.ok, kafka, dynamodb: tables };
  };
}
