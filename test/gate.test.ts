import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { withAllowlist, withBaseline } from '../src/cli/run.ts';
import type { Diagnosis, Finding } from '../src/model/diagnosis.ts';
import { decideGate, EXIT_CONFIG, EXIT_OK, EXIT_UNMET, type GatePolicy } from '../src/gate/outcome.ts';
import type { AuditEntry, AuditReport } from '../src/model/report.ts';
import { annotations, renderPrComment } from '../src/report/github.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderJunit } from '../src/report/junit.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { renderSummary } from '../src/report/terminal.ts';
import { entry, gated, regressionOf, reportOf } from './support/report.ts';

/**
 * The gate's exit code, decided from a report alone: each case here once took a spawned CLI run of a
 * real audit (the wiring keeps one end-to-end test each in cli.test.ts).
 */

/** The gate's exit code and stderr lines: what the tests below were first written against. */
function gateOutcome(report: AuditReport, policy: GatePolicy) {
  const { exitCode: code, messages } = decideGate(report, policy);
  return { code, messages };
}

const lenient: GatePolicy = { strict: false, failOnRegression: false };
const signature = 'collection:Array of Object@subject.log';
const finding: Finding = {
  signature,
  kind: 'collection',
  what: 'Array of Object',
  retainerPath: 'subject.log',
  growthPerUnit: { count: 1, countEstimated: false, bytes: 40 },
  evidence: [],
  suggestion: 'bound it',
};
const diagnosis: Diagnosis = {
  status: 'done',
  note: null,
  snapshots: [],
  findings: [finding],
  ms: 1,
  keptSnapshots: [],
  allocationSites: null,
  profileFile: null,
};
/** A clean subject that failed: unmet, unless the allowlist accepts its finding. */
const unexpectedLeak = entry('unexpected-leak', { verdict: 'fail', expectationMet: false, diagnosis });
const allowlistOf = (expires: string, extra: { signature: string }[] = []) => ({
  file: 'audits/allowlist.json',
  entries: [{ signature, owner: 'controls team', reason: 'CTL-12', expires }, ...extra].map((e) => ({
    owner: 'controls team',
    reason: 'CTL-12',
    expires,
    ...e,
  })),
});
const TODAY = '2026-12-01';
const withRegression = (report: AuditReport): AuditReport => ({
  ...report,
  baseline: regressionOf('a', 'a: heap slope regressed, 1 → 9 B/step'),
});

describe('the gate: how a run exits, from its report', () => {
  it('passes when every verdict is what its audit expects, and fails on one that is not', () => {
    expect(gateOutcome(reportOf([entry('a'), entry('b')]), lenient)).toEqual({ code: EXIT_OK, messages: [] });
    const failing: AuditEntry = entry('b', { verdict: 'fail', expectationMet: false });
    expect(gateOutcome(reportOf([entry('a'), failing]), lenient).code).toBe(EXIT_UNMET);
    expect(gateOutcome(reportOf([entry('a', { verdict: 'error', expectationMet: false })]), lenient).code).toBe(
      EXIT_UNMET,
    );
  });

  it('exits 2 on a configuration error, saying only that: the rest of the run is not to be trusted', () => {
    const report = reportOf([entry('a', { verdict: 'fail', expectationMet: false })]);
    const broken = { ...report, summary: { ...report.summary, configErrors: ['audits/x.audit.ts: SyntaxError'] } };
    expect(gateOutcome(broken, lenient)).toEqual({ code: EXIT_CONFIG, messages: ['audits/x.audit.ts: SyntaxError'] });
  });

  it('accepts a failing audit whose every finding an active allowlist entry accepts', () => {
    const report = withAllowlist(reportOf([unexpectedLeak]), allowlistOf('2999-12-31'), TODAY);
    expect(report.audits[0]?.diagnosis?.findings[0]?.accepted?.owner).toBe('controls team');
    expect(report.allowlist?.entries.map((e) => e.status)).toEqual(['matched']);
    expect(gateOutcome(report, lenient)).toEqual({ code: EXIT_OK, messages: [] });
  });

  it('fails once the entry has expired: it accepts nothing after its day', () => {
    const report = withAllowlist(reportOf([unexpectedLeak]), allowlistOf('2026-11-30'), TODAY);
    expect(report.allowlist?.entries.map((e) => e.status)).toEqual(['expired']);
    const outcome = gateOutcome(report, lenient);
    expect(outcome.code).toBe(EXIT_UNMET);
    expect(outcome.messages).toEqual([
      `allowlist entry expired: ${signature} (owner controls team, expires 2026-11-30)`,
    ]);
    // Through its expiry day, it still accepts.
    expect(gateOutcome(withAllowlist(reportOf([unexpectedLeak]), allowlistOf(TODAY), TODAY), lenient).code).toBe(
      EXIT_OK,
    );
  });

  it('tells of an entry that matched nothing, and fails on it only with --strict', () => {
    const stale = { signature: 'collection:Map@subject.gone' };
    const report = withAllowlist(reportOf([unexpectedLeak]), allowlistOf('2999-12-31', [stale]), TODAY);
    expect(report.allowlist?.entries.map((e) => e.status)).toEqual(['matched', 'unmatched']);
    expect(gateOutcome(report, lenient).code).toBe(EXIT_OK);
    expect(gateOutcome(report, lenient).messages[0]).toContain(
      'allowlist entry unmatched: collection:Map@subject.gone',
    );
    expect(gateOutcome(report, { ...lenient, strict: true }).code).toBe(EXIT_UNMET);
  });

  it('does not call an entry unmatched when nothing was diagnosed (--no-diagnose)', () => {
    const base = reportOf([entry('a')]);
    const undiagnosed = { ...base, run: { ...base.run, diagnose: 'none' as const } };
    const report = withAllowlist(undiagnosed, allowlistOf('2999-12-31'), TODAY);
    expect(report.allowlist?.entries).toEqual([]);
    expect(gateOutcome(report, { ...lenient, strict: true }).code).toBe(EXIT_OK);
  });

  it('fails on a regression against the baseline only with --fail-on-regression, and tells of it either way', () => {
    const report = withRegression(reportOf([entry('a')]));
    expect(gateOutcome(report, lenient)).toEqual({
      code: EXIT_OK,
      messages: ['a: heap slope regressed, 1 → 9 B/step'],
    });
    expect(gateOutcome(report, { ...lenient, failOnRegression: true }).code).toBe(EXIT_UNMET);
  });

  it('passes when the slopes are the same as the baseline, --fail-on-regression or not', () => {
    const report = reportOf([
      entry('a'),
      entry('b', { slope: { ...entry('b').slope, bytesPerUnit: 40, ci: [38, 42] } }),
    ]);
    const compared = withBaseline(report, report, 'main.json');
    expect(compared.baseline?.comparisons.map((c) => c.change)).toEqual(['unchanged', 'unchanged']);
    expect(gateOutcome(compared, { ...lenient, failOnRegression: true }).code).toBe(EXIT_OK);
  });
});

describe('the run outcome: decided once, read by every writer', () => {
  it('names each outcome and says why, in the order of precedence', () => {
    const expectedLeak = entry('legacy', { expect: 'leak', verdict: 'fail', expectationMet: true });
    expect(decideGate(reportOf([entry('a'), expectedLeak]), lenient)).toMatchObject({
      outcome: 'pass',
      exitCode: EXIT_OK,
      expectedLeaks: ['legacy'],
      why: '2/2 audits gave the verdict expected of them; 1 subject leaks as expected (legacy)',
    });
    const errored = entry('b', { verdict: 'error', expectationMet: false });
    const wrong = entry('c', { verdict: 'fail', expectationMet: false });
    expect(decideGate(reportOf([entry('a'), errored, wrong]), lenient)).toMatchObject({
      outcome: 'error',
      exitCode: EXIT_UNMET,
      unmet: ['b', 'c'],
      why: '1/3 audits gave the verdict expected of them; b errored; c did not',
    });
    const base = reportOf([wrong]);
    expect(decideGate({ ...base, run: { ...base.run, interrupted: 'SIGINT' } }, lenient)).toMatchObject({
      outcome: 'interrupted',
      exitCode: 130,
    });
    expect(decideGate(reportOf([]), lenient)).toMatchObject({ outcome: 'error', why: 'No audit ran' });
    // The policy it records is the gate's own, whatever larger object (the CLI's options) carried it.
    expect(decideGate(reportOf([]), { ...lenient, out: 'reports' } as GatePolicy).policy).toEqual(lenient);
  });

  it('says an accepted failure passes, names it, and does not count it as unmet', () => {
    const report = withAllowlist(reportOf([entry('a'), unexpectedLeak]), allowlistOf('2999-12-31'), TODAY);
    expect(decideGate(report, lenient)).toMatchObject({
      outcome: 'pass',
      exitCode: EXIT_OK,
      unmet: [],
      accepted: ['unexpected-leak'],
      why: '1/2 audits gave the verdict expected of them; the allowlist accepts the findings of unexpected-leak',
    });
  });

  it('tells of a regression that does not fail the run, and fails on it under --fail-on-regression', () => {
    const report = withRegression(reportOf([entry('a')]));
    expect(decideGate(report, lenient).why).toContain(
      '1 regression against the baseline (not failing the run: --fail-on-regression is off)',
    );
    expect(decideGate(report, { ...lenient, failOnRegression: true })).toMatchObject({ outcome: 'fail' });
  });

  it('gives the same outcome and sentence to the terminal, the PR comment, JUnit and both reports', () => {
    const report = gated(withAllowlist(reportOf([entry('a'), unexpectedLeak]), allowlistOf('2999-12-31'), TODAY));
    const { why } = report.gate;
    const terminal = renderSummary(report, new Chalk({ level: 0 }));
    expect(terminal.split('\n').at(-1)).toMatch(new RegExp(`^PASS: ${escapeRegExp(why)}, in `));
    expect(terminal).not.toContain('✗');
    expect(renderPrComment(report, {})).toMatch(new RegExp(`^## leak-audit: PASS\n\n${escapeRegExp(why)}`));
    expect(renderMarkdown(report)).toContain(`**Overall: PASS.** ${why}.`);
    expect(renderHtml(report)).toContain(`Overall: PASS.</strong> ${why}.`);
    expect(renderJunit(report)).toMatch(/failures="0" errors="0"/);
    expect(annotations(report)).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
