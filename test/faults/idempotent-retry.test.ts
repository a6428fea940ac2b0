/**
 * Fault 6: a client gives up waiting for its answer (the broker is frozen with SIGSTOP, so the
 * write hangs) and retries with the same Idempotency-Key. The retry must not write a second copy:
 * while the first request runs it is refused with 409, afterwards it gets the first answer back.
 */
import { eventually } from '../integration/helpers';
import { faultValue, readTopic, report } from './counts';
import { startFaultRun, type FaultRun } from './harness';

interface Answer {
  readonly status: number;
  readonly replayed: boolean;
  readonly body: string;
}

describe('producer retry after a timeout with the same Idempotency-Key', () => {
  let run: FaultRun;

  beforeAll(async () => {
    run = await startFaultRun('idem');
  });

  afterAll(async () => {
    await run?.stop();
  });

  /** Posts one record with an Idempotency-Key; undefined when the client's own timeout ended the wait. */
  async function postWithKey(id: number, key: string, timeoutMs: number): Promise<Answer | undefined> {
    try {
      const response = await fetch(`${run.stack.url}/topics/f-idem/records`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ value: faultValue(id) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', body: await response.text() };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return undefined;
      throw error;
    }
  }

  it.each([
    ['the client times out while the write waits on a frozen broker', 2_000],
    ['the broker stays frozen past the producer’s Kafka request timeout (5 s)', 8_000],
  ])('writes one copy when %s and the client retries with the same key', async (scenario, frozenMs) => {
    // Prepare: a warm producer (the first write connects), then a frozen broker
    const id = 100 + frozenMs;
    const key = `fault-idem-${frozenMs}`;
    expect((await postWithKey(id - 1, `${key}-warm`, 30_000))?.status).toBe(200);
    run.services.pauseKafka();
    const frozenAt = Date.now();
    const answers: Array<Answer | undefined> = [];

    // Act: the first attempt times out on the client; retries while the broker is frozen, then after it thaws
    let thawed = false;
    try {
      answers.push(await postWithKey(id, key, 1_000));
      await eventually(
        async () => {
          answers.push(await postWithKey(id, key, 1_000));
          if (!thawed && Date.now() - frozenAt >= frozenMs) {
            run.services.resumeKafka();
            thawed = true;
          }
          return answers[answers.length - 1];
        },
        (answer) => thawed && answer !== undefined && answer.status !== 409,
        60_000,
      );
    } finally {
      if (!thawed) run.services.resumeKafka();
    }
    const last = answers[answers.length - 1];
    const copies = (await readTopic('f-idem')).filter((r) => r.id === id);

    // Assess
    const statuses = answers.map((a) => (a === undefined ? 'client timeout' : String(a.status)));
    report(`idempotent retry: ${scenario}`, {
      sent: 1,
      acknowledged: last?.status === 200 ? 1 : 0,
      stored: copies.length,
      duplicates: Math.max(0, copies.length - 1),
      lost: copies.length === 0 ? 1 : 0,
      attempts: answers.length,
      frozenMs,
      answers: Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length])),
    });
    expect(answers[0]).toBeUndefined();
    expect(statuses.filter((s) => !['client timeout', '409', '200'].includes(s))).toEqual([]);
    expect(last).toMatchObject({ status: 200, replayed: true });
    expect(copies).toHaveLength(1);
    const [copy] = copies;
    expect(JSON.parse(last?.body ?? '{}')).toMatchObject({ partition: copy?.partition, offset: copy?.offset });
  });
});
