/**
 * The course's two stock topics, `petr4` and `vale3`: price ticks `{price, volume}` on a random
 * walk, aggregated by `ohlc-1m` per ticker and minute. Event times are deliberately shuffled
 * within each minute, so arrival order is not event order: open and close are right only if
 * they follow event time.
 */
import { seededRandom, type Random } from './random';
import { baseTime, buckets, total, windowMs, type Scenario, type ScenarioRecord } from './scenario';

/** The tickers and the price each walk starts from. */
export const TICKERS: Readonly<Record<string, number>> = { petr4: 38.5, vale3: 62.1 };

/** Records whose event times are shuffled among themselves (always within one minute). */
const SHUFFLE_RUN = 16;
const MINUTE_MS = 60_000;

/** A tick: price in cents precision, volume in lots of 100 shares. */
export interface Tick {
  readonly price: number;
  readonly volume: number;
}

/**
 * The event times of `count` records: the base times, permuted at random within runs of
 * {@link SHUFFLE_RUN} consecutive records of the same minute. Every time stays distinct, so
 * first and last have no ties to break.
 */
export function shuffledTimes(random: Random, count: number, time: (index: number) => number): number[] {
  const times = Array.from({ length: count }, (_, index) => time(index));
  let runStart = 0;
  while (runStart < count) {
    const minute = Math.floor((times[runStart] as number) / MINUTE_MS);
    let runEnd = runStart + 1;
    while (runEnd < count && runEnd - runStart < SHUFFLE_RUN && Math.floor((times[runEnd] as number) / MINUTE_MS) === minute) runEnd += 1;
    for (let i = runEnd - 1; i > runStart; i -= 1) {
      const j = random.int(runStart, i);
      [times[i], times[j]] = [times[j] as number, times[i] as number];
    }
    runStart = runEnd;
  }
  return times;
}

/** `ticks`: both tickers interleaved at random, each on its own walk. */
export const ticksScenario: Scenario = {
  name: 'ticks',
  description: 'price ticks of petr4 and vale3, event times shuffled within each minute; consumer ohlc-1m',
  topics: Object.keys(TICKERS),
  consumers: ['ohlc-1m'],
  generate(seed, count, timing) {
    const random = seededRandom(seed);
    const prices: Record<string, number> = { ...TICKERS };
    const tickers = Object.keys(TICKERS);
    const times = shuffledTimes(random, count, (index) => baseTime(index, timing));
    const records: ScenarioRecord[] = [];
    for (let index = 0; index < count; index += 1) {
      const ticker = random.pick(tickers);
      const walked = Math.round((prices[ticker] as number) * (1 + 0.002 * random.gaussian()) * 100) / 100;
      prices[ticker] = Math.max(0.01, walked);
      const value: Tick = { price: prices[ticker] as number, volume: 100 * random.int(1, 50) };
      records.push({ index, topic: ticker, value, timestamp: times[index] as number });
    }
    return records;
  },
  expected(records, target) {
    const prefix = target.prefix ?? '';
    const size = windowMs(target, 'ohlc-1m');
    const grouped = buckets<{ t: number; tick: Tick }>();
    for (const record of records) grouped.add(`${prefix}ohlc-1m`, `${prefix}${record.topic}`, size, record.timestamp, { t: record.timestamp, tick: record.value as Tick });
    return grouped.list().map((b) => {
      const byTime = [...b.items].sort((x, y) => x.t - y.t);
      const prices = byTime.map((i) => i.tick.price);
      return {
        consumer: b.consumer,
        key: b.key,
        windowStart: b.windowStart,
        windowEnd: b.windowEnd,
        count: byTime.length,
        measures: {
          first_price: prices[0] as number,
          max_price: prices.reduce((max, p) => Math.max(max, p), -Infinity),
          min_price: prices.reduce((min, p) => Math.min(min, p), Infinity),
          last_price: prices[prices.length - 1] as number,
          sum_volume: total(byTime.map((i) => i.tick.volume)),
        },
      };
    });
  },
};
