import { ANALYSIS_BEGIN, ANALYSIS_END, extractAnalysis, renderReport, renderTable, type BenchResults } from '../../../bench/report';

const results: BenchResults = {
  meta: {
    startedAt: '2026-11-22T02:00:00.000Z',
    finishedAt: '2026-11-22T02:10:00.000Z',
    quick: false,
    commit: 'abc1234',
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, os: 'Linux 6' },
    versions: { node: 'v20.0.0' },
    settings: { ingest: '4 clients' },
    wallSeconds: 600,
  },
  ingest: {
    rows: [
      {
        batch: 100,
        clients: 4,
        http: [800, 900, 1000],
        raw: [1000, 1000, 1000],
        httpMedian: 900,
        rawMedian: 1000,
        gatewayEventLoopUtilization: 0.5,
        httpCpuUsPerRecord: 20,
        rawCpuUsPerRecord: 5,
        rawCoalesced: [1500],
        rawCoalescedMedian: 1500,
        httpOverRaw: 0.9,
        httpOverCeiling: 0.45,
        httpRequestP50Ms: 12.5,
        rawRequestP50Ms: 8,
        errors: 0,
      },
    ],
    ceiling: {
      median: 2000,
      records: 1000,
      averageValueBytes: 80,
      variants: [{ name: 'free', producerProps: 'acks=all', recordsPerSecond: [2000], median: 2000 }],
    },
  },
  latency: [],
  consumer: [],
  bundles: { rows: [], producerAlternatives: [] },
  resources: [{ process: 'Node', peakRssMiB: 300, note: 'all threads' }],
  goals: [{ goal: 'HTTP vs raw', target: '>= 70 %', measured: '90 %', met: true }],
};

describe('bench report', () => {
  it('renders a markdown table with escaped pipes and numbers aligned right', () => {
    // Act
    const table = renderTable(
      ['name', 'n'],
      [
        ['a|b', 1],
        ['c', 22],
      ],
    );

    // Assess
    expect(table.split('\n')).toEqual(['| name | n |', '|---|---:|', '| a\\|b | 1 |', '| c | 22 |']);
  });

  it('keeps the hand-written analysis of the previous BENCHMARKS.md across a re-run', () => {
    // Prepare
    const previous = renderReport(results, 'The producer spends its time in gzip.');

    // Act
    const analysis = extractAnalysis(previous);
    const next = renderReport(results, analysis);

    // Assess
    expect(analysis).toBe('The producer spends its time in gzip.');
    expect(next).toContain(`${ANALYSIS_BEGIN}\nThe producer spends its time in gzip.\n${ANALYSIS_END}`);
    expect(extractAnalysis('# no markers here')).toBeUndefined();
  });

  it('shows the ratios, the ceiling and the goals of the run', () => {
    // Act
    const markdown = renderReport(results);

    // Assess
    expect(markdown).toContain('| 100 | 4 | 900 | 1,000 | 1,500 | 90 % | 45 % | 12.5 ms | 8.0 ms | 50 % | 20.0 µs | 5.0 µs | 3 | 0 |');
    expect(markdown).toContain('| free | `acks=all` | 2,000 | 2,000 |');
    expect(markdown).toContain('| HTTP vs raw | >= 70 % | 90 % | met |');
    expect(markdown).toContain('No analysis written yet');
  });
});
