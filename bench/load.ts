/**
 * What the bench's load generator does, shared by the worker thread that generates the load
 * (load-worker.ts) and the bench process that asks for it: the jobs, their answers, and the
 * records they send. The load runs in a worker thread of its own so that the clients do not share
 * an event loop with the gateway they measure.
 */
import type { Message, RecordMetadata } from 'kafkajs';
import { resolveTopic, type TopicSpec } from '../core/spec';
import { prepareRecord } from '../core/ingest';

/** A closed loop: `clients` concurrent clients, each sending its next `batch` records once its last ones are answered, for `durationMs`. */
export interface ClosedLoop {
  readonly batch: number;
  readonly clients: number;
  readonly durationMs: number;
}

/**
 * POST batches of `batch` health tuples over `clients` concurrent connections for `durationMs`
 * (closed loop): `http-closed` to fluxo's API; `bridge-closed` to the Strimzi bridge's
 * `POST /topics/{topic}` (its v2 API, JSON embedded format: `{records: [{value}]}`, also for one record).
 */
export interface PostClosedJob extends ClosedLoop {
  readonly kind: 'http-closed' | 'bridge-closed';
  readonly url: string;
  readonly topic: string;
}

/**
 * Send the same records with a raw kafkajs producer, `clients` concurrent `sendBatch` loops (closed
 * loop). With `coalesce`, the clients' batches that queue while a send is in flight go out together
 * in the next `sendBatch` (one produce request), each client answered when its records are acknowledged.
 */
export interface RawClosedJob extends ClosedLoop {
  readonly kind: 'raw-closed';
  readonly coalesce?: boolean;
  readonly brokers: readonly string[];
  readonly topic: string;
}

/**
 * POST `recordsPerRequest` records every `1000 / requestsPerSecond` ms (open loop), each request's
 * records under one fresh key `k`; every answer is posted back as an {@link AckMessage}.
 */
export interface HttpOpenJob {
  readonly kind: 'http-open';
  readonly url: string;
  readonly topic: string;
  readonly requestsPerSecond: number;
  readonly recordsPerRequest: number;
  readonly durationMs: number;
  /** Prefix of the keys, unique per run and phase. */
  readonly keyPrefix: string;
}

/** Write `records` keyed records (keys `k0..k<keys-1>`) with a raw kafkajs producer, as fast as it goes. */
export interface RawFillJob {
  readonly kind: 'raw-fill';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly records: number;
  readonly keys: number;
  /** When set, records carry `fluxo-record-id` as keyed HTTP requests of this many records stamp them. */
  readonly recordIdsPerRequest?: number;
}

/**
 * POST fluxo's request bodies to a bare Node `http` server that reads the body and answers an
 * empty 200, closed loop: the per-request ceiling of the runtime on this machine. A 200 counts
 * the request's records.
 */
export interface BareClosedJob extends ClosedLoop {
  readonly kind: 'bare-closed';
  readonly url: string;
}

/** A job of the load worker. */
export type LoadJob = PostClosedJob | RawClosedJob | HttpOpenJob | RawFillJob | BareClosedJob;

/** What a closed-loop or fill job did. */
export interface ThroughputResult {
  /** Records acknowledged (HTTP: a result with an offset; raw: acknowledged by the broker). */
  readonly records: number;
  readonly requests: number;
  /** Requests that failed or were answered with anything but 200. */
  readonly errors: number;
  readonly elapsedMs: number;
  /** Latency of each request, ms. */
  readonly requestMs: readonly number[];
  /** The first error seen, for the report. */
  readonly firstError?: string;
}

/** One request of an open-loop job answered (or failed). */
export interface AckMessage {
  readonly type: 'ack';
  /** The key all its records carry. */
  readonly key: string;
  /** How many records it carried. */
  readonly records: number;
  /** The records' event time, epoch ms. */
  readonly timestamp: number;
  /** When the request was sent and its answer arrived, epoch ms with sub-ms precision. */
  readonly sentAt: number;
  readonly ackAt: number;
  readonly ok: boolean;
}

/** Every message the worker posts: open-loop acks, then its job's result (`done`) or why it could not run it (`failed`). */
export type LoadMessage =
  AckMessage | { readonly type: 'done'; readonly result: ThroughputResult } | { readonly type: 'failed'; readonly message: string };

/** Epoch ms with sub-millisecond precision, comparable across threads of one process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The i-th synthetic health tuple of the course, `[id, {idade, altura, peso}]` (deterministic). */
export function healthTuple(i: number): [number, { idade: number; altura: number; peso: number }] {
  const id = i % 1000;
  return [id, { idade: 18 + ((i * 7) % 63), altura: 150 + ((i * 13) % 51), peso: 50 + ((i * 17) % 81) + (i % 10) / 10 }];
}

/** The JSON body of an ingest request of `batch` health tuples starting at `first`: the single-record form for 1. */
export function healthBody(first: number, batch: number): string {
  return batch === 1 ? JSON.stringify({ value: healthTuple(first) }) : bridgeBody(first, batch);
}

/** The Strimzi bridge's body for the same tuples as {@link healthBody} (its batch form, which it also takes for one record). */
export function bridgeBody(first: number, batch: number): string {
  return JSON.stringify({ records: Array.from({ length: batch }, (_, i) => ({ value: healthTuple(first + i) })) });
}

/** A record as the producer Lambda writes it to Kafka (value with derived fields, headers). */
export interface WireRecord {
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The records the producer Lambda would write for {@link healthBody}'s tuples, prepared by the same
 * domain code (schema check, derived IMC, `fluxo-ingest-time` header), so a raw client sends the
 * very same bytes.
 */
export function healthWireRecords(topic: TopicSpec, first: number, count: number): WireRecord[] {
  const resolved = resolveTopic(topic);
  return Array.from({ length: count }, (_, i) => {
    const outcome = prepareRecord(resolved, { value: healthTuple(first + i) }, { form: 'batch', index: i, now: Date.now() });
    if (!outcome.ok) throw new Error(`bench record ${first + i} does not pass the schema: ${outcome.error.message}`);
    return { key: outcome.record.key ?? null, value: outcome.record.serializedValue, headers: outcome.record.headers };
  });
}

/**
 * A sender that merges the batches queued while a send is in flight into the next call of `send`
 * (one produce request): fewer, larger requests with the same acks, idempotence and compression.
 * Each caller's promise answers whether its own records were acknowledged.
 */
export function coalescingSender(send: (messages: Message[]) => Promise<RecordMetadata[]>): (batch: Message[]) => Promise<boolean> {
  let queue: { batch: Message[]; done: (ok: boolean) => void }[] = [];
  let sending = false;
  const pump = async (): Promise<void> => {
    sending = true;
    while (queue.length > 0) {
      const taken = queue;
      queue = [];
      try {
        const acks = await send(taken.flatMap((t) => t.batch));
        const ok = acks.every((a) => a.errorCode === 0);
        for (const t of taken) t.done(ok);
      } catch {
        for (const t of taken) t.done(false);
      }
    }
    sending = false;
  };
  return (batch) =>
    new Promise<boolean>((resolve) => {
      queue.push({ batch, done: resolve });
      if (!sending) void pump();
    });
}
