/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core (no browser
 * download), against a local stack of its own (dashboard-spec.ts: the course pipeline under
 * `dash-` names) on the run's Kafka and DynamoDB Local. Records are posted over HTTP (and one
 * poison record straight to Kafka); the test waits until the charts show them and keeps a
 * screenshot in test/artifacts/dashboard.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ENV } from '../../core/config';
import { JsonlDestination } from '../../local/emulation/esm/on-failure';
import { ensureTopics } from '../../local/emulation/services';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { pipeline, PREFIX } from './dashboard-spec';
import { kafka, unique } from './helpers';

const ROOT = resolve(__dirname, '../..');
/** Where the screenshot is kept (gitignored). */
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: LocalStack;
let dir: string;
let context: BrowserContext;
let page: Page;

async function post(topic: string, records: readonly unknown[]): Promise<void> {
  const response = await fetch(`${stack.url}/topics/${PREFIX}${topic}/records`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ records }),
  });
  if (response.status !== 200) throw new Error(`POST ${topic}: ${response.status} ${await response.text()}`);
}

/** A seeded random walk, so the screenshot looks the same on every run. */
function walk(seed: number, start: number, steps: number): number[] {
  let state = seed;
  const next = (): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5;
  const prices = [start];
  for (let i = 1; i < steps; i += 1) prices.push(Math.round(prices[i - 1] * (1 + next() * 0.01) * 100) / 100);
  return prices;
}

/** Waits until the consumer card's data-* attributes satisfy `done`. */
async function cardShows(consumer: string, done: string): Promise<void> {
  await page.waitForFunction(
    ([name, test]) => {
      const card = document.querySelector<HTMLElement>(`[data-consumer="${name}"]`);
      return card !== null && (new Function('d', `return ${test}`) as (d: DOMStringMap) => boolean)(card.dataset);
    },
    [`${PREFIX}${consumer}`, done] as const,
    { timeout: 60_000, polling: 250 },
  );
}

beforeAll(async () => {
  const kafkaBrokers = process.env[ENV.kafkaBrokers] ?? '';
  await ensureTopics(kafkaBrokers, pipeline);
  dir = mkdtempSync(join(tmpdir(), 'fluxo-it-dashboard-'));
  stack = await startLocalStack({
    spec: pipeline,
    specFile: 'test/integration/dashboard-spec.ts',
    root: ROOT,
    buildDir: join(ROOT, '.fluxo', 'test-build-dashboard'),
    kafkaBrokers,
    dynamodbEndpoint: process.env[ENV.dynamodbEndpoint] ?? '',
    port: 0,
    destination: new JsonlDestination(join(dir, 'on-failure.jsonl')),
    backoff: { initialMs: 20, maxMs: 200 },
  });
  context = await chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the live dashboard in chromium', () => {
  it('shows posted records in the charts, the lag and the dead letters without a reload', async () => {
    // Prepare: the page is open before anything is posted
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(`console: ${message.text()}`)));
    await page.goto(stack.url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`[data-consumer="${PREFIX}ohlc-1m"] canvas`, { timeout: 30_000 });
    const minute = 60_000;
    const now = Math.floor(Date.now() / minute) * minute;
    const at = (minutesAgo: number, offsetMs = 0): string => new Date(now - minutesAgo * minute + offsetMs).toISOString();
    const tag = unique('pw').replace('-', '');
    const poisonKey = unique('poison');

    // Act: 16 minutes of health tuples and ticks, tweets, and a record that is not JSON
    const peso = (i: number): number => 60 + ((i * 13) % 55);
    const health = Array.from({ length: 16 * 4 }, (_v, i) => ({
      value: [i, { idade: 20 + (i % 40), altura: 150 + ((i * 7) % 45), peso: peso(i) }],
      timestamp: at(15 - Math.floor(i / 4), (i % 4) * 10_000),
    }));
    await post('health', health);
    for (const [ticker, seed, start] of [
      ['petr4', 7, 38.5],
      ['vale3', 11, 61.2],
    ] as const) {
      const prices = walk(seed, start, 16 * 6);
      await post(
        ticker,
        prices.map((price, i) => ({
          value: { price, volume: 100 * (1 + (i % 7)) },
          timestamp: at(15 - Math.floor(i / 6), (i % 6) * 9000),
        })),
      );
    }
    // Tweets in three steps, dated a minute ago: a pane the 5-minute window ending at the last
    // 30-s boundary holds. The same seven hashtags are re-ranked while the page shows them, then
    // one breaks out against the three windows before, where kafka was as frequent as now.
    await post('tweets', [{ value: { user: 'u0', text: `#dynamodb #msk #serverless #lambda #aws #kafka #${tag}` }, timestamp: at(1) }]);
    await cardShows('hashtags-5m', `d.keys === 'aws,dynamodb,kafka,lambda,msk,${tag},serverless'`);
    const texts = ['#kafka #aws', '#kafka #aws', '#kafka #lambda', '#kafka streams'];
    await post(
      'tweets',
      texts.map((text, i) => ({ value: { user: `v${i}`, text }, timestamp: at(1) })),
    );
    await cardShows('hashtags-5m', `d.keys === 'kafka,aws,lambda,dynamodb,msk,${tag},serverless'`);
    const baseline = [6, 11, 16].flatMap((minutesAgo) =>
      Array.from({ length: 5 }, (_v, i) => ({ value: { user: `b${i}`, text: '#kafka de novo' }, timestamp: at(minutesAgo, i * 1000) })),
    );
    const breakout = Array.from({ length: 6 }, (_v, i) => ({ value: { user: `w${i}`, text: `olha #${tag}` }, timestamp: at(1, i * 1000) }));
    await post('tweets', [...baseline, ...breakout]);
    const producer = kafka('fluxo-it-dashboard').producer();
    await producer.connect();
    try {
      // Not JSON: ohlc-1m has no filter, so it gets the record and dead-letters it.
      await producer.send({ topic: `${PREFIX}petr4`, messages: [{ key: poisonKey, value: 'not json {' }] });
      // Straight from Kafka clients, as the course writes them: a tuple (the newest record) and console lines.
      await producer.send({
        topic: `${PREFIX}health`,
        messages: [{ value: '[999, {"idade": 30, "altura": 150, "peso": 99}]', timestamp: String(now + 2 * minute) }],
      });
      await producer.send({ topic: `${PREFIX}mensagens`, messages: [{ value: 'Mensagem 1' }, { value: 'Mensagem 2' }] });
    } finally {
      await producer.disconnect();
    }

    // Assess: the charts and the dead letters show them
    await cardShows('peso-acima-80', 'Number(d.total) >= 1 && Number(d.points) >= 10');
    // What the mapping filtered out (peso <= 80), as FilteredOutEventCount on the CloudWatch dashboard.
    const filteredOut = health.filter((_h, i) => peso(i) <= 80).length;
    await cardShows('peso-acima-80', `Number(d.filtered) >= ${filteredOut}`);
    await cardShows('imc-acima-35', 'Number(d.total) >= 1');
    await cardShows('ohlc-1m', 'Number(d.points) >= 32 && Number(d.total) === 192');
    // The break-out: 7 against none before (score 8, rising); kafka 5 against 5 (score 1); aws under minCount 5.
    await cardShows('hashtags-5m', `d.keys === '${tag},kafka,aws,lambda,dynamodb,msk,serverless' && d.rising === '${tag}'`);
    await cardShows('hashtags-5m', `d.trending === '${tag},kafka'`);
    const trending = page.locator(`[data-consumer="${PREFIX}hashtags-5m"]`);
    const risingItem = await trending.locator(`ol.trending li.rising[data-key="${tag}"]`).textContent();
    const steadyItem = await trending.locator('ol.trending li[data-key="kafka"]').getAttribute('class');
    const [windowStart, windowEnd] = (await trending.getAttribute('data-window'))!.split('/').map(Date.parse);
    const drawn = await trending.locator('.chart').getAttribute('data-axis-labels');
    await cardShows('mensagens-por-minuto', 'Number(d.total) === 2');
    // What the consumer saw: the tuple a Kafka client wrote, as its object with IMC.
    const seen = page.locator(`[data-consumer="${PREFIX}peso-acima-80"] li[data-form="tuple"]`);
    await seen.waitFor({ timeout: 60_000 });
    const poison = page.locator(`tr[data-dlq^="${PREFIX}ohlc-1m/${PREFIX}petr4/"]`, { hasText: poisonKey });
    await poison.waitFor({ timeout: 60_000 });
    await page.waitForFunction(
      (consumers) => document.querySelectorAll('[data-consumer] .badge.ok').length === consumers,
      pipeline.consumers.length,
      { timeout: 60_000 },
    );
    const healthRecords = await page.getAttribute(`tr[data-topic="${PREFIX}health"]`, 'data-end-offset');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(Number(healthRecords)).toBe(health.length + 1);
    const [json, writtenAs] = (await seen.textContent())!.split(/ (?=tuple from)/);
    expect([JSON.parse(json!), writtenAs]).toEqual([
      { id: 999, idade: 30, altura: 150, peso: 99, imc: 99 / 1.5 ** 2 },
      'tuple from a Kafka client',
    ]);
    expect(await poison.textContent()).toContain('text from a Kafka client');
    expect(await page.locator('[data-consumer] canvas').count()).toBeGreaterThanOrEqual(5);
    expect(drawn).toBe(await trending.getAttribute('data-keys'));
    expect(risingItem).toMatch(new RegExp(`^▲ #${tag}7 vs 0×8\\.00$`));
    expect(steadyItem).toBe('');
    expect([windowEnd! - windowStart!, windowEnd! % 30_000]).toEqual([300_000, 0]);
    expect(errors).toEqual([]);
  });
});
