import { reportsBatchItemFailures, UnappliedRecordsError } from '../../../lambdas/consumer/whole-batch';

describe('a batch the mapping cannot be told about in part', () => {
  it('reads partial batch responses unless REPORT_BATCH_ITEM_FAILURES is false (on-demand pollers)', () => {
    // Act & Assess
    expect(reportsBatchItemFailures({})).toBe(true);
    expect(reportsBatchItemFailures({ REPORT_BATCH_ITEM_FAILURES: 'true' })).toBe(true);
    expect(reportsBatchItemFailures({ REPORT_BATCH_ITEM_FAILURES: 'false' })).toBe(false);
  });

  it('fails with the first unapplied record of each partition named', () => {
    // Act
    const error = new UnappliedRecordsError([
      { topicPartition: 'health-0', offset: 41 },
      { topicPartition: 'health-2', offset: 7 },
    ]);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnappliedRecordsError');
    expect(error.message).toMatch(/^2 partition\(s\) have unapplied records \(first health-0@41\)/);
    expect(error.unapplied).toHaveLength(2);
  });
});
