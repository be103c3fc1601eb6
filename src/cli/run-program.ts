/**
 * `leak-audit run [options] -- node app.js [args]`: a whole Node program, watched as it runs, judged with
 * the statistics an audit's subject gets. The program runs unchanged, with a preload (program/preload.ts)
 * that takes forced-GC readings on its own event loop and writes them to the sample stream; at the end
 * of `--duration` it is stopped (SIGTERM, then SIGKILL after a grace), or it ends by itself. Its readings
 * become one audit record (a soak whose x axis is the program's seconds, or the progress it reports),
 * judged, gated and reported as any audit is.
 */
import { spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, delimiter, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EXIT_CONFIG, type ExitCode } from '../gate/outcome.ts';
import { DEFAULT_HORIZON_BUDGET_BYTES } from '../model/defaults.ts';
import type { AuditError, RawAuditRecord } from '../model/audit.ts';
import { auditId, resolveAuditOptions } from '../model/options.ts';
import { ownModule } from '../own-files.ts';
import { PROGRAM_MEASURED_ENV, PROGRAM_SNAPSHOTS_FILE, PROGRAM_TASK_ENV, type ProgramTask } from '../protocol.ts';
import type { SnapshotTaken } from '../model/diagnosis.ts';
import type { AuditReport } from '../model/report.ts';
import { diagnoseSnapshots } from './run-diagnoses.ts';
import { oneLine } from '../report/escape.ts';
import { AuditConfigError } from '../validate.ts';
import { parseCli, type CliOptions } from './args.ts';
import { catchInterrupts } from './interrupt.ts';
import { BUILD_DIR, LOG_DIR, lockOutDir, prepareOutDir } from './out-dir.ts';
import { readStream } from './stream-reader.ts';
import { lastErrorLine, OUT_OF_HEAP } from './recover.ts';
import { readLogTail } from './log-tail.ts';
import { buildReport, gateAndWrite } from './run.ts';
import { canWatchTrees, watchTree } from '../program/tree-watch.ts';

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
/** How long a stopped program has to end after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000;
/** Readings this close to the stop (from the preload's start, which follows the spawn) are not judged. */
const PRELOAD_START_MARGIN_MS = 250;

export const RUN_USAGE = `Usage: leak-audit run [options] -- node <script> [args...]
       leak-audit run [options] -- npm run <script>        (npx, pnpm, yarn too)
       leak-audit run [options] -- <any command> [args...]  (python3 sim.py, a binary; Linux)

Runs a Node program unchanged, takes a forced-GC reading of its memory every --interval on its own event
loop, stops it after --duration (or lets it end), and judges its growth with the statistics of an audit:
warm-up, steady slope with its 99 % interval, the budget over --horizon. Reports go to --out as for audits.
A package manager's script: the first Node process it starts that is not the package manager. Any other
command is read from outside: its process tree's resident set, open files and threads from /proc, with
no forced GC and no diagnosis.

Options:
  --duration T    how long to watch, then stop it gracefully (SIGTERM): 30s, 10m, 2h (default: until it ends)
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
  --out DIR, --json, --ci   as for audits
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
 * How a command is watched. `node`: `node [options] script` (or a `.js` script, run with this node), the
 * preload on its command line. `node-tree`: a package manager's script (`npm start`, `npx tsx app.ts`),
 * the preload in NODE_OPTIONS, measuring the first Node process of the tree that is not the package
 * manager itself. `tree`: any other command, its process tree read from /proc (program/tree-watch.ts).
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
        out: { type: 'string' },
        json: { type: 'boolean' },
        ci: { type: 'boolean' },
        help: { type: 'boolean' },
        'no-diagnose': { type: 'boolean' },
        'keep-snapshots': { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    throw new AuditConfigError((e as Error).message);
  }
  const cli = parseCli([
    ...(values.out !== undefined ? ['--out', values.out] : []),
    ...(values.json ? ['--json'] : []),
    ...(values.ci ? ['--ci'] : []),
    '--no-calibration',
    ...(values['no-diagnose'] ? ['--no-diagnose'] : []),
    ...(values['keep-snapshots'] ? ['--keep-snapshots'] : []),
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

/** How the program ended, as the runner saw it. */
interface ProgramEnd {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When the runner stopped it (its --duration was over), ms after it was started; null if it was not. */
  readonly stoppedAfterMs: number | null;
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
  readonly wallMs: number;
  readonly startedAt: number;
  /** Why it could not be started at all (no such command), if so. */
  readonly notStarted: string | null;
}

/**
 * Runs the program with its helper (the preload of a Node program, the keeper of any other command),
 * until it ends or its --duration is over; its stdout and stderr go to `logFile`.
 */
async function watchProgram(
  o: ProgramOptions,
  helper: string,
  task: ProgramTask,
  logFile: string,
  finished: () => boolean = () => false,
): Promise<ProgramEnd> {
  const log = openSync(logFile, 'w');
  const startedAt = Date.now();
  const [program, ...args] = o.command;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[PROGRAM_MEASURED_ENV];
  const importPreload = `--import=${pathToFileURL(helper).href}`;
  if (o.kind !== 'tree') env[PROGRAM_TASK_ENV] = JSON.stringify(task);
  // Every Node process a package manager starts reads NODE_OPTIONS; the preload measures the first that
  // is not the package manager itself.
  if (o.kind === 'node-tree') env.NODE_OPTIONS = [env.NODE_OPTIONS, importPreload].filter(Boolean).join(' ');
  // Its own process group: the terminal's Ctrl-C reaches the CLI alone, which stops the program and
  // whatever it started, together.
  // A command that is not Node runs under a keeper (program/keeper.ts) that ends it if the CLI is killed.
  const [file, argv] =
    o.kind === 'node'
      ? [program!, [importPreload, ...args]]
      : o.kind === 'tree'
        ? [process.execPath, [helper, String(process.pid), program!, ...args]]
        : [program!, args];
  const child = spawn(file, argv, {
    env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  const stopReading = o.kind === 'tree' && child.pid !== undefined ? watchTree(child.pid, task) : () => {};
  const signalAll = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  let stoppedAfterMs: number | null = null;
  let notStarted: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (stoppedAfterMs !== null) return;
    stoppedAfterMs = Date.now() - startedAt;
    signalAll('SIGTERM');
    killTimer = setTimeout(() => signalAll('SIGKILL'), STOP_GRACE_MS);
  };
  const deadline = o.durationMs !== null ? setTimeout(stop, o.durationMs) : undefined;
  // Polled: a watch that has what it came for (a diagnosis' last snapshot) ends before its deadline.
  const poll = setInterval(() => {
    if (finished()) stop();
  }, 100);
  const interrupts = catchInterrupts(stop, () => signalAll('SIGKILL'));
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => {
    child.on('close', (code, sig) => done([code, sig]));
    // Not started at all (no such command): it took no reading, which the caller reports.
    child.on('error', (e) => {
      notStarted = e.message;
      done([null, null]);
    });
  });
  stopReading();
  clearTimeout(deadline);
  clearTimeout(killTimer);
  clearInterval(poll);
  interrupts.stop();
  const interrupted = interrupts.signal();
  return {
    exitCode,
    signal,
    stoppedAfterMs: interrupted ? null : stoppedAfterMs,
    interrupted,
    wallMs: Date.now() - startedAt,
    startedAt,
    notStarted,
  };
}

/** Why the watch ended early, or null: stopped at its duration, or ended by itself with code 0. */
function endError(end: ProgramEnd, logFile: string, at: number | undefined): AuditError | null {
  const where = at !== undefined ? { at } : {};
  if (end.interrupted) {
    return {
      kind: 'interrupted',
      message: `the run was interrupted (${end.interrupted}); the readings before it are kept`,
      ...where,
    };
  }
  if (end.stoppedAfterMs !== null || end.exitCode === 0) return null;
  const tail = readLogTail(logFile).tail;
  if (OUT_OF_HEAP.test(tail)) {
    return {
      kind: 'heap-exhausted',
      message: 'the program ran out of heap; it is judged on the readings it had',
      ...where,
    };
  }
  const how = end.signal ? `was ended by ${end.signal}` : `exited with code ${end.exitCode}`;
  const line = lastErrorLine(tail);
  return { kind: 'crashed', message: `the program ${how}${line ? ` (${line})` : ''}`, ...where };
}

/** `leak-audit run …`: the exit code, as for audits (0 the verdict is what was expected, 1 not, 2 usage). */
export async function runProgramCli(argv: readonly string[]): Promise<ExitCode> {
  let o: ProgramOptions;
  try {
    o = parseRunArgs(argv);
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    console.error(`leak-audit run: ${oneLine(e.message)} (see leak-audit run --help)`);
    return EXIT_CONFIG;
  }
  if (o.help) {
    console.log(RUN_USAGE);
    return 0;
  }
  const outDir = resolve(o.cli.out);
  let release: () => void;
  try {
    prepareOutDir(outDir, o.cli.out);
    release = lockOutDir(outDir, o.cli.out);
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    console.error(`leak-audit run: ${oneLine(e.message)}`);
    return EXIT_CONFIG;
  }
  try {
    return await watchAndReport(o, outDir);
  } finally {
    release();
  }
}

async function watchAndReport(o: ProgramOptions, outDir: string): Promise<ExitCode> {
  const workDir = join(outDir, BUILD_DIR);
  mkdirSync(join(outDir, LOG_DIR), { recursive: true });
  if (o.kind === 'tree' && !canWatchTrees()) {
    console.error(
      `leak-audit run: ${o.command[0]} is not Node, and its memory can be read only from /proc, which this system does not have (Linux only)`,
    );
    return EXIT_CONFIG;
  }
  if (o.kind === 'tree' && !onPath(o.command[0]!)) {
    console.error(`leak-audit run: ${o.command[0]} could not be started: no such command`);
    return EXIT_CONFIG;
  }
  const helper = await bundledHelper(o.kind === 'tree' ? 'keeper' : 'preload', workDir);
  const options = {
    ...resolveAuditOptions(o.name, {
      expect: o.expect,
      steps: Math.max(1, Math.round((o.durationMs ?? 1000) / 1000)),
      budget: o.budgetBytes,
      horizon: { units: o.horizon.units, instances: 1, label: o.horizon.label },
      ...(o.kind === 'tree' ? { description: TREE_DESCRIPTION } : {}),
    }),
    unit: o.per,
    ...(o.kind === 'tree' ? { memory: 'rss' as const } : {}),
  };
  const { id } = o;
  const file = programFile(o);
  const streamFile = join(workDir, `${id}.ndjson`);
  const logFile = join(outDir, LOG_DIR, `${id}.log`);
  const task: ProgramTask = {
    streamFile,
    watcherPid: process.pid,
    intervalMs: o.intervalMs,
    per: o.per,
    start: { id, name: o.name, file, options },
  };
  console.error(
    `Watching ${o.command.join(' ')} ${o.durationMs !== null ? `for ${o.durationMs / 1000} s` : 'until it ends'}, a reading every ${o.intervalMs} ms (its output: ${relative(process.cwd(), logFile)})…`,
  );
  // A stream a previous run left must never be read as this one's.
  rmSync(streamFile, { force: true });
  rmSync(`${streamFile}.diagnosis`, { force: true });
  const end = await watchProgram(o, helper, task, logFile);
  if (end.notStarted) {
    console.error(`leak-audit run: ${o.command[0]} could not be started: ${end.notStarted}`);
    return EXIT_CONFIG;
  }
  const stream = readStream(streamFile);
  if (!stream.start) {
    const tail = oneLine(readLogTail(logFile).tail.trim().split('\n').slice(-3).join(' / ')).slice(0, 300);
    const why =
      o.kind === 'node-tree'
        ? 'no Node process it started took readings (does the script run node? any other command can be watched directly, from /proc)'
        : 'the preload never ran (a node without --import, before 20.6?)';
    console.error(`leak-audit run: ${o.command.join(' ')}: ${why}${tail ? `; its output ends: ${tail}` : ''}`);
    return EXIT_CONFIG;
  }
  // Readings from after the stop are of the program shutting down (its handlers freeing what it held),
  // not of it running: dropped. A sample's time counts from the preload's start, a little after the
  // spawn, hence the margin.
  const samples =
    end.stoppedAfterMs === null
      ? stream.samples
      : stream.samples.filter((s) => s.ms < end.stoppedAfterMs! - PRELOAD_START_MARGIN_MS);
  if (o.per !== 'second' && samples.every((s) => s.at === samples[0]?.at)) {
    console.error(
      `leak-audit run: --per ${o.per}: the program reported no progress (progress(n) was never called in its main thread, or never changed)`,
    );
    return EXIT_CONFIG;
  }
  const record: RawAuditRecord = {
    id,
    name: o.name,
    file,
    options: stream.start.options,
    pid: stream.start.pid,
    node: process.version,
    heapCapBytes: stream.start.heapCapBytes,
    samples,
    stopReason: end.stoppedAfterMs !== null || end.exitCode === 0 ? 'planned' : 'error',
    collection: null,
    handles: null,
    error: endError(end, logFile, stream.samples.at(-1)?.at),
    timings: { startupMs: 0, setupMs: 0, loopMs: end.wallMs, samplingMs: 0, decisionMs: 0 },
    ...(statSync(logFile).size > 0
      ? { output: { log: relative(process.cwd(), logFile), bytes: statSync(logFile).size, droppedBytes: 0 } }
      : {}),
  };
  const built = buildReport(
    {
      records: [record],
      loadErrors: [],
      wallMs: end.wallMs,
      intervals: new Map([[file, { start: end.startedAt, end: end.startedAt + end.wallMs }]]),
      interrupted: end.interrupted,
    },
    o.cli,
  );
  const judged = {
    ...built,
    calibration: {
      source: 'none' as const,
      why: 'a watched program: the planted subjects calibrate audits; this mode is calibrated by its own tests',
      record: null,
      recordFile: null,
      sentinels: [],
    },
  };
  const report =
    o.cli.diagnose === 'none' || o.kind === 'tree' || judged.audits[0]?.verdict !== 'fail'
      ? judged
      : await withDiagnosis(o, judged, task, helper, outDir);
  return gateAndWrite(report, o.cli, outDir);
}

/** What a report says of a command watched from outside: what it measured, and what it cannot see. */
const TREE_DESCRIPTION =
  'Watched from outside: the resident set of the command’s process tree, its open files and threads, ' +
  'read from /proc. No GC can be forced in another runtime, so the series includes what its allocator ' +
  'keeps; and no heap can be walked, so there is no diagnosis (no retainer paths). A Node program, run ' +
  'as node app.js, is measured from inside.';

/** The preload a Node program is started with, or the keeper of any other command, bundled into the run's work folder. */
async function bundledHelper(name: 'preload' | 'keeper', workDir: string): Promise<string> {
  const { bundleScript } = await import('./bundle.ts');
  return bundleScript(fileURLToPath(ownModule(`../program/${name}`, import.meta.url)), join(workDir, `${name}.mjs`));
}

/** Whether a command names a file, or a file on the PATH, that can be run. */
function onPath(command: string): boolean {
  const runnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return runnable(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && runnable(join(dir, command)));
}

/**
 * The program's file, as the reports name an audit's: a Node program's script, or a command's first
 * argument that is a file (`python3 sim.py`); else the folder it ran in (`node -e`, `npm start`).
 */
function programFile(o: ProgramOptions): string {
  const args = o.command.slice(1);
  const script =
    o.kind === 'node'
      ? scriptOf(args)
      : (args.find((a) => !a.startsWith('-') && existsSync(a) && statSync(a).isFile()) ?? null);
  return resolve(script ?? '.');
}

/** Fractions of the watch at which a diagnosis watch writes its snapshots (the first not before the warm-up's end). */
const SNAPSHOT_FRACTIONS = [0.4, 0.7, 0.95];
/** A diagnosis watch lasts until its last snapshot, and at most this many times the first watch. */
const DIAGNOSIS_WATCH_CAP = 2;

/**
 * The program watched a second time, for as long as the first, writing heap snapshots at times chosen
 * from the first watch (after its warm-up), then analysed as an audit's snapshots are: what grows and
 * the path that retains it. Its readings are not judged again.
 */
async function withDiagnosis(
  o: ProgramOptions,
  report: AuditReport,
  task: ProgramTask,
  preload: string,
  outDir: string,
): Promise<AuditReport> {
  const entry = report.audits[0]!;
  const lengthMs = o.durationMs ?? report.run.wallMs;
  const warmupMs = entry.samples.find((s) => s.at >= entry.warmup.steps)?.ms ?? 0;
  const atMs = SNAPSHOT_FRACTIONS.map((f) => f * lengthMs);
  atMs[0] = Math.min(Math.max(atMs[0]!, warmupMs + o.intervalMs), (atMs[0]! + atMs[1]!) / 2);
  const dir = join(outDir, 'snapshots', entry.id);
  rmSync(dir, { recursive: true, force: true });
  console.error(
    `Diagnosing ${entry.id} with heap snapshots, in a second watch of ${(lengthMs / 1000).toFixed(0)} s (--no-diagnose skips this)…`,
  );
  const start = performance.now();
  const diagnosisTask: ProgramTask = { ...task, streamFile: `${task.streamFile}.diagnosis`, snapshots: { dir, atMs } };
  const log = join(outDir, LOG_DIR, `${entry.id}.diagnosis.log`);
  const listed = join(dir, PROGRAM_SNAPSHOTS_FILE);
  const taken = (): SnapshotTaken[] =>
    existsSync(listed)
      ? readFileSync(listed, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .flatMap((line) => {
            try {
              return [JSON.parse(line) as SnapshotTaken];
            } catch {
              return []; // A line cut short by the kill at the watch's cap.
            }
          })
      : [];
  // Snapshots pause the program, which then reaches its last one later than planned: the watch goes on
  // until it has it, for at most twice its length.
  const stopAt = { ...o, durationMs: DIAGNOSIS_WATCH_CAP * lengthMs };
  const end = await watchProgram(stopAt, preload, diagnosisTask, log, () => taken().length >= atMs.length);
  const snapshots = taken();
  const diagnosis = await diagnoseSnapshots(
    entry,
    {
      id: entry.id,
      snapshots,
      cutShort:
        snapshots.length < atMs.length
          ? `the program ended after ${snapshots.length} of ${atMs.length} snapshots`
          : null,
      error: end.interrupted ? `the diagnosis watch was interrupted (${end.interrupted})` : null,
      ms: performance.now() - start,
      allocationSites: null,
      profileFile: null,
    },
    outDir,
    o.cli.keepSnapshots,
  );
  if (!o.cli.keepSnapshots) rmSync(join(outDir, 'snapshots'), { recursive: true, force: true });
  return { ...report, audits: [{ ...entry, diagnosis }] };
}

/** `10 h`, `30 min`, `45 s`: a horizon as its report names it. */
function formatHorizon(ms: number): string {
  if (ms >= 3_600_000) return `${Number((ms / 3_600_000).toPrecision(3))} h`;
  if (ms >= 60_000) return `${Number((ms / 60_000).toPrecision(3))} min`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
