/**
 * Hopping windows and break-outs end to end on the local stack: tweets posted over HTTP with event
 * times in the past (the consumer's grace is a day, so none is late) go through Kafka and the
 * consumer into 30 s panes; the results API merges them into 5-minute windows. A planted hashtag
 * whose rate rises tenfold at a pane boundary must lead `/trending` one advance after its rise,
 * and `?top=K&at=T` must equal the counts computed here, directly from the tweets.
 */
import { api, eventually, post, results } from './helpers';
import { TRENDING } from './pipeline-spec';

const ADVANCE = 30_000;
const SIZE = 300_000;
const BASELINE_WINDOWS = 3;
const MIN_COUNT = 5;

interface Tweet {
  readonly tag: string;
  readonly t: number;
}

interface TrendingAnswer {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly baselineWindows: number;
  readonly minCount: number;
  readonly items: ReadonlyArray<{ key: string; count: number; baseline: number; score: number; rising: boolean }>;
}

/** Per pane, how many tweets each hashtag gets: steady ones, a fading one, and the planted break-out (x10 from the rise). */
function tweetsOf(start: number, rise: number, end: number): Tweet[] {
  const tweets: Tweet[] = [];
  for (let pane = start, index = 0; pane < end; pane += ADVANCE, index += 1) {
    const rates: Record<string, number> = {
      kafka: 3,
      aws: 2,
      lambda: 2 + (index % 2),
      fading: pane < rise - SIZE ? 4 : 1,
      breakout: pane < rise ? 1 : 10,
    };
    // One tweet is not a trend: a new hashtag, once, just before the answered window closes.
    if (pane === rise) rates.once = 1;
    for (const [tag, rate] of Object.entries(rates)) {
      for (let i = 0; i < rate; i += 1) tweets.push({ tag, t: pane + ((index * 7919 + i * 2903 + tag.length * 1009) % ADVANCE) });
    }
  }
  return tweets;
}

/** The count of each hashtag in [from, to), straight from the tweets. */
function countsIn(tweets: readonly Tweet[], from: number, to: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { tag, t } of tweets) if (t >= from && t < to) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return counts;
}

/** The break-outs at the window ending at w, by the README's definition, computed from the tweets. */
function directTrending(
  tweets: readonly Tweet[],
  w: number,
): Array<{ key: string; count: number; baseline: number; score: number; rising: boolean }> {
  const current = countsIn(tweets, w - SIZE, w);
  const baselines = Array.from({ length: BASELINE_WINDOWS }, (_, i) => countsIn(tweets, w - (i + 2) * SIZE, w - (i + 1) * SIZE));
  return [...current]
    .filter(([, count]) => count >= MIN_COUNT)
    .map(([key, count]) => {
      const baseline = baselines.reduce((sum, b) => sum + (b.get(key) ?? 0), 0) / BASELINE_WINDOWS;
      const score = (count + 1) / (baseline + 1);
      return { key, count, baseline, score, rising: score >= 2 };
    })
    .sort((a, b) => b.score - a.score || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function trending(at: number): Promise<TrendingAnswer> {
  const answer = await api('GET', `/results/${TRENDING}/trending?top=10&at=${new Date(at).toISOString()}`);
  if (answer.status !== 200) throw new Error(`trending answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as TrendingAnswer;
}

describe('trending now: a 5-minute window advancing every 30 s', () => {
  // The rise is a pane boundary ten minutes back; the tweets run from 20 minutes before it to 5 minutes after.
  const rise = Math.floor(Date.now() / ADVANCE) * ADVANCE - 10 * 60_000;
  const start = rise - 4 * SIZE;
  const end = rise + SIZE;
  const tweets = tweetsOf(start, rise, end);

  beforeAll(async () => {
    for (let i = 0; i < tweets.length; i += 500) {
      await post(
        TRENDING,
        tweets.slice(i, i + 500).map(({ tag, t }, n) => ({ value: { user: `user_${n % 7}`, text: `#${tag} agora` }, timestamp: t })),
      );
    }
    const counted = await eventually(
      () => results(TRENDING, `from=${start}&to=${end}&limit=1000`),
      (items) => items.reduce((sum, item) => sum + item.count, 0) >= tweets.length,
      120_000,
    );
    expect(counted.reduce((sum, item) => sum + item.count, 0)).toBe(tweets.length);
  }, 180_000);

  it('stores one aggregate per hashtag and 30 s pane, none late', async () => {
    // Act
    const panes = await results(TRENDING, `from=${start}&to=${end}&limit=1000`);

    // Assess
    expect(panes.every((p) => Date.parse(p.windowEnd) - Date.parse(p.windowStart) === ADVANCE && p.late === 0)).toBe(true);
    expect(panes.filter((p) => p.key === 'breakout' && Date.parse(p.windowStart) === rise)).toMatchObject([{ count: 10 }]);
  });

  it('ranks the planted break-out first one advance after its rise, as computed from the tweets', async () => {
    // Act
    const atRise = await trending(rise);
    const oneAdvanceLater = await trending(rise + ADVANCE + 12_345);
    const twoAdvancesLater = await trending(rise + 2 * ADVANCE);

    // Assess
    expect(atRise.items[0].key).not.toBe('breakout');
    expect(atRise.items.find((i) => i.key === 'breakout')).toMatchObject({ count: 10, baseline: 10, score: 1, rising: false });
    expect(oneAdvanceLater).toMatchObject({
      windowStart: new Date(rise + ADVANCE - SIZE).toISOString(),
      windowEnd: new Date(rise + ADVANCE).toISOString(),
      baselineWindows: BASELINE_WINDOWS,
      minCount: MIN_COUNT,
    });
    expect(oneAdvanceLater.items[0]).toEqual({ key: 'breakout', count: 19, baseline: 10, score: 20 / 11, rising: false });
    expect(oneAdvanceLater.items).toEqual(directTrending(tweets, rise + ADVANCE).slice(0, 10));
    expect(oneAdvanceLater.items.map((i) => i.key)).not.toContain('once');
    expect(twoAdvancesLater.items[0]).toMatchObject({ key: 'breakout', count: 28, rising: true });
    expect(twoAdvancesLater.items).toEqual(directTrending(tweets, rise + 2 * ADVANCE).slice(0, 10));
  });

  it('answers top-K of the hopping window at a time as the direct count of its tweets, ties by key', async () => {
    for (const w of [rise, rise + ADVANCE, rise + 7 * ADVANCE, end]) {
      // Act
      const answer = await api('GET', `/results/${TRENDING}?top=4&at=${w + ADVANCE - 1}`);

      // Assess
      const direct = [...countsIn(tweets, w - SIZE, w)]
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
        .slice(0, 4)
        .map(([key, count]) => ({
          key,
          windowStart: new Date(w - SIZE).toISOString(),
          windowEnd: new Date(w).toISOString(),
          count,
          late: 0,
          measures: {},
        }));
      expect({ w, body: answer.body }).toEqual({ w, body: { consumer: TRENDING, items: direct } });
    }
  });
});
