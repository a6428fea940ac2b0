/**
 * Nothing the local stack runs listens beyond loopback: every listening TCP socket of the
 * processes that serve the run's Kafka broker, DynamoDB Local and gateway (found by the ports in
 * `KAFKA_BROKERS`, `DYNAMODB_ENDPOINT` and `FLUXO_URL`) is bound to 127.0.0.0/8 or ::1. Read from
 * Linux's /proc (proc(5): /proc/net/tcp, /proc/net/tcp6, /proc/<pid>/fd); parsed by hand here,
 * as no maintained package reads those tables. Where there is no /proc/net/tcp (not Linux),
 * the test only checks that it is not on Linux.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { ENV } from '../../core/config';

/** A listening socket: its address as text, port and inode. */
interface Listener {
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

const LISTEN = '0A';

/** /proc/net/tcp{,6} hex addresses: 32-bit words in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

function listeners(): Listener[] {
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((file) => existsSync(file))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[3] === LISTEN)
        .map((fields) => {
          const [address = '', port = '0'] = (fields[1] ?? '').split(':');
          return { address: decodeAddress(address), port: parseInt(port, 16), inode: fields[9] ?? '' };
        }),
    );
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address.startsWith('::ffff:127.') || address === '0:0:0:0:0:0:0:1';
}

/** The socket inodes each process of this user holds open. */
function socketsByPid(): Map<number, Set<string>> {
  const byPid = new Map<number, Set<string>>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    const inodes = new Set<string>();
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (match) inodes.add(match[1] as string);
      } catch {
        // closed since the listing
      }
    }
    byPid.set(Number(entry), inodes);
  }
  return byPid;
}

const portOf = (url: string | undefined): number => Number(new URL(url?.includes('://') ? url : `tcp://${url}`).port);
describe('what the local stack listens on', () => {
  it('binds every listening socket of the broker, DynamoDB Local and the gateway to loopback', () => {
    if (!existsSync('/proc/net/tcp')) {
      expect(process.platform).not.toBe('linux');
      return;
    }
    // Prepare: the run's ports and the processes that hold them
    const ports = [
      portOf(process.env[ENV.kafkaBrokers]?.split(',')[0]),
      portOf(process.env[ENV.dynamodbEndpoint]),
      portOf(process.env.FLUXO_URL),
    ];
    const all = listeners();
    const byPid = socketsByPid();

    // Act: every listening socket of those processes
    const servicePids = [...byPid]
      .filter(([, inodes]) => all.some((l) => ports.includes(l.port) && inodes.has(l.inode)))
      .map(([pid]) => pid);
    const theirs = all.filter((l) => servicePids.some((pid) => byPid.get(pid)?.has(l.inode)));

    // Assess: each port is served, and nothing of theirs listens beyond loopback
    expect(ports.filter((port) => !theirs.some((l) => l.port === port))).toEqual([]);
    expect(servicePids.length).toBeGreaterThanOrEqual(2);
    expect(theirs.filter((l) => !isLoopback(l.address)).map((l) => `${l.address}:${l.port}`)).toEqual([]);
  });
});
