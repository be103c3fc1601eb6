/**
 * What `leak-audit run [options] -- <command>` is asked: its options, parsed and checked (one line on a
 * mistake), the default interval and horizon, and how the command is watched (ProgramKind). Pure: the
 * watch itself is run-program.ts.
 */
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HORIZON_BUDGET_BYTES, MAX_EXTENSION_FACTOR } from '../model/defaults.ts';
import { auditId } from '../model/options.ts';
import { AuditConfigError } from '../validate.ts';
import { optionType, parseCli, type CliOptions, type OptionName } from './args.ts';

/**
 * Readings a watch of known --duration aims at, by default: a verdict needs 30 uniform readings after the
 * warm-up (MIN_STEADY_SAMPLES), and a program's warm-up (its JIT, its caches filling) can take half the
 * watch. A 30 s watch reads every 250 ms.
 */
export const PROGRAM_READINGS_PER_WATCH = 120;
/** The shortest and longest default interval: a reading is two full GCs on the program's own thread. */
export const MIN_PROGRAM_INTERVAL_MS = 100;
export const MAX_PROGRAM_INTERVAL_MS = 5000;
/** The interval of a watch that lasts until the program ends. */
export const DEFAULT_PROGRAM_INTERVAL_MS = 500;

/** The interval a watch reads at when --interval is not given. */
export function defaultInterval(durationMs: number | null): number {
  if (durationMs === null) return DEFAULT_PROGRAM_INTERVAL_MS;
  const even = durationMs / PROGRAM_READINGS_PER_WATCH;
  return Math.round(Math.min(MAX_PROGRAM_INTERVAL_MS, Math.max(MIN_PROGRAM_INTERVAL_MS, even)));
}
/** The night a program must survive, by default: 10 hours, in seconds. */
export const DEFAULT_PROGRAM_HORIZON_S = 10 * 3600;

export const RUN_USAGE = `Usage: leak-audit run [options] -- node <script> [args...]
       leak-audit run [options] -- npm run <script>        (npx, pnpm, yarn too)
       leak-audit run [options] -- <any command> [args...]  (python3 sim.py, a binary; Linux)

Runs a Node program unchanged, takes a forced-GC reading of its memory every --interval on its own event
loop, stops it after --duration (or lets it end), and judges its growth with the statistics of an audit:
warm-up, steady slope with its 99 % interval, the budget over --horizon, on V8's heap without its machine
code (heapUsed less the code spaces) and off the heap. Reports go to --out as for audits.
Every Node process of its tree measures itself, and the one that is the program is judged (a launcher's
child, such as tsx's; not npm's own process). Any other command is read from outside: its process
tree's resident set, open files and threads from /proc, with no forced GC and no diagnosis.

Options:
  --duration T    how long to watch, then stop it gracefully (SIGTERM): 30s, 10m, 2h (default: until it ends);
                  a watch whose readings give no verdict yet goes on until they do, up to ${MAX_EXTENSION_FACTOR}x
  --horizon T     how long it must run in production (default 10h); with --per, how many units
  --budget BYTES  growth allowed over the horizon: 64MiB, 500MB (default ${DEFAULT_HORIZON_BUDGET_BYTES / 2 ** 20}MiB)
  --interval T    time between readings (default: --duration / ${PROGRAM_READINGS_PER_WATCH}, within ${MIN_PROGRAM_INTERVAL_MS}ms–${MAX_PROGRAM_INTERVAL_MS / 1000}s;
                  ${DEFAULT_PROGRAM_INTERVAL_MS}ms without a duration)
  --per UNIT      judge growth per UNIT of the progress the program reports with leak-audit's
                  progress(n) (requests, steps, ...), not per second
  --name NAME     the program's name in the reports (default: the script's file name)
  --expect leak   the program is known to leak (default: clean)
  --no-diagnose   no heap-snapshot diagnosis: by default a failing program is watched a second time,
                  for as long, and writes three heap snapshots the report compares
  --keep-snapshots  keep them (in <out>/snapshots)
  --out DIR, --json, --ci, --allowlist FILE, --strict, --baseline FILE, --fail-on-regression,
  --no-fail-on-regression   as for audits (leak-audit --help): a finding the allowlist accepts, or a
                  slope compared with a previous watch's audit-report.json
`;

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `10m`, `2h`, `500ms`, or a number of seconds, in milliseconds. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNITS_MS[match[2] ?? 's']! : NaN;
  if (!(ms > 0))
    throw new AuditConfigError(`${option}: expected a duration such as 30s, 10m or 2h, got ${JSON.stringify(text)}`);
  return ms;
}

const UNITS_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

/** `64MiB`, `500MB`, `1e6`, in bytes. */
export function parseBytes(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmg]i?b|b)?$/i.exec(text.trim());
  const bytes = match ? Number(match[1]) * UNITS_BYTES[(match[2] ?? 'b').toLowerCase()]! : NaN;
  if (!(bytes > 0))
    throw new AuditConfigError(`${option}: expected a size such as 64MiB or 500MB, got ${JSON.stringify(text)}`);
  return bytes;
}

/**
 * How a command is watched. `node`: `node [options] script` (or a `.js` script, run with this node).
 * `node-tree`: a package manager's script (`npm start`, `npx tsx app.ts`). Both with the preload in
 * NODE_OPTIONS, which every Node process of the tree measures itself with but the package manager's
 * (cli/program-process.ts judges the one that is the program). `tree`: any other command, its process
 * tree read from /proc (program/tree-watch.ts).
 */
export type ProgramKind = 'node' | 'node-tree' | 'tree';

/** Commands whose Node processes are package managers running a script, not the program. */
const PACKAGE_MANAGERS = new Set(['npm', 'npx', 'pnpm', 'yarn']);

/** How `command` is watched, and the command as it is started (a bare `.js` script runs with this node). */
export function programKind(command: readonly string[]): { kind: ProgramKind; command: readonly string[] } {
  const first = basename(command[0]!).replace(/\.(exe|cmd)$/i, '');
  if (first === 'node' || resolve(command[0]!) === process.execPath) return { kind: 'node', command };
  if (/\.[cm]?js$/.test(first)) return { kind: 'node', command: [process.execPath, ...command] };
  if (PACKAGE_MANAGERS.has(first)) return { kind: 'node-tree', command };
  return { kind: 'tree', command };
}

/** What `leak-audit run` was asked. */
export interface ProgramOptions {
  readonly command: readonly string[];
  readonly kind: ProgramKind;
  readonly durationMs: number | null;
  /** Over what the budget is spread: the seconds it must run (`--horizon 10h`), or units of its progress (`--per`). */
  readonly horizon: { readonly units: number; readonly label: string };
  readonly budgetBytes: number;
  readonly intervalMs: number;
  readonly per: string;
  readonly name: string;
  /** Its id in the reports, from the name as an audit's is (auditId). */
  readonly id: string;
  readonly expect: 'clean' | 'leak';
  readonly cli: CliOptions;
  readonly help: boolean;
}

/** The options of an audit run that a watch takes too, parsed as there and meaning what they mean there (src/cli/args.ts). */
const AUDIT_OPTIONS: readonly OptionName[] = [
  'out',
  'json',
  'ci',
  'no-diagnose',
  'keep-snapshots',
  'allowlist',
  'strict',
  'baseline',
  'fail-on-regression',
  'no-fail-on-regression',
];

/** Parses `run`'s arguments (after the word `run`); throws AuditConfigError with one line on a mistake. */
export function parseRunArgs(argv: readonly string[]): ProgramOptions {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    values = parseArgs({
      args: [...own],
      options: {
        duration: { type: 'string' },
        horizon: { type: 'string' },
        budget: { type: 'string' },
        interval: { type: 'string' },
        per: { type: 'string' },
        name: { type: 'string' },
        expect: { type: 'string' },
        help: { type: 'boolean' },
        ...Object.fromEntries(AUDIT_OPTIONS.map((name) => [name, { type: optionType(name) }])),
      },
    }).values;
  } catch (e) {
    throw new AuditConfigError((e as Error).message);
  }
  // The options a watch shares with an audit run are read, checked and defaulted where the audits' are.
  const cli = parseCli([
    '--no-calibration',
    ...AUDIT_OPTIONS.flatMap((name) => {
      const value = (values as Record<string, string | boolean | undefined>)[name];
      if (value === undefined || value === false) return [];
      return typeof value === 'string' ? [`--${name}`, value] : [`--${name}`];
    }),
  ]);
  const base = { cli, help: values.help ?? false };
  if (base.help)
    return {
      ...base,
      command: [],
      kind: 'node',
      durationMs: null,
      horizon: { units: 1, label: '' },
      budgetBytes: 0,
      intervalMs: 0,
      per: '',
      name: '',
      id: '',
      expect: 'clean',
    };
  if (command.length === 0) throw new AuditConfigError('give the program after --, e.g. leak-audit run -- node app.js');
  const { kind, command: started } = programKind(command);
  if (kind === 'tree' && values.per !== undefined)
    throw new AuditConfigError(
      `--per needs a Node program (progress(n) reaches leak-audit through its preload); ${JSON.stringify(command[0])} is watched from outside, per second`,
    );
  const expect = values.expect ?? 'clean';
  if (expect !== 'clean' && expect !== 'leak')
    throw new AuditConfigError(`--expect: clean or leak, got ${JSON.stringify(expect)}`);
  const durationMs = values.duration !== undefined ? parseDuration('--duration', values.duration) : null;
  const name = values.name ?? defaultName(kind, started);
  return {
    ...base,
    command: started,
    kind,
    durationMs,
    horizon: horizonOf(values.horizon, values.per ?? 'second'),
    budgetBytes: values.budget !== undefined ? parseBytes('--budget', values.budget) : DEFAULT_HORIZON_BUDGET_BYTES,
    intervalMs: values.interval !== undefined ? intervalOf(values.interval) : defaultInterval(durationMs),
    per: values.per ?? 'second',
    name,
    id: auditId(name),
    expect,
  };
}

/** A program's name in the reports: its script's file name, or the command's (`npm start` is `start`). */
function defaultName(kind: ProgramKind, command: readonly string[]): string {
  if (kind === 'node') {
    const script = scriptOf(command.slice(1));
    return script ? basename(script).replace(/\.[cm]?[jt]s$/, '') : 'eval';
  }
  const words = command.slice(1).filter((w) => !w.startsWith('-'));
  // `npm --prefix app run soak` is soak, `npm start` start, `npx tsx app.ts` app; `python3 sim.py` sim.
  const run = words.findIndex((w) => w === 'run' || w === 'run-script');
  const script = kind === 'node-tree' ? (run >= 0 ? words[run + 1] : words.at(-1)) : words[0];
  return basename(script ?? command[0]!).replace(/\.\w+$/, '');
}

/** Node's options whose value is the next argument (`-r dotenv/config app.js`): not the script. */
const NODE_OPTIONS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--inspect-port',
  '--title',
  '--input-type',
  '--stack-size',
  '--max-old-space-size',
  '--max-semi-space-size',
]);

/** The script of `node [options] script [args]`; null for `node -e`/`-p` code, or no script. */
export function scriptOf(nodeArgs: readonly string[]): string | null {
  for (let i = 0; i < nodeArgs.length; i++) {
    const arg = nodeArgs[i]!;
    if (['-e', '--eval', '-p', '--print'].includes(arg)) return null;
    if (arg === '--') return nodeArgs[i + 1] ?? null;
    if (NODE_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

/** An explicit --interval, not below the least a reading's two full GCs allow. */
function intervalOf(text: string): number {
  const ms = parseDuration('--interval', text);
  if (ms < MIN_PROGRAM_INTERVAL_MS)
    throw new AuditConfigError(
      `--interval: at least ${MIN_PROGRAM_INTERVAL_MS}ms (each reading is two full GCs), got ${text}`,
    );
  return ms;
}

/** The horizon in the x axis's units: seconds of a duration, or a count of the program's progress. */
function horizonOf(text: string | undefined, per: string): ProgramOptions['horizon'] {
  if (per === 'second') {
    const ms = text !== undefined ? parseDuration('--horizon', text) : DEFAULT_PROGRAM_HORIZON_S * 1000;
    return { units: Math.max(1, Math.round(ms / 1000)), label: formatHorizon(ms) };
  }
  if (text === undefined)
    throw new AuditConfigError(`--per ${per} needs --horizon N: how many ${per}s it must survive`);
  const units = Number(text);
  if (!Number.isFinite(units) || units < 1)
    throw new AuditConfigError(`--horizon: a count of ${per}s, got ${JSON.stringify(text)}`);
  return { units: Math.round(units), label: `${units.toLocaleString('en')} ${per}s` };
}

/** `10 h`, `30 min`, `45 s`: a horizon as its report names it. */
function formatHorizon(ms: number): string {
  if (ms >= 3_600_000) return `${Number((ms / 3_600_000).toPrecision(3))} h`;
  if (ms >= 60_000) return `${Number((ms / 60_000).toPrecision(3))} min`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
