import { estimatedReadUnits, itemBytes, queryLayout } from '../../../bench/queries';
import { renderReport, type BenchResults } from '../../../bench/report';

describe('the hopping-window query bench', () => {
  it('lays out exactly the asked number of distinct keys in the current window, with the planted break-out in its last pane', () => {
    // Prepare
    const advanceMs = 30_000;
    const end = 1_000 * advanceMs;

    // Act
    const { layout, planted } = queryLayout({ keys: 1000, windows: 4, panes: 10, advanceMs, end });

    // Assess
    const inWindow = [...layout].filter(([, byPane]) => [...byPane.keys()].some((start) => start >= end - 10 * advanceMs && start < end));
    expect(inWindow).toHaveLength(1000);
    expect(layout.get(planted)?.get(end - advanceMs)).toBe(40);
    expect([...layout.values()].every((byPane) => [...byPane.keys()].every((start) => start >= end - 40 * advanceMs && start < end))).toBe(
      true,
    );
  });

  it('estimates read units as half a unit per started 4 KB of each Query page', () => {
    // Assess
    expect(estimatedReadUnits([1, 4096, 4097, 0])).toBe(0.5 + 0.5 + 1);
  });

  it('sizes an item as DynamoDB counts it: names and values, nested maps with their overhead', () => {
    // Assess
    expect(itemBytes({ pk: 'AGG#c#kafka', count: 12 })).toBe(3 + (1 + 2 + 11) + (1 + 5 + 2));
  });

  it('renders the query figures as section 6 of BENCHMARKS.md', () => {
    // Prepare
    const results = {
      meta: {
        startedAt: '2026-11-29T21:00:00.000Z',
        finishedAt: '2026-11-29T21:10:00.000Z',
        quick: false,
        commit: 'abc1234',
        machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux 6' },
        versions: {},
        settings: {},
        wallSeconds: 600,
      },
      ingest: { rows: [], ceiling: { median: 0, records: 0, averageValueBytes: 0, variants: [] } },
      latency: [],
      consumer: [],
      bundles: { rows: [], producerAlternatives: [] },
      resources: [],
      queries: [
        {
          query: 'top-10',
          keysInWindow: 10_000,
          paneItemsRead: 12_600,
          queryRequests: 10,
          readUnitsReported: 400,
          readUnitsEstimated: 410,
          usdPer1000Queries: 0.05,
          p50Ms: 900,
          p99Ms: 1100,
          samples: 50,
        },
      ],
      goals: [],
    } satisfies BenchResults;

    // Act
    const markdown = renderReport(results);

    // Assess
    expect(markdown).toContain('## 6. Hopping-window queries');
    expect(markdown).toContain('| top-10 | 10,000 | 12,600 | 10 | 400.0 / 410.0 | $0.0500 | 900.0 ms | 1,100.0 ms | 50 |');
  });
});
