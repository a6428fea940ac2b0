/// <reference lib="dom" />
/**
 * The dashboard's charts, on uPlot: lines over time, bars for counts, candlesticks (a draw hook
 * on uPlot's canvas, scaled by uPlot) and a ranked bar chart with text labels.
 */
import uPlot from 'uplot';

/** The series colours, in order. */
export const PALETTE = ['#4cc9f0', '#f72585', '#ffb703', '#80ed99', '#b388eb', '#fb8500', '#90e0ef', '#ef476f'];

const GRID = { stroke: 'rgba(255,255,255,0.07)', width: 1 };
const AXIS = { stroke: '#9aa4b2', grid: GRID, ticks: { stroke: 'rgba(255,255,255,0.12)', width: 1 }, font: '11px system-ui, sans-serif' };

/** A chart in a container, resized with it. */
export interface Chart {
  readonly plot: uPlot;
  update(data: uPlot.AlignedData): void;
}

/** Every chart's cursor: no drag-to-zoom. */
const CURSOR: uPlot.Cursor = { drag: { x: false, y: false } };

function mount(container: HTMLElement, options: Omit<uPlot.Options, 'width' | 'cursor'>, data: uPlot.AlignedData): Chart {
  const plot = new uPlot({ ...options, cursor: CURSOR, width: Math.max(200, container.clientWidth) }, data, container);
  new ResizeObserver(() => plot.setSize({ width: Math.max(200, container.clientWidth), height: options.height })).observe(container);
  return { plot, update: (next) => plot.setData(next) };
}

/** Lines over time (x in seconds), one per named series. */
export function timeLines(container: HTMLElement, names: readonly string[]): Chart {
  return mount(
    container,
    {
      height: 160,
      legend: { show: true, live: false },
      scales: { x: { time: true } },
      axes: [{ ...AXIS }, { ...AXIS, size: 50, values: (_u, splits) => splits.map(formatNumber) }],
      series: [{}, ...names.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: false } }))],
    },
    [[], ...names.map(() => [])],
  );
}

/** The x range of window charts: the windows shown, padded by half a window before and one and a half after. */
function xRange(u: uPlot, min: number, max: number, windowSeconds: number): uPlot.Range.MinMax {
  const xs = u.data[0] ?? [];
  const first = xs.length > 0 ? (xs[0] as number) : min;
  const last = xs.length > 0 ? (xs[xs.length - 1] as number) : max;
  return [first - windowSeconds / 2, last + windowSeconds * 1.5];
}

/** Counts as bars and measures as lines per window (x: window start, seconds); `windowSeconds` pads the x range. */
export function windowSeries(
  container: HTMLElement,
  countLabels: readonly string[],
  measureLabels: readonly string[],
  windowSeconds: number,
): Chart {
  const bars = uPlot.paths.bars?.({ size: [0.6, 40], align: 0 });
  return mount(
    container,
    {
      height: 190,
      legend: { show: true, live: false },
      // From the data itself: for a single x value uPlot widens the range by 86400 / ms (1,000 days in seconds).
      scales: {
        x: { time: true, range: (u, min, max) => xRange(u, min, max, windowSeconds) },
        count: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      },
      axes: [
        { ...AXIS },
        { ...AXIS, scale: 'count', size: 44, label: 'count' },
        { ...AXIS, scale: 'value', side: 1, size: 50, grid: { show: false } },
      ],
      series: [
        {},
        ...countLabels.map((label, i) => ({
          label,
          scale: 'count',
          stroke: PALETTE[i % PALETTE.length],
          fill: `${PALETTE[i % PALETTE.length]}55`,
          paths: bars,
          points: { show: false },
        })),
        ...measureLabels.map((label, i) => ({
          label,
          scale: 'value',
          stroke: PALETTE[(i + countLabels.length) % PALETTE.length],
          width: 2,
          points: { show: true, size: 5 },
        })),
      ],
    },
    [[], ...countLabels.map(() => []), ...measureLabels.map(() => [])],
  );
}

const UP = '#26a69a';
const DOWN = '#ef5350';

/** Candlesticks: data is [x, open, high, low, close, volume]; volume bars fill the lowest quarter. */
export function candles(container: HTMLElement, title: string, windowSeconds: number): Chart {
  const draw = (u: uPlot): void => {
    const [xs, opens, highs, lows, closes] = u.data as unknown as number[][];
    const ctx = u.ctx;
    const step = u.valToPos(windowSeconds, 'x', true) - u.valToPos(0, 'x', true);
    const body = Math.max(3, Math.min(24, step * 0.6));
    ctx.save();
    for (let i = 0; i < xs.length; i += 1) {
      const x = u.valToPos(xs[i] + windowSeconds / 2, 'x', true);
      const [o, h, l, c] = [opens[i], highs[i], lows[i], closes[i]].map((v) => u.valToPos(v, 'y', true));
      ctx.fillStyle = closes[i] >= opens[i] ? UP : DOWN;
      ctx.fillRect(Math.round(x - 0.5), h, Math.max(1, devicePixelRatio), Math.max(1, l - h));
      ctx.fillRect(Math.round(x - body / 2), Math.min(o, c), body, Math.max(1, Math.abs(c - o)));
    }
    ctx.restore();
  };
  const hidden = { paths: () => null, points: { show: false } };
  return mount(
    container,
    {
      title,
      height: 200,
      legend: { show: false },
      scales: {
        x: { time: true, range: (u, min, max) => xRange(u, min, max, windowSeconds) },
        y: {
          range: (_u, min, max) => {
            const pad = Math.max((max - min) * 0.15, Math.abs(max) * 0.002, 0.01);
            return [min - pad, max + pad];
          },
        },
        volume: { range: (_u, _min, max) => [0, Math.max(1, max) * 4] },
      },
      axes: [{ ...AXIS }, { ...AXIS, size: 56 }],
      series: [
        {},
        ...['open', 'high', 'low', 'close'].map((label) => ({ label, ...hidden })),
        {
          label: 'volume',
          scale: 'volume',
          fill: 'rgba(154,164,178,0.25)',
          stroke: 'transparent',
          paths: uPlot.paths.bars?.({ size: [0.6, 24], align: 1 }),
          points: { show: false },
        },
      ],
      hooks: { draw: [draw] },
    },
    [[], [], [], [], [], []],
  );
}

/** A ranked bar chart: labels on the x axis (marked ones with ▲), counts as bars. */
export function rankedBars(
  container: HTMLElement,
): Chart & { setLabels(labels: readonly string[]): void; setMarked(marked: ReadonlySet<string>): void } {
  let labels: readonly string[] = [];
  let marked: ReadonlySet<string> = new Set();
  const chart = mount(
    container,
    {
      height: 200,
      padding: [8, 44, 0, 0],
      legend: { show: false },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(1, labels.length) - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      },
      axes: [
        {
          ...AXIS,
          grid: { show: false },
          splits: () => labels.map((_l, i) => i),
          values: (_u, splits) => {
            // What the axis drew, for tests and tools: the page's DOM cannot be read off the canvas.
            container.dataset.axisLabels = splits.map((i) => labels[i] ?? '').join(',');
            return splits.map((i) => (labels[i] === undefined ? '' : `${marked.has(labels[i]) ? '▲ ' : ''}#${labels[i]}`));
          },
          rotate: () => (labels.length > 5 ? -35 : 0),
          size: () => (labels.length > 5 ? 70 : 40),
        },
        { ...AXIS, size: 44 },
      ],
      series: [
        {},
        {
          label: 'count',
          stroke: PALETTE[0],
          fill: `${PALETTE[0]}99`,
          paths: uPlot.paths.bars?.({ size: [0.7, 60] }),
          points: { show: false },
        },
      ],
    },
    [[], []],
  );
  return {
    ...chart,
    setLabels: (next) => (labels = next),
    setMarked: (next) => (marked = next),
    // The x range stays [-0.5, n - 0.5] when only the ranking changes: recompute the axis labels too.
    update: (data) => {
      chart.plot.setData(data);
      chart.plot.redraw(true, true);
    },
  };
}

/** 1234567 → 1.2M, 0.123 → 0.12. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (Number.isInteger(value)) return String(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 1 ? value.toFixed(1) : value.toFixed(2);
}
