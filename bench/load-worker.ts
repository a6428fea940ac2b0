/**
 * The bench's load generator, run in a worker thread (bundled by bench/run.ts with the same esbuild
 * helper the local stack uses): takes one {@link LoadJob} from `workerData`, posts
 * {@link LoadMessage}s back, and exits. HTTP clients use Node's fetch (undici, keep-alive); the raw
 * client is the idempotent kafkajs producer fluxo's producer Lambda uses, with the same send options.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { apiRequest, describeApiError } from '../local/tools/api-client';
import type { Message, Producer } from 'kafkajs';
import { createIdempotentProducer, createKafka, SEND_OPTIONS } from '../lambdas/clients/kafka';
import { RECORD_ID_HEADER, recordIdOf, requestIdOf } from '../core/record-id';
import { findTopic } from '../core/spec';
import { pipeline } from './spec';
import {
  bridgeBody,
  coalescingSender,
  healthBody,
  healthWireRecords,
  now,
  type ClosedLoop,
  type HttpOpenJob,
  type LoadJob,
  type LoadMessage,
  type RawClosedJob,
  type RawFillJob,
  type ThroughputResult,
  type WireRecord,
} from './load';

function post(message: LoadMessage): void {
  parentPort?.postMessage(message);
}

/** Distinct bodies each client cycles through (so the producer does not see one body over and over). */
const POOL = 16;

/** What one request did: whether it succeeded, how many records it wrote, and why not. */
type Outcome = { ok: boolean; records: number; error?: string };

/** One request to fluxo's API, through the API client the tools share (the same fetch and parse as the CLI's). */
async function postRecords(url: string, topic: string, body: string): Promise<Outcome> {
  const answer = await apiRequest({ url }, 'POST', `/topics/${topic}/records`, body);
  if (answer.status !== 200) return { ok: false, records: 0, error: describeApiError(answer.status, answer.body) };
  const parsed = answer.body as { offset?: number; results?: { offset?: number }[] };
  const results = parsed.results ?? [parsed];
  return { ok: true, records: results.filter((r) => typeof r.offset === 'number').length };
}

/** The bridge's media type for JSON values (Strimzi bridge v2 API). */
const BRIDGE_JSON = 'application/vnd.kafka.json.v2+json';

async function postBridge(url: string, topic: string, body: string): Promise<Outcome> {
  const response = await fetch(`${url}/topics/${topic}`, { method: 'POST', headers: { 'content-type': BRIDGE_JSON }, body });
  const text = await response.text();
  if (response.status !== 200) return { ok: false, records: 0, error: `bridge HTTP ${response.status}: ${text.slice(0, 200)}` };
  const answer = JSON.parse(text) as { offsets?: { offset?: number }[] };
  return { ok: true, records: (answer.offsets ?? []).filter((o) => typeof o.offset === 'number').length };
}

async function postBare(url: string, body: string, batch: number): Promise<Outcome> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status === 200 ? { ok: true, records: batch } : { ok: false, records: 0, error: `bare HTTP ${response.status}` };
}

/** Unrecorded closed-loop time before the clock starts: this fresh thread's JIT and connections warm up. */
const WARMUP_MS = 300;

async function closedLoop(
  clients: number,
  durationMs: number,
  send: (client: number, request: number) => Promise<Outcome>,
): Promise<ThroughputResult> {
  const warmUntil = now() + WARMUP_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; now() < warmUntil; i += 1) await send(client, i).catch(() => undefined);
    }),
  );
  const began = now();
  const until = began + durationMs;
  let records = 0;
  let errors = 0;
  let firstError: string | undefined;
  const requestMs: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; now() < until; i += 1) {
        const sent = now();
        try {
          const outcome = await send(client, i);
          records += outcome.records;
          if (!outcome.ok) {
            errors += 1;
            firstError ??= outcome.error;
          }
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
        requestMs.push(now() - sent);
      }
    }),
  );
  return { records, requests: requestMs.length, errors, elapsedMs: now() - began, requestMs, firstError };
}

/** A closed loop of `send`, each client cycling through {@link POOL} bodies of `job.batch` records made by `body`. */
function closedPosts(
  job: ClosedLoop,
  body: (first: number, batch: number) => string,
  send: (body: string) => Promise<Outcome>,
): Promise<ThroughputResult> {
  const bodies = Array.from({ length: POOL }, (_, i) => body(i * job.batch, job.batch));
  return closedLoop(job.clients, job.durationMs, (client, i) => send(bodies[(client + i) % POOL] as string));
}

async function withProducer<T>(brokers: readonly string[], use: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = createIdempotentProducer(createKafka({ brokers, clientId: 'fluxo-bench' }));
  await producer.connect();
  try {
    return await use(producer);
  } finally {
    await producer.disconnect();
  }
}

function messages(records: readonly WireRecord[]): Message[] {
  const timestamp = String(Date.now());
  return records.map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers }, timestamp }));
}

function rawClosed(job: RawClosedJob): Promise<ThroughputResult> {
  const topic = findTopic(pipeline, job.topic);
  if (topic === undefined) throw new Error(`topic ${job.topic} is not in the bench spec`);
  const pool = Array.from({ length: POOL }, (_, i) => healthWireRecords(topic, i * job.batch, job.batch));
  return withProducer(job.brokers, async (producer) => {
    const sendBatch = (batch: Message[]) => producer.sendBatch({ ...SEND_OPTIONS, topicMessages: [{ topic: job.topic, messages: batch }] });
    const send =
      job.coalesce === true
        ? coalescingSender(sendBatch)
        : async (batch: Message[]): Promise<boolean> => (await sendBatch(batch)).every((a) => a.errorCode === 0);
    return closedLoop(job.clients, job.durationMs, async (client, i) => {
      const batch = pool[(client + i) % POOL] as WireRecord[];
      const ok = await send(messages(batch));
      return { ok, records: ok ? batch.length : 0 };
    });
  });
}

function rawFill(job: RawFillJob): Promise<ThroughputResult> {
  return withProducer(job.brokers, async (producer) => {
    const began = now();
    const requestMs: number[] = [];
    const chunk = 500;
    for (let first = 0; first < job.records; first += chunk) {
      const sent = now();
      const batch: Message[] = [];
      for (let seq = first; seq < Math.min(job.records, first + chunk); seq += 1) {
        const k = `k${seq % job.keys}`;
        const perRequest = job.recordIdsPerRequest;
        const headers =
          perRequest === undefined
            ? undefined
            : { [RECORD_ID_HEADER]: recordIdOf(requestIdOf(job.topic, `fill-${Math.floor(seq / perRequest)}`), seq % perRequest) };
        batch.push({
          key: k,
          value: JSON.stringify({ k, seq, v: seq % 100 }),
          timestamp: String(Date.now()),
          ...(headers === undefined ? {} : { headers }),
        });
      }
      await producer.sendBatch({ ...SEND_OPTIONS, topicMessages: [{ topic: job.topic, messages: batch }] });
      requestMs.push(now() - sent);
    }
    return { records: job.records, requests: requestMs.length, errors: 0, elapsedMs: now() - began, requestMs };
  });
}

async function httpOpen(job: HttpOpenJob): Promise<ThroughputResult> {
  const began = now();
  const intervalMs = 1000 / job.requestsPerSecond;
  const total = Math.max(1, Math.round((job.durationMs / 1000) * job.requestsPerSecond));
  const inFlight: Promise<void>[] = [];
  const requestMs: number[] = [];
  let records = 0;
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  for (let i = 0; i < total; i += 1) {
    // Open loop: request i leaves at its scheduled time whether or not earlier ones were answered.
    const due = began + i * intervalMs;
    const wait = due - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const key = `${job.keyPrefix}-${i}`;
    const timestamp = Date.now();
    const body = JSON.stringify({
      records: Array.from({ length: job.recordsPerRequest }, () => {
        seq += 1;
        return { key, value: { k: key, seq, v: seq % 100 }, timestamp };
      }),
    });
    const sentAt = now();
    inFlight.push(
      postRecords(job.url, job.topic, body)
        .catch((error: unknown) => ({ ok: false, records: 0, error: (error as Error).message }))
        .then((outcome) => {
          const ackAt = now();
          requestMs.push(ackAt - sentAt);
          records += outcome.records;
          const ok = outcome.ok && outcome.records === job.recordsPerRequest;
          if (!ok) {
            errors += 1;
            firstError ??= outcome.error ?? `${outcome.records} of ${job.recordsPerRequest} records written`;
          }
          post({ type: 'ack', key, records: job.recordsPerRequest, timestamp, sentAt, ackAt, ok });
        }),
    );
  }
  await Promise.all(inFlight);
  return { records, requests: total, errors, elapsedMs: now() - began, requestMs, firstError };
}

function run(job: LoadJob): Promise<ThroughputResult> {
  switch (job.kind) {
    case 'http-closed':
      return closedPosts(job, healthBody, (body) => postRecords(job.url, job.topic, body));
    case 'raw-closed':
      return rawClosed(job);
    case 'raw-fill':
      return rawFill(job);
    case 'http-open':
      return httpOpen(job);
    case 'bridge-closed':
      return closedPosts(job, bridgeBody, (body) => postBridge(job.url, job.topic, body));
    case 'bare-closed':
      return closedPosts(job, healthBody, (body) => postBare(job.url, body, job.batch));
  }
}

run(workerData as LoadJob).then(
  (result) => post({ type: 'done', result }),
  (error: unknown) => post({ type: 'failed', message: (error as Error).stack ?? String(error) }),
);
