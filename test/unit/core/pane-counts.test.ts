import { applyPaneCounts, keepsPaneCounts, MAX_PANE_COUNTS_BYTES, type PaneCountEntry, type PaneRef } from '../../../core/pane-counts';

const ref: PaneRef = { consumer: 'hashtags', start: 30_000, end: 60_000, expiresAt: 2_592_060 };
const entry = (groupKey: string, off: number, tp = 'tweets-0'): PaneCountEntry => ({ groupKey, tp, off });

describe('applyPaneCounts', () => {
  it('counts each entry once per key and keeps the keys, the watermark and a version', () => {
    // Act
    const item = applyPaneCounts(undefined, ref, [entry('kafka', 3), entry('aws', 3), entry('kafka', 4), entry('kafka', 0, 'tweets-1')]);

    // Assess
    expect(item).toEqual({
      pk: 'RANK#hashtags',
      sk: '000000000030000',
      kind: 'paneCounts',
      consumer: 'hashtags',
      paneStart: 30_000,
      paneEnd: 60_000,
      counts: { kafka: 3, aws: 1 },
      wm: { 'tweets-0': 4, 'tweets-1': 0 },
      version: 1,
      expiresAt: 2_592_060,
    });
  });

  it('adds nothing for a record its watermark covers: a redelivered batch changes nothing, an overlapping one adds only what is new', () => {
    // Prepare
    const first = applyPaneCounts(undefined, ref, [entry('kafka', 3), entry('aws', 3), entry('kafka', 4)])!;

    // Act
    const again = applyPaneCounts(first, ref, [entry('kafka', 3), entry('aws', 3), entry('kafka', 4)]);
    const overlapping = applyPaneCounts(first, ref, [entry('kafka', 4), entry('aws', 5), entry('msk', 5)])!;

    // Assess
    expect(again).toBeUndefined();
    expect(overlapping.counts).toEqual({ kafka: 2, aws: 2, msk: 1 });
    expect(overlapping.wm).toEqual({ 'tweets-0': 5 });
    expect(overlapping.version).toBe(2);
  });

  it('stops counting once the counts would outgrow the item size bound, and keeps the watermark', () => {
    // Prepare: keys of 1,000 bytes each
    const keys = Array.from(
      { length: Math.ceil(MAX_PANE_COUNTS_BYTES / 1_000) + 1 },
      (_, n) => `${String(n).padStart(4, '0')}${'k'.repeat(996)}`,
    );

    // Act
    const item = applyPaneCounts(
      undefined,
      ref,
      keys.map((key, n) => entry(key, n)),
    )!;
    const later = applyPaneCounts(item, ref, [entry('kafka', keys.length)])!;

    // Assess
    expect(item.overflow).toBe(true);
    expect(item.counts).toEqual({});
    expect(later).toMatchObject({ overflow: true, counts: {}, wm: { 'tweets-0': keys.length }, version: 2 });
  });
});

describe('keepsPaneCounts', () => {
  it('is kept by consumers whose keys come from the records', () => {
    expect(keepsPaneCounts({ kind: 'each', field: 'hashtags' })).toBe(true);
    expect(keepsPaneCounts({ kind: 'field', field: 'ticker' })).toBe(true);
    expect(keepsPaneCounts({ kind: 'topic' })).toBe(false);
    expect(keepsPaneCounts({ kind: 'constant', key: 'all' })).toBe(false);
  });
});
