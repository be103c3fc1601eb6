import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { DEFAULT_HANG_TIMEOUT_MS, DEFAULT_HEAP_CAP_MB, DEFAULT_SNAPSHOT_CAP_MB } from '../analysis/constants.ts';
import { AuditConfigError, DEFAULT_SEED } from '../model/options.ts';
import type { Horizon, Shard } from '../model/audit.ts';

export interface CliOptions {
  readonly paths: readonly string[];
  readonly steps: number | undefined;
  readonly horizon: Horizon | undefined;
  readonly out: string;
  readonly json: boolean;
  readonly seed: number;
  readonly jobs: number;
  readonly heapCapMb: number;
  readonly hangTimeoutMs: number;
  readonly calibration: boolean;
  /** Which audits get a heap-snapshot diagnosis: the failing ones (default), all, or none. */
  readonly diagnose: 'failing' | 'all' | 'none';
  readonly keepSnapshots: boolean;
  readonly snapshotCapMb: number;
  /** `--profile`: V8's sampling heap profiler during each diagnosis run (allocation sites). */
  readonly profile: boolean;
  /** `--allowlist FILE`; undefined: audits/allowlist.json when it exists. */
  readonly allowlist: string | undefined;
  /** `--strict`: an expired or unmatched allowlist entry fails the run. */
  readonly strict: boolean;
  /** `--baseline FILE`: a previous run's audit-report.json to compare slopes and warm-ups with. */
  readonly baseline: string | undefined;
  /** `--ci`: no colour or redraws, GitHub annotations, and --fail-on-regression by default. */
  readonly ci: boolean;
  /** `--fail-on-regression`: a regression against the baseline fails the run, even under budget. */
  readonly failOnRegression: boolean;
  /** `--heapsnapshot-signal`: `kill -USR2 <pid>` dumps a heap snapshot of a running audit. */
  readonly heapsnapshotSignal: boolean;
  /** `--shard i/n`: run the i-th of n deterministic parts of the audit files (vitest's sharding). */
  readonly shard: Shard | undefined;
  /** `--merge-reports`: the positionals are shard report folders to merge into one report; nothing runs. */
  readonly mergeReports: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run audit -- [paths...] [options]
       npm run audit -- --merge-reports DIR... [--out DIR] [--baseline FILE] [--ci] [--json]

Runs every audit (*.audit.ts) under the given files or folders (default: audits/), each in its own
--expose-gc process, and writes reports/audit-report.json. The no-op noise-floor audit always runs.

Options:
  --steps N          planned steps of every soak and batch audit (default: each audit's own, 1e6)
                     accepts 1e6, 36e6, 1_000_000
  --horizon S[xN]    horizon to project growth to: S steps x N instances (default 3.6e6x50)
  --out DIR          where reports go (default: reports)
  --json             print the JSON report to stdout instead of the table
  --seed N           seed handed to every audit's setup (default ${DEFAULT_SEED})
  --jobs N           audits run in parallel, at most the core count (default: the core count)
  --heap-cap MB      --max-old-space-size of each audit process (default ${DEFAULT_HEAP_CAP_MB})
  --hang-timeout S   kill an audit that takes no reading for S seconds (default ${DEFAULT_HANG_TIMEOUT_MS / 1000})
  --no-calibration   skip leak-audit's calibration audits (its audits/calibration), unless
                     given as paths
  --diagnose         take heap snapshots of every audit and report what grows and the path that
                     retains it; by default only failing audits are diagnosed, and of the planted
                     calibration leaks only one that was not caught as planted
  --no-diagnose      no heap-snapshot diagnosis, not even of failing audits
  --keep-snapshots   keep the diagnosis's .heapsnapshot files (in <out>/snapshots; they open in
                     Chrome DevTools' Memory panel); by default they are deleted once analysed
  --snapshot-cap MB  largest heap snapshot a diagnosis may write (default ${DEFAULT_SNAPSHOT_CAP_MB})
  --profile          also run V8's sampling heap profiler during each diagnosis: top allocation
                     sites in the report, a .heapprofile per audit in <out>/profiles (Chrome DevTools)
  --baseline FILE    compare with a previous run's audit-report.json (main's): each audit's
                     heap slope and warm-up is regressed, improved or unchanged, judged on both
                     runs' intervals and the larger of their noise floors
  --fail-on-regression
                     a regression against the baseline fails the run (exit 1), even under budget
                     (on by default with --ci; --no-fail-on-regression turns it off)
  --ci               for CI logs: no colour or redraws, GitHub annotations (::error file=…) for
                     failing audits and regressions (with --shard: left to the merge, so each
                     appears once), --fail-on-regression on
  --heapsnapshot-signal
                     kill -USR2 <pid> (pids are in the progress lines) writes a heap snapshot of
                     that running audit to <out>/snapshots; the audit then gives the event loop a
                     turn between windows, once a second, which makes its readings noisier
  --shard I/N        run only the I-th of N parts of the audit files (vitest's sharding: the
                     same files every time, for CI machines that each take one part); merge the
                     parts' reports with --merge-reports. Not with --baseline: compare the whole run
  --merge-reports    the paths are report folders (or audit-report.json files) of the shards of
                     one run: build the one full report (Markdown, HTML, JSON, JUnit, PR comment)
                     from them; runs no audit. Takes --out, --json, --ci, --baseline,
                     --fail-on-regression, --allowlist and --strict
  --allowlist FILE   accepted findings, by signature, with owner, reason and expiry
                     (default: audits/allowlist.json when it exists)
  --strict           an expired allowlist entry, or one no finding matched, fails the run
  -h, --help         show this help

Exit codes: 0 every verdict matches its expectation (a failure whose every diagnosis finding an
allowlist entry accepts counts as expected); 1 some do not (or an audit errored, or with --strict
an allowlist entry expired or matched nothing, or with --fail-on-regression an audit regressed);
2 a usage or configuration error (bad option, an audit file that fails to load, an invalid budget).`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(value)) throw new AuditConfigError(`--${name}: expected a number, got ${JSON.stringify(text)}`);
  return value;
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  const value = number(name, text);
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new AuditConfigError(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseHorizon(text: string): Horizon {
  const match = /^([^x]+)(?:x(.+))?$/i.exec(text.trim());
  const units = positiveInteger('horizon', match?.[1]);
  const instances = match?.[2] !== undefined ? positiveInteger('horizon', match[2]) : 1;
  if (units === undefined || instances === undefined) {
    throw new AuditConfigError(
      `--horizon: expected STEPS or STEPSxINSTANCES (e.g. 3.6e6x50), got ${JSON.stringify(text)}`,
    );
  }
  return {
    units,
    instances,
    label: `${units.toLocaleString('en')} steps x ${instances} instance${instances === 1 ? '' : 's'}`,
  };
}

/** Options that shape how audits run: meaningless when merging reports of runs already done. */
const RUN_ONLY_OPTIONS = [
  'steps',
  'horizon',
  'seed',
  'jobs',
  'heap-cap',
  'hang-timeout',
  'no-calibration',
  'diagnose',
  'no-diagnose',
  'keep-snapshots',
  'snapshot-cap',
  'profile',
  'heapsnapshot-signal',
  'shard',
] as const;

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new AuditConfigError(`--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** Parses the command line; throws `AuditConfigError` (exit 2) with one line saying what is wrong. */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        steps: { type: 'string' },
        horizon: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        seed: { type: 'string' },
        jobs: { type: 'string' },
        'heap-cap': { type: 'string' },
        'hang-timeout': { type: 'string' },
        'no-calibration': { type: 'boolean' },
        diagnose: { type: 'boolean' },
        'no-diagnose': { type: 'boolean' },
        'keep-snapshots': { type: 'boolean' },
        'snapshot-cap': { type: 'string' },
        allowlist: { type: 'string' },
        profile: { type: 'boolean' },
        strict: { type: 'boolean' },
        'heapsnapshot-signal': { type: 'boolean' },
        baseline: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        'no-fail-on-regression': { type: 'boolean' },
        ci: { type: 'boolean' },
        shard: { type: 'string' },
        'merge-reports': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new AuditConfigError((e as Error).message);
  }
  const v = parsed.values;
  const cores = availableParallelism();
  const jobs = positiveInteger('jobs', v.jobs) ?? cores;
  if (jobs > cores) throw new AuditConfigError(`--jobs: at most the core count (${cores}), got ${jobs}`);
  const seed = number('seed', v.seed) ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed))
    throw new AuditConfigError(`--seed: expected an integer, got ${JSON.stringify(v.seed)}`);
  if (v.diagnose && v['no-diagnose']) throw new AuditConfigError('--diagnose and --no-diagnose contradict each other');
  if (v['fail-on-regression'] && v.baseline === undefined)
    throw new AuditConfigError('--fail-on-regression needs --baseline FILE');
  if (v.profile && v['no-diagnose'])
    throw new AuditConfigError('--profile runs during the diagnosis: it cannot be combined with --no-diagnose');
  if (v['merge-reports']) {
    const runOnly = RUN_ONLY_OPTIONS.filter((name) => v[name] !== undefined);
    if (runOnly.length > 0)
      throw new AuditConfigError(
        `--merge-reports runs no audit: ${runOnly.map((n) => `--${n}`).join(', ')} cannot be used with it`,
      );
    if (parsed.positionals.length === 0)
      throw new AuditConfigError('--merge-reports needs the report folders of the shards to merge');
  }
  const shard = v.shard !== undefined ? parseShard(v.shard) : undefined;
  if (shard && v.baseline !== undefined) {
    throw new AuditConfigError('--baseline compares the whole run, not one shard: give it to --merge-reports');
  }
  return {
    paths: parsed.positionals,
    steps: positiveInteger('steps', v.steps),
    horizon: v.horizon !== undefined ? parseHorizon(v.horizon) : undefined,
    out: v.out ?? 'reports',
    json: v.json ?? false,
    seed,
    jobs,
    heapCapMb: positiveInteger('heap-cap', v['heap-cap']) ?? DEFAULT_HEAP_CAP_MB,
    hangTimeoutMs: (number('hang-timeout', v['hang-timeout']) ?? DEFAULT_HANG_TIMEOUT_MS / 1000) * 1000,
    calibration: !v['no-calibration'],
    diagnose: v.diagnose ? 'all' : v['no-diagnose'] ? 'none' : 'failing',
    keepSnapshots: v['keep-snapshots'] ?? false,
    snapshotCapMb: positiveInteger('snapshot-cap', v['snapshot-cap']) ?? DEFAULT_SNAPSHOT_CAP_MB,
    profile: v.profile ?? false,
    allowlist: v.allowlist,
    strict: v.strict ?? false,
    heapsnapshotSignal: v['heapsnapshot-signal'] ?? false,
    shard,
    mergeReports: v['merge-reports'] ?? false,
    baseline: v.baseline,
    ci: v.ci ?? false,
    failOnRegression: v['no-fail-on-regression'] ? false : (v['fail-on-regression'] ?? v.ci ?? false),
    help: v.help ?? false,
  };
}
