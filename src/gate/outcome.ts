import type { AuditReport, GatedReport, GatePolicy, RunGate, RunOutcome } from '../model/report.ts';
import { acceptedByAllowlist } from './allowlist.ts';

/**
 * How a run ends, decided once from its report: the gate's whole policy in one pure function. Its
 * result is stored in the report (`gate`), and the exit code, the terminal, the PR comment, the
 * annotations, JUnit and the reports' headline all read it there, so no two of them can disagree.
 * The codes are documented in the CLI's help and the README.
 */

export const EXIT_OK = 0;
/** A verdict not as expected (or an audit errored; --strict: a stale allowlist entry; --fail-on-regression). */
export const EXIT_UNMET = 1;
/** A usage or configuration error: a bad option, an audit file that does not load, a budget refused. */
export const EXIT_CONFIG = 2;

/**
 * The harness itself failed: a report could not be written (a full disk, a folder that went away).
 * Distinct from EXIT_UNMET, so a crash of the tool never reads as a leak found.
 */
export const EXIT_HARNESS = 3;

/** The run was interrupted (Ctrl-C, SIGTERM): 128 + SIGINT, as a shell reports it. */
export const EXIT_INTERRUPTED = 130;

export type ExitCode =
  typeof EXIT_OK | typeof EXIT_UNMET | typeof EXIT_CONFIG | typeof EXIT_HARNESS | typeof EXIT_INTERRUPTED;

export type { GatePolicy };

/** Audits named in a headline before it says "and N more": a headline is one line, not a list. */
const HEADLINE_NAMES = 3;

function named(ids: readonly string[]): string {
  const shown = ids.slice(0, HEADLINE_NAMES).join(', ');
  return ids.length > HEADLINE_NAMES ? `${shown} and ${ids.length - HEADLINE_NAMES} more` : shown;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the run did not do, one line each: the interruption, the configuration errors (audit files
 * that did not load, shards missing, budgets refused), or that no audit ran at all.
 */
function notRunOf(report: AuditReport): string[] {
  const { interrupted } = report.run;
  const stopped = interrupted
    ? [`the run was interrupted (${interrupted}): audits it stopped are errors, with the samples they had`]
    : [];
  const notRun = [...stopped, ...report.summary.configErrors];
  return notRun.length === 0 && report.audits.length === 0 ? ['no audit ran'] : notRun;
}

/**
 * The run's outcome, exit code and headline, in this order of precedence: an interrupted run says only
 * that; configuration errors (or no audit at all) come next, since nothing else the run says can be
 * trusted when its setup was wrong; then audits that errored; then verdicts not as expected and the
 * policies (--strict, --fail-on-regression). Stale allowlist entries and regressions are always told,
 * and fail the run only under their policy.
 */
export function decideGate(report: AuditReport, policy: GatePolicy): RunGate {
  const audits = report.audits;
  const unmetEntries = audits.filter((e) => !e.expectationMet && !acceptedByAllowlist(e));
  const unmet = unmetEntries.map((e) => e.id);
  const accepted = audits.filter((e) => !e.expectationMet && acceptedByAllowlist(e)).map((e) => e.id);
  const expectedLeaks = audits
    .filter((e) => e.role === 'subject' && e.expect === 'leak' && e.verdict === 'fail')
    .map((e) => e.id);
  const notRun = notRunOf(report);
  const stale = report.allowlist?.entries.filter((e) => e.status !== 'matched') ?? [];
  const regressions = report.baseline?.comparisons.filter((c) => c.change === 'regressed') ?? [];
  const errored = unmetEntries.filter((e) => e.verdict === 'error').map((e) => e.id);
  const wrong = unmetEntries.filter((e) => e.verdict !== 'error').map((e) => e.id);
  const gate = (
    outcome: RunOutcome,
    exitCode: RunGate['exitCode'],
    why: string,
    messages: readonly string[],
  ): RunGate => ({
    outcome,
    exitCode,
    why,
    unmet,
    accepted,
    expectedLeaks,
    notRun,
    messages,
    // Only the gate's own fields: the caller may pass a larger object (the CLI's options).
    policy: { strict: policy.strict, failOnRegression: policy.failOnRegression },
  });

  const { interrupted } = report.run;
  if (interrupted) {
    const why = `The run was interrupted (${interrupted}); the reports hold what was measured before it`;
    return gate('interrupted', EXIT_INTERRUPTED, why, [why]);
  }
  const { configErrors } = report.summary;
  if (notRun.length > 0) {
    const why =
      configErrors.length > 0
        ? `${plural(configErrors.length, 'configuration error')}, so the run is not whole (${configErrors[0]}${configErrors.length > 1 ? '; …' : ''})`
        : 'No audit ran';
    return gate('error', EXIT_CONFIG, why, configErrors.length > 0 ? configErrors : [why]);
  }

  const messages = [
    ...stale.map((e) => `allowlist entry ${e.status}: ${e.signature} (owner ${e.owner}, expires ${e.expires})`),
    ...regressions.map((r) => r.message),
  ];
  const failStale = policy.strict && stale.length > 0;
  const failRegressed = policy.failOnRegression && regressions.length > 0;
  const why = whyOf({
    met: audits.filter((e) => e.expectationMet).length,
    total: audits.length,
    errored,
    wrong,
    accepted,
    expectedLeaks,
    regressions: regressions.length,
    stale: stale.length,
    failRegressed,
    failStale,
  });
  if (errored.length > 0) return gate('error', EXIT_UNMET, why, messages);
  const failed = wrong.length > 0 || failStale || failRegressed;
  return gate(failed ? 'fail' : 'pass', failed ? EXIT_UNMET : EXIT_OK, why, messages);
}

/** What the outcome's sentence names, past what did not run. */
interface Tally {
  readonly met: number;
  readonly total: number;
  readonly errored: readonly string[];
  readonly wrong: readonly string[];
  readonly accepted: readonly string[];
  readonly expectedLeaks: readonly string[];
  readonly regressions: number;
  readonly stale: number;
  readonly failRegressed: boolean;
  readonly failStale: boolean;
}

/** The outcome's one sentence: the tally, then each kind of audit or gate fact the reader must know of. */
function whyOf(t: Tally): string {
  const leaks = t.expectedLeaks.length;
  const clauses = [
    `${t.met}/${t.total} audits gave the verdict expected of them`,
    ...(t.errored.length > 0 ? [`${named(t.errored)} errored`] : []),
    ...(t.wrong.length > 0 ? [`${named(t.wrong)} did not`] : []),
    ...(t.accepted.length > 0 ? [`the allowlist accepts the findings of ${named(t.accepted)}`] : []),
    ...(leaks > 0
      ? [`${plural(leaks, 'subject')} ${leaks === 1 ? 'leaks' : 'leak'} as expected (${named(t.expectedLeaks)})`]
      : []),
    ...(t.regressions > 0
      ? [
          `${plural(t.regressions, 'regression')} against the baseline${t.failRegressed ? '' : ' (not failing the run: --fail-on-regression is off)'}`,
        ]
      : []),
    ...(t.stale > 0
      ? [`${plural(t.stale, 'stale allowlist entry', 'stale allowlist entries')}${t.failStale ? ' (--strict)' : ''}`]
      : []),
  ];
  return clauses.join('; ');
}

/** The pipeline stage: the report with its outcome decided, for the writers and the exit code. */
export function withGate(report: AuditReport, policy: GatePolicy): GatedReport {
  return { ...report, gate: decideGate(report, policy) };
}
