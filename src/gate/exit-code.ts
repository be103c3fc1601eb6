import type { AuditEntry, AuditReport } from '../model/report.ts';
import { acceptedByAllowlist } from './allowlist.ts';

/**
 * How a run exits, decided from its report alone: the gate's whole policy in one pure function. The
 * codes are documented in the CLI's help and the README.
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

/** What the gate is asked to enforce beyond the verdicts (from the command line). */
export interface GatePolicy {
  /** An expired allowlist entry, or one that matched nothing, fails the run. */
  readonly strict: boolean;
  /** A regression against the baseline fails the run, even under budget. */
  readonly failOnRegression: boolean;
}

export interface GateOutcome {
  readonly code: ExitCode;
  /** One line each, for stderr: why the run did not pass, or what a reader should know about the gate. */
  readonly messages: readonly string[];
}

/** Audits whose verdict is not what they expect, and that no allowlist entry accepts. */
export function unmetAudits(report: AuditReport): AuditEntry[] {
  return report.audits.filter((e) => !e.expectationMet && !acceptedByAllowlist(e));
}

/**
 * The exit code and the lines that explain it. An interrupted run says only that. Configuration errors
 * come next and alone: nothing
 * else the run says can be trusted when its setup was wrong. Otherwise stale allowlist entries and
 * regressions are always told, and fail the run only under `strict` and `failOnRegression`.
 */
export function gateOutcome(report: AuditReport, policy: GatePolicy): GateOutcome {
  const { configErrors } = report.summary;
  const { interrupted } = report.run;
  if (interrupted) {
    const why = `the run was interrupted (${interrupted}); the reports hold what was measured before it`;
    return { code: EXIT_INTERRUPTED, messages: [why] };
  }
  if (configErrors.length > 0) return { code: EXIT_CONFIG, messages: configErrors };
  const stale = report.allowlist?.entries.filter((e) => e.status !== 'matched') ?? [];
  const regressions = report.baseline?.comparisons.filter((c) => c.change === 'regressed') ?? [];
  const messages = [
    ...stale.map((e) => `allowlist entry ${e.status}: ${e.signature} (owner ${e.owner}, expires ${e.expires})`),
    ...regressions.map((r) => r.message),
  ];
  const failed =
    (policy.strict && stale.length > 0) ||
    (policy.failOnRegression && regressions.length > 0) ||
    unmetAudits(report).length > 0;
  return { code: failed ? EXIT_UNMET : EXIT_OK, messages };
}
