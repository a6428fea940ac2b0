import { randomBytes } from 'node:crypto';
import {
  applyPaneCounts,
  decodePaneCounts,
  keepsPaneCounts,
  MAX_PANE_COUNTS_BYTES,
  type PaneCountEntry,
  type PaneRef,
} from '../../../core/pane-counts';

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
      counts: expect.any(Uint8Array),
      keys: 2,
      wm: { 'tweets-0': 4, 'tweets-1': 0 },
      version: 1,
      expiresAt: 2_592_060,
    });
    expect(decodePaneCounts(item!)).toEqual({ kafka: 3, aws: 1 });
  });

  it('adds nothing for a record its watermark covers: a redelivered batch changes nothing, an overlapping one adds only what is new', () => {
    // Prepare
    const first = applyPaneCounts(undefined, ref, [entry('kafka', 3), entry('aws', 3), entry('kafka', 4)])!;

    // Act
    const again = applyPaneCounts(first, ref, [entry('kafka', 3), entry('aws', 3), entry('kafka', 4)]);
    const overlapping = applyPaneCounts(first, ref, [entry('kafka', 4), entry('aws', 5), entry('msk', 5)])!;

    // Assess
    expect(again).toBeUndefined();
    expect(decodePaneCounts(overlapping)).toEqual({ kafka: 2, aws: 2, msk: 1 });
    expect(overlapping.wm).toEqual({ 'tweets-0': 5 });
    expect(overlapping.version).toBe(2);
  });

  it('stops counting once the compressed counts would outgrow the item size bound, and keeps the watermark', () => {
    // Prepare: keys of 1,000 hex characters from 500 random bytes each, which no compression shrinks below 500 bytes
    const keys = Array.from({ length: Math.ceil(MAX_PANE_COUNTS_BYTES / 500) + 1 }, () => randomBytes(500).toString('hex'));

    // Act
    const item = applyPaneCounts(
      undefined,
      ref,
      keys.map((key, n) => entry(key, n)),
    )!;
    const later = applyPaneCounts(item, ref, [entry('kafka', keys.length)])!;

    // Assess
    expect(item).toMatchObject({ overflow: true, keys: 0 });
    expect(item.counts).toBeUndefined();
    expect(decodePaneCounts(item)).toEqual({});
    expect(later).toMatchObject({ overflow: true, wm: { 'tweets-0': keys.length }, version: 2 });
    expect(later.counts).toBeUndefined();
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
