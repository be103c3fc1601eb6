import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { budgetErrors, duplicateIdErrors, noiseFloorOf, summaryOf } from './assemble.ts';
import { JSON_REPORT_FILE, readJsonReport } from './json.ts';
import { type AuditReport, type ReportPart, type RunCalibration } from '../model/report.ts';

/** A report to merge, and where it was read from. */
export interface LoadedReport {
  readonly file: string;
  readonly report: AuditReport;
}

/**
 * Reads one part for --merge-reports: a folder holding audit-report.json (a shard's --out) or the file
 * itself. Anything that is not a report of this schema version is a configuration error: merging it
 * could only give a report that is wrong.
 */
export function loadReport(path: string): LoadedReport {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, JSON_REPORT_FILE) : path;
  return { file, report: readJsonReport(file, '--merge-reports') };
}

/** The run settings every part must share: otherwise the verdicts were reached under different rules. */
const SHARED_SETTINGS = ['commit', 'seed', 'stepsOverride', 'horizonOverride', 'heapCapMb'] as const;

/** What makes the parts not one whole run: shards missing, repeated or from different splits; settings that differ. */
function partErrors(parts: readonly LoadedReport[], where: (file: string) => string): string[] {
  const errors: string[] = [];
  const shards = parts.map((p) => p.report.run.shard);
  if (shards.some((s) => s !== null)) {
    const counts = new Set(shards.map((s) => s?.count ?? 'none'));
    if (counts.size > 1) {
      errors.push(
        `the reports are not the shards of one run: ${parts.map((p, i) => `${where(p.file)} is ${shards[i] ? `shard ${shards[i]!.index}/${shards[i]!.count}` : 'not a shard'}`).join(', ')}`,
      );
    } else {
      const count = shards[0]!.count;
      const seen = new Map<number, string>();
      for (const [i, s] of shards.entries()) {
        const other = seen.get(s!.index);
        if (other !== undefined)
          errors.push(`shard ${s!.index}/${count} is given twice (${other}, ${where(parts[i]!.file)})`);
        seen.set(s!.index, where(parts[i]!.file));
      }
      const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
      if (missing.length > 0) {
        errors.push(
          `shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: the merged report lacks their audits (did that job fail before writing its report?)`,
        );
      }
    }
  }
  for (const key of SHARED_SETTINGS) {
    const values = new Set(parts.map((p) => JSON.stringify(p.report.run[key])));
    if (values.size > 1)
      errors.push(`the reports differ in run.${key} (${[...values].join(', ')}): they are not parts of one run`);
  }
  return errors;
}

/**
 * Builds the one report of a run from its parts (the shards' reports): every audit entry as its shard
 * judged and diagnosed it, in file order as an unsharded run lists them, and the run-wide facts
 * (noise floor, budgets refused, summary, run) computed again over the whole. What the whole run alone
 * can decide (the baseline comparison, the allowlist entries' fate) is left to the caller.
 */
export function mergeReports(parts: readonly LoadedReport[]): AuditReport {
  const where = (file: string): string => relative(process.cwd(), file);
  const first = parts[0]!.report;
  const entries = parts
    .flatMap((p) => p.report.audits)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const noiseFloor = noiseFloorOf(entries);
  const configErrors = [
    ...partErrors(parts, where),
    ...parts.flatMap((p) => p.report.summary.configErrors),
    ...duplicateIdErrors(entries, where),
    ...budgetErrors(entries, noiseFloor),
  ];
  const reportParts: ReportPart[] = parts.map(({ file, report }) => ({
    file: where(file),
    shard: report.run.shard,
    commit: report.run.commit,
    generatedAt: report.generatedAt,
    node: report.node,
    audits: report.audits.length,
    wallMs: report.run.wallMs,
    peakConcurrency: report.run.peakConcurrency,
  }));
  const runs = parts.map((p) => p.report.run);
  return {
    ...first,
    generatedAt: new Date().toISOString(),
    run: {
      ...first.run,
      jobs: Math.max(...runs.map((r) => r.jobs)),
      peakConcurrency: Math.max(...runs.map((r) => r.peakConcurrency)),
      heapsnapshotSignal: runs.some((r) => r.heapsnapshotSignal),
      interrupted: runs.find((r) => r.interrupted)?.interrupted ?? null,
      // 'none' only if no part diagnosed: an allowlist entry can then match nothing, and is not stale.
      diagnose: runs.some((r) => r.diagnose === 'all')
        ? 'all'
        : runs.every((r) => r.diagnose === 'none')
          ? 'none'
          : 'failing',
      shard: null,
      parts: reportParts,
      wallMs: Math.max(...runs.map((r) => r.wallMs)),
      analysisMs: runs.reduce((sum, r) => sum + r.analysisMs, 0),
    },
    noiseFloor,
    calibration: mergedCalibration(parts),
    summary: summaryOf(entries, configErrors),
    baseline: null,
    allowlist: null,
    audits: entries,
  };
}

/** Shards that each measured their part of the whole planted set measured it together; else the first's. */
function mergedCalibration(parts: readonly LoadedReport[]): RunCalibration | null {
  const first = parts[0]!.report.calibration ?? null;
  if (!parts.every((p) => p.report.calibration?.source === 'measured')) return first;
  const why = `the ${parts.length} shards measured the whole set`;
  return { source: 'measured', why, record: null, recordFile: null, sentinels: [] };
}
