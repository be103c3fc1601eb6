import { describe, expect, it } from 'vitest';
import { compareAudit, compareWithBaseline, WARMUP_REGRESSION_BYTES } from '../src/gate/baseline.ts';
import type { AuditEntry, AuditReport } from '../src/model/report.ts';

/** Only what the comparison reads: id, slope with its interval, warm-up. */
function audit(bytesPerUnit: number, ci: [number, number], warmupBytes = 0): AuditEntry {
  return {
    id: 'classical-legacy',
    slope: { bytesPerUnit, ci, unit: 'step' },
    warmup: { bytes: warmupBytes },
  } as unknown as AuditEntry;
}

describe('baseline comparison', () => {
  it('calls a slope regressed only when its interval is above the baseline one by more than the noise floor', () => {
    const regressed = compareAudit(audit(60, [55, 65]), audit(10, [8, 12]), 0.05);
    expect(regressed.change).toBe('regressed');
    expect(regressed.message).toMatch(/classical-legacy: heap slope regressed, 10\.0+ → 60\.0+ B\/step/);
    expect(compareAudit(audit(12, [10, 14]), audit(10, [8, 12]), 0.05).change).toBe('unchanged');
    // Separated intervals, but by less than the noise floor: not a regression.
    expect(compareAudit(audit(0.3, [0.25, 0.35]), audit(0.1, [0.05, 0.2]), 0.1).change).toBe('unchanged');
    expect(compareAudit(audit(10, [8, 12]), audit(60, [55, 65]), 0.05).change).toBe('improved');
  });

  it('calls a warm-up regressed when it grew by more than 1 MiB and by half', () => {
    const base = audit(0, [0, 0], 4 * WARMUP_REGRESSION_BYTES);
    expect(compareAudit(audit(0, [0, 0], 7 * WARMUP_REGRESSION_BYTES), base, 0).change).toBe('regressed');
    expect(compareAudit(audit(0, [0, 0], 5 * WARMUP_REGRESSION_BYTES), base, 0).change).toBe('unchanged');
  });

  it('allows the noise of the noisier of the two runs', () => {
    // The no-op audit on a quiet run against a baseline run on a noisier machine: not an improvement.
    const run = (ci: [number, number], floor: number): AuditReport =>
      ({
        noiseFloor: { heapBytesPerStep: floor },
        run: { commit: null },
        audits: [{ ...audit(ci[0], ci), id: 'noise-floor-no-op', workload: 'soak', verdict: 'pass' }],
      }) as unknown as AuditReport;
    const quiet = run([0, 4e-4], 4e-4);
    const noisy = run([0.037, 0.061], 0.061);
    expect(compareWithBaseline(quiet, noisy, 'main.json').comparisons[0]!.change).toBe('unchanged');
    expect(compareWithBaseline(noisy, quiet, 'main.json').comparisons[0]!.change).toBe('unchanged');
  });
});
