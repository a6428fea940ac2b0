/**
 * The Strimzi HTTP Bridge for Apache Kafka (`io.strimzi:kafka-bridge`), what a user would put in
 * front of Kafka instead of fluxo: fetched from Maven Central with its runtime dependencies into
 * the same cache as the broker's jars (local/emulation/services/install.ts), started against the bench's
 * broker with fluxo's producer settings, and stopped by the bench.
 *
 * Version 0.33.1 is the newest release built for Java 17, the Java the local stack runs on
 * (1.0.0 and later need Java 21).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { installBundle, type Bundle, type InstallOptions } from '../local/emulation/services/install';
import { findJava } from '../local/emulation/services/tools';
import { BenchError, exited, outputTail } from './context';

/** The bridge release the bench runs. */
export const BRIDGE_VERSION = '0.33.1';

/** The bridge's jar and its runtime dependencies (Vert.x, the Kafka 4.1 Java client, log4j2). */
export const BRIDGE_BUNDLE: Bundle = {
  name: `strimzi-kafka-bridge-${BRIDGE_VERSION}`,
  dependencies: [{ groupId: 'io.strimzi', artifactId: 'kafka-bridge', version: BRIDGE_VERSION }],
  natives: false,
};

/** A running bridge. */
export interface RunningBridge {
  /** e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The bridge's `application.properties` for `brokers`, listening on 127.0.0.1:`port`, producer only. */
export function bridgeProperties(brokers: string, port: number): string {
  const props = {
    'bridge.id': 'fluxo-bench',
    'kafka.bootstrap.servers': brokers,
    // fluxo's producer settings (lambdas/clients/kafka.ts: acks=all, idempotent, one request in
    // flight, GZIP, no linger); `kafka.producer.*` keys are passed to the Java producer.
    'kafka.producer.acks': 'all',
    'kafka.producer.enable.idempotence': 'true',
    'kafka.producer.max.in.flight.requests.per.connection': '1',
    'kafka.producer.compression.type': 'gzip',
    'kafka.producer.linger.ms': '0',
    'http.host': '127.0.0.1',
    'http.port': String(port),
    'http.cors.enabled': 'false',
    'http.consumer.enabled': 'false',
    'http.producer.enabled': 'true',
  };
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/** SIGTERM, and SIGKILL when the child has not exited 10 s later; resolves once it has. */
async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (!(await exited(child, 10_000))) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/** Fetches the bridge when it is not cached, starts it and waits until `GET /ready` answers. */
export async function startBridge(options: {
  brokers: string;
  port: number;
  workDir: string;
  install?: InstallOptions;
}): Promise<RunningBridge> {
  const installed = await installBundle(BRIDGE_BUNDLE, options.install);
  const config = join(options.workDir, 'bridge.properties');
  writeFileSync(config, bridgeProperties(options.brokers, options.port));
  // No log4j2 configuration: log4j2's default prints errors only.
  const child = spawn(
    findJava(),
    [
      '-Xmx512m',
      `-Dvertx.cacheDirBase=${join(options.workDir, 'vertx-cache')}`,
      '-cp',
      join(installed.libDir, '*'),
      'io.strimzi.kafka.bridge.Application',
      '--config-file',
      config,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = outputTail(child);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new BenchError(`the Strimzi bridge exited (${child.exitCode}) while starting:\n${output()}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.status < 300,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new BenchError(`the Strimzi bridge was not ready within 60 s:\n${output()}`);
    }
    await sleep(250);
  }
  return { url, stop: () => stopChild(child) };
}
