/**
 * The course's Twitter example: tweets `{user, text}` whose hashtags, drawn from a skewed (Zipf)
 * distribution, are counted by `hashtags-5m` over 5-minute windows advancing every 30 s — the
 * trending list. Some tweets carry a hashtag twice, in another case: it counts once per tweet.
 * A run can plant a break-out: from a chosen instant, one hashtag is in ten times as many tweets.
 */
import { drawWeighted, seededRandom, zipfCumulative, type Random } from './random';
import {
  BREAKOUT_FACTOR,
  BreakoutError,
  buckets,
  plannedOffsetMs,
  windowOf,
  type Breakout,
  type Scenario,
  type ScenarioValue,
  type ValuesPlan,
} from './scenario';

/** The hashtags, most popular first (rank k is drawn with weight 1/k^1.2). */
export const HASHTAGS = [
  'kafka',
  'streaming',
  'dados',
  'serverless',
  'aws',
  'lambda',
  'tempo_real',
  'bigdata',
  'ação',
  'python',
  'spark',
  'petr4',
  'vale3',
  'ibovespa',
  'ciência',
  'música',
  'café',
  'futebol',
  'copa2026',
  'eleições',
  'chuva',
  'cinema',
  'saúde',
  'dev',
] as const;

const WORDS = [
  'hoje',
  'o',
  'pipeline',
  'rodou',
  'no',
  'laptop',
  'sem',
  'docker',
  'mais',
  'um',
  'tópico',
  'novo',
  'que',
  'dia',
  'bom',
  'para',
  'aprender',
  'consumidor',
  'produtor',
  'mensagem',
  'agora',
  'ao',
  'vivo',
];
const PUNCTUATION = ['', '', '', '.', ',', '!', '?'];
const TAG_WEIGHTS = zipfCumulative(HASHTAGS.length, 1.2);
/** How many hashtags a tweet carries: 0..3, weighted. */
const TAG_COUNTS = [0.15, 0.6, 0.9, 1];

/** The hashtag a run plants a break-out of when none is named: rare enough to rise from far down the list. */
export const DEFAULT_BREAKOUT_HASHTAG = 'copa2026';

/**
 * The share of generated tweets that carry a hashtag, before any break-out: a tweet draws n tags
 * (n = 0..3 with the weights of TAG_COUNTS), each independently with the hashtag's Zipf weight
 * (the repeated tag adds no new one), so the share is the sum over n of P(n) × (1 - (1 - w)^n).
 */
export function hashtagShare(hashtag: string): number {
  const rank = (HASHTAGS as readonly string[]).indexOf(hashtag);
  if (rank === -1) return 0;
  const weight = (TAG_WEIGHTS[rank] as number) - (rank === 0 ? 0 : (TAG_WEIGHTS[rank - 1] as number));
  let share = 0;
  TAG_COUNTS.forEach((cumulative, n) => {
    const p = cumulative - (n === 0 ? 0 : (TAG_COUNTS[n - 1] as number));
    share += p * (1 - (1 - weight) ** n);
  });
  return share;
}

/**
 * The chance that a tweet due after the rise, drawn without the hashtag, gets it added, so that
 * the hashtag's share becomes {@link BREAKOUT_FACTOR} (F) times its share q: q + (1 - q) × p = F × q.
 * @throws BreakoutError for a hashtag the generator never draws, or one whose share cannot be multiplied that much
 */
export function breakoutChance(breakout: Breakout): number {
  const share = hashtagShare(breakout.hashtag);
  if (share === 0)
    throw new BreakoutError(`--breakout must be one of the generated hashtags (${HASHTAGS.join(', ')}); got "${breakout.hashtag}"`);
  if (BREAKOUT_FACTOR * share > 1)
    throw new BreakoutError(
      `--breakout ${breakout.hashtag} is in ${(share * 100).toFixed(1)}% of the tweets already: its rate cannot rise ${BREAKOUT_FACTOR}-fold; pick a rarer hashtag (e.g. ${DEFAULT_BREAKOUT_HASHTAG})`,
    );
  return ((BREAKOUT_FACTOR - 1) * share) / (1 - share);
}

/** A tweet as posted. */
export interface Tweet {
  readonly user: string;
  readonly text: string;
}

function spelled(random: Random, tag: string): string {
  const form = random.int(0, 2);
  if (form === 1) return tag.toUpperCase();
  if (form === 2) return `${tag.charAt(0).toUpperCase()}${tag.slice(1)}`;
  return tag;
}

/**
 * The distinct hashtags of a generated tweet, lower-cased: every whitespace-separated word that
 * starts with `#`, without the `#` and the punctuation the generator may put after it.
 */
export function tagsOf(text: string): string[] {
  const tags = new Set<string>();
  for (const word of text.split(' ')) {
    if (!word.startsWith('#')) continue;
    let end = word.length;
    while (end > 1 && '.,!?'.includes(word.charAt(end - 1))) end -= 1;
    tags.add(word.slice(1, end).toLowerCase());
  }
  return [...tags];
}

/**
 * The tweets of a run. With a break-out in the plan, every tweet due (on the load's schedule) from
 * its instant on that was drawn without the hashtag gets it with {@link breakoutChance}; those
 * draws come from a stream of their own, so the tweets are otherwise those of a run without it.
 */
function tweets(seed: number, count: number, plan: ValuesPlan | undefined): ScenarioValue[] {
  const random = seededRandom(seed);
  const breakout = plan?.breakout;
  const chance = breakout === undefined ? 0 : breakoutChance(breakout);
  const planted = seededRandom((seed ^ 0x5bd1_e995) >>> 0);
  const values: ScenarioValue[] = [];
  for (let n = 0; n < count; n += 1) {
    const words = Array.from({ length: random.int(2, 6) }, () => random.pick(WORDS));
    const tags = Array.from({ length: drawWeighted(random, TAG_COUNTS) }, () => HASHTAGS[drawWeighted(random, TAG_WEIGHTS)] as string);
    if (tags.length > 0 && random.chance(0.2)) tags.push(random.pick(tags));
    for (const tag of tags) words.splice(random.int(0, words.length), 0, `#${spelled(random, tag)}${random.pick(PUNCTUATION)}`);
    if (breakout !== undefined && plan !== undefined && plannedOffsetMs(n, plan) >= breakout.atSeconds * 1000) {
      const add = planted.chance(chance);
      const at = planted.int(0, words.length);
      const form = spelled(planted, breakout.hashtag);
      if (add && !tags.includes(breakout.hashtag)) words.splice(at, 0, `#${form}`);
    }
    const value: Tweet = { user: `user_${random.int(1, 50)}`, text: words.join(' ') };
    values.push({ topic: 'tweets', value });
  }
  return values;
}

/** `tweets`: short texts from 50 users, with 0 to 3 hashtags each and now and then one repeated; a break-out planted halfway by default. */
export const tweetsScenario: Scenario = {
  name: 'tweets',
  consumers: ['hashtags-5m'],
  ranked: 'hashtags-5m',
  values: tweets,
  defaultBreakout: (durationSeconds) => ({ hashtag: DEFAULT_BREAKOUT_HASHTAG, atSeconds: durationSeconds / 2 }),
  expected(records, target) {
    const consumer = `${target.prefix ?? ''}hashtags-5m`;
    const pane = windowOf(target, 'hashtags-5m').advanceMs;
    const grouped = buckets<number>();
    for (const record of records) {
      for (const tag of tagsOf((record.value as Tweet).text)) grouped.add(consumer, tag, pane, record.timestamp, record.index);
    }
    return grouped.list().map(({ items, ...window }) => ({ ...window, count: items.length, measures: {} }));
  },
};
