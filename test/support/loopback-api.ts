/** A fake HTTP API on a free loopback port, for the CLI's unit tests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running fake API: its base URL, and how to stop it. */
export interface LoopbackApi {
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Serves every request with `handle`, which gets the request body read to the end as text. */
export async function loopbackApi(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<LoopbackApi> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
