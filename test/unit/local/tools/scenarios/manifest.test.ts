import {
  inRanges,
  manifestFile,
  readManifest,
  RunNotFoundError,
  sentAtOf,
  toRanges,
  writeManifest,
  type RunManifest,
} from '../../../../../local/tools/scenarios/manifest';
import { tempDirPerTest } from '../../../../support/temp-dir';

describe('run manifests', () => {
  const dir = tempDirPerTest('fluxo-runs-');

  it('keeps acknowledged indices as half-open ranges, whatever their order', () => {
    // Act
    const ranges = toRanges([5, 0, 1, 2, 9, 6, 2]);

    // Assess
    expect(ranges).toEqual([
      [0, 3],
      [5, 7],
      [9, 10],
    ]);
    expect([0, 2, 3, 4, 6, 7, 9].map((i) => inRanges(ranges, i))).toEqual([true, true, false, false, true, false, true]);
  });

  it('reads back what a run wrote, under the scenario and seed', () => {
    // Prepare
    const manifest: RunManifest = {
      scenario: 'health',
      seed: 7,
      count: 3,
      start: 1_763_776_800_000,
      sentAt: [0, 5, 12],
      prefix: '',
      url: 'http://127.0.0.1:3000',
      producers: 4,
      rate: 200,
      durationSeconds: 0.015,
      batch: 1,
      startedAt: '2025-11-22T02:00:00.000Z',
      finishedAt: '2025-11-22T02:00:01.000Z',
      interrupted: false,
      acknowledged: [[0, 3]],
      rejected: 0,
      unanswered: 0,
    };

    // Act
    const file = writeManifest(manifest, dir());

    // Assess
    expect(file).toBe(manifestFile('health', 7, dir()));
    expect(file.endsWith('health-7.json')).toBe(true);
    expect(readManifest('health', 7, dir())).toEqual(manifest);
  });

  it('tells when each record was sent from the send instant of its batch', () => {
    // Prepare: batches of two; the third batch was never sent
    const run = { start: 1000, batch: 2, sentAt: [0, 40, null] };

    // Act / Assess
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => sentAtOf(run, i))).toEqual([1000, 1000, 1040, 1040, undefined, undefined, undefined]);
  });

  it('says to run the load first when there is no manifest for the seed', () => {
    // Act / Assess
    expect(() => readManifest('ticks', 99, dir())).toThrow(RunNotFoundError);
    expect(() => readManifest('ticks', 99, dir())).toThrow(/run `fluxo load` with the same scenario and --seed first/);
  });
});
