import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { RunSettings } from '../model/audit.ts';
import { PACKAGE_ROOT } from '../own-files.ts';
import type { AuditRole } from '../model/report.ts';
import { AuditConfigError } from '../validate.ts';
import type { CliOptions } from './args.ts';

export const AUDIT_SUFFIX = '.audit.ts';
/** The audits of the repository the command runs in (leak-audit's own, or one that installed it). */
export const DEFAULT_AUDIT_DIR = 'audits';
/** leak-audit's planted subjects: they come with the harness, wherever it is installed. */
export const CALIBRATION_DIR = join(PACKAGE_ROOT, 'audits', 'calibration');
/** Always run: the harness measuring itself gives the noise floor. */
export const NOISE_FLOOR_AUDIT = join(PACKAGE_ROOT, 'audits', 'noise-floor', 'noise-floor.audit.ts');
/** The no-op churn audit: the churn workload's noise floor. */
export const NOISE_FLOOR_CYCLE_AUDIT = join(PACKAGE_ROOT, 'audits', 'noise-floor', 'noise-floor-cycle.audit.ts');

/** What an audit file is for: a real subject, a planted calibration subject, or the no-op noise floor. */
export function roleOf(file: string): AuditRole {
  if (file === NOISE_FLOOR_AUDIT || file === NOISE_FLOOR_CYCLE_AUDIT) return 'noise-floor';
  return file.startsWith(CALIBRATION_DIR + sep) ? 'calibration' : 'subject';
}

/**
 * The run-wide settings an audit file gets, in its verdict run and its diagnosis run alike. --steps and
 * --horizon set the plans of the subjects only: the planted calibration subjects and the noise floor keep
 * the plans their truth was measured at. At --steps 36e6 they took 393 s of a 395 s run, and the
 * signal-listener leak, whose steps slow as it grows, was killed as hung in a 100 000-step window.
 */
export function settingsFor(file: string, cli: Pick<CliOptions, 'seed' | 'steps' | 'horizon'>): RunSettings {
  if (roleOf(file) !== 'subject') return { seed: cli.seed };
  return {
    seed: cli.seed,
    ...(cli.steps !== undefined ? { steps: cli.steps } : {}),
    ...(cli.horizon ? { horizon: cli.horizon } : {}),
  };
}

/** The `*.audit.ts` files under `dir`, except those under `skip` (folders). */
function walk(dir: string, out: string[], skip: readonly string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(path)) walk(path, out, skip);
    } else if (entry.name.endsWith(AUDIT_SUFFIX)) out.push(path);
  }
}

/**
 * The audit files to run, absolute and sorted: every `*.audit.ts` under the given files or folders
 * (default `audits/` of the working directory), plus the planted ones this run measures (cli/calibration.ts
 * chooses them) and the noise floor.
 */
export function discoverAuditFiles(paths: readonly string[], planted: readonly string[]): string[] {
  const found = new Set<string>();
  const roots = paths.length > 0 ? paths.map((p) => resolve(p)) : [resolve(DEFAULT_AUDIT_DIR)];
  roots.push(...planted);
  // A folder of the user's that holds leak-audit's own planted subjects (this repository's audits/) does
  // not run them all: the calibration plan chooses which, as for any user. Named alone, they run.
  const ownFolders = [CALIBRATION_DIR, dirname(NOISE_FLOOR_AUDIT)];
  for (const root of roots) {
    if (!existsSync(root)) throw new AuditConfigError(`no such file or folder: ${root}`);
    if (statSync(root).isDirectory()) {
      const files: string[] = [];
      walk(root, files, planted.includes(root) ? [] : ownFolders);
      files.forEach((f) => found.add(f));
    } else if (root.endsWith(AUDIT_SUFFIX)) {
      found.add(root);
    } else {
      throw new AuditConfigError(`not an audit file (expected *${AUDIT_SUFFIX}): ${root}`);
    }
  }
  if (paths.length > 0 && found.size === 0)
    throw new AuditConfigError(`no *${AUDIT_SUFFIX} files under ${paths.join(', ')}`);
  found.add(NOISE_FLOOR_AUDIT);
  found.add(NOISE_FLOOR_CYCLE_AUDIT);
  return [...found].sort();
}

/** Every planted calibration audit file leak-audit ships (the whole set a calibration measures). */
export function calibrationFiles(): string[] {
  return discoverAuditFiles([CALIBRATION_DIR], []).filter((f) => roleOf(f) === 'calibration');
}
