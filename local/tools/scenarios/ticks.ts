/**
 * The course's two stock topics, `petr4` and `vale3`: price ticks `{price, volume}` on a random
 * walk, aggregated by `ohlc-1m` per ticker and minute. Event times are deliberately shuffled
 * within the minute a tick is sent in, so arrival order is not event order: open and close are
 * right only if they follow event time.
 */
import { seededRandom } from './random';
import { buckets, total, windowOf, type Scenario, type ScenarioValue } from './scenario';

/** The tickers and the price each walk starts from. */
export const TICKERS: Readonly<Record<string, number>> = { petr4: 38.5, vale3: 62.1 };

const MINUTE_MS = 60_000;
/** Multiplier of the event-time permutation: prime, so coprime with 60,000. */
const STRIDE = 7919;

/** A tick: price in cents precision, volume in lots of 100 shares. */
export interface Tick {
  readonly price: number;
  readonly volume: number;
}

/**
 * The event time of tick `index` sent at `sentAt`: a millisecond of the minute `sentAt` falls
 * in, spread by a permutation of the index (`(7919 * index + seed) mod 60,000`). Ticks sent in
 * one minute thus keep distinct event times in that minute's window — so first and last have no
 * ties to break — in an order unrelated to the order they arrive in.
 */
export function tickTime(index: number, sentAt: number, seed: number): number {
  const minute = Math.floor(sentAt / MINUTE_MS) * MINUTE_MS;
  return minute + ((STRIDE * (index % MINUTE_MS) + (seed % MINUTE_MS)) % MINUTE_MS);
}

/** `ticks`: both tickers interleaved at random, each on its own walk. */
export const ticksScenario: Scenario = {
  name: 'ticks',
  consumers: ['ohlc-1m'],
  // Fewer than 60,000 ticks a minute keep their event times distinct (see tickTime).
  maxRecordsPerMinute: MINUTE_MS,
  eventTime: tickTime,
  values(seed, count) {
    const random = seededRandom(seed);
    const prices: Record<string, number> = { ...TICKERS };
    const tickers = Object.keys(TICKERS);
    const values: ScenarioValue[] = [];
    for (let n = 0; n < count; n += 1) {
      const ticker = random.pick(tickers);
      const walked = Math.round((prices[ticker] as number) * (1 + 0.002 * random.gaussian()) * 100) / 100;
      prices[ticker] = Math.max(0.01, walked);
      const value: Tick = { price: prices[ticker] as number, volume: 100 * random.int(1, 50) };
      values.push({ topic: ticker, value });
    }
    return values;
  },
  expected(records, target) {
    const prefix = target.prefix ?? '';
    const pane = windowOf(target, 'ohlc-1m').advanceMs;
    const grouped = buckets<{ t: number; tick: Tick }>();
    for (const record of records)
      grouped.add(`${prefix}ohlc-1m`, `${prefix}${record.topic}`, pane, record.timestamp, {
        t: record.timestamp,
        tick: record.value as Tick,
      });
    return grouped.list().map(({ items, ...window }) => {
      const byTime = [...items].sort((x, y) => x.t - y.t);
      const prices = byTime.map((i) => i.tick.price);
      return {
        ...window,
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
