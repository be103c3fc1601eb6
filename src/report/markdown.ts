import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes, formatCount, formatInterval, formatRate, formatRateWithCi } from '../format.ts';
import { findings, type Finding } from './findings.ts';
import type { AuditEntry, AuditReport } from './json.ts';
import { score } from './score.ts';

export const MARKDOWN_REPORT_FILE = 'audit-report.md';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

/** The measured growth from the first reading to the last, bytes. */
export function totalGrowth(e: AuditEntry): number {
  const first = e.samples[0];
  const last = e.samples.at(-1);
  return first && last ? last.heapUsed - first.heapUsed : 0;
}

function rate(e: AuditEntry): string {
  return e.samples.length < 2 ? '-' : formatRateWithCi(e.slope.bytesPerUnit, e.slope.ci);
}

function verdictWord(e: AuditEntry): string {
  return e.verdict.toUpperCase();
}

function summaryLine(e: AuditEntry): string {
  const mark = e.verdict === 'pass' ? '✓' : e.verdict === 'fail' ? '✗' : '?';
  const unit = e.slope.unit;
  if (e.verdict === 'error') return `- ${mark} **${e.id}**: ERROR, ${e.error?.kind}: ${e.error?.message}`;
  const growth = `${formatRate(e.slope.bytesPerUnit)} B/${unit}, ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}`;
  const extra = e.offHeap.verdict === 'fail' ? `; off-heap ${formatRate(e.offHeap.bytesPerUnit)} B/${unit}` : '';
  return `- ${mark} **${e.id}**: ${verdictWord(e)}, heap ${growth}${extra}`;
}

function findingLines(list: readonly Finding[]): string {
  if (list.length === 0) return 'None.';
  return list
    .map((f) => `- **${f.auditId}**: ${f.what}.\n  - retained by: ${f.retainedBy}\n  - fix: ${f.suggestion}`)
    .join('\n');
}

/**
 * The audit report in the structure of the CA-02 report: header, executive summary with a score,
 * score breakdown, a table per subject, findings by priority, calibration, method. Every number comes
 * from the JSON report it is rendered from.
 */
export function renderMarkdown(report: AuditReport): string {
  const subjects = report.audits.filter((e) => e.role === 'subject');
  const planted = report.audits.filter((e) => e.role !== 'subject');
  const s = score(report.audits);
  const failing = subjects.filter((e) => e.verdict !== 'pass');
  const overall = report.audits.some((e) => e.verdict === 'error')
    ? 'ERROR'
    : failing.length === 0
      ? 'PASS'
      : 'FAIL';
  const trusted = planted.every((e) => e.expectationMet);
  const nf = report.noiseFloor;
  const m = report.machine;
  const all = findings(report.audits);
  const out: string[] = [];
  out.push('# Memory audit report', '');
  out.push(
    table(
      ['', ''],
      [
        ['Date', report.generatedAt],
        ['Commit', report.run.commit ?? 'not a git checkout'],
        ['Node / V8', `${report.node} / ${report.v8}`],
        ['Machine', `${m.platform} ${m.arch}, ${m.cpus} cores (${m.cpuModel}), ${formatBytes(m.memoryBytes)}`],
        ['Steps', report.run.stepsOverride !== null ? `${formatCount(report.run.stepsOverride)} planned per soak (--steps)` : 'each audit its own (1 M planned by default); the sequential rule stops a run once its verdict is certain'],
        ['Horizon', report.run.horizonOverride ?? '10 h at 100 Hz x 50 instances (soak, batch); 100 000 lifecycles (churn)'],
        ['Noise floor', nf ? `${formatRate(nf.heapBytesPerStep)} B/step (no-op audit, 99 % interval ${formatInterval(nf.heapCi)})` : 'unknown: the no-op audit gave no slope'],
      ],
    ),
    '',
  );
  out.push('## Executive summary', '');
  out.push(
    `**Overall: ${overall}.** ${subjects.length - failing.length} of ${subjects.length} audited subjects stay within budget. ` +
      `**Score: ${s.total.toFixed(1)}/100.** ` +
      (trusted
        ? `Calibration: all ${planted.length} planted subjects got the verdict their truth predicts, so these verdicts can be trusted on this machine.`
        : `**Calibration failed**: ${planted.filter((e) => !e.expectationMet).map((e) => e.id).join(', ')} did not get the verdict their truth predicts; do not trust this run's verdicts.`),
    '',
  );
  out.push(...subjects.map(summaryLine), '');
  out.push('## Score', '');
  out.push(
    table(
      ['category', 'weight', 'measured', 'points'],
      [
        ...s.categories.map((c) => [
          c.name,
          String(c.weight),
          c.applicable ? `${c.passed}/${c.applicable} ${c.basis}` : `n/a (no ${c.basis}); weight not counted`,
          c.applicable ? c.points.toFixed(1) : '-',
        ]),
        ['**total**', String(s.weightCounted), `points x 100 / ${s.weightCounted}`, `**${s.total.toFixed(1)}**`],
      ],
    ),
    '',
  );
  out.push('## Subjects', '');
  out.push(
    table(
      ['audit', 'workload', 'steps', 'warm-up', 'slope B/unit [99% CI]', 'KB/unit', 'total growth', 'at horizon', 'off-heap B/unit', 'verdict', 'expected'],
      report.audits.map((e) => [
        e.id,
        e.workload === 'batch' ? `batch x${e.instances}` : e.workload,
        `${formatCount(e.steps)}${e.workload === 'churn' ? ' cycles' : ''}`,
        e.samples.length > 1 ? `${formatBytes(e.warmup.bytes)} by ${formatCount(Math.round(e.warmup.steps))}${e.plateau ? ' (plateau)' : ''}` : '-',
        `${rate(e)}${e.slope.unit === 'step' ? '' : ` per ${e.slope.unit}`}`,
        e.samples.length > 1 ? (e.slope.bytesPerUnit / 1024).toFixed(4) : '-',
        formatBytes(totalGrowth(e), true),
        e.samples.length > 1 ? `${formatBytes(e.projection.heapBytes, true)} (${e.projection.horizon})` : '-',
        e.samples.length > 1 ? formatRate(e.offHeap.bytesPerUnit) : '-',
        verdictWord(e),
        `${e.expect} ${e.expectationMet ? '✓' : '✗'}`,
      ]),
    ),
    '',
  );
  out.push('## Findings', '');
  for (const [priority, title] of [
    ['P0', 'P0: fails its budget'],
    ['P1', 'P1: grows within budget, or leaves a handle behind'],
    ['P2', 'P2: worth a look'],
  ] as const) {
    out.push(`### ${title}`, '', findingLines(all.filter((f) => f.priority === priority)), '');
  }
  out.push('## Calibration', '');
  out.push(
    table(
      ['planted subject', 'truth', 'verdict', 'result'],
      planted.map((e) => [
        e.id,
        e.expect,
        verdictWord(e),
        e.expectationMet ? (e.expect === 'leak' ? 'caught' : 'passed (no false alarm)') : e.expect === 'leak' ? '**missed**' : '**false alarm**',
      ]),
    ),
    '',
  );
  out.push('## Method', '');
  out.push(
    'Each audit ran in its own `--expose-gc` process; after every window of steps, two forced GCs and a ' +
      'reading of `process.memoryUsage()`. The warm-up is cut by MSER on line residuals; the steady slope is ' +
      'Theil–Sen with a 99 % distribution-free interval, judged against the budget for heap and off-heap ' +
      'separately. See [AUDIT.md](../AUDIT.md) for the method and every threshold. Constants used in this run:',
    '',
    Object.entries(report.constants).map(([k, v]) => `\`${k}\` = ${v}`).join(', '),
    '',
  );
  return out.join('\n');
}

export function writeMarkdownReport(report: AuditReport, outDir: string): string {
  const path = join(outDir, MARKDOWN_REPORT_FILE);
  writeFileSync(path, renderMarkdown(report));
  return path;
}
