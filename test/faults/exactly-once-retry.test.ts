/**
 * Faults 7–9: a keyed request whose first attempt had an unknown outcome, retried with the same
 * Idempotency-Key until it is answered 200. The retry may write the records again (the first
 * write can land after the producer gave up on it, or after its answer was lost), but no record
 * is counted twice: every copy carries the same `fluxo-record-id` and the consumers count one
 * (lambdas/consumer/README.md, "Retried requests"). Each consumer here groups by record id.
 *
 * The producer runs with an 8 s timeout (so a 6 s Kafka deadline, and an in-progress idempotency
 * record that expires 8 s after a killed invocation began), from a test entry that can kill its
 * execution environment right after Kafka acknowledged (crashing-producer.ts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../integration/helpers';
import { aggregatesByKey, consumerLag, faultValue, givenUpBatches, readTopic, report, tally } from './counts';
import { consumerGroupId } from './fault-spec';
import { startFaultRun, type FaultRun } from './harness';

/** The producer's timeout here; its Kafka deadline is 2 s less (lambdas/producer/index.ts). */
const PRODUCER_TIMEOUT_S = 8;
const DEADLINE_MS = (PRODUCER_TIMEOUT_S - 2) * 1000;

describe('keyed requests retried after an unknown outcome', () => {
  let run: FaultRun;
  let crashBudget: string;
  let integrationTimeoutMs = 29_000;

  beforeAll(async () => {
    crashBudget = join(tmpdir(), `fluxo-fault-pcrash-${process.pid}`);
    writeFileSync(crashBudget, '0');
    run = await startFaultRun('retry', {
      consumers: ['f-retry', 'f-pcrash', 'f-gwtimeout'],
      producer: {
        timeoutSeconds: PRODUCER_TIMEOUT_S,
        entry: 'test/faults/crashing-producer.ts',
        env: { FLUXO_FAULT_CRASH_BUDGET_FILE: crashBudget },
      },
      integrationTimeoutMs: () => integrationTimeoutMs,
    });
  });

  afterAll(async () => {
    await run?.stop();
    rmSync(crashBudget, { force: true });
  });

  /** One request's attempts: every answer's status (0: the client gave up waiting) until it was written. */
  interface Outcome {
    readonly ids: number[];
    readonly statuses: number[];
    /** Where the final answer says each id is. */
    readonly acked: Map<number, { partition: number; offset: number }>;
    readonly replayed: boolean;
  }

  /** Posts `ids` with `key` and retries with the same key (after 200 ms) until answered 200 or 207, or `giveUpMs` passes. */
  async function postUntilWritten(topic: string, key: string, ids: number[], giveUpMs = 120_000): Promise<Outcome> {
    const statuses: number[] = [];
    const started = Date.now();
    const body = JSON.stringify({ records: ids.map((id) => ({ value: faultValue(id) })) });
    while (Date.now() - started < giveUpMs) {
      try {
        const response = await fetch(`${run.stack.url}/topics/${topic}/records`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body,
          signal: AbortSignal.timeout(60_000),
        });
        const text = await response.text();
        statuses.push(response.status);
        if (response.status === 200 || response.status === 207) {
          const results = (JSON.parse(text) as { results: Array<{ partition?: number; offset?: number }> }).results;
          const acked = new Map<number, { partition: number; offset: number }>();
          results.forEach((r, i) => {
            if (r.partition !== undefined && r.offset !== undefined)
              acked.set(ids[i] as number, { partition: r.partition, offset: r.offset });
          });
          return { ids, statuses, acked, replayed: response.headers.get('idempotent-replayed') === 'true' };
        }
      } catch {
        statuses.push(0);
      }
      await sleep(200);
    }
    return { ids, statuses, acked: new Map(), replayed: false };
  }

  /** What the topic and the consumer hold for a set of ids, once the consumer has caught up. */
  async function tallyOf(topic: string, outcomes: readonly Outcome[]) {
    const sent = outcomes.flatMap((o) => o.ids);
    const onTopic = await readTopic(topic);
    await eventually(
      () => consumerLag(consumerGroupId(topic), topic),
      (lag) => lag === 0,
      90_000,
    );
    const aggregates = await eventually(
      () => aggregatesByKey(topic),
      (byKey) => sent.every((id) => byKey.has(String(id))),
      60_000,
    );
    const copies = tally(onTopic.map((r) => r.id));
    const atPosition = new Map(onTopic.map((r) => [`${r.partition}@${r.offset}`, r.id]));
    const acked = outcomes.flatMap((o) => [...o.acked]);
    const notWhereAnswered = acked.filter(([id, at]) => atPosition.get(`${at.partition}@${at.offset}`) !== id).length;
    const countedTwice = sent.filter((id) => (aggregates.get(String(id))?.count ?? 0) > 1).length;
    const notCounted = sent.filter((id) => aggregates.get(String(id))?.count !== 1).length - countedTwice;
    const statuses = outcomes.flatMap((o) => o.statuses.map((s) => (s === 0 ? 'no answer' : String(s))));
    return {
      counts: {
        sent: sent.length,
        acknowledged: acked.length,
        stored: [...aggregates.values()].reduce((n, f) => n + f.count, 0),
        duplicates: countedTwice,
        lost: notCounted + (sent.length - acked.length),
        copiesOnTopic: onTopic.length,
        idsWrittenTwiceOrMore: [...copies.values()].filter((n) => n > 1).length,
        ackedNotWhereAnswered: notWhereAnswered,
        answers: Object.fromEntries([...tally(statuses)].sort()),
        givenUpBatches: givenUpBatches(run.onFailureFile),
      },
      notWhereAnswered,
      countedTwice,
      notCounted,
      onTopicIds: new Set(copies.keys()),
    };
  }

  it('counts each record once when the broker freezes past the producer’s deadline and clients retry with the same key', async () => {
    // Prepare: 4 clients, 20 requests each of 13 records (1,040), one request every 150 ms per client
    const clients = 4;
    const requests = 20;
    const perRequest = 13;
    const outcomes: Outcome[] = [];
    const client = async (c: number): Promise<void> => {
      for (let r = 0; r < requests; r += 1) {
        const first = 10_000 + (c * requests + r) * perRequest;
        outcomes.push(
          await postUntilWritten(
            'f-retry',
            `frozen-${c}-${r}`,
            Array.from({ length: perRequest }, (_, i) => first + i),
          ),
        );
        await sleep(150);
      }
    };

    // Act: freeze the broker once some requests are written, for longer than the deadline
    const sending = Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    await eventually(
      () => outcomes.length,
      (n) => n >= 8,
      60_000,
    );
    run.services.pauseKafka();
    const frozenMs = DEADLINE_MS + 3_000;
    try {
      await sleep(frozenMs);
    } finally {
      run.services.resumeKafka();
    }
    await sending;
    const { counts, notWhereAnswered, countedTwice, notCounted } = await tallyOf('f-retry', outcomes);

    // Assess
    report('keyed retries: broker frozen past the producer’s deadline', { ...counts, frozenMs, deadlineMs: DEADLINE_MS });
    expect(counts.sent).toBeGreaterThanOrEqual(1000);
    expect(counts.acknowledged).toBe(counts.sent);
    expect(notWhereAnswered).toBe(0);
    expect(countedTwice).toBe(0);
    expect(notCounted).toBe(0);
    expect(counts.answers['503']).toBeGreaterThan(0);
    expect(counts.givenUpBatches).toBe(0);
  });

  it('counts each record once when the producer is killed after Kafka acknowledged and before it answered, then retried', async () => {
    // Prepare: the next keyed send kills its execution environment
    writeFileSync(crashBudget, '1');
    const ids = Array.from({ length: 50 }, (_, i) => 20_000 + i);

    // Act
    const outcome = await postUntilWritten('f-pcrash', 'killed-1', ids);
    const { counts, notWhereAnswered, countedTwice, notCounted, onTopicIds } = await tallyOf('f-pcrash', [outcome]);

    // Assess: 502 (the runtime exited), 409 while the in-progress record lives, then written again
    report('keyed retries: producer killed after sending, before answering', counts);
    expect(outcome.statuses[0]).toBe(502);
    expect(outcome.statuses.at(-1)).toBe(200);
    expect(outcome.replayed).toBe(false);
    expect(counts.copiesOnTopic).toBe(2 * ids.length);
    expect(ids.every((id) => onTopicIds.has(id))).toBe(true);
    expect(notWhereAnswered).toBe(0);
    expect(countedTwice).toBe(0);
    expect(notCounted).toBe(0);
  });

  it('counts each record once when API Gateway gives up before the write ends and the client retries', async () => {
    // Prepare: a 2 s integration timeout, a broker frozen past the producer's deadline
    integrationTimeoutMs = 2_000;
    const ids = Array.from({ length: 50 }, (_, i) => 30_000 + i);
    const frozenMs = DEADLINE_MS + 2_000;

    // Act
    run.services.pauseKafka();
    const thaw = sleep(frozenMs).then(() => run.services.resumeKafka());
    let outcome: Outcome;
    try {
      outcome = await postUntilWritten('f-gwtimeout', 'gateway-1', ids);
    } finally {
      await thaw;
      integrationTimeoutMs = 29_000;
    }
    const { counts, notWhereAnswered, countedTwice, notCounted } = await tallyOf('f-gwtimeout', [outcome]);

    // Assess
    report('keyed retries: integration timeout shorter than the write', { ...counts, integrationTimeoutMs: 2_000, frozenMs });
    expect(outcome.statuses[0]).toBe(504);
    expect(outcome.statuses.at(-1)).toBe(200);
    expect(notWhereAnswered).toBe(0);
    expect(countedTwice).toBe(0);
    expect(notCounted).toBe(0);
  });
});
