import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  DEFAULT_ALLOWLIST,
  DEFAULT_HANG_TIMEOUT_MS,
  DEFAULT_HEAP_CAP_MB,
  DEFAULT_OUT_DIR,
  DEFAULT_SEED,
  DEFAULT_SNAPSHOT_CAP_MB,
  DEFAULT_SOAK_HORIZON,
  DEFAULT_STEPS,
  MIN_HEAP_CAP_MB,
} from '../model/defaults.ts';
import { AuditConfigError, integerArg, positiveIntegerArg, positiveNumberArg } from '../validate.ts';
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
  /**
   * The planted subjects: `auto` reuses a record of a full run with this run's provenance and measures
   * the sentinels (cli/calibration.ts), `full` runs them all (--calibrate), `none` runs none (--no-calibration).
   */
  readonly calibration: 'auto' | 'full' | 'none';
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

/** One command-line option: how it parses, its help, and whether it only makes sense when audits run. */
interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's name in the help (`--steps N`). */
  readonly arg?: string;
  readonly short?: string;
  /** The help text, one paragraph; the usage wraps it. */
  readonly help: string;
  /** Shapes how audits run: refused with --merge-reports, which runs none. */
  readonly runOnly?: boolean;
}

/** A number as one would type it here: 1e6, 3.6e6. */
const typed = (n: number) => n.toExponential().replace('e+', 'e');

/** Every option, once: the parser's configuration, the usage text and the run-only list derive from it. */
const OPTIONS = {
  steps: {
    type: 'string',
    arg: 'N',
    runOnly: true,
    help: `planned steps of every soak and batch audit of yours (default: each audit's own, ${typed(DEFAULT_STEPS)}); the planted calibration subjects keep theirs; accepts 1e6, 36e6, 1_000_000`,
  },
  horizon: {
    type: 'string',
    arg: 'S[xN]',
    runOnly: true,
    help: `horizon to project your audits' growth to: S steps x N instances (default ${typed(DEFAULT_SOAK_HORIZON.units)}x${DEFAULT_SOAK_HORIZON.instances}: ${DEFAULT_SOAK_HORIZON.label})`,
  },
  out: { type: 'string', arg: 'DIR', help: `where reports go (default: ${DEFAULT_OUT_DIR})` },
  json: { type: 'boolean', help: 'print the JSON report to stdout instead of the table' },
  seed: {
    type: 'string',
    arg: 'N',
    runOnly: true,
    help: `seed handed to every audit's setup (default ${DEFAULT_SEED})`,
  },
  jobs: {
    type: 'string',
    arg: 'N',
    runOnly: true,
    help: 'audits run in parallel, at most the core count (default: the core count)',
  },
  'heap-cap': {
    type: 'string',
    arg: 'MB',
    runOnly: true,
    help: `--max-old-space-size of each audit process (default ${DEFAULT_HEAP_CAP_MB}, at least ${MIN_HEAP_CAP_MB})`,
  },
  'hang-timeout': {
    type: 'string',
    arg: 'S',
    runOnly: true,
    help: `kill an audit that takes no reading for S seconds (default ${DEFAULT_HANG_TIMEOUT_MS / 1000})`,
  },
  calibrate: {
    type: 'boolean',
    runOnly: true,
    help:
      'run every planted calibration subject (its audits/calibration) and record the result; by default a record ' +
      'of such a run on this machine, with this Node, harness and flags, is reused, and only two sentinels run again',
  },
  'no-calibration': {
    type: 'boolean',
    runOnly: true,
    help: "skip leak-audit's calibration audits (its audits/calibration), unless given as paths",
  },
  diagnose: {
    type: 'boolean',
    runOnly: true,
    help:
      'take heap snapshots of every audit and report what grows and the path that retains it; by default ' +
      'only failing audits are diagnosed, and of the planted calibration leaks only one that was not caught as planted',
  },
  'no-diagnose': { type: 'boolean', runOnly: true, help: 'no heap-snapshot diagnosis, not even of failing audits' },
  'keep-snapshots': {
    type: 'boolean',
    runOnly: true,
    help:
      "keep the diagnosis's .heapsnapshot files (in <out>/snapshots; they open in Chrome DevTools' Memory " +
      'panel); by default they are deleted once analysed',
  },
  'snapshot-cap': {
    type: 'string',
    arg: 'MB',
    runOnly: true,
    help: `largest heap snapshot a diagnosis may write (default ${DEFAULT_SNAPSHOT_CAP_MB})`,
  },
  profile: {
    type: 'boolean',
    runOnly: true,
    help:
      "also run V8's sampling heap profiler during each diagnosis: top allocation sites in the report, a " +
      '.heapprofile per audit in <out>/profiles (Chrome DevTools)',
  },
  baseline: {
    type: 'string',
    arg: 'FILE',
    help:
      "compare with a previous run's audit-report.json (main's): each audit's heap slope and warm-up is " +
      "regressed, improved or unchanged, judged on both runs' intervals and the larger of their noise floors",
  },
  'fail-on-regression': {
    type: 'boolean',
    help:
      'a regression against the baseline fails the run (exit 1), even under budget (on by default with --ci; ' +
      '--no-fail-on-regression turns it off)',
  },
  'no-fail-on-regression': { type: 'boolean', help: 'a regression is reported, but does not fail the run' },
  ci: {
    type: 'boolean',
    help:
      'for CI logs: no colour or redraws, GitHub annotations (::error file=…) for failing audits and ' +
      'regressions (with --shard: left to the merge, so each appears once), --fail-on-regression on',
  },
  'heapsnapshot-signal': {
    type: 'boolean',
    runOnly: true,
    help:
      'kill -USR2 <pid> (pids are in the progress lines) writes a heap snapshot of that running audit to ' +
      '<out>/snapshots; the audit then gives the event loop a turn between windows, once a second, which ' +
      'makes its readings noisier',
  },
  shard: {
    type: 'string',
    arg: 'I/N',
    runOnly: true,
    help:
      "run only the I-th of N parts of the audit files (vitest's sharding: the same files every time, for CI " +
      "machines that each take one part); merge the parts' reports with --merge-reports. Not with " +
      '--baseline: compare the whole run',
  },
  'merge-reports': {
    type: 'boolean',
    help:
      'the paths are report folders (or audit-report.json files) of the shards of one run: build the one ' +
      'full report (Markdown, HTML, JSON, JUnit, PR comment) from them; runs no audit. Takes --out, --json, ' +
      '--ci, --baseline, --fail-on-regression, --allowlist and --strict',
  },
  allowlist: {
    type: 'string',
    arg: 'FILE',
    help: `accepted findings, by signature, with owner, reason and expiry (default: ${DEFAULT_ALLOWLIST} when it exists)`,
  },
  strict: { type: 'boolean', help: 'an expired allowlist entry, or one no finding matched, fails the run' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** How an option parses: for another command that takes some of these (`leak-audit run`). */
export function optionType(name: OptionName): 'string' | 'boolean' {
  return OPTIONS[name].type;
}

/** The options as node:util's parseArgs takes them. */
const PARSE_CONFIG = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, spec]) => [
    name,
    { type: spec.type, ...('short' in spec ? { short: spec.short } : {}) },
  ]),
) as { [K in OptionName]: { type: (typeof OPTIONS)[K]['type']; short?: string } };

/** Options that shape how audits run: meaningless when merging reports of runs already done. */
const RUN_ONLY_OPTIONS = (Object.keys(OPTIONS) as OptionName[]).filter((name) => 'runOnly' in OPTIONS[name]);

const HELP_COLUMN = 21;
const HELP_WIDTH = 104;

/** `text` wrapped to lines of at most `width` characters, each after `indent` spaces. */
function wrap(text: string, indent: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function optionHelp(name: OptionName): string {
  const spec: OptionSpec = OPTIONS[name];
  const flag = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
  const [first, ...rest] = wrap(spec.help, HELP_COLUMN, HELP_WIDTH);
  const pad = ' '.repeat(HELP_COLUMN);
  const head = flag.length < HELP_COLUMN - 1 ? [`${flag.padEnd(HELP_COLUMN)}${first}`] : [flag, `${pad}${first}`];
  return [...head, ...rest.map((l) => `${pad}${l}`)].join('\n');
}

export const USAGE = `Usage: leak-audit [paths...] [options]          (npx leak-audit, or npm run audit -- here)
       leak-audit --merge-reports DIR... [--out DIR] [--baseline FILE] [--ci] [--json]
       leak-audit run [options] -- node app.js [args...]   (a whole program: leak-audit run --help)

Runs every audit (*.audit.ts) under the given files or folders (default: audits/), each in its own
--expose-gc process, and writes reports/audit-report.json. The no-op noise-floor audit always runs.

Options:
${(Object.keys(OPTIONS) as OptionName[]).map(optionHelp).join('\n')}

Exit codes: 0 every verdict matches its expectation (a failure whose every diagnosis finding an
allowlist entry accepts counts as expected); 1 some do not (or an audit errored, or with --strict
an allowlist entry expired or matched nothing, or with --fail-on-regression an audit regressed);
2 a usage or configuration error (bad option, an audit file that fails to load, an invalid budget,
an --out folder it cannot write to, or one another run is using); 3 the harness failed (a report
could not be written); 130 interrupted (Ctrl-C, SIGTERM): the reports hold what was measured.`;

export function parseHorizon(text: string): Horizon {
  const match = /^([^x]+)(?:x(.+))?$/i.exec(text.trim());
  if (!match?.[1]) {
    throw new AuditConfigError(
      `--horizon: expected STEPS or STEPSxINSTANCES (e.g. 3.6e6x50), got ${JSON.stringify(text)}`,
    );
  }
  const units = positiveIntegerArg('--horizon', match[1]);
  const instances = match[2] !== undefined ? positiveIntegerArg('--horizon', match[2]) : 1;
  return {
    units,
    instances,
    label: `${units.toLocaleString('en')} steps x ${instances} instance${instances === 1 ? '' : 's'}`,
  };
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new AuditConfigError(`--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

function heapCap(mb: number | undefined): number {
  if (mb !== undefined && mb < MIN_HEAP_CAP_MB) {
    throw new AuditConfigError(
      `--heap-cap: at least ${MIN_HEAP_CAP_MB} MB (an audit process needs that to start), got ${mb}`,
    );
  }
  return mb ?? DEFAULT_HEAP_CAP_MB;
}

/** Parses the command line; throws `AuditConfigError` (exit 2) with one line saying what is wrong. */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: PARSE_CONFIG,
    });
  } catch (e) {
    throw new AuditConfigError((e as Error).message);
  }
  const v = parsed.values;
  /** The option's value read by `read`, or undefined when it was not given. */
  const given = <T>(name: OptionName & keyof typeof v, read: (option: string, text: string) => T): T | undefined => {
    const text = v[name];
    return typeof text === 'string' ? read(`--${name}`, text) : undefined;
  };
  const cores = availableParallelism();
  const jobs = given('jobs', positiveIntegerArg) ?? cores;
  if (jobs > cores) throw new AuditConfigError(`--jobs: at most the core count (${cores}), got ${jobs}`);
  const seed = given('seed', integerArg) ?? DEFAULT_SEED;
  if (v.diagnose && v['no-diagnose']) throw new AuditConfigError('--diagnose and --no-diagnose contradict each other');
  if (v.calibrate && v['no-calibration'])
    throw new AuditConfigError('--calibrate and --no-calibration contradict each other');
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
  const shard = given('shard', (_, text) => parseShard(text));
  if (shard && v.baseline !== undefined) {
    throw new AuditConfigError('--baseline compares the whole run, not one shard: give it to --merge-reports');
  }
  return {
    paths: parsed.positionals,
    steps: given('steps', positiveIntegerArg),
    horizon: given('horizon', (_, text) => parseHorizon(text)),
    out: v.out ?? DEFAULT_OUT_DIR,
    json: v.json ?? false,
    seed,
    jobs,
    heapCapMb: heapCap(given('heap-cap', positiveIntegerArg)),
    hangTimeoutMs: (given('hang-timeout', positiveNumberArg) ?? DEFAULT_HANG_TIMEOUT_MS / 1000) * 1000,
    calibration: v.calibrate ? 'full' : v['no-calibration'] ? 'none' : 'auto',
    diagnose: v.diagnose ? 'all' : v['no-diagnose'] ? 'none' : 'failing',
    keepSnapshots: v['keep-snapshots'] ?? false,
    snapshotCapMb: given('snapshot-cap', positiveIntegerArg) ?? DEFAULT_SNAPSHOT_CAP_MB,
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
