import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SamplingHeapProfile } from '../model/diagnosis.ts';
import { flameGraph } from './flame.ts';
import type { AuditEntry, AuditReport, GatedReport } from '../model/report.ts';
import { formatBytes, formatRate, formatRateWithCi } from '../format.ts';
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
.verdict-PASS { color: #15803d; } .verdict-FAIL, .verdict-ERROR, .verdict-INTERRUPTED { color: #b91c1c; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; } svg.plot, svg.flame { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; } figcaption .finding code { font-size: 0.8rem; }
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
 * What a plot says in words: the verdict, the slope with its interval against the budget, the projection
 * at the horizon, and the diagnosis' top finding (what grows, and the path that retains it).
 */
function plotCaption(e: AuditEntry): string {
  const verdict = `<span class="verdict-${e.verdict.toUpperCase()}">${e.verdict.toUpperCase()}</span>`;
  const unit = e.slope.unit;
  const said =
    e.verdict === 'error'
      ? `${e.error?.kind}: ${e.error?.message ?? ''}`
      : `heap ${formatRateWithCi(e.slope.bytesPerUnit, e.slope.ci)} B/${unit} (budget ${formatRate(e.budget.bytesPerUnit)}), ${formatBytes(e.projection.heapBytes, true)} at ${e.projection.horizon}`;
  const top = e.diagnosis?.findings[0];
  const finding = top
    ? `<br><span class="finding">grows: ${escapeMarkup(top.what)} at <code>${escapeMarkup(top.retainerPath)}</code></span>`
    : '';
  return `<figcaption><strong class="audit">${escapeMarkup(e.id)}</strong>: ${verdict}<br><span class="said">${escapeMarkup(said)}</span>${finding}</figcaption>`;
}

/**
 * The report as one self-contained HTML page: no scripts, no network, inline CSS and SVG plots of
 * memory against steps for every audit, with the same tables as the Markdown report.
 */
export function renderHtml(
  report: GatedReport,
  profiles: ReadonlyMap<string, SamplingHeapProfile> = new Map(),
): string {
  const c = reportContent(report);
  const summary = c.subjects
    .map((e) => `<li class="verdict-${e.verdict.toUpperCase()}">${escapeMarkup(summaryLine(e))}</li>`)
    .join('\n');
  const findings = PRIORITY_TITLES.map(([priority, title]) => {
    const list = c.advice.filter((f) => f.priority === priority);
    const items = list.length
      ? `<ul>${list.map((f) => `<li><strong>${escapeMarkup(f.auditId)}</strong>: ${escapeMarkup(f.what)}.<br>retained by: ${escapeMarkup(f.retainedBy)}<br>fix: ${escapeMarkup(f.suggestion)}</li>`).join('\n')}</ul>`
      : '<p>None.</p>';
    return `<h3>${escapeMarkup(title)}</h3>\n${items}`;
  }).join('\n');
  const plots = report.audits.map((e) => `<figure>${memoryPlot(e)}${plotCaption(e)}</figure>`).join('\n');
  const diagnosis = diagnosisHtml(report);
  const flames = profiles.size
    ? `<h3>Allocation flame graphs (--profile)</h3>\n<p>Bytes allocated during the diagnosis run and still alive at its end, by call stack: each frame is as wide as what it and its callees allocated. Hover a frame for its function, source position and bytes.</p>\n${[
        ...profiles,
      ]
        .map(
          ([id, profile]) => `<figure>${flameGraph(profile, id)}<figcaption>${escapeMarkup(id)}</figcaption></figure>`,
        )
        .join('\n')}`
    : '';
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
<p><strong id="overall" class="verdict-${c.overall}">Overall: ${c.overall}.</strong> ${escapeMarkup(c.why)}. ${escapeMarkup(c.withinBudget)} <strong id="score">Score: ${c.score.total.toFixed(1)}/100.</strong> ${escapeMarkup(c.calibrationNote)}</p>
${notRun}
<ul class="summary">
${summary}
</ul>
<h2>Score</h2>
${table(c.scoreTable, 'score', true)}
<h2>Subjects</h2>
${table(c.subjectTable, 'subjects')}
<h2>Memory over steps</h2>
<p>After each window and a forced GC: the judged heap (heapUsed without V8's machine code) on its own scale, off-heap and rss each in a small panel below. Shaded yellow: the warm-up; dashed red: the fitted steady-state slope; green: the growth the budget allows from the warm-up cut; purple: a plateau's level.</p>
<div class="plots">
${plots}
</div>
<h2>Findings</h2>
${findings}
<h2>Diagnosis</h2>
${diagnosis}
${flames}
<h2>Calibration</h2>
${table(c.calibrationTable, 'calibration')}
<h2>Method</h2>
<p>${escapeMarkup(METHOD_TEXT)}</p>
</body>
</html>
`;
}

/** The sampling heap profiles the diagnoses wrote (--profile), by audit id; one that cannot be read is left out. */
function readProfiles(report: AuditReport): Map<string, SamplingHeapProfile> {
  const profiles = new Map<string, SamplingHeapProfile>();
  for (const e of report.audits) {
    const file = e.diagnosis?.profileFile;
    if (!file) continue;
    try {
      profiles.set(e.id, JSON.parse(readFileSync(resolve(file), 'utf8')) as SamplingHeapProfile);
    } catch {
      // Moved or deleted since the run: the diagnosis section still lists its allocation sites.
    }
  }
  return profiles;
}

export function writeHtmlReport(report: GatedReport, outDir: string): string {
  const path = join(outDir, HTML_REPORT_FILE);
  return writeAtomically(path, renderHtml(report, readProfiles(report)));
}
