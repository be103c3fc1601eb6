import { join, relative } from 'node:path';
import { retainedBy } from './advice.ts';
import type { GatedReport } from '../model/report.ts';
import { markdownCell, markdownInline } from './escape.ts';
import { summaryLine, unmetEntries } from './sections.ts';
import { writeAtomically } from './write-file.ts';

export const PR_COMMENT_FILE = 'pr-comment.md';
/** GitHub refuses comments over 65 536 characters; leave room for what a workflow adds around it. */
export const PR_COMMENT_MAX_CHARS = 65_000;

/** GitHub's workflow-command escaping: `%`, CR and LF in data; also `:` and `,` in properties. */
const data = (text: string) => text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const property = (text: string) => data(text).replaceAll(':', '%3A').replaceAll(',', '%2C');

/**
 * GitHub Actions annotations (`::error file=…::…`): one per unmet audit, naming its file, and one per
 * regression against the baseline. They appear on the pull request's changed files and in the run.
 */
export function annotations(report: GatedReport, cwd = process.cwd()): string[] {
  const byId = new Map(report.audits.map((e) => [e.id, e]));
  const out = unmetEntries(report).map((e) => {
    const why =
      e.verdict === 'error'
        ? summaryLine(e)
        : `${summaryLine(e)} (expected ${e.expect}); retained by: ${retainedBy(e)}`;
    return `::error file=${property(relative(cwd, e.file))},title=${property(`leak-audit: ${e.id}`)}::${data(why)}`;
  });
  for (const c of report.baseline?.comparisons ?? []) {
    if (c.change !== 'regressed') continue;
    const file = byId.get(c.id)?.file;
    out.push(
      `::error ${file ? `file=${property(relative(cwd, file))},` : ''}title=${property(`leak-audit: ${c.id} regressed`)}::${data(c.message)}`,
    );
  }
  for (const e of report.allowlist?.entries ?? []) {
    if (e.status !== 'matched')
      out.push(
        `::warning title=${property('leak-audit allowlist')}::${data(`${e.status} entry: ${e.signature} (${e.owner}, until ${e.expires})`)}`,
      );
  }
  return out;
}

/** Where the run's artifacts are, when running in GitHub Actions. */
function runUrl(env: NodeJS.ProcessEnv): string | null {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : null;
}

/**
 * A compact Markdown summary for a pull-request comment: the outcome, what failed and why (with the
 * diagnosis's retainer), regressions against the baseline, and where the full reports are. Cut to
 * PR_COMMENT_MAX_CHARS.
 */
export function renderPrComment(report: GatedReport, env: NodeJS.ProcessEnv = process.env): string {
  const { gate } = report;
  const unmet = unmetEntries(report);
  const regressions = report.baseline?.comparisons.filter((c) => c.change === 'regressed') ?? [];
  const lines = [
    `## leak-audit: ${gate.outcome.toUpperCase()}`,
    '',
    ...(gate.notRun.length ? ['**Did not run** (the verdicts below are not the whole run):', ''] : []),
    ...gate.notRun.map((m) => `- ${markdownInline(m)}`),
    ...(gate.notRun.length ? [''] : []),
    `${markdownInline(gate.why)}${report.run.commit ? `, at ${report.run.commit}` : ''}.`,
    '',
  ];
  if (unmet.length) {
    lines.push('| audit | verdict | expected | heap slope | retained by |', '|---|---|---|---|---|');
    for (const e of unmet) {
      const cell = markdownCell;
      lines.push(
        `| ${e.id} | ${e.verdict.toUpperCase()} | ${e.expect} | ${e.verdict === 'error' ? cell(e.error?.message ?? '') : `${e.slope.bytesPerUnit.toPrecision(3)} B/${e.slope.unit}`} | ${cell(retainedBy(e))} |`,
      );
    }
    lines.push('');
  }
  const against = report.baseline?.commit ? ` (against ${markdownInline(report.baseline.commit)})` : '';
  for (const c of regressions) lines.push(`- regressed${against}: ${markdownInline(c.message)}`);
  if (regressions.length) lines.push('');
  for (const e of report.audits.filter((a) => gate.accepted.includes(a.id))) {
    const entry = e.diagnosis?.findings[0]?.accepted;
    const by = entry
      ? ` (${markdownInline(entry.owner)}, until ${entry.expires}: ${markdownInline(entry.reason)})`
      : '';
    lines.push(`- accepted by the allowlist: ${markdownInline(e.id)}, ${e.verdict.toUpperCase()}${by}`);
  }
  if (gate.accepted.length) lines.push('');
  const url = runUrl(env);
  lines.push(
    url
      ? `Full reports (Markdown, HTML with plots, JSON, JUnit): the artifacts of [this run](${url}).`
      : 'Full reports: reports/audit-report.md, .html, .json, junit.xml.',
  );
  const text = `${lines.join('\n')}\n`;
  if (text.length <= PR_COMMENT_MAX_CHARS) return text;
  const note = '\n… cut to fit a comment; the full list is in the reports.\n';
  return text.slice(0, PR_COMMENT_MAX_CHARS - note.length) + note;
}

export function writePrComment(report: GatedReport, outDir: string): string {
  const path = join(outDir, PR_COMMENT_FILE);
  return writeAtomically(path, renderPrComment(report));
}
