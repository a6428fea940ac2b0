import { hashtags } from '../../../../../core/canonical';
import { pipeline } from '../../../../../pipeline';
import { healthScenario, healthTupleOf, imcOf } from '../../../../../local/tools/scenarios/health';
import { SCENARIOS, scenarioNamed, UnknownScenarioError } from '../../../../../local/tools/scenarios/index';
import { recordsOf, type Scenario, type ScenarioRecord } from '../../../../../local/tools/scenarios/scenario';
import { tickTime, ticksScenario, type Tick } from '../../../../../local/tools/scenarios/ticks';
import {
  breakoutChance,
  DEFAULT_BREAKOUT_HASHTAG,
  hashtagShare,
  HASHTAGS,
  tagsOf,
  tweetsScenario,
  type Tweet,
} from '../../../../../local/tools/scenarios/tweets';

const W = Date.UTC(2026, 10, 22, 2, 0);
/** Records of a run that sent record i at `W + 12,345 ms + i * spacing`. */
const generate = (scenario: Scenario, seed: number, count: number, spacingMs = 5): ScenarioRecord[] =>
  recordsOf(scenario, seed, count, (i) => W + 12_345 + i * spacingMs);
const target = { spec: pipeline };
const record = (index: number, topic: string, value: unknown, offsetMs: number): ScenarioRecord => ({
  index,
  topic,
  value,
  timestamp: W + offsetMs,
});

describe('course scenario generators', () => {
  it.each(Object.values(SCENARIOS).map((s) => [s.name, s] as const))(
    '%s: the same seed gives the same records and another seed other ones',
    (_name, scenario) => {
      // Act
      const [a, b, c] = [generate(scenario, 5, 300), generate(scenario, 5, 300), generate(scenario, 6, 300)];

      // Assess
      expect(a).toEqual(b);
      expect(c).not.toEqual(a);
      expect(a.map((r) => r.index)).toEqual([...Array(300).keys()]);
    },
  );

  it("health: the course's ranges, some tuples [id, {...}] and some objects", () => {
    // Act
    const records = generate(healthScenario, 1, 2000);
    const tuples = records.map((r) => healthTupleOf(r.value));

    // Assess
    const inRange = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
    expect(
      tuples.every((t) => inRange(t.id, 0, 1000) && inRange(t.idade, 10, 50) && inRange(t.altura, 100, 200) && inRange(t.peso, 30, 100)),
    ).toBe(true);
    const asTuples = records.filter((r) => Array.isArray(r.value)).length;
    expect(asTuples).toBeGreaterThan(800);
    expect(asTuples).toBeLessThan(1200);
    expect(records.map((r) => r.timestamp)).toEqual(records.map((_, i) => W + 12_345 + i * 5));
    expect(tuples.some((t) => t.peso > 80) && tuples.some((t) => imcOf(t) > 35)).toBe(true);
  });

  it('ticks: event times distinct, each in the minute the tick was sent in, and out of arrival order', () => {
    // Act
    const records = generate(ticksScenario, 2, 6000, 20);

    // Assess
    const times = records.map((r) => r.timestamp);
    expect(new Set(times).size).toBe(times.length);
    expect(records.every((r) => Math.floor(r.timestamp / 60_000) === Math.floor((W + 12_345 + r.index * 20) / 60_000))).toBe(true);
    const inversions = times.filter((t, i) => i > 0 && t < (times[i - 1] as number)).length;
    expect(inversions).toBeGreaterThan(300);
    const ticks = records.map((r) => r.value as Tick);
    expect(ticks.every((t) => t.price > 0 && Math.round(t.price * 100) / 100 === t.price && t.volume % 100 === 0 && t.volume > 0)).toBe(
      true,
    );
    expect(new Set(records.map((r) => r.topic))).toEqual(new Set(['petr4', 'vale3']));
  });

  it('tweets: hashtags skewed towards the first, some repeated within a tweet, read as the producer reads them', () => {
    // Act
    const records = generate(tweetsScenario, 3, 3000);
    const texts = records.map((r) => (r.value as Tweet).text);

    // Assess
    expect(texts.every((text) => JSON.stringify(tagsOf(text)) === JSON.stringify(hashtags(text)))).toBe(true);
    const repeated = texts.filter((text) => (text.match(/#/g) ?? []).length > tagsOf(text).length).length;
    expect(repeated).toBeGreaterThan(100);
    const frequency = (tag: string): number => texts.filter((text) => tagsOf(text).includes(tag)).length;
    expect(frequency(HASHTAGS[0])).toBeGreaterThan(frequency(HASHTAGS[5]));
    expect(frequency(HASHTAGS[5])).toBeGreaterThan(frequency(HASHTAGS[HASHTAGS.length - 1]));
  });

  it('ticks: one event time per index in a minute, whatever the seed', () => {
    // Act
    const times = Array.from({ length: 60_000 }, (_, i) => tickTime(i, W + 59_999, 4_000_000_000));

    // Assess
    expect(new Set(times).size).toBe(60_000);
    expect(Math.min(...times)).toBe(W);
    expect(Math.max(...times)).toBe(W + 59_999);
  });

  it('finds a scenario by name and refuses an unknown one', () => {
    // Act / Assess
    expect(scenarioNamed('ticks')).toBe(ticksScenario);
    expect(() => scenarioNamed('toString')).toThrow(UnknownScenarioError);
    expect(() => scenarioNamed('stocks')).toThrow('unknown scenario "stocks"; the scenarios are health, ticks, tweets');
  });
});

describe('direct computation of the expected aggregates', () => {
  it('health: peso > 80 and IMC > 35 strictly, per minute, with averages and the maximum weight', () => {
    // Prepare: IMC 32.9, 40.0, 41.4, 18.5, exactly 35, 20.0, then 31.6 in the next minute
    const records = [
      record(0, 'health', [1, { idade: 30, altura: 170, peso: 95 }], 1000),
      record(1, 'health', { id: 2, idade: 41, altura: 150, peso: 90 }, 2000),
      record(2, 'health', [3, { idade: 22, altura: 130, peso: 70 }], 3000),
      record(3, 'health', { id: 4, idade: 50, altura: 180, peso: 60 }, 4000),
      record(4, 'health', [5, { idade: 19, altura: 100, peso: 35 }], 5000),
      record(5, 'health', { id: 6, idade: 33, altura: 200, peso: 80 }, 6000),
      record(6, 'health', [7, { idade: 44, altura: 160, peso: 81 }], 61_000),
    ];

    // Act
    const expected = healthScenario.expected(records, target);

    // Assess
    expect(expected).toEqual([
      {
        consumer: 'peso-acima-80',
        key: 'all',
        windowStart: W,
        windowEnd: W + 60_000,
        count: 2,
        measures: { avg_peso: 92.5, avg_imc: expect.closeTo((95 / 1.7 ** 2 + 40) / 2, 12), max_peso: 95 },
      },
      {
        consumer: 'imc-acima-35',
        key: 'all',
        windowStart: W,
        windowEnd: W + 60_000,
        count: 2,
        measures: { avg_peso: 80, avg_imc: expect.closeTo((40 + 70 / 1.3 ** 2) / 2, 12), max_peso: 90 },
      },
      {
        consumer: 'peso-acima-80',
        key: 'all',
        windowStart: W + 60_000,
        windowEnd: W + 120_000,
        count: 1,
        measures: { avg_peso: 81, avg_imc: expect.closeTo(81 / 1.6 ** 2, 12), max_peso: 81 },
      },
    ]);
  });

  it('ticks: open and close follow event time, not the order the records came in', () => {
    // Prepare
    const records = [
      record(0, 'petr4', { price: 10, volume: 100 }, 30_000),
      record(1, 'petr4', { price: 12, volume: 200 }, 10_000),
      record(2, 'vale3', { price: 50, volume: 100 }, 5000),
      record(3, 'petr4', { price: 9, volume: 300 }, 50_000),
      record(4, 'petr4', { price: 11, volume: 400 }, 20_000),
    ];

    // Act
    const expected = ticksScenario.expected(records, { spec: pipeline });

    // Assess
    expect(expected).toEqual([
      {
        consumer: 'ohlc-1m',
        key: 'petr4',
        windowStart: W,
        windowEnd: W + 60_000,
        count: 4,
        measures: { first_price: 12, max_price: 12, min_price: 9, last_price: 9, sum_volume: 1000 },
      },
      {
        consumer: 'ohlc-1m',
        key: 'vale3',
        windowStart: W,
        windowEnd: W + 60_000,
        count: 1,
        measures: { first_price: 50, max_price: 50, min_price: 50, last_price: 50, sum_volume: 100 },
      },
    ]);
  });

  it('tweets: a hashtag counts once per tweet whatever its case, per 30-second pane of the hopping window, under the deployed names', () => {
    // Prepare
    const records = [
      record(0, 'tweets', { user: 'ana', text: 'hoje #Kafka e #kafka! #AÇÃO, vivo' }, 1000),
      record(1, 'tweets', { user: 'bia', text: 'sem hashtag' }, 2000),
      record(2, 'tweets', { user: 'caio', text: '#kafka.' }, 299_000),
      record(3, 'tweets', { user: 'duda', text: '#kafka' }, 300_000),
    ];
    const spec = { ...pipeline, consumers: pipeline.consumers.map((c) => ({ ...c, name: `sc-${c.name}` })) };

    // Act
    const expected = tweetsScenario.expected(records, { spec, prefix: 'sc-' });

    // Assess
    expect(expected).toEqual([
      { consumer: 'sc-hashtags-5m', key: 'kafka', windowStart: W, windowEnd: W + 30_000, count: 1, measures: {} },
      { consumer: 'sc-hashtags-5m', key: 'ação', windowStart: W, windowEnd: W + 30_000, count: 1, measures: {} },
      { consumer: 'sc-hashtags-5m', key: 'kafka', windowStart: W + 270_000, windowEnd: W + 300_000, count: 1, measures: {} },
      { consumer: 'sc-hashtags-5m', key: 'kafka', windowStart: W + 300_000, windowEnd: W + 330_000, count: 1, measures: {} },
    ]);
  });
});

describe('a break-out planted in the tweets', () => {
  const tweetsOf = (values: ReturnType<Scenario['values']>): string[] => values.map((v) => (v.value as Tweet).text);
  const share = (texts: readonly string[], tag: string): number => texts.filter((t) => tagsOf(t).includes(tag)).length / texts.length;

  it("multiplies the hashtag's share tenfold from the instant it is due, and leaves every tweet before it and every other tag alone", () => {
    // Prepare: 100 tweets a second for 400 s, the break-out due at 200 s (record 20,000)
    const plan = { rate: 100, batch: 10, breakout: { hashtag: DEFAULT_BREAKOUT_HASHTAG, atSeconds: 200 } };

    // Act
    const plain = tweetsOf(tweetsScenario.values(9, 40_000, { rate: 100, batch: 10 }));
    const planted = tweetsOf(tweetsScenario.values(9, 40_000, plan));

    // Assess
    expect(planted.slice(0, 20_000)).toEqual(plain.slice(0, 20_000));
    const before = share(planted.slice(0, 20_000), DEFAULT_BREAKOUT_HASHTAG);
    const after = share(planted.slice(20_000), DEFAULT_BREAKOUT_HASHTAG);
    expect(before).toBeCloseTo(hashtagShare(DEFAULT_BREAKOUT_HASHTAG), 2);
    expect(after / before).toBeGreaterThan(8.5);
    expect(after / before).toBeLessThan(11.5);
    const others = (text: string): string[] => tagsOf(text).filter((t) => t !== DEFAULT_BREAKOUT_HASHTAG);
    expect(planted.slice(20_000).map(others)).toEqual(plain.slice(20_000).map(others));
  });

  it('draws each hashtag in the share it computes for it', () => {
    // Act
    const texts = tweetsOf(tweetsScenario.values(4, 30_000));

    // Assess
    for (const tag of ['kafka', 'lambda', DEFAULT_BREAKOUT_HASHTAG, 'dev']) expect(share(texts, tag)).toBeCloseTo(hashtagShare(tag), 2);
  });

  it('refuses a hashtag the generator never draws and one too frequent to rise tenfold', () => {
    // Act and assess
    expect(() => breakoutChance({ hashtag: 'nope', atSeconds: 0 })).toThrow('--breakout must be one of the generated hashtags');
    expect(() => breakoutChance({ hashtag: 'kafka', atSeconds: 0 })).toThrow(/--breakout kafka is in \d+\.\d% of the tweets already/);
    expect(tweetsScenario.defaultBreakout?.(600)).toEqual({ hashtag: DEFAULT_BREAKOUT_HASHTAG, atSeconds: 300 });
  });
});
