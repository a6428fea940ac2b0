/**
 * The course's Twitter example: tweets `{user, text}` whose hashtags, drawn from a skewed (Zipf)
 * distribution, are counted per 5-minute window by `hashtags-5m` — the trending list. Some tweets
 * carry a hashtag twice, in another case: it counts once per tweet.
 */
import { drawWeighted, seededRandom, zipfCumulative, type Random } from './random';
import { buckets, windowMs, type Scenario, type ScenarioValue } from './scenario';

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

/** `tweets`: short texts from 50 users, with 0 to 3 hashtags each and now and then one repeated. */
export const tweetsScenario: Scenario = {
  name: 'tweets',
  description: 'tweets with hashtags from a skewed distribution, some repeated in a tweet; consumer hashtags-5m',
  topics: ['tweets'],
  consumers: ['hashtags-5m'],
  ranked: 'hashtags-5m',
  values(seed, count) {
    const random = seededRandom(seed);
    const values: ScenarioValue[] = [];
    for (let n = 0; n < count; n += 1) {
      const words = Array.from({ length: random.int(2, 6) }, () => random.pick(WORDS));
      const tags = Array.from({ length: drawWeighted(random, TAG_COUNTS) }, () => HASHTAGS[drawWeighted(random, TAG_WEIGHTS)] as string);
      if (tags.length > 0 && random.chance(0.2)) tags.push(random.pick(tags));
      for (const tag of tags) words.splice(random.int(0, words.length), 0, `#${spelled(random, tag)}${random.pick(PUNCTUATION)}`);
      const value: Tweet = { user: `user_${random.int(1, 50)}`, text: words.join(' ') };
      values.push({ topic: 'tweets', value });
    }
    return values;
  },
  expected(records, target) {
    const consumer = `${target.prefix ?? ''}hashtags-5m`;
    const size = windowMs(target, 'hashtags-5m');
    const grouped = buckets<number>();
    for (const record of records) {
      for (const tag of tagsOf((record.value as Tweet).text)) grouped.add(consumer, tag, size, record.timestamp, record.index);
    }
    return grouped.list().map((b) => ({
      consumer: b.consumer,
      key: b.key,
      windowStart: b.windowStart,
      windowEnd: b.windowEnd,
      count: b.items.length,
      measures: {},
    }));
  },
};
