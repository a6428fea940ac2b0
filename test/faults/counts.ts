/**
 * What the fault tests count and how: a load generator that remembers every answer, a reader
 * of a whole topic, consumer-group lag, and the one-line JSON summary each test prints.
 */
import { existsSync, readFileSync } from 'node:fs';
import { api, kafka, type ResultItem, unique } from '../integration/helpers';

/** One record a fault test sends: a unique id, a group and an integer value. */
export interface FaultValue {
  readonly id: number;
  readonly g: string;
  readonly v: number;
}

/** The record with id `id`: group and value follow from the id, so anyone can recompute them. */
export function faultValue(id: number, groups = 5): FaultValue {
  return { id, g: `g${id % groups}`, v: (id * 7919) % 1000 };
}

/** Every answer a load run got. */
export interface IngestLog {
  /** Ids sent (in requests that reached the gateway or not). */
  readonly sent: number[];
  /** Ids the API acknowledged with a partition and offset. */
  readonly acked: Map<number, { partition: number; offset: number }>;
  /** Requests per answer status (`error` for no answer at all). */
  readonly statuses: Record<string, number>;
  /** 503 answers without a `Retry-After` header. */
  missingRetryAfter: number;
  /** Answers with a status a truthful ingest API may not give under faults (not 200/207/429/503). */
  readonly untruthful: string[];
  /** Every request: when it was sent and answered (epoch ms) and its status (0: no answer). */
  readonly requests: Array<{
    readonly sentAt: number;
    readonly answeredAt: number;
    readonly status: number;
    readonly retryAfter: string | null;
  }>;
}

/** Options of {@link ingest}. */
export interface IngestOptions {
  readonly url: string;
  readonly topic: string;
  /** Concurrent clients. */
  readonly clients: number;
  /** Records per request. */
  readonly recordsPerRequest: number;
  /** Keep sending while this is true. */
  readonly running: () => boolean;
  /** First id. @default 0 */
  readonly firstId?: number;
}

const ALLOWED = new Set([200, 207, 429, 503]);

/**
 * Starts sustained ingest: `clients` loops each posting `recordsPerRequest` new records at a time
 * until `running()` turns false; `log` fills as answers come, `finished` resolves after the last. No request is retried: an unacknowledged record is simply not counted
 * as acknowledged. Records of a 207 count only where their result has an offset.
 */
export function startIngest(options: IngestOptions): { readonly log: IngestLog; readonly finished: Promise<IngestLog> } {
  const log: IngestLog = { sent: [], acked: new Map(), statuses: {}, missingRetryAfter: 0, untruthful: [], requests: [] };
  let nextId = options.firstId ?? 0;
  const count = (status: string): void => {
    log.statuses[status] = (log.statuses[status] ?? 0) + 1;
  };
  const client = async (): Promise<void> => {
    while (options.running()) {
      const ids = Array.from({ length: options.recordsPerRequest }, () => nextId++);
      log.sent.push(...ids);
      let response: Response;
      let text: string;
      const sentAt = Date.now();
      try {
        response = await fetch(`${options.url}/topics/${options.topic}/records`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ records: ids.map((id) => ({ value: faultValue(id) })) }),
          signal: AbortSignal.timeout(60_000),
        });
        text = await response.text();
      } catch (error) {
        count('error');
        log.requests.push({ sentAt, answeredAt: Date.now(), status: 0, retryAfter: null });
        log.untruthful.push(`no answer: ${(error as Error).message}`);
        continue;
      }
      count(String(response.status));
      log.requests.push({ sentAt, answeredAt: Date.now(), status: response.status, retryAfter: response.headers.get('retry-after') });
      if (!ALLOWED.has(response.status)) log.untruthful.push(`${response.status}: ${text.slice(0, 200)}`);
      if (response.status === 503 && response.headers.get('retry-after') === null) log.missingRetryAfter += 1;
      if (response.status === 200 || response.status === 207) {
        const results = (JSON.parse(text) as { results: Array<{ partition?: number; offset?: number }> }).results;
        results.forEach((result, i) => {
          if (result.offset !== undefined && result.partition !== undefined)
            log.acked.set(ids[i] as number, { partition: result.partition, offset: result.offset });
        });
      }
    }
  };
  const finished = Promise.all(Array.from({ length: options.clients }, client)).then(() => log);
  return { log, finished };
}

/** A record read back from a topic. */
export interface TopicRecord {
  readonly partition: number;
  readonly offset: number;
  /** The value's `id`, when it is a JSON object with one. */
  readonly id?: number;
  readonly value: string;
}

/** The end (high watermark) of each partition of a topic. */
export async function endOffsets(topic: string): Promise<Map<number, number>> {
  const admin = kafka('fluxo-fault-admin').admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Reads a whole topic from the beginning with a consumer group of its own, up to the end offsets at the call. */
export async function readTopic(topic: string, deadlineMs = 60_000): Promise<TopicRecord[]> {
  const ends = await endOffsets(topic);
  const records: TopicRecord[] = [];
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([partition]) => partition));
  if (remaining.size === 0) return records;
  const consumer = kafka('fluxo-fault-reader').consumer({ groupId: unique('fluxo-fault-reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (offset >= (ends.get(partition) ?? 0)) return;
        const value = message.value?.toString('utf8') ?? '';
        let id: number | undefined;
        try {
          const parsed = JSON.parse(value) as { id?: unknown };
          if (typeof parsed.id === 'number') id = parsed.id;
        } catch {
          id = undefined;
        }
        records.push({ partition, offset, id, value });
        if (offset === (ends.get(partition) ?? 0) - 1) remaining.delete(partition);
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end offsets within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** A consumer group's lag on a topic: records past its committed offsets, summed over partitions. */
export async function consumerLag(groupId: string, topic: string): Promise<number> {
  const admin = kafka('fluxo-fault-admin').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((lag, p) => {
      const position = at.get(p.partition) ?? -1;
      return lag + Number(p.high) - (position < 0 ? Number(p.low) : position);
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

/** How often each value occurs. */
export function tally<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The counts every fault test reports. */
export interface FaultCounts {
  readonly sent: number;
  readonly acknowledged: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly [extra: string]: unknown;
}

/** Prints a fault test's one-line JSON summary on stdout (`{"fault": ..., "sent": ..., ...}`). */
export function report(fault: string, counts: FaultCounts): void {
  process.stdout.write(`${JSON.stringify({ fault, ...counts })}\n`);
}

/** Every item of an API listing (`items`, `nextCursor`), 1,000 per page. */
export async function listAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await api(
      'GET',
      `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const body = answer.body as { items: T[]; nextCursor?: string };
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

/** One group's figures, summed over its windows. */
export interface GroupFigures {
  count: number;
  late: number;
  sum: number;
  min: number;
  max: number;
}

/** A consumer's aggregates over HTTP, per group key, summed over windows (`sum_v`, `min_v`, `max_v` when measured). */
export async function aggregatesByKey(consumer: string): Promise<Map<string, GroupFigures>> {
  const byKey = new Map<string, GroupFigures>();
  for (const item of await listAll<ResultItem>(`/results/${consumer}`)) {
    const figures = byKey.get(item.key) ?? { count: 0, late: 0, sum: 0, min: Infinity, max: -Infinity };
    figures.count += item.count;
    figures.late += item.late;
    figures.sum += item.measures.sum_v ?? 0;
    figures.min = Math.min(figures.min, item.measures.min_v ?? Infinity);
    figures.max = Math.max(figures.max, item.measures.max_v ?? -Infinity);
    byKey.set(item.key, figures);
  }
  return byKey;
}

/** The figures computed directly from records' values, per group key. */
export function expectedByKey(
  values: Iterable<FaultValue>,
  keyOf: (value: FaultValue) => string = (value) => value.g,
): Map<string, GroupFigures> {
  const byKey = new Map<string, GroupFigures>();
  for (const value of values) {
    const key = keyOf(value);
    const figures = byKey.get(key) ?? { count: 0, late: 0, sum: 0, min: Infinity, max: -Infinity };
    figures.count += 1;
    figures.sum += value.v;
    figures.min = Math.min(figures.min, value.v);
    figures.max = Math.max(figures.max, value.v);
    byKey.set(key, figures);
  }
  return byKey;
}

/** Total count over groups. */
export function totalOf(figures: ReadonlyMap<string, GroupFigures>): number {
  let total = 0;
  for (const f of figures.values()) total += f.count;
  return total;
}

/** Batches the emulators gave up on (sent to the on-failure destination): records missing from the aggregates by design. */
export function givenUpBatches(onFailureFile: string): number {
  if (!existsSync(onFailureFile)) return 0;
  return readFileSync(onFailureFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;
}

/**
 * From a stack log holding the consumer's INFO lines (`POWERTOOLS_LOG_LEVEL=INFO`): how many
 * contributions its invocations skipped because an earlier delivery had already stored them.
 */
export function alreadyAppliedInLog(logFile: string): number {
  if (!existsSync(logFile)) return 0;
  let skipped = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const json = line.indexOf('{');
    if (json < 0 || !line.includes('"batch applied"')) continue;
    try {
      skipped += Number((JSON.parse(line.slice(json)) as { alreadyApplied?: unknown }).alreadyApplied ?? 0);
    } catch {
      // not a log entry of the handler
    }
  }
  return skipped;
}
