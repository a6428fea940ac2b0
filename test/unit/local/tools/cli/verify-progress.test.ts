import { run } from '../../../../../local/tools/cli/main';
import { recordingIo } from '../../../../support/cli-io';
import { loopbackApi, type LoopbackApi } from '../../../../support/loopback-api';
import { tempDirPerTest } from '../../../../support/temp-dir';

/** An API that acknowledges every POSTed record and has no aggregates stored. */
function emptyApi(): Promise<LoopbackApi> {
  return loopbackApi((req, text, res) => {
    const records = req.method === 'POST' ? (JSON.parse(text) as { records: unknown[] }).records : [];
    const body =
      req.method === 'POST'
        ? { results: records.map((_r, offset) => ({ partition: 0, offset, timestamp: new Date().toISOString() })) }
        : { items: [] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}

const cliIo = (env: NodeJS.ProcessEnv, stderrIsTTY: boolean) => recordingIo(env, { stderrIsTTY });

describe('fluxo verify while the consumers catch up', () => {
  const runsDir = tempDirPerTest('fluxo-verify-');
  let api: LoopbackApi;
  beforeEach(async () => {
    api = await emptyApi();
    await run(
      ['load', 'health', '--rate', '500', '--duration', '0.02', '--seed', '3', '--batch', '10'],
      cliIo({ FLUXO_URL: api.url, FLUXO_RUNS_DIR: runsDir() }, false),
    );
  });
  afterEach(() => api.close());

  it('says what it waits for on standard error, then one line for the outcome', async () => {
    // Prepare
    const cli = cliIo({ FLUXO_URL: api.url, FLUXO_RUNS_DIR: runsDir() }, false);

    // Act
    const code = await run(['verify', 'health', '--seed', '3', '--wait', '1'], cli);

    // Assess
    const err = cli.err.join('');
    expect(code).toBe(1);
    expect(err).toMatch(/^fluxo: waiting for the consumers: \d+ difference\(s\) left, 1 s to go\n/);
    expect(err.split('\n').filter((l) => l !== '')).toHaveLength(2);
    expect(err).toMatch(/\nfluxo: \d+ difference\(s\) between the stored aggregates and the direct computation\n$/);
  });

  it('redraws one line on a terminal and clears it before the report', async () => {
    // Prepare
    const cli = cliIo({ FLUXO_URL: api.url, FLUXO_RUNS_DIR: runsDir() }, true);

    // Act
    await run(['verify', 'health', '--seed', '3', '--wait', '1'], cli);

    // Assess
    const redraws = cli.err.filter((t) => t.startsWith('\rwaiting for the consumers'));
    expect(redraws.length).toBeGreaterThanOrEqual(1);
    expect(redraws.every((t) => !t.includes('\n'))).toBe(true);
    expect(cli.err).toContain('\r\u001b[K');
  });
});
