/**
 * Calibration kept between runs. The planted set's answer ("on this machine, this harness tells each
 * planted leak from each planted clean subject") depends on the machine, Node and V8, the harness's
 * own code and the planted subjects, and the flags that shape a measurement; two runs a minute apart
 * that share all of them share the answer. A full run that meets every expectation is recorded under
 * the user's cache folder with all of them (its provenance); a later run whose provenance is the same
 * measures only the noise floor and the sentinels, and reruns the whole set if a sentinel disagrees.
 * The trust argument is AUDIT.md's "Calibration between runs".
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type {
  AuditEntry,
  AuditReport,
  CalibrationProvenance,
  CalibrationRecord,
  RunCalibration,
} from '../model/report.ts';
import { recordedWhen } from '../format.ts';
import { calibrationRecordErrors } from '../report/schema.ts';
import { OWN_CODE_DIR, PACKAGE_ROOT } from '../own-files.ts';
import type { CliOptions } from './args.ts';
import { CALIBRATION_DIR, calibrationFiles } from './discover.ts';

/** Where records are kept, when set: a folder (the default is the user's cache folder, `cacheDir`). */
export const CACHE_DIR_ENV = 'LEAK_AUDIT_CACHE_DIR';
/** One record per provenance (`calibration-<hash of it>.json`): two Node versions, or two flag sets, keep theirs. */
const RECORD_FILE = /^calibration-[0-9a-f]{16}\.json$/;

/**
 * The planted subjects a run with a matching record measures again (with the two noise floors, which
 * every run measures). One of each side of the line a verdict draws, each the hardest of its side for a
 * machine that changed: the smallest planted leak (slow-leak, 0.64 B/step of steady growth, the one a
 * noisier machine would miss first) and the clean subject that allocates most (garbage, whose churn a
 * slower collector would turn into a false alarm first). Both are among the cheapest of the set.
 */
export const SENTINEL_FILES: readonly string[] = ['slow-leak.audit.ts', 'garbage.audit.ts'].map((f) =>
  join(CALIBRATION_DIR, f),
);

/** The folder of leak-audit's cache: $LEAK_AUDIT_CACHE_DIR, or where the platform keeps a user's caches. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = homedir()): string {
  const own = env[CACHE_DIR_ENV];
  if (own) return resolve(own);
  if (platform === 'win32' && env['LOCALAPPDATA']) return join(env['LOCALAPPDATA'], 'leak-audit', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'leak-audit');
  return join(env['XDG_CACHE_HOME'] || join(home, '.cache'), 'leak-audit');
}

/** The folders whose files make the harness's answer: its code, the planted subjects, their fixtures. */
const FINGERPRINTED = [
  'package.json',
  relative(PACKAGE_ROOT, OWN_CODE_DIR),
  join('audits', 'calibration'),
  join('audits', 'noise-floor'),
  'fixtures',
];

/**
 * The harness as it is installed: its version, and a hash of every file of its code, planted subjects and
 * fixtures (an edit to any of them, in this repository or a patched install, is another harness), and of
 * the versions its dependencies are installed at (esbuild bundles the planted subjects, vitest runs them).
 */
export function harnessFingerprint(root = PACKAGE_ROOT): string {
  const hash = createHash('sha256');
  const add = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== 'node_modules') add(join(path, name));
      return;
    }
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const part of FINGERPRINTED) add(join(root, part));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  const require = createRequire(join(root, 'package.json'));
  for (const dependency of Object.keys(manifest.dependencies ?? {}).sort()) {
    hash.update(`${dependency}@${installedVersion(require, dependency)}\0`);
  }
  return `${manifest.version}+${hash.digest('hex').slice(0, 12)}`;
}

/** A dependency's installed version, found from its entry point upwards (some export no package.json). */
function installedVersion(require: NodeJS.Require, name: string): string {
  let dir: string;
  try {
    dir = require.resolve(name);
  } catch {
    return 'unresolved';
  }
  for (let up = join(dir, '..'); up !== join(up, '..'); up = join(up, '..')) {
    const file = join(up, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === name) return manifest.version ?? 'unknown';
  }
  return 'unknown';
}

/** Everything the planted set's answer depends on, for this run. */
export function provenanceOf(
  report: Pick<AuditReport, 'node' | 'v8' | 'machine'>,
  cli: Pick<CliOptions, 'seed' | 'jobs' | 'heapCapMb' | 'heapsnapshotSignal'>,
  harness: string,
): CalibrationProvenance {
  return {
    harness,
    node: report.node,
    v8: report.v8,
    machine: report.machine,
    flags: { seed: cli.seed, jobs: cli.jobs, heapCapMb: cli.heapCapMb, heapsnapshotSignal: cli.heapsnapshotSignal },
  };
}

/** What differs between a record's provenance and this run's, one phrase each ("Node v20.19.0, now v20.20.0"). */
export function provenanceDifferences(recorded: CalibrationProvenance, now: CalibrationProvenance): string[] {
  const differences: string[] = [];
  const compare = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${what} ${String(a)}, now ${String(b)}`);
  };
  compare('leak-audit', recorded.harness, now.harness);
  compare('Node', recorded.node, now.node);
  compare('V8', recorded.v8, now.v8);
  for (const key of Object.keys(now.machine) as (keyof CalibrationProvenance['machine'])[])
    compare(`machine ${key}`, recorded.machine[key], now.machine[key]);
  for (const key of Object.keys(now.flags) as (keyof CalibrationProvenance['flags'])[])
    compare(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, recorded.flags[key], now.flags[key]);
  return differences;
}

/** The file of the record with this provenance. */
function recordFile(provenance: CalibrationProvenance, dir: string): string {
  const hash = createHash('sha256').update(JSON.stringify(provenance)).digest('hex').slice(0, 16);
  return join(dir, `calibration-${hash}.json`);
}

/** The record at `file`; throws, naming the file and what is wrong, when it is not one. */
function readRecordFile(file: string): CalibrationRecord {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
  const problems = calibrationRecordErrors(data);
  if (problems.length > 0) throw new Error(`${file} is not a calibration record: ${problems[0]}`);
  return data as CalibrationRecord;
}

/** The record with this provenance, null when there is none; throws with the cause when it cannot be read. */
export function readRecord(provenance: CalibrationProvenance, dir = cacheDir()): CalibrationRecord | null {
  const file = recordFile(provenance, dir);
  return existsSync(file) ? readRecordFile(file) : null;
}

/** The newest record in `dir` of any provenance (to say what changed since it), or null. */
function newestRecord(dir: string): CalibrationRecord | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((name) => RECORD_FILE.test(name))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of files) {
    try {
      return readRecordFile(file);
    } catch {
      // Another version's record, or a broken one: the next may say more.
    }
  }
  return null;
}

/**
 * Keeps `record` in `dir`, under its provenance's name: written beside (a name no other process uses),
 * then renamed, so a run killed meanwhile, or another writing at once, leaves a whole record.
 */
export function writeRecord(record: CalibrationRecord, dir = cacheDir()): string {
  mkdirSync(dir, { recursive: true });
  const file = recordFile(record.provenance, dir);
  const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
  writeFileSync(partial, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(partial, file);
  return file;
}

/**
 * A record of this run's planted subjects: when every planted audit file ran (none failed to load) and
 * every one, with both noise floors, met its expectation; else null.
 */
export function recordOf(
  planted: readonly AuditEntry[],
  provenance: CalibrationProvenance,
  at: string,
  plantedFiles: readonly string[],
): CalibrationRecord | null {
  const calibration = planted.filter((e) => e.role === 'calibration');
  const ran = new Set(planted.map((e) => e.file));
  if (!plantedFiles.every((f) => ran.has(f)) || !planted.every((e) => e.expectationMet)) return null;
  return {
    recordedAt: at,
    provenance,
    subjects: calibration.map((e) => ({ id: e.id, expect: e.expect, verdict: e.verdict })),
  };
}

/**
 * Which planted subjects a run measures, and why; `recorded` carries the record it reuses. A plan that
 * measures or reuses carries this run's provenance (computed only then: it hashes the harness's files).
 */
export type CalibrationPlan =
  | { readonly source: 'none'; readonly why: string }
  /** `keep`: the result may be recorded for the next runs (not in CI, not in a shard). */
  | {
      readonly source: 'measured';
      readonly why: string;
      readonly keep: boolean;
      readonly provenance: CalibrationProvenance;
    }
  | {
      readonly source: 'recorded';
      readonly why: string;
      readonly record: CalibrationRecord;
      readonly recordFile: string;
      readonly provenance: CalibrationProvenance;
    };

/**
 * Decides, before anything runs, whether this run measures the whole planted set or reuses a record:
 * only without --calibrate, --ci or --shard, and only a record whose provenance is this run's.
 */
export function planCalibration(
  cli: Pick<CliOptions, 'calibration' | 'ci' | 'shard'>,
  provenanceNow: () => CalibrationProvenance,
  dir = cacheDir(),
): CalibrationPlan {
  if (cli.calibration === 'none') return { source: 'none', why: '--no-calibration' };
  const provenance = provenanceNow();
  const measured = (why: string, keep = true): CalibrationPlan => ({ source: 'measured', why, keep, provenance });
  if (cli.calibration === 'full') return measured('asked for (--calibrate)');
  if (cli.ci) return measured('in CI (--ci), every job measures the whole set', false);
  if (cli.shard) return measured('a shard measures its part of the whole set', false);
  let record: CalibrationRecord | null;
  try {
    record = readRecord(provenance, dir);
  } catch (e) {
    return measured(`the record could not be read: ${(e as Error).message}`);
  }
  if (!record) {
    const newest = newestRecord(dir);
    if (!newest) return measured('no record of it on this machine yet');
    const differences = provenanceDifferences(newest.provenance, provenance);
    return measured(`the last record, of ${recordedWhen(newest.recordedAt)}, differs: ${differences.join('; ')}`);
  }
  return {
    source: 'recorded',
    why: `a record of ${recordedWhen(record.recordedAt)} with this machine, Node, harness and flags`,
    record,
    recordFile: recordFile(provenance, dir),
    provenance,
  };
}

/** The planted audit files and folders the plan runs: the whole set, the sentinels, or none. */
export function plantedPaths(plan: CalibrationPlan): readonly string[] {
  return plan.source === 'measured' ? [CALIBRATION_DIR] : plan.source === 'recorded' ? SENTINEL_FILES : [];
}

/** The sentinels that did not agree with the record: missed, errored, or not run at all. */
export function disagreeingSentinels(audits: readonly AuditEntry[]): string[] {
  return SENTINEL_FILES.filter((file) => !audits.some((e) => e.file === file && e.expectationMet)).map((file) =>
    relative(CALIBRATION_DIR, file).replace(/\.audit\.ts$/, ''),
  );
}

/**
 * What the run's calibration was, once its planted subjects are judged. A record is trusted only if
 * every sentinel agreed (a run interrupted before they did says so, and trusts nothing); a whole set
 * measured that may be kept (not --ci, not a shard), not interrupted, every expectation met, is
 * recorded for the next runs.
 */
export function settleCalibration(
  plan: CalibrationPlan,
  report: AuditReport,
  dir = cacheDir(),
  plantedFiles: readonly string[] = calibrationFiles(),
): RunCalibration {
  const planted = report.audits.filter((e) => e.role !== 'subject');
  if (plan.source === 'recorded') {
    const sentinels = planted.filter((e) => SENTINEL_FILES.includes(e.file)).map((e) => e.id);
    const disagreeing = disagreeingSentinels(report.audits);
    const confirmed = disagreeing.length === 0;
    return {
      source: confirmed ? 'recorded' : 'none',
      why: confirmed
        ? plan.why
        : `${plan.why} was not confirmed: the run ended before the sentinels ${disagreeing.join(', ')} agreed`,
      record: plan.record,
      recordFile: plan.recordFile,
      sentinels,
    };
  }
  const none = { source: plan.source, why: plan.why, record: null, recordFile: null, sentinels: [] };
  if (plan.source === 'none' || !plan.keep || report.run.interrupted) return none;
  const record = recordOf(planted, plan.provenance, report.generatedAt, plantedFiles);
  if (!record) return none;
  try {
    return { ...none, record, recordFile: writeRecord(record, dir) };
  } catch (e) {
    return { ...none, why: `${plan.why}; it could not be recorded: ${(e as Error).message}` };
  }
}
