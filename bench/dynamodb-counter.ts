/**
 * A counting proxy in front of DynamoDB Local: the bench points a consumer function's
 * `DYNAMODB_ENDPOINT` at it and counts, on the wire, every request by operation (`X-Amz-Target`)
 * and the items each write carries, then forwards the request unchanged. It counts what the
 * handler really sends, retries included, without touching the handler's code.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** Requests and written items seen so far, by operation (`PutItem`, `BatchWriteItem`, ...). */
export interface DynamoDbCounts {
  readonly requests: Readonly<Record<string, number>>;
  /** Items in write requests: 1 per PutItem/UpdateItem/DeleteItem, the request items of BatchWriteItem and TransactWriteItems. */
  readonly itemsWritten: number;
  /** Round-trip time of each request through the proxy to DynamoDB Local, ms, by operation. */
  readonly durationsMs: Readonly<Record<string, readonly number[]>>;
}

/** Operations that write. */
export const WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;

/** Write requests among `counts`. */
export function writeRequests(counts: DynamoDbCounts): number {
  return WRITE_OPERATIONS.reduce((sum, op) => sum + (counts.requests[op] ?? 0), 0);
}

/** How many items one write request carries (pure; exported for tests). */
export function itemsInWrite(operation: string, body: string): number {
  if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') return 1;
  if (operation !== 'BatchWriteItem' && operation !== 'TransactWriteItems') return 0;
  const parsed = JSON.parse(body) as { RequestItems?: Record<string, unknown[]>; TransactItems?: unknown[] };
  if (operation === 'TransactWriteItems') return parsed.TransactItems?.length ?? 0;
  return Object.values(parsed.RequestItems ?? {}).reduce((sum, items) => sum + items.length, 0);
}

/** A running counting proxy. */
export interface DynamoDbCounter {
  /** The endpoint to give clients, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** A snapshot of the counts. */
  counts(): DynamoDbCounts;
  /** Zeroes the counts. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a counting proxy on a free loopback port in front of `target` (`http://host:port`). */
export async function startDynamoDbCounter(target: string): Promise<DynamoDbCounter> {
  const upstream = new URL(target);
  let requests: Record<string, number> = {};
  let itemsWritten = 0;
  let durationsMs: Record<string, number[]> = {};
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1) || 'unknown';
      requests[operation] = (requests[operation] ?? 0) + 1;
      try {
        itemsWritten += itemsInWrite(operation, body.toString('utf8'));
      } catch {
        // Not JSON: DynamoDB Local will answer the client with the error; nothing was written.
      }
      const began = performance.now();
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => (durationsMs[operation] ??= []).push(performance.now() - began));
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bench DynamoDB proxy: ${error.message}`);
      });
      forward.end(body);
    });
  };
  const server = createServer(handle);
  await once(server.listen(0, '127.0.0.1'), 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({
      requests: { ...requests },
      itemsWritten,
      durationsMs: Object.fromEntries(Object.entries(durationsMs).map(([op, list]) => [op, [...list]])),
    }),
    reset: () => {
      requests = {};
      itemsWritten = 0;
      durationsMs = {};
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
