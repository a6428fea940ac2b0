import { bar, progressDisplay, type ProgressCounts } from '../../../../../local/tools/scenarios/progress';

const at = (elapsedMs: number, sent: number): ProgressCounts => ({ total: 100, sent, acknowledged: sent, rejected: 0, elapsedMs });

describe('load progress display', () => {
  it('redraws one line in place on a terminal', () => {
    // Prepare
    const out: string[] = [];
    const display = progressDisplay({ write: (t) => void out.push(t), tty: true, width: 10 });

    // Act
    display.update(at(1000, 50));
    display.update(at(1050, 55));
    display.done(at(2000, 100));

    // Assess
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^\r\[#####\.\.\.\.\.\] {2}50% 50\/100 sent {2}50 acknowledged {2}0 rejected {2}50 records\/s/);
    expect(out[1]).toMatch(/^\r\[##########\] 100% .*\n$/);
  });

  it('prints plain lines at most every interval when not on a terminal', () => {
    // Prepare
    const out: string[] = [];
    const display = progressDisplay({ write: (t) => void out.push(t), tty: false, plainIntervalMs: 5000 });

    // Act
    for (let ms = 0; ms <= 12_000; ms += 100) display.update(at(ms, Math.floor(ms / 120)));
    display.done(at(12_000, 100));

    // Assess
    expect(out).toHaveLength(4);
    expect(out.every((line) => !line.includes('\r') && line.endsWith('\n'))).toBe(true);
    expect(bar(0.333, 3)).toBe('[#..]  33%');
  });
});
