import { chartOf, ingestRate, partitionLag } from '../../../../../local/tools/dashboard/model';
import { resolveConsumer } from '../../../../../core/spec';
import { pipeline } from '../../../../../pipeline';

const consumer = (name: string) => resolveConsumer(pipeline.consumers.find((c) => c.name === name) ?? pipeline.consumers[0]);

describe('dashboard charts', () => {
  it('draws the course consumers as candles, a trending list and series over time', () => {
    // Act
    const charts = Object.fromEntries(['ohlc-1m', 'hashtags-5m', 'peso-acima-80'].map((name) => [name, chartOf(consumer(name))]));

    // Assess
    expect(charts['ohlc-1m']).toEqual({
      kind: 'candles',
      open: 'first_price',
      high: 'max_price',
      low: 'min_price',
      close: 'last_price',
      volume: 'sum_volume',
    });
    expect(charts['hashtags-5m']).toEqual({ kind: 'top', n: 10 });
    expect(charts['peso-acima-80']).toEqual({ kind: 'series', measures: ['avg_peso', 'avg_imc', 'max_peso'] });
  });

  it('draws a consumer with only some of open, high, low and close as series', () => {
    // Act
    const chart = chartOf({
      groupBy: { kind: 'topic' },
      measures: [
        { fn: 'first', field: 'price' },
        { fn: 'max', field: 'price' },
      ],
    });

    // Assess
    expect(chart).toEqual({ kind: 'series', measures: ['first_price', 'max_price'] });
  });
});

describe('consumer lag', () => {
  it('is the end offset minus the committed offset', () => {
    expect(partitionLag({ low: 0, high: 120, committed: 100 }, 'TRIM_HORIZON')).toBe(20);
    expect(partitionLag({ low: 0, high: 120, committed: 120 }, 'LATEST')).toBe(0);
  });

  it('counts every kept record for a group that has not committed and starts from the beginning, none when it starts at the end', () => {
    expect(partitionLag({ low: 30, high: 120, committed: -1 }, 'TRIM_HORIZON')).toBe(90);
    expect(partitionLag({ low: 30, high: 120, committed: -1 }, 'LATEST')).toBe(0);
  });
});

describe('ingest rate', () => {
  it('is records per second between two samples, unknown on the first', () => {
    expect(ingestRate(undefined, { at: 1000, end: 50 })).toBeNull();
    expect(ingestRate({ at: 1000, end: 50 }, { at: 3000, end: 150 })).toBe(50);
  });

  it('never goes negative when a topic is recreated', () => {
    expect(ingestRate({ at: 1000, end: 500 }, { at: 2000, end: 0 })).toBe(0);
  });
});
