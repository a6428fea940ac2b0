import { cliContext, type CliContext } from '../../../../../local/tools/cli/context';
import { run } from '../../../../../local/tools/cli/main';
import { formatLoadSummary, LoadOptionsError, runLoad } from '../../../../../local/tools/scenarios/load';
import { readManifest } from '../../../../../local/tools/scenarios/manifest';
import type { Scenario } from '../../../../../local/tools/scenarios/scenario';
import { ticksScenario } from '../../../../../local/tools/scenarios/ticks';
import { recordingIo as io } from '../../../../support/cli-io';
import { loopbackApi, type LoopbackApi } from '../../../../support/loopback-api';
import { tempDirPerTest } from '../../../../support/temp-dir';

/** What the fake API received: one entry per request. */
interface Received {
  readonly path: string;
  readonly key: string;
  readonly body: { records: Array<{ value: { n: number }; timestamp: number }> };
}

type Answer = (request: Received, attempt: number) => { status: number; body: unknown; headers?: Record<string, string> };

/** A stand-in for fluxo's API on a loopback port, answering POSTs with `answer`. */
async function fakeApi(answer: Answer): Promise<LoopbackApi & { received: Received[] }> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const api = await loopbackApi((req, text, res) => {
    const request = { path: req.url ?? '', key: String(req.headers['idempotency-key']), body: JSON.parse(text) as Received['body'] };
    received.push(request);
    const attempt = (attempts.get(request.key) ?? 0) + 1;
    attempts.set(request.key, attempt);
    const { status, body, headers = {} } = answer(request, attempt);
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
  return { ...api, received };
}

/** A scenario of numbered records `{n}` on topic `nums`. */
const numbers: Scenario = {
  name: 'numbers',
  consumers: [],
  values: (_seed, count) => Array.from({ length: count }, (_, n) => ({ topic: 'nums', value: { n } })),
  expected: () => [],
};

const batchOf = (request: Received): number => Number(request.key.split('-').at(-2));
const ok = (request: Received) => ({ status: 200, body: { results: request.body.records.map((_, i) => ({ partition: 0, offset: i })) } });

describe('fluxo load', () => {
  const runsDir = tempDirPerTest('fluxo-load-');

  it('retries a 503 with the same Idempotency-Key and body, and records which records were acknowledged, refused one by one or as a request', async () => {
    // Prepare: batch 0 meets a 503 once; batch 1 has one record refused (207); batch 2 is refused whole (400)
    const api = await fakeApi((request, attempt) => {
      const k = batchOf(request);
      if (k === 0 && attempt === 1)
        return { status: 503, body: { error_code: 50301, message: 'Kafka unavailable' }, headers: { 'retry-after': '0' } };
      if (k === 1)
        return {
          status: 207,
          body: {
            results: [
              { partition: 0, offset: 7 },
              { error_code: 40002, message: 'value.n must be at most 2' },
            ],
          },
        };
      if (k === 2) return { status: 400, body: { error_code: 40001, message: 'refused' } };
      return ok(request);
    });
    const context: CliContext = cliContext(io({ FLUXO_URL: api.url }), () => undefined);

    try {
      // Act
      const summary = await runLoad({
        context,
        scenario: numbers,
        seed: 9,
        producers: 2,
        rate: 100,
        durationSeconds: 0.1,
        batch: 2,
        runsDir: runsDir(),
        progress: false,
        retry: { attempts: 3, initialMs: 1, maxMs: 5 },
      });

      // Assess
      expect(summary).toMatchObject({ sent: 10, acknowledged: 7, rejected: 3, unanswered: 0 });
      const first = api.received.filter((r) => batchOf(r) === 0);
      expect(first).toHaveLength(2);
      expect(first[1]).toEqual(first[0]);
      expect(first[0]?.path).toBe('/topics/nums/records');
      expect(new Set(api.received.map((r) => r.key)).size).toBe(5);
      const sent = api.received.flatMap((r) => r.body.records);
      expect(summary.manifest.sentAt.every((at) => typeof at === 'number')).toBe(true);
      expect(sent.filter((r) => r.value.n === 2 || r.value.n === 3).map((r) => r.timestamp)).toEqual(
        [1, 1].map(() => summary.manifest.start + (summary.manifest.sentAt[1] as number)),
      );
      expect(summary.manifest.acknowledged).toEqual([
        [0, 3],
        [6, 10],
      ]);
      expect(readManifest('numbers', 9, runsDir())).toEqual(summary.manifest);
      expect(summary.errors).toEqual([
        { message: '400 (40001): refused', records: 2 },
        { message: '40002: value.n must be at most 2', records: 1 },
      ]);
      expect(summary.latency?.p99).toBeGreaterThanOrEqual(summary.latency?.p50 ?? Infinity);
      expect(formatLoadSummary(summary).join('\n')).toMatch(/acknowledged {2}7\nrejected {6}3\n/);
    } finally {
      await api.close();
    }
  });

  it('gives up after the retries without counting the records as acknowledged or refused', async () => {
    // Prepare
    const api = await fakeApi(() => ({ status: 429, body: { error_code: 42901, message: 'Too Many Requests' } }));
    const context = cliContext(io({ FLUXO_URL: api.url }), () => undefined);

    try {
      // Act
      const summary = await runLoad({
        context,
        scenario: numbers,
        seed: 1,
        producers: 1,
        rate: 100,
        durationSeconds: 0.02,
        runsDir: runsDir(),
        progress: false,
        retry: { attempts: 3, initialMs: 1, maxMs: 2 },
      });

      // Assess
      expect(summary).toMatchObject({ sent: 2, acknowledged: 0, rejected: 0, unanswered: 2, latency: undefined });
      expect(api.received).toHaveLength(6);
      expect(summary.manifest.acknowledged).toEqual([]);
      expect(summary.errors).toEqual([{ message: '429 (42901): Too Many Requests', records: 2 }]);
    } finally {
      await api.close();
    }
  });

  it('refuses options that cannot make a run', async () => {
    // Prepare
    const context = cliContext(io({ FLUXO_URL: 'http://127.0.0.1:9' }), () => undefined);

    // Act / Assess
    await expect(runLoad({ context, scenario: numbers, seed: 1, producers: 0, runsDir: runsDir() })).rejects.toThrow(LoadOptionsError);
    await expect(runLoad({ context, scenario: numbers, seed: 1, batch: 501, runsDir: runsDir() })).rejects.toThrow(
      '--batch must be a whole number from 1 to 500 (got 501)',
    );
    await expect(runLoad({ context, scenario: numbers, seed: 1, rate: 0.5, durationSeconds: 0.5, runsDir: runsDir() })).rejects.toThrow(
      /at least one record/,
    );
    await expect(
      runLoad({ context, scenario: ticksScenario, seed: 1, rate: 1001, durationSeconds: 1, runsDir: runsDir() }),
    ).rejects.toThrow('--rate must be at most 1000 records/s for ticks');
  });
});

describe('fluxo load and verify on the command line', () => {
  const runsDir = tempDirPerTest('fluxo-load-cli-');

  it('loads a built-in scenario, prints the summary and writes the run under FLUXO_RUNS_DIR', async () => {
    // Prepare
    const api = await fakeApi(ok);
    const cli = io({ FLUXO_URL: api.url, FLUXO_RUNS_DIR: runsDir() });

    try {
      // Act
      const code = await run(
        ['load', 'health', '--producers', '2', '--rate', '200', '--duration', '0.1', '--seed', '17', '--batch', '5'],
        cli,
      );

      // Assess
      expect(code).toBe(0);
      const out = cli.out.join('');
      expect(out).toMatch(/^health \(seed 17\): 2 producers, target 200 records\/s for 0\.1 s, 5 record\(s\) per request\n/);
      expect(out).toMatch(/sent {10}20 of 20\nacknowledged {2}20\nrejected {6}0\n/);
      expect(out).toMatch(/ack latency {3}p50 [\d.]+ ms, p99 [\d.]+ ms/);
      expect(out).toContain('verify with   fluxo verify health --seed 17');
      expect(cli.err.join('')).toMatch(/20\/20 sent {2}20 acknowledged/);
      expect(readManifest('health', 17, runsDir())).toMatchObject({ count: 20, acknowledged: [[0, 20]], producers: 2, batch: 5 });
      expect(api.received.flatMap((r) => r.body.records)).toHaveLength(20);
    } finally {
      await api.close();
    }
  });

  it.each([
    [['load'], /usage: fluxo load <scenario>.*scenarios: health, ticks, tweets/],
    [['load', 'stocks'], /unknown scenario "stocks"/],
    [['load', 'health', '--rate', 'fast'], /--rate must be a number/],
    [['load', 'health', '--seed', '1.5'], /--seed must be a whole number/],
    [['verify', 'health'], /needs the --seed of the load run/],
  ])('answers %j with a usage error, exit code 2', async (argv, message) => {
    // Prepare
    const cli = io({ FLUXO_URL: 'http://127.0.0.1:9', FLUXO_RUNS_DIR: runsDir() });

    // Act
    const code = await run(argv, cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err.join('')).toMatch(message);
  });

  it('says to run the load first when verify finds no run for the seed, exit code 1', async () => {
    // Prepare
    const cli = io({ FLUXO_URL: 'http://127.0.0.1:9', FLUXO_RUNS_DIR: runsDir() });

    // Act
    const code = await run(['verify', 'ticks', '--seed', '5'], cli);

    // Assess
    expect(code).toBe(1);
    expect(cli.err.join('')).toMatch(
      /^fluxo: no run manifest at .*ticks-5\.json: run `fluxo load` with the same scenario and --seed first\n$/,
    );
  });
});
