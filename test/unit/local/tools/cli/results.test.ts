import type { TrendingView } from '../../../../../core/api/routes';
import { run } from '../../../../../local/tools/cli/main';
import { trendingLines } from '../../../../../local/tools/cli/results';
import { recordingIo } from '../../../../support/cli-io';
import { loopbackApi, type LoopbackApi } from '../../../../support/loopback-api';

const TRENDING: TrendingView = {
  consumer: 'hashtags-5m',
  at: '2026-11-29T21:36:12.000Z',
  windowStart: '2026-11-29T21:31:00.000Z',
  windowEnd: '2026-11-29T21:36:00.000Z',
  sizeSeconds: 300,
  advanceSeconds: 30,
  baselineWindows: 3,
  minCount: 5,
  items: [
    { key: 'copa2026', count: 152, baseline: 80 + 1 / 3, score: 153 / (80 + 1 / 3 + 1), rising: false },
    { key: 'kafka', count: 2330, baseline: 2300, score: 2331 / 2301, rising: false },
  ],
};

/** An API that records the paths it is asked for and answers each with `answer(path)`. */
async function fakeApi(answer: (path: string) => unknown): Promise<LoopbackApi & { paths: string[] }> {
  const paths: string[] = [];
  const api = await loopbackApi((req, _body, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(req.url ?? '')));
  });
  return { ...api, paths };
}

const cliIo = (url: string) => recordingIo({ FLUXO_URL: url });

describe('fluxo results on a hopping consumer', () => {
  it('asks for the top-K at an instant and prints one line per key of the hopping window', async () => {
    // Prepare
    const item = { windowStart: '2026-11-29T21:31:00.000Z', windowEnd: '2026-11-29T21:36:00.000Z', late: 0, measures: {} };
    const api = await fakeApi(() => ({
      consumer: 'hashtags-5m',
      items: [
        { ...item, key: 'kafka', count: 2330 },
        { ...item, key: 'copa2026', count: 152 },
      ],
    }));
    const io = cliIo(api.url);

    // Act
    const code = await run(['results', 'hashtags-5m', '--top', '2', '--at', '2026-11-29T21:36:12Z'], io);
    await api.close();

    // Assess
    expect(code).toBe(0);
    expect(api.paths).toEqual(['/results/hashtags-5m?top=2&at=2026-11-29T21%3A36%3A12Z']);
    expect(io.out.join('')).toBe(
      '2026-11-29T21:31:00.000Z  kafka            count=2330\n2026-11-29T21:31:00.000Z  copa2026         count=152\n',
    );
  });

  it('asks for the trending list with every flag given and prints the window, then each key with its score', async () => {
    // Prepare
    const api = await fakeApi(() => TRENDING);
    const io = cliIo(api.url);

    // Act
    const code = await run(
      ['results', 'hashtags-5m', '--trending', '--top', '2', '--at', '1764452172000', '--baseline', '3', '--min-count', '5'],
      io,
    );
    await api.close();

    // Assess
    expect(code).toBe(0);
    expect(api.paths).toEqual(['/results/hashtags-5m/trending?top=2&at=1764452172000&baseline=3&minCount=5']);
    expect(io.out.join('')).toBe(`${trendingLines(TRENDING).join('\n')}\n`);
  });

  it('marks rising keys and says when no key is counted often enough', () => {
    // Act
    const lines = trendingLines({
      ...TRENDING,
      items: [{ ...TRENDING.items[0]!, count: 300, score: 301 / (80 + 1 / 3 + 1), rising: true }],
    });
    const none = trendingLines({ ...TRENDING, items: [] });

    // Assess
    expect(lines).toEqual([
      'hashtags-5m: window 2026-11-29T21:31:00.000Z to 2026-11-29T21:36:00.000Z against the 3 window(s) of 300 s before it, keys counted 5 time(s) or more',
      '  1  copa2026         count=300    baseline=80.33    score=3.70   rising',
    ]);
    expect(none[1]).toBe('(no key)');
  });
});
