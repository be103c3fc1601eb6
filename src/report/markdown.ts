import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes, formatRate } from '../format.ts';
import type { Finding } from './findings.ts';
import type { AuditReport } from './json.ts';
import { METHOD_TEXT, PRIORITY_TITLES, reportContent, summaryLine, type Table } from './sections.ts';

export const MARKDOWN_REPORT_FILE = 'audit-report.md';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
function table({ header, rows }: Table, boldLastRow = false): string {
  const body = rows.map((r, i) => (boldLastRow && i === rows.length - 1 ? r.map((c) => `**${c}**`) : r));
  return [row(header), row(header.map(() => '---')), ...body.map(row)].join('\n');
}

function findingLines(list: readonly Finding[]): string {
  if (list.length === 0) return 'None.';
  return list
    .map((f) => `- **${f.auditId}**: ${f.what}.\n  - retained by: ${f.retainedBy}\n  - fix: ${f.suggestion}`)
    .join('\n');
}

/** Every diagnosed audit: each finding with its path, rate, evidence and signature (for the allowlist). */
function diagnosisLines(report: AuditReport): string[] {
  const diagnosed = report.audits.filter((e) => e.diagnosis);
  if (diagnosed.length === 0) return ['No audit was diagnosed (only failing audits are, unless --diagnose; --no-diagnose skips it).'];
  const out: string[] = [];
  for (const e of diagnosed) {
    const d = e.diagnosis!;
    const snapshots = d.snapshots.map((s) => `${s.units.toLocaleString('en')} ${e.slope.unit}s (${formatBytes(s.bytes)})`).join(', ');
    out.push(`- **${e.id}** (${d.status}${d.note ? `: ${d.note}` : ''}; snapshots at ${snapshots || 'none'}; ${(d.ms / 1000).toFixed(1)} s)`);
    if (d.findings.length === 0 && d.status === 'done') out.push(`  - nothing grows in proportion to the ${e.slope.unit}s run`);
    for (const f of d.findings) {
      const count = `${f.growthPerUnit.countEstimated ? '~' : ''}${formatRate(f.growthPerUnit.count)}`;
      out.push(
        `  - ${f.kind} **${f.what}** at \`${f.retainerPath}\`: +${count} ${f.kind === 'constructor' ? 'instances' : 'elements'}/${e.slope.unit}, ${formatRate(f.growthPerUnit.bytes)} B/${e.slope.unit} ` +
          `(${f.evidence.map((x) => `${x.count.toLocaleString('en')} at ${x.units.toLocaleString('en')}`).join(' → ')}). ${f.suggestion} Signature: \`${f.signature}\`` +
          (f.accepted ? ` **Accepted** by the allowlist until ${f.accepted.expires} (${f.accepted.owner}: ${f.accepted.reason}).` : ''),
      );
    }
    if (d.allocationSites?.length) {
      out.push(`  - allocated by (live bytes sampled from the first snapshot to the last; profile \`${d.profileFile}\`):`);
      for (const site of d.allocationSites.slice(0, 5)) {
        out.push(`    - \`${site.function}\` at ${site.location}: ${formatBytes(site.bytes)}, ${formatRate(site.bytesPerUnit)} B/${e.slope.unit}`);
      }
    }
  }
  if (report.allowlist) {
    out.push('', `Allowlist \`${report.allowlist.file}\`:`, '');
    if (report.allowlist.entries.length === 0) out.push('- no entries');
    for (const e of report.allowlist.entries) out.push(`- ${e.status === 'matched' ? 'matched' : `**${e.status}**`}: \`${e.signature}\` (${e.owner}, until ${e.expires}: ${e.reason})`);
  }
  return out;
}

const MARK = { pass: '✓', fail: '✗', inconclusive: '?', error: '✗' } as const;

/**
 * The audit report in the structure of the CA-02 report: header, executive summary with a score,
 * score breakdown, a table per subject, findings by priority, calibration, method. Every number comes
 * from the JSON report it is rendered from.
 */
export function renderMarkdown(report: AuditReport): string {
  const c = reportContent(report);
  const out: string[] = ['# Memory audit report', ''];
  out.push(table({ header: ['', ''], rows: c.header }), '');
  out.push('## Executive summary', '');
  out.push(
    `**Overall: ${c.overall}.** ${c.subjectsWithinBudget} of ${c.subjects.length} audited subjects stay within budget. ` +
      `**Score: ${c.score.total.toFixed(1)}/100.** ` +
      (c.trusted
        ? `Calibration: all ${c.planted.length} planted subjects got the verdict their truth predicts, so these verdicts can be trusted on this machine.`
        : `**Calibration failed**: ${c.planted.filter((e) => !e.expectationMet).map((e) => e.id).join(', ')} did not get the verdict their truth predicts; do not trust this run's verdicts.`),
    '',
  );
  out.push(...c.subjects.map((e) => `- ${MARK[e.verdict]} ${summaryLine(e).replace(/^([^:]+):/, '**$1**:')}`), '');
  out.push('## Score', '', table(c.scoreTable, true), '');
  out.push('## Subjects', '', table(c.subjectTable), '');
  out.push('## Findings', '');
  for (const [priority, title] of PRIORITY_TITLES) {
    out.push(`### ${title}`, '', findingLines(c.findings.filter((f) => f.priority === priority)), '');
  }
  out.push('## Diagnosis', '', 'What grows between heap snapshots taken in a separate run, and the shortest path that retains it.', '', ...diagnosisLines(report), '');
  const calibration = {
    ...c.calibrationTable,
    rows: c.calibrationTable.rows.map((r) => r.map((v, i) => (i === 3 && (v === 'missed' || v === 'false alarm') ? `**${v}**` : v))),
  };
  out.push('## Calibration', '', table(calibration), '');
  out.push('## Method', '', `${METHOD_TEXT} See [AUDIT.md](../AUDIT.md). Constants used in this run:`, '');
  out.push(Object.entries(report.constants).map(([k, v]) => `\`${k}\` = ${v}`).join(', '), '');
  return out.join('\n');
}

export function writeMarkdownReport(report: AuditReport, outDir: string): string {
  const path = join(outDir, MARKDOWN_REPORT_FILE);
  writeFileSync(path, renderMarkdown(report));
  return path;
}
