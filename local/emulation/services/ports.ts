/** Free TCP ports on the loopback interface, for services started without a fixed port. */
import { createServer } from 'node:net';

/** The loopback address every local service listens on. */
export const LOOPBACK = '127.0.0.1';

/** Where the course's scripts and commands expect Kafka: `localhost:9092`. */
export const COURSE_KAFKA_PORT = 9092;

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now: the OS picks it, we release it and
 * hand it to the service. Another process could take it in between; the service then fails to
 * bind and says so in its log.
 */
export function freePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS did not assign a port'))));
    });
  });
}

/** Distinct free ports, one per service that needs one. */
export async function freePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/** Whether nothing listens on `port` of `host` right now (the OS lets this process bind it exclusively). */
export function portIsFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
