import { join } from 'node:path';
import type { BaselineComparison, AuditReport, GatedReport } from '../model/report.ts';
import { diagnosisContent } from './diagnosis-section.ts';
import { markdownCell, markdownCode, markdownInline } from './escape.ts';
import type { Advice } from './advice.ts';
import { METHOD_TEXT, PRIORITY_TITLES, reportContent, summaryLine, type Table } from './sections.ts';
import { writeAtomically } from './write-file.ts';

export const MARKDOWN_REPORT_FILE = 'audit-report.md';

// Subject text (names, error messages, heap property names) is escaped where it is put in: one line,
// no raw HTML, pipes escaped in cells, backticks fenced in code.
const md = markdownInline;
const code = markdownCode;
const row = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
function table({ header, rows }: Table, boldLastRow = false): string {
  const body = rows.map((r, i) => (boldLastRow && i === rows.length - 1 ? r.map((c) => `**${c}**`) : r));
  return [row(header), row(header.map(() => '---')), ...body.map(row)].join('\n');
}

function findingLines(list: readonly Advice[]): string {
  if (list.length === 0) return 'None.';
  return list
    .map(
      (f) =>
        `- **${md(f.auditId)}**: ${md(f.what)}.\n  - retained by: ${md(f.retainedBy)}\n  - fix: ${md(f.suggestion)}`,
    )
    .join('\n');
}

/** Every diagnosed audit: each finding with its path, rate, evidence and signature (for the allowlist). */
function diagnosisLines(report: AuditReport): string[] {
  const d = diagnosisContent(report);
  const out: string[] = [d.intro, ''];
  if (d.none) out.push(d.none);
  for (const a of d.audits) {
    out.push(`- **${md(a.id)}** (${md(a.summary)})`);
    if (a.nothing) out.push(`  - ${md(a.nothing)}`);
    for (const f of a.items) {
      out.push(
        `  - ${f.kind} **${md(f.what)}** at ${code(f.path)}: ${md(f.rate)}. ${md(f.suggestion)} Signature: ${code(f.signature)}${f.accepted ? ` **${md(f.accepted)}**` : ''}`,
      );
    }
    if (a.sitesTitle) out.push(`  - ${md(a.sitesTitle)}`, ...a.sites.map((s) => `    - ${code(s.fn)} ${md(s.text)}`));
  }
  if (d.allowlist) {
    out.push('', `Allowlist ${code(d.allowlist.file)}:`, '');
    if (d.allowlist.entries.length === 0) out.push('- no entries');
    for (const e of d.allowlist.entries)
      out.push(`- ${e.status === 'matched' ? 'matched' : `**${e.status}**`}: ${code(e.signature)} (${md(e.text)})`);
  }
  return out;
}

/** Regressions first, then improvements, then the unchanged count; new and removed audits. */
function baselineLines(b: BaselineComparison): string[] {
  const out = [`Baseline ${code(b.file)}${b.commit ? ` (commit ${md(b.commit)})` : ''}.`, ''];
  const by = (change: string) => b.comparisons.filter((c) => c.change === change);
  for (const c of by('regressed')) out.push(`- **regressed**: ${md(c.message)}`);
  for (const c of by('improved')) out.push(`- improved: ${md(c.message)}`);
  out.push(`- unchanged: ${by('unchanged').length} audit${by('unchanged').length === 1 ? '' : 's'}`);
  if (b.added.length) out.push(`- new (not in the baseline): ${b.added.join(', ')}`);
  if (b.removed.length) out.push(`- removed (only in the baseline): ${b.removed.join(', ')}`);
  return out;
}

const MARK = { pass: '✓', fail: '✗', inconclusive: '?', error: '✗' } as const;

/**
 * The audit report in the structure of the CA-02 report: header, executive summary with a score,
 * score breakdown, a table per subject, findings by priority, calibration, method. Every number comes
 * from the JSON report it is rendered from.
 */
export function renderMarkdown(report: GatedReport): string {
  const c = reportContent(report);
  const out: string[] = ['# Memory audit report', ''];
  out.push(table({ header: ['', ''], rows: c.header }), '');
  out.push('## Executive summary', '');
  out.push(
    `**Overall: ${c.overall}.** ${md(c.why)}. ${c.withinBudget} ` +
      `**Score: ${c.score.total.toFixed(1)}/100.** ` +
      c.calibrationNote.replace(/^Calibration failed:/, '**Calibration failed**:'),
    '',
  );
  if (c.notRun.length) out.push('**Did not run:**', '', ...c.notRun.map((m) => `- ${md(m)}`), '');
  out.push(
    ...c.subjects.map((e) => `- ${MARK[e.verdict]} **${md(e.id)}**: ${md(summaryLine(e).slice(e.id.length + 2))}`),
    '',
  );
  out.push('## Score', '', table(c.scoreTable, true), '');
  out.push('## Subjects', '', table(c.subjectTable), '');
  out.push('## Findings', '');
  for (const [priority, title] of PRIORITY_TITLES) {
    out.push(`### ${title}`, '', findingLines(c.advice.filter((f) => f.priority === priority)), '');
  }
  out.push('## Diagnosis', '', ...diagnosisLines(report), '');
  if (report.baseline) out.push('## Compared with the baseline', '', ...baselineLines(report.baseline), '');
  const calibration = {
    ...c.calibrationTable,
    rows: c.calibrationTable.rows.map((r) =>
      r.map((v, i) => (i === 3 && (v === 'missed' || v === 'false alarm') ? `**${v}**` : v)),
    ),
  };
  out.push('## Calibration', '', table(calibration), '');
  out.push('## Method', '', `${METHOD_TEXT} See [AUDIT.md](../AUDIT.md). Constants used in this run:`, '');
  out.push(
    Object.entries(report.constants)
      .map(([k, v]) => `\`${k}\` = ${v}`)
      .join(', '),
    '',
  );
  return out.join('\n');
}

export function writeMarkdownReport(report: GatedReport, outDir: string): string {
  const path = join(outDir, MARKDOWN_REPORT_FILE);
  return writeAtomically(path, renderMarkdown(report));
}
