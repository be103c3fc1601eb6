import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderPrComment } from '../src/report/github.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderJunit } from '../src/report/junit.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { renderSummary } from '../src/report/terminal.ts';
import type { AuditReport } from '../src/model/report.ts';
import { entry, gated, reportOf } from './support/report.ts';

/**
 * Reports that say what did not run, and text from subjects that cannot escape the place it is put
 * (issue 14, cases 2, 6 and 7). Each assertion failed on the reports of commit acaaa68.
 */

const withConfigErrors = (report: AuditReport, configErrors: string[]): AuditReport => ({
  ...report,
  summary: { ...report.summary, configErrors },
});

describe('a run in which something did not run', () => {
  const broken = withConfigErrors(reportOf([entry('pid')]), [
    'audits/broken.audit.ts: SyntaxError: Unexpected token',
    'shard 2/2 missing: the merged report lacks its audits',
  ]);

  it('is ERROR, not PASS, in every report, and lists what did not run', () => {
    const markdown = renderMarkdown(gated(broken));
    expect(markdown).toContain('**Overall: ERROR.**');
    expect(markdown).toContain('- audits/broken.audit.ts: SyntaxError: Unexpected token');
    expect(renderHtml(gated(broken))).toContain('Overall: ERROR.');
    expect(renderHtml(gated(broken))).toContain('<li>shard 2/2 missing: the merged report lacks its audits</li>');
    const comment = renderPrComment(gated(broken), {});
    expect(comment).toMatch(/^## leak-audit: ERROR$/m);
    expect(comment).toContain('- shard 2/2 missing');
  });

  it('has an errored JUnit case per thing that did not run, so CI does not count the run as passed', () => {
    const xml = renderJunit(gated(broken));
    expect(xml).toMatch(/<testsuites name="leak-audit" tests="3" failures="0" errors="2"/);
    expect(xml.match(/<error type="configuration" message="[^"]*"\/>/g)).toHaveLength(2);
    expect(xml).toContain('message="audits/broken.audit.ts: SyntaxError: Unexpected token"');
  });

  it('with no audit at all, claims neither a pass nor a trusted calibration', () => {
    const empty = reportOf([]);
    const markdown = renderMarkdown(gated(empty));
    expect(markdown).toContain('**Overall: ERROR.**');
    expect(markdown).not.toContain('all 0 planted subjects');
    expect(markdown).toContain('no planted subject ran');
    expect(renderPrComment(gated(empty), {})).toMatch(/^## leak-audit: ERROR$/m);
  });
});

describe('text from a subject, in every place it goes', () => {
  const hostile =
    'gain matrix singular\n::add-mask::secret\r::error::forged\n::stop-commands::token | <img src=x onerror=alert(1)>';
  const report = reportOf([
    entry('pid', {
      verdict: 'error',
      expectationMet: false,
      error: { kind: 'threw', message: hostile },
      reasons: [`threw: ${hostile}`],
    }),
  ]);
  const broken = withConfigErrors(report, [`audits/x.audit.ts: ${hostile}`]);

  it('never starts a terminal line with a workflow command (--ci output)', () => {
    const text = renderSummary(gated(broken), new Chalk({ level: 0 }));
    expect(text.split(/\r\n|\r|\n/).filter((line) => line.startsWith('::'))).toEqual([]);
    expect(text).toContain('gain matrix singular ::add-mask::secret ::error::forged ::stop-commands::token');
  });

  it('stays one list item and one table row in Markdown, with no raw HTML', () => {
    const markdown = renderMarkdown(gated(broken));
    expect(markdown.split('\n').filter((line) => line.startsWith('::'))).toEqual([]);
    expect(markdown).not.toContain('\r');
    expect(markdown).not.toContain('<img');
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const row = markdown.split('\n').find((line) => line.startsWith('| pid |'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(13);
  });

  it('keeps each unmet audit one row of the PR comment table', () => {
    const comment = renderPrComment(gated(report), {});
    expect(comment).not.toContain('\r');
    const row = comment.split('\n').find((line) => line.startsWith('| pid |'))!;
    expect(row).toContain('\\| &lt;img');
    expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });

  it('gives well-formed XML 1.0 when a message carries colour codes, BEL or NUL', () => {
    const coloured = '\u001b[31mexpected\u001b[39m 1 to be 2\u0007\u0000';
    const xml = renderJunit(
      gated(
        reportOf([
          entry('pid', {
            verdict: 'error',
            expectationMet: false,
            reasons: [coloured],
            error: { kind: 'threw', message: coloured },
          }),
        ]),
      ),
    );
    // XML 1.0 allows no C0 control but tab, LF and CR, not even as a character reference.
    const controls = [...xml].filter((ch) => ch.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(ch));
    expect(controls).toEqual([]);
    expect(xml).toContain('expected 1 to be 2\ufffd\ufffd');
  });
});
