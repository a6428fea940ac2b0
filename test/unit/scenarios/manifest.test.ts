import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inRanges, manifestFile, readManifest, RunNotFoundError, toRanges, writeManifest, type RunManifest } from '../../../local/scenarios/manifest';

describe('run manifests', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fluxo-runs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
      scenario: 'health', seed: 7, count: 3, start: 1_763_776_800_000, spacingMs: 5, prefix: '', url: 'http://127.0.0.1:3000', producers: 4, rate: 200,
      durationSeconds: 0.015, batch: 1, startedAt: '2025-11-22T02:00:00.000Z', finishedAt: '2025-11-22T02:00:01.000Z', interrupted: false, acknowledged: [[0, 3]], rejected: 0, unanswered: 0,
    };

    // Act
    const file = writeManifest(manifest, dir);

    // Assess
    expect(file).toBe(manifestFile('health', 7, dir));
    expect(file.endsWith('health-7.json')).toBe(true);
    expect(readManifest('health', 7, dir)).toEqual(manifest);
  });

  it('says to run the load first when there is no manifest for the seed', () => {
    // Act / Assess
    expect(() => readManifest('ticks', 99, dir)).toThrow(RunNotFoundError);
    expect(() => readManifest('ticks', 99, dir)).toThrow(/run `fluxo load` with the same scenario and --seed first/);
  });
});
