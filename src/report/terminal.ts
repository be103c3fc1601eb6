import { Chalk, type ChalkInstance } from 'chalk';
import { table } from 'table';
import { oneLine } from './escape.ts';
import { floorInAnotherShard, partOfRun } from './assemble.ts';
import { expectationMark, outputs, unmetEntries } from './sections.ts';
import type { AuditEntry, GatedReport } from '../model/report.ts';
import { formatBytes, formatCount, formatInterval, formatRateWithCi, recordedWhen } from '../format.ts';

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function terminalChalk(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  const enabled = stream.isTTY === true && !process.env['NO_COLOR'];
  return new Chalk({ level: enabled ? 1 : 0 });
}

function verdictCell(entry: AuditEntry, c: ChalkInstance): string {
  const text = entry.verdict.toUpperCase();
  return entry.verdict === 'pass' ? c.green(text) : entry.verdict === 'fail' ? c.red(text) : c.yellow(text);
}

function projectionCell(entry: AuditEntry): string {
  if (entry.verdict === 'error' && entry.samples.length < 2) return '-';
  const heap = formatBytes(entry.projection.heapBytes, true);
  const off =
    Math.abs(entry.projection.offHeapBytes) >= 1 ? ` (+off-heap ${formatBytes(entry.projection.offHeapBytes)})` : '';
  return `${heap}${off}`;
}

const colourOfMark = {
  '✓': (c: ChalkInstance) => c.green('✓'),
  '✗': (c: ChalkInstance) => c.red('✗'),
  '~': (c: ChalkInstance) => c.yellow('~'),
} as const;

/** Where the run's trust in its verdicts comes from, in one line; null for a report from before it was kept. */
function calibrationLine(report: GatedReport): string | null {
  const c = report.calibration;
  if (!c) return null;
  const planted = report.audits.filter((e) => e.role === 'calibration');
  const met = planted.filter((e) => e.expectationMet).length;
  if (c.source === 'none') return `Calibration: none (${c.why}).`;
  if (c.source === 'recorded' && c.record) {
    const all = c.record.subjects.length;
    return `Calibration: ${all}/${all} planted subjects as expected, recorded ${recordedWhen(c.record.recordedAt)}; the sentinels measured now ${met === planted.length ? 'agree' : 'disagree'} (${c.sentinels.join(', ')}). --calibrate measures the whole set.`;
  }
  return `Calibration: ${met}/${planted.length} planted subjects as expected, the whole set measured (${c.why})${c.record ? '; recorded for the next runs' : ''}.`;
}

/** The summary table: one row per audit, then the noise floor and the calibration tally. */
export function renderSummary(report: GatedReport, c: ChalkInstance): string {
  const rows = [
    [
      'audit',
      'workload',
      'steps',
      'warm-up',
      'heap slope B/unit [99% CI]',
      'off-heap B/unit',
      'at horizon',
      'verdict',
      'expected',
    ].map((h) => c.bold(h)),
  ];
  for (const e of report.audits) {
    const unit = e.slope.unit === 'step' ? '' : ` /${e.slope.unit}`;
    rows.push([
      e.id,
      e.workload === 'batch' ? `batch x${e.instances}` : e.workload,
      `${formatCount(e.steps)}${e.workload === 'churn' ? ' cyc' : ''}`,
      e.samples.length > 1
        ? `${formatBytes(e.warmup.bytes)} @ ${formatCount(Math.round(e.warmup.steps))}${e.plateau ? ' (plateau)' : ''}`
        : '-',
      e.samples.length > 1 ? `${formatRateWithCi(e.slope.bytesPerUnit, e.slope.ci)}${unit}` : '-',
      e.samples.length > 1 ? formatRateWithCi(e.offHeap.bytesPerUnit, e.offHeap.ci) : '-',
      projectionCell(e),
      verdictCell(e, c),
      `${e.expect} ${colourOfMark[expectationMark(e, report)](c)}`,
    ]);
  }
  const lines = [table(rows, { drawHorizontalLine: (i, n) => i === 0 || i === 1 || i === n })];
  const nf = report.noiseFloor;
  lines.push(
    nf
      ? `Noise floor (no-op audits): ${formatInterval(nf.heapCi)} B/step heap${nf.cycle ? `, ${formatInterval(nf.cycle.heapCi)} B/cycle` : ''}; budgets at or below the floor are refused.`
      : floorInAnotherShard(report)
        ? 'Noise floor: measured by another shard; budgets are checked against it when the shards are merged (--merge-reports).'
        : c.yellow('Noise floor: unknown (the no-op audit did not produce a slope).'),
  );
  const calibration = calibrationLine(report);
  if (calibration) lines.push(calibration);
  const written = outputs(report);
  if (written.length > 0) lines.push(`Subject output, kept out of the measured heap: ${oneLine(written.join('; '))}`);
  const { gate } = report;
  for (const e of unmetEntries(report)) {
    lines.push(c.red(`✗ ${e.id}: expected ${e.expect}, got ${e.verdict}. ${oneLine(e.reasons.join('; '))}`));
  }
  for (const e of report.audits.filter((a) => gate.accepted.includes(a.id))) {
    lines.push(c.yellow(`~ ${e.id}: ${e.verdict}, accepted by the allowlist. ${oneLine(e.reasons.join('; '))}`));
  }
  for (const message of gate.notRun) lines.push(c.red(`not run: ${oneLine(message)}`));
  const colour = gate.outcome === 'pass' ? c.green : gate.outcome === 'fail' ? c.red : c.yellow;
  const part = partOfRun(report);
  lines.push(
    `${colour(c.bold(gate.outcome.toUpperCase()))}: ${oneLine(gate.why)}, in ${(report.run.wallMs / 1000).toFixed(1)} s${part ? ` (${part})` : ''}.`,
  );
  return lines.join('\n');
}
