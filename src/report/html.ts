import { join } from 'node:path';
import type { AuditReport } from '../model/report.ts';
import { memoryPlot } from './plot.ts';
import { diagnosisContent } from './diagnosis-section.ts';
import { METHOD_TEXT, PRIORITY_TITLES, reportContent, summaryLine, type Table } from './sections.ts';
import { escapeMarkup } from './escape.ts';
import { writeAtomically } from './write-file.ts';

export const HTML_REPORT_FILE = 'audit-report.html';

function table({ header, rows }: Table, className: string, boldLastRow = false): string {
  const head = `<thead><tr>${header.map((h) => `<th>${escapeMarkup(h)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map(
      (r, i) =>
        `<tr${boldLastRow && i === rows.length - 1 ? ' class="total"' : ''}>${r.map((c) => `<td>${escapeMarkup(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table class="${className}">${head}<tbody>\n${body}\n</tbody></table></div>`;
}

/** Small, readable on a phone (tables scroll sideways, plots scale) and in print (no colour needed). */
const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 72rem; color: #111; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; } th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
tr.total { font-weight: bold; }
.verdict-PASS { color: #15803d; } .verdict-FAIL, .verdict-ERROR { color: #b91c1c; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; } svg.plot { width: 100%; height: auto; border: 1px solid #eee; }
@media print { .plots { display: block; } figure { break-inside: avoid; margin-bottom: 1rem; } }
`;

function diagnosisHtml(report: AuditReport): string {
  const d = diagnosisContent(report);
  const code = (text: string) => `<code>${escapeMarkup(text)}</code>`;
  const audits = d.audits.map((a) => {
    const items = [
      ...(a.nothing ? [`<li>${escapeMarkup(a.nothing)}</li>`] : []),
      ...a.items.map(
        (f) =>
          `<li>${escapeMarkup(f.kind)} <strong>${escapeMarkup(f.what)}</strong> at ${code(f.path)}: ${escapeMarkup(f.rate)}. ${escapeMarkup(f.suggestion)} Signature: ${code(f.signature)}` +
          `${f.accepted ? ` <strong>${escapeMarkup(f.accepted)}</strong>` : ''}</li>`,
      ),
      ...(a.sitesTitle
        ? [
            `<li>${escapeMarkup(a.sitesTitle)}<ul>${a.sites.map((s) => `<li>${code(s.fn)} ${escapeMarkup(s.text)}</li>`).join('')}</ul></li>`,
          ]
        : []),
    ];
    return `<li><strong>${escapeMarkup(a.id)}</strong> (${escapeMarkup(a.summary)})<ul>${items.join('\n')}</ul></li>`;
  });
  const allowlist = d.allowlist
    ? `<p>Allowlist ${code(d.allowlist.file)}:</p><ul>${d.allowlist.entries.map((e) => `<li>${escapeMarkup(e.status)}: ${code(e.signature)} (${escapeMarkup(e.text)})</li>`).join('\n') || '<li>no entries</li>'}</ul>`
    : '';
  return `<p>${escapeMarkup(d.intro)}</p>\n${d.none ? `<p>${escapeMarkup(d.none)}</p>` : `<ul class="diagnosis">${audits.join('\n')}</ul>`}\n${allowlist}`;
}

/**
 * The report as one self-contained HTML page: no scripts, no network, inline CSS and SVG plots of
 * memory against steps for every audit, with the same tables as the Markdown report.
 */
export function renderHtml(report: AuditReport): string {
  const c = reportContent(report);
  const summary = c.subjects
    .map((e) => `<li class="verdict-${e.verdict.toUpperCase()}">${escapeMarkup(summaryLine(e))}</li>`)
    .join('\n');
  const findings = PRIORITY_TITLES.map(([priority, title]) => {
    const list = c.findings.filter((f) => f.priority === priority);
    const items = list.length
      ? `<ul>${list.map((f) => `<li><strong>${escapeMarkup(f.auditId)}</strong>: ${escapeMarkup(f.what)}.<br>retained by: ${escapeMarkup(f.retainedBy)}<br>fix: ${escapeMarkup(f.suggestion)}</li>`).join('\n')}</ul>`
      : '<p>None.</p>';
    return `<h3>${escapeMarkup(title)}</h3>\n${items}`;
  }).join('\n');
  const plots = report.audits
    .map(
      (e) =>
        `<figure>${memoryPlot(e)}<figcaption>${escapeMarkup(e.id)}: <span class="verdict-${e.verdict.toUpperCase()}">${e.verdict.toUpperCase()}</span></figcaption></figure>`,
    )
    .join('\n');
  const diagnosis = diagnosisHtml(report);
  const notRun = c.notRun.length
    ? `<p class="not-run"><strong>Did not run:</strong></p>\n<ul class="not-run">\n${c.notRun.map((m) => `<li>${escapeMarkup(m)}</li>`).join('\n')}\n</ul>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Memory audit report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Memory audit report</h1>
${table({ header: ['', ''], rows: c.header }, 'header')}
<h2>Executive summary</h2>
<p><strong id="overall" class="verdict-${c.overall}">Overall: ${c.overall}.</strong> ${c.subjectsWithinBudget} of ${c.subjects.length} audited subjects stay within budget. <strong id="score">Score: ${c.score.total.toFixed(1)}/100.</strong> ${escapeMarkup(c.calibrationNote)}</p>
${notRun}
<ul class="summary">
${summary}
</ul>
<h2>Score</h2>
${table(c.scoreTable, 'score', true)}
<h2>Subjects</h2>
${table(c.subjectTable, 'subjects')}
<h2>Memory over steps</h2>
<p>After each window: heapUsed, external and rss following two forced GCs. Shaded: the warm-up; dashed: the fitted steady-state heap slope.</p>
<div class="plots">
${plots}
</div>
<h2>Findings</h2>
${findings}
<h2>Diagnosis</h2>
${diagnosis}
<h2>Calibration</h2>
${table(c.calibrationTable, 'calibration')}
<h2>Method</h2>
<p>${escapeMarkup(METHOD_TEXT)}</p>
</body>
</html>
`;
}

export function writeHtmlReport(report: AuditReport, outDir: string): string {
  const path = join(outDir, HTML_REPORT_FILE);
  return writeAtomically(path, renderHtml(report));
}
