import { formatRate } from '../format.ts';
import {
  type BaselineComparison,
  type Change,
  type Comparison,
  type AuditEntry,
  type AuditReport,
} from '../model/report.ts';
import { readJsonReport } from '../report/json.ts';

/**
 * A warm-up counts as regressed when it grew by more than this many bytes and by more than
 * WARMUP_REGRESSION_RATIO: a one-time rise has no interval, and below 1 MiB it is harness and JIT noise
 * (PLATEAU_MIN_RISE_BYTES, AUDIT.md).
 */
export const WARMUP_REGRESSION_BYTES = 2 ** 20;
export const WARMUP_REGRESSION_RATIO = 1.5;

/** Reads a previous run's audit-report.json; a file that is not one is a configuration error. */
export function loadBaseline(file: string): AuditReport {
  return readJsonReport(file, '--baseline');
}

/**
 * Compares one audit with its baseline. The heap slope regressed when this run's whole interval lies
 * above the baseline's by more than the noise floor; improved in the mirror case. Otherwise the
 * intervals overlap (within noise): unchanged. The warm-up regressed by the rule above.
 */
export function compareAudit(current: AuditEntry, baseline: AuditEntry, noise: number): Comparison {
  const [low, high] = current.slope.ci;
  const [baseLow, baseHigh] = baseline.slope.ci;
  const unit = current.slope.unit;
  const slopes = `${formatRate(baseline.slope.bytesPerUnit)} → ${formatRate(current.slope.bytesPerUnit)} B/${unit}`;
  const warmupGrew =
    current.warmup.bytes - baseline.warmup.bytes > WARMUP_REGRESSION_BYTES &&
    current.warmup.bytes > WARMUP_REGRESSION_RATIO * baseline.warmup.bytes;
  let change: Change = 'unchanged';
  let message = `${current.id}: unchanged (heap slope ${slopes}, intervals overlap within the noise floor)`;
  if (low > baseHigh + noise) {
    change = 'regressed';
    message = `${current.id}: heap slope regressed, ${slopes} (interval [${formatRate(low)}, ${formatRate(high)}] above the baseline's [${formatRate(baseLow)}, ${formatRate(baseHigh)}] by more than the noise floor)`;
  } else if (warmupGrew) {
    change = 'regressed';
    message = `${current.id}: warm-up regressed, ${formatRate(baseline.warmup.bytes)} → ${formatRate(current.warmup.bytes)} bytes (heap slope ${slopes})`;
  } else if (high < baseLow - noise) {
    change = 'improved';
    message = `${current.id}: heap slope improved, ${slopes}`;
  }
  return {
    id: current.id,
    change,
    slope: { baseline: baseline.slope.bytesPerUnit, current: current.slope.bytesPerUnit, unit },
    warmup: { baseline: baseline.warmup.bytes, current: current.warmup.bytes },
    message,
  };
}

/**
 * Compares every audit present in both runs. The noise allowed is the larger of the two runs' noise
 * floors (0 when neither measured one): a slope that moved by less than either machine can resolve has
 * not changed. With this run's floor alone, a quiet run (floor 4e-4 B/step) called the no-op audit
 * itself "improved" against a baseline whose floor was 0.06 B/step.
 */
export function compareWithBaseline(report: AuditReport, baseline: AuditReport, file: string): BaselineComparison {
  const noise = Math.max(report.noiseFloor?.heapBytesPerStep ?? 0, baseline.noiseFloor?.heapBytesPerStep ?? 0);
  const before = new Map(baseline.audits.map((a) => [a.id, a]));
  const now = new Set(report.audits.map((a) => a.id));
  const comparisons = report.audits
    .filter((a) => before.has(a.id) && a.verdict !== 'error' && before.get(a.id)!.verdict !== 'error')
    .map((a) => compareAudit(a, before.get(a.id)!, a.workload === 'churn' ? 0 : noise));
  return {
    file,
    commit: baseline.run?.commit ?? null,
    comparisons,
    added: report.audits.filter((a) => !before.has(a.id)).map((a) => a.id),
    removed: baseline.audits.filter((a) => !now.has(a.id)).map((a) => a.id),
  };
}
