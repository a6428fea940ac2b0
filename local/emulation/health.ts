/**
 * `GET /health` of the local gateway: whether Kafka and DynamoDB answer, with how long each took.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Socket } from 'node:net';
import { localDynamoDbClient } from './services';
import type { HealthReport } from './gateway';

/** One dependency's state. */
export interface DependencyHealth {
  readonly ok: boolean;
  readonly address: string;
  readonly ms: number;
  readonly error?: string;
}

function tcpReachable(address: string, timeoutMs: number): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => reject(error));
    socket.connect(port, host);
  });
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
export function localHealthCheck({
  kafkaBrokers,
  dynamodbEndpoint,
  timeoutMs = 2000,
}: {
  kafkaBrokers: string;
  dynamodbEndpoint: string;
  timeoutMs?: number;
}): () => Promise<HealthReport> {
  const dynamodb = localDynamoDbClient(dynamodbEndpoint);
  return async () => {
    const brokers = kafkaBrokers.split(',').filter((b) => b !== '');
    const [kafka, tables] = await Promise.all([
      timed(kafkaBrokers, () => Promise.any(brokers.map((b) => tcpReachable(b, timeoutMs)))),
      timed(dynamodbEndpoint, () => dynamodb.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(timeoutMs) })),
    ]);
    return { ok: kafka.ok && tables.ok, kafka, dynamodb: tables };
  };
}
