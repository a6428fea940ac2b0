/// <reference lib="dom" />
/**
 * The dashboard page: topics with ingest rates, consumers with lag and their latest windows as
 * live charts, and the dead letters. Kafka figures arrive as server-sent events
 * (`/dashboard/events`); windows and dead letters are read from the public API (`/results`,
 * `/dlq`) whenever a consumer's committed offsets move, and every few seconds regardless.
 * Each chart's container carries what it shows in `data-*` attributes (points, total count, keys).
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { AggregatesPage, AggregateView, DeadLetterView, KeptRecordView, TrendingView } from '../../../../core/api/routes';
import type { ConsumerState, DashboardState } from '../model';
import { candles, formatNumber, rankedBars, timeLines, windowSeries, type Chart } from './charts';

/** Results are re-read at least this often, even when no offset moved (late records, restarts). */
const REFRESH_MS = 5000;
/** A hopping window's lists are re-read this long after each pane boundary, when the window has moved. */
const AFTER_BOUNDARY_MS = 250;
/** The trending query of the top-K card: every key's score (the API's largest top), to mark the rising ones. */
const EVERY_KEY = 1000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A table with one header row. */
function table(attributes: Record<string, string>, headers: readonly string[], body: HTMLElement): HTMLTableElement {
  return el('table', attributes, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), body);
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;
/** `tuple from a Kafka client`, `object from the HTTP API`. */
const writtenAs = (p: Pick<KeptRecordView, 'form' | 'writer'>): string =>
  p.form === undefined ? '' : `${p.form} from ${p.writer === 'http' ? 'the HTTP API' : 'a Kafka client'}`;
const shortJson = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};
const time = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** One consumer's card: its chart(s), refreshed from the results API. */
class ConsumerCard {
  public readonly root: HTMLElement;
  private readonly lag = el('span', { class: 'badge' }, 'lag –');
  private readonly filtered = el(
    'span',
    { class: 'badge filtered', title: 'records its event source mappings filtered out since start (FilteredOutEventCount on AWS)' },
    '',
  );
  private readonly summary = el('p', { class: 'summary' }, 'no window yet');
  private readonly charts = new Map<string, Chart>();
  /** The top-K card's ranked bars. */
  private bars: ReturnType<typeof rankedBars> | undefined;
  private readonly body = el('div', { class: 'charts' });
  /** The last records the consumer counted, as it saw them (keepRecords only). */
  private readonly seen = el('ul', { class: 'seen' });
  /** The break-outs of the top-K card's window: keys by score, rising ones marked. */
  private readonly trending = el('ol', { class: 'trending' });
  private seriesKeys: readonly string[] = [];
  private committed = -1;
  private fetchedAt = 0;
  private inFlight = false;

  public constructor(private readonly consumer: ConsumerState) {
    this.root = el(
      'article',
      {
        class: `card ${consumer.chart.kind}`,
        'data-consumer': consumer.name,
        'data-chart': consumer.chart.kind,
        'data-points': '0',
        'data-total': '0',
        'data-keys': '',
      },
      el('header', {}, el('h3', {}, consumer.name), this.filtered, this.lag),
      el(
        'p',
        { class: 'meta' },
        `← ${consumer.topics.join(', ')} · ${consumer.windowSeconds} s windows${consumer.advanceSeconds === consumer.windowSeconds ? '' : ` advancing every ${consumer.advanceSeconds} s`}${consumer.description === undefined ? '' : ` · ${consumer.description}`}`,
      ),
      this.body,
      this.summary,
      ...(consumer.chart.kind === 'top'
        ? [el('h4', {}, 'break-outs: count against the mean of the windows before, ▲ rising'), this.trending]
        : []),
      ...(consumer.keepRecords ? [el('h4', {}, 'last records counted, as the consumer saw them'), this.seen] : []),
    );
  }

  private async refreshSeen(): Promise<void> {
    const { items } = await getJson<{ items: KeptRecordView[] }>(`/results/${encodeURIComponent(this.consumer.name)}/records?limit=3`);
    this.seen.replaceChildren(
      ...(items.length === 0
        ? [el('li', { class: 'empty' }, 'none yet')]
        : items.map((r) =>
            el(
              'li',
              { 'data-record': `${r.topic}/${r.partition}/${r.offset}`, 'data-form': r.form ?? '' },
              el('code', {}, shortJson(r.value)),
              el('span', { class: 'meta' }, ` ${writtenAs(r)}`),
            ),
          )),
    );
  }

  /** Mounts the charts once the card is in the page (uPlot needs the width). */
  public mount(): void {
    const { chart } = this.consumer;
    if (chart.kind === 'candles') {
      for (const key of this.consumer.topics) {
        const box = el('div', { class: 'chart', 'data-key': key });
        this.body.append(box);
        this.charts.set(key, candles(box, key.toUpperCase(), this.consumer.windowSeconds));
      }
    } else if (chart.kind === 'top') {
      const box = el('div', { class: 'chart' });
      this.body.append(box);
      this.bars = rankedBars(box);
      this.everyBoundary();
    }
  }

  /** Re-reads the lists just after every pane boundary: the hopping window has moved on by one advance. */
  private everyBoundary(): void {
    const advanceMs = this.consumer.advanceSeconds * 1000;
    setTimeout(
      () => {
        this.reload(Date.now());
        this.everyBoundary();
      },
      advanceMs - (Date.now() % advanceMs) + AFTER_BOUNDARY_MS,
    );
  }

  /** Reads the card's results again unless a read is under way. */
  private reload(now: number): void {
    if (this.inFlight) return;
    this.fetchedAt = now;
    this.inFlight = true;
    Promise.all([this.refresh(), this.consumer.keepRecords ? this.refreshSeen() : undefined])
      .catch((error: unknown) => (this.summary.textContent = `cannot read results: ${(error as Error).message}`))
      .finally(() => (this.inFlight = false));
  }

  public update(state: ConsumerState, now: number): void {
    this.lag.textContent = state.lag === null ? 'lag ?' : `lag ${formatNumber(state.lag)}`;
    this.lag.className = `badge ${state.lag === null ? 'unknown' : state.lag === 0 ? 'ok' : state.lag < 100 ? 'warn' : 'bad'}`;
    this.root.dataset.lag = String(state.lag ?? '');
    this.root.dataset.filtered = String(state.filteredOut ?? '');
    this.filtered.textContent = state.filteredOut === null ? '' : `filtered out ${formatNumber(state.filteredOut)}`;
    if ((state.committed !== this.committed || now - this.fetchedAt > REFRESH_MS) && !this.inFlight) {
      this.committed = state.committed;
      this.reload(now);
    }
  }

  private show(points: number, total: number, keys: readonly string[]): void {
    Object.assign(this.root.dataset, { points: String(points), total: String(total), keys: keys.join(',') });
  }

  private async refresh(): Promise<void> {
    const name = encodeURIComponent(this.consumer.name);
    const { chart } = this.consumer;
    if (chart.kind === 'top') {
      // Both at the same instant, so they answer for the same window even across a pane boundary.
      const at = Date.now();
      const [{ items }, trending] = await Promise.all([
        getJson<AggregatesPage>(`/results/${name}?top=${chart.n}&at=${at}`),
        getJson<TrendingView>(`/results/${name}/trending?top=${EVERY_KEY}&at=${at}`),
      ]);
      const rising = new Set(trending.items.filter((t) => t.rising).map((t) => t.key));
      this.bars?.setLabels(items.map((i) => i.key));
      this.bars?.setMarked(rising);
      this.bars?.update([items.map((_i, n) => n), items.map((i) => i.count)]);
      this.show(
        items.length,
        items.reduce((s, i) => s + i.count, 0),
        items.map((i) => i.key),
      );
      const listed = trending.items.slice(0, chart.n);
      Object.assign(this.root.dataset, {
        window: `${trending.windowStart}/${trending.windowEnd}`,
        rising: items
          .filter((i) => rising.has(i.key))
          .map((i) => i.key)
          .join(','),
        trending: listed.map((t) => t.key).join(','),
      });
      this.trending.replaceChildren(
        ...(listed.length === 0
          ? [el('li', { class: 'empty' }, `no key counted ${trending.minCount} times or more`)]
          : listed.map((t) =>
              el(
                'li',
                { 'data-key': t.key, class: t.rising ? 'rising' : '' },
                el('span', { class: 'tag' }, `${t.rising ? '▲ ' : ''}#${t.key}`),
                el('span', { class: 'num' }, `${formatNumber(t.count)} vs ${formatNumber(t.baseline)}`),
                el('span', { class: 'score' }, `×${t.score.toFixed(2)}`),
              ),
            )),
      );
      const leaders = items.slice(0, 5).map((i) => `${rising.has(i.key) ? '▲' : ''}#${i.key} ${i.count}`);
      this.summary.textContent = `window ${time(trending.windowStart)}–${time(trending.windowEnd)}: ${leaders.join(', ') || 'no key'}`;
      return;
    }
    if (chart.kind === 'candles') {
      let points = 0;
      let total = 0;
      const lines: string[] = [];
      for (const key of this.consumer.topics) {
        const { items } = await getJson<AggregatesPage>(`/results/${name}?key=${encodeURIComponent(key)}&limit=60`);
        const rows = [...items].reverse();
        const m = (measure: string | undefined) => rows.map((i) => (measure === undefined ? 0 : (i.measures[measure] ?? 0)));
        this.charts
          .get(key)
          ?.update([rows.map((i) => seconds(i.windowStart)), m(chart.open), m(chart.high), m(chart.low), m(chart.close), m(chart.volume)]);
        points += rows.length;
        total += rows.reduce((s, i) => s + i.count, 0);
        const last = items[0];
        if (last !== undefined)
          lines.push(
            `${key.toUpperCase()} ${time(last.windowStart)} O ${last.measures[chart.open]} H ${last.measures[chart.high]} L ${last.measures[chart.low]} C ${last.measures[chart.close]}${chart.volume === undefined ? '' : ` V ${last.measures[chart.volume] ?? 0}`}`,
          );
      }
      this.show(points, total, this.consumer.topics);
      this.summary.textContent = lines.length === 0 ? 'no window yet' : lines.join(' · ');
      return;
    }
    const { items } = await getJson<AggregatesPage>(`/results/${name}?limit=120`);
    const keys = [...new Set(items.map((i) => i.key))].sort().slice(0, 4);
    const starts = [...new Set(items.map((i) => seconds(i.windowStart)))].sort((a, b) => a - b).slice(-30);
    if (keys.length === 0) return;
    // One series per key and measure: the chart is rebuilt when the keys shown change.
    if (this.seriesKeys.join(',') !== keys.join(',')) {
      this.charts.get('series')?.plot.destroy();
      this.body.replaceChildren();
      const box = el('div', { class: 'chart' });
      this.body.append(box);
      const measureLabels = keys.length === 1 ? chart.measures : chart.measures.flatMap((m) => keys.map((k) => `${m} ${k}`));
      this.charts.set(
        'series',
        windowSeries(box, keys.length === 1 ? ['count'] : keys.map((k) => `count ${k}`), measureLabels, this.consumer.windowSeconds),
      );
      this.seriesKeys = keys;
    }
    const value = (key: string, start: number, pick: (a: AggregateView) => number | undefined): number | null => {
      const found = items.find((i) => i.key === key && seconds(i.windowStart) === start);
      return found === undefined ? null : (pick(found) ?? null);
    };
    const data = [
      starts,
      ...keys.map((k) => starts.map((s) => value(k, s, (a) => a.count))),
      ...chart.measures.flatMap((m) => keys.map((k) => starts.map((s) => value(k, s, (a) => a.measures[m])))),
    ];
    const series = this.charts.get('series');
    series?.update(data as Parameters<Chart['update']>[0]);
    const shown = items.filter((i) => starts.includes(seconds(i.windowStart)) && keys.includes(i.key));
    this.show(
      series?.plot.data[0].length ?? 0,
      shown.reduce((s, i) => s + i.count, 0),
      keys,
    );
    const latest = items[0];
    const measures = Object.entries(latest?.measures ?? {}).map(([m, v]) => `, ${m} ${formatNumber(v)}`);
    this.summary.textContent =
      latest === undefined
        ? 'no window yet'
        : `latest ${time(latest.windowStart)}–${time(latest.windowEnd)}: count ${latest.count}${latest.late > 0 ? ` (+${latest.late} late)` : ''}${measures.join('')}`;
  }
}

/** The whole page. */
class Dashboard {
  private readonly status = el('span', { class: 'status' }, 'connecting…');
  private readonly topicRows = el('tbody');
  private readonly dlqRows = el('tbody');
  private readonly dlqCount = el('span', { class: 'badge' }, '0');
  private readonly cards = new Map<string, ConsumerCard>();
  private rates: Chart | undefined;
  private lags: Chart | undefined;
  private dlqCommitted = -1;
  private dlqAt = 0;

  public constructor(private readonly root: HTMLElement) {}

  private build(state: DashboardState): void {
    const rateBox = el('div', { class: 'chart', id: 'rates' });
    const lagBox = el('div', { class: 'chart', id: 'lags' });
    const grid = el('section', { class: 'consumers' });
    this.root.replaceChildren(
      el('header', { class: 'top' }, el('h1', {}, 'fluxo', el('small', {}, ' live pipeline')), this.status),
      el(
        'section',
        { class: 'overview' },
        el(
          'div',
          { class: 'panel' },
          el('h2', {}, 'Topics'),
          table({ class: 'topics' }, ['topic', 'partitions', 'records', 'records/s'], this.topicRows),
        ),
        el('div', { class: 'panel' }, el('h2', {}, 'Ingest rate (records/s)'), rateBox),
        el('div', { class: 'panel' }, el('h2', {}, 'Consumer lag (records)'), lagBox),
      ),
      grid,
      el(
        'section',
        { class: 'panel dlq' },
        el('h2', {}, 'Dead letters ', this.dlqCount),
        table({}, ['consumer', 'topic', 'partition', 'offset', 'key', 'written as', 'reason', 'error', 'at'], this.dlqRows),
      ),
    );
    this.rates = timeLines(
      rateBox,
      state.topics.map((t) => t.name),
    );
    this.lags = timeLines(
      lagBox,
      state.consumers.map((c) => c.name),
    );
    for (const consumer of state.consumers) {
      const card = new ConsumerCard(consumer);
      grid.append(card.root);
      card.mount();
      this.cards.set(consumer.name, card);
    }
  }

  public update(state: DashboardState): void {
    if (this.rates === undefined) this.build(state);
    const now = Date.now();
    this.status.textContent = state.error ?? `updated ${new Date(state.at).toLocaleTimeString()}`;
    this.status.className = `status ${state.error === undefined ? 'live' : 'error'}`;
    this.topicRows.replaceChildren(
      ...state.topics.map((t) =>
        el(
          'tr',
          { 'data-topic': t.name, 'data-end-offset': String(t.endOffset) },
          el('td', {}, t.name),
          el('td', { class: 'num' }, String(t.partitions)),
          el('td', { class: 'num' }, formatNumber(t.endOffset)),
          el('td', { class: 'num' }, t.rate === null ? '–' : formatNumber(t.rate)),
        ),
      ),
    );
    const xs = state.history.map((p) => p.t / 1000);
    this.rates?.update([xs, ...state.topics.map((t) => state.history.map((p) => p.rates[t.name] ?? 0))]);
    this.lags?.update([xs, ...state.consumers.map((c) => state.history.map((p) => p.lags[c.name] ?? 0))]);
    for (const consumer of state.consumers) this.cards.get(consumer.name)?.update(consumer, now);
    const committed = state.consumers.reduce((s, c) => s + c.committed, 0);
    if (committed !== this.dlqCommitted || now - this.dlqAt > REFRESH_MS) {
      this.dlqCommitted = committed;
      this.dlqAt = now;
      void this.refreshDeadLetters();
    }
  }

  private async refreshDeadLetters(): Promise<void> {
    const notice = (text: string) => el('tr', {}, el('td', { colspan: '9', class: 'empty' }, text));
    try {
      const { items } = await getJson<{ items: DeadLetterView[] }>('/dlq?limit=50');
      const newest = [...items].sort((a, b) => Date.parse(b.deadLetteredAt) - Date.parse(a.deadLetteredAt)).slice(0, 12);
      this.dlqCount.textContent = items.length >= 50 ? '50+' : String(items.length);
      this.dlqRows.replaceChildren(
        ...(newest.length === 0
          ? [notice('none: every record was processed')]
          : newest.map((d) =>
              el(
                'tr',
                { 'data-dlq': `${d.consumer}/${d.topic}/${d.partition}/${d.offset}` },
                el('td', {}, d.consumer),
                el('td', {}, d.topic),
                el('td', { class: 'num' }, String(d.partition)),
                el('td', { class: 'num' }, String(d.offset)),
                el('td', {}, d.key ?? ''),
                el('td', {}, writtenAs(d)),
                el('td', {}, el('span', { class: 'reason' }, d.reason)),
                el('td', { class: 'error' }, d.error),
                el('td', {}, time(d.deadLetteredAt)),
              ),
            )),
      );
    } catch (error) {
      this.dlqRows.replaceChildren(notice(`cannot read /dlq: ${(error as Error).message}`));
    }
  }
}

const app = document.getElementById('app');
if (app !== null) {
  const dashboard = new Dashboard(app);
  getJson<DashboardState>('/dashboard/state')
    .then((state) => dashboard.update(state))
    .catch(() => undefined)
    .finally(() => {
      const events = new EventSource('/dashboard/events');
      events.addEventListener('state', (event) => dashboard.update(JSON.parse((event as MessageEvent<string>).data) as DashboardState));
    });
}
