import { join, relative } from 'node:path';
import { formatInterval, formatRate } from '../format.ts';
import type { AuditEntry, GatedReport } from '../model/report.ts';
import { escapeMarkup } from './escape.ts';
import { writeAtomically } from './write-file.ts';

export const JUNIT_REPORT_FILE = 'junit.xml';

/** The verdict in one line, as a CI system shows it next to the test case. */
export function verdictLine(e: AuditEntry): string {
  const slope =
    e.samples.length > 1
      ? `, heap ${formatRate(e.slope.bytesPerUnit)} B/${e.slope.unit} ${formatInterval(e.slope.ci)}`
      : '';
  return `expected ${e.expect}, got ${e.verdict.toUpperCase()}${slope}${e.reasons.length ? `: ${e.reasons.join('; ')}` : ''}`;
}

/** An accepted failure is a passed case that says so: the run's gate does not count it either. */
function testCase(e: AuditEntry, accepted: boolean, cwd: string): string {
  const seconds = (e.samples.at(-1)?.ms ?? 0) / 1000;
  const open = `  <testcase classname="${escapeMarkup(relative(cwd, e.file))}" name="${escapeMarkup(e.id)}" time="${seconds.toFixed(3)}">`;
  if (e.verdict === 'error') {
    return `${open}\n    <error type="${escapeMarkup(e.error?.kind ?? 'error')}" message="${escapeMarkup(verdictLine(e))}"/>\n  </testcase>`;
  }
  if (!e.expectationMet && !accepted) {
    return `${open}\n    <failure type="${e.verdict}" message="${escapeMarkup(verdictLine(e))}"/>\n  </testcase>`;
  }
  if (accepted) {
    return `${open}\n    <system-out>${escapeMarkup(`accepted by the allowlist: ${verdictLine(e)}`)}</system-out>\n  </testcase>`;
  }
  return `${open}\n    <system-out>${escapeMarkup(verdictLine(e))}</system-out>\n  </testcase>`;
}

/**
 * What did not run (an audit file that did not load, a missing shard, a refused budget) as an errored
 * case of its own, so a CI system that reads only junit.xml does not count the run as passed.
 */
function notRunCase(message: string, i: number): string {
  const name = `configuration error ${i + 1}`;
  return `  <testcase classname="leak-audit" name="${name}" time="0">\n    <error type="configuration" message="${escapeMarkup(message)}"/>\n  </testcase>`;
}

/** JUnit XML: one test case per audit; a failure when the verdict is not the expected one, an error on errors. */
export function renderJunit(report: GatedReport, cwd = process.cwd()): string {
  const notRun = report.summary.configErrors;
  const unmet = new Set(report.gate.unmet);
  const accepted = new Set(report.gate.accepted);
  const failures = report.audits.filter((e) => e.verdict !== 'error' && unmet.has(e.id)).length;
  const errors = report.audits.filter((e) => e.verdict === 'error').length + notRun.length;
  const tests = report.audits.length + notRun.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="leak-audit" tests="${tests}" failures="${failures}" errors="${errors}" time="${(report.run.wallMs / 1000).toFixed(3)}">`,
    `<testsuite name="leak-audit" tests="${tests}" failures="${failures}" errors="${errors}" timestamp="${report.generatedAt}">`,
    ...notRun.map(notRunCase),
    ...report.audits.map((e) => testCase(e, accepted.has(e.id), cwd)),
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function writeJunitReport(report: GatedReport, outDir: string): string {
  const path = join(outDir, JUNIT_REPORT_FILE);
  return writeAtomically(path, renderJunit(report));
}
