/**
 * `leak-audit run [options] -- node app.js [args]`: a whole program, watched as it runs, judged with
 * the statistics an audit's subject gets. A Node program runs unchanged, with a preload
 * (program/preload.ts) that takes forced-GC readings on its own event loop and writes them to the sample
 * stream; any other command is read from /proc (program/tree-watch.ts). At the end of `--duration` it is
 * stopped (SIGTERM, then SIGKILL after a grace), or it ends by itself. Its readings become one audit
 * record (a soak whose x axis is the program's seconds, or the progress it reports), judged, gated and
 * reported as any audit is. Its options are parsed in program-args.ts.
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
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT_CONFIG, type ExitCode } from '../gate/outcome.ts';
import { judge } from '../analysis/judge.ts';
import { AGREEING_CHECKS } from '../analysis/constants.ts';
import type { AuditError, RawAuditRecord, StopReason, Verdict } from '../model/audit.ts';
import { MAX_EXTENSION_FACTOR } from '../model/defaults.ts';
import { resolveAuditOptions } from '../model/options.ts';
import { ownModule } from '../own-files.ts';
import {
  PROGRAM_MEASURED_ENV,
  PROGRAM_SNAPSHOTS_FILE,
  PROGRAM_TASK_ENV,
  type ProcessIdentity,
  type ProgramTask,
} from '../protocol.ts';
import type { SnapshotTaken } from '../model/diagnosis.ts';
import type { AuditReport } from '../model/report.ts';
import { diagnoseSnapshots } from './run-diagnoses.ts';
import { oneLine } from '../report/escape.ts';
import { AuditConfigError } from '../validate.ts';
import { catchInterrupts } from './interrupt.ts';
import { BUILD_DIR, LOG_DIR, lockOutDir, prepareOutDir } from './out-dir.ts';
import { readStream, type StreamContents } from './stream-reader.ts';
import { chooseProcess, type MeasuredProcess } from './program-process.ts';
import { lastErrorLine, OUT_OF_HEAP } from './recover.ts';
import { readLogTail } from './log-tail.ts';
import { buildReport, finishRun, loadGateInputs, type GateInputs } from './run.ts';
import { parseRunArgs, RUN_USAGE, scriptOf, type ProgramOptions } from './program-args.ts';
import { canWatchTrees, watchTree } from '../program/tree-watch.ts';

/** How long a stopped program has to end after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000;
/** Readings this close to the stop (from the preload's start, which follows the spawn) are not judged. */
const PRELOAD_START_MARGIN_MS = 250;

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
  /**
   * Why the runner stopped it: its --duration was over with a verdict (`duration`), or, watched on past
   * it while its verdict was uncertain, once it had one (`decided`) or at the cap (`cap`); a diagnosis
   * watch that had its snapshots (`finished`); Ctrl-C (`interrupt`). Null when it ended by itself.
   */
  readonly stopCause: StopCause | null;
}

type StopCause = 'duration' | 'decided' | 'cap' | 'finished' | 'interrupt';

/** When a watch stops, besides its --duration and the program's own end. */
interface WatchStops {
  /** The watch has what it came for (a diagnosis' last snapshot): stop now. */
  readonly finished?: () => boolean;
  /**
   * The verdict the readings so far give (`now`: the watch as if it ended here). Asked at the --duration
   * and every interval after it: while it is inconclusive the watch goes on, up to MAX_EXTENSION_FACTOR
   * times the --duration, as an audit's uncertain run is extended past its plan; past the --duration it
   * stops once AGREEING_CHECKS checks in a row give the same verdict (the first check that dips under
   * the budget can be the last reading's fluke).
   */
  readonly verdictNow?: (now: ProgramEnd) => Verdict;
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
  stops: WatchStops = {},
): Promise<ProgramEnd> {
  const log = openSync(logFile, 'w');
  const startedAt = Date.now();
  const [program, ...args] = o.command;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[PROGRAM_MEASURED_ENV];
  const importPreload = `--import=${pathToFileURL(helper).href}`;
  if (o.kind !== 'tree') env[PROGRAM_TASK_ENV] = JSON.stringify(task);
  // Every Node process of the program's tree reads NODE_OPTIONS: the program (its command line as the
  // user wrote it), the Node processes it starts (a launcher's child, a cluster's workers), and a package
  // manager, which the preload leaves alone.
  if (o.kind !== 'tree') env.NODE_OPTIONS = [env.NODE_OPTIONS, importPreload].filter(Boolean).join(' ');
  // A command that is not Node runs under a keeper (program/keeper.ts) that ends it if the CLI is killed.
  const [file, argv] =
    o.kind === 'tree' ? [process.execPath, [helper, String(process.pid), program!, ...args]] : [program!, args];
  const child = spawn(file, argv, {
    env,
    stdio: ['ignore', log, log],
    // Its own process group: the terminal's Ctrl-C reaches the CLI alone, which stops the program and
    // whatever it started, together.
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
  let stopCause: StopCause | null = null;
  let notStarted: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (cause: StopCause) => {
    if (stoppedAfterMs !== null) return;
    stoppedAfterMs = Date.now() - startedAt;
    stopCause = cause;
    signalAll('SIGTERM');
    killTimer = setTimeout(() => signalAll('SIGKILL'), STOP_GRACE_MS);
  };
  // The watch as it would be judged if it were stopped now: the same readings (those of the last
  // PRELOAD_START_MARGIN_MS dropped), so that a verdict seen here is the verdict the report gives.
  const now = (): ProgramEnd => ({
    exitCode: null,
    signal: null,
    stoppedAfterMs: Date.now() - startedAt,
    interrupted: null,
    wallMs: Date.now() - startedAt,
    startedAt,
    notStarted: null,
    stopCause: null,
  });
  const { durationMs } = o;
  let extendedAt: number | null = null;
  const atDuration = () => {
    if (!stops.verdictNow || stops.verdictNow(now()) !== 'inconclusive') return stop('duration');
    extendedAt = Date.now();
    console.error(
      `No verdict at ${durationMs! / 1000} s; watching on until there is one, up to ${(MAX_EXTENSION_FACTOR * durationMs!) / 1000} s (${MAX_EXTENSION_FACTOR}x --duration)…`,
    );
  };
  const deadline = durationMs !== null ? setTimeout(atDuration, durationMs) : undefined;
  const cap =
    durationMs !== null && stops.verdictNow
      ? setTimeout(() => stop('cap'), MAX_EXTENSION_FACTOR * durationMs)
      : undefined;
  // Polled: a watch that has what it came for (a diagnosis' last snapshot) ends before its deadline, and
  // one watched on past it ends once its readings give a verdict (checked every interval).
  let last: Verdict = 'inconclusive';
  let agreeing = 0;
  const poll = setInterval(() => {
    if (stops.finished?.()) return stop('finished');
    if (extendedAt === null || Date.now() - extendedAt < o.intervalMs) return;
    extendedAt = Date.now();
    const verdict = stops.verdictNow!(now());
    agreeing = verdict === 'inconclusive' ? 0 : verdict === last ? agreeing + 1 : 1;
    last = verdict;
    if (agreeing >= AGREEING_CHECKS) stop('decided');
  }, 100);
  const interrupts = catchInterrupts(
    () => stop('interrupt'),
    () => signalAll('SIGKILL'),
  );
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
  clearTimeout(cap);
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
    stopCause: interrupted ? 'interrupt' : stopCause,
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
  let gate: GateInputs;
  try {
    gate = loadGateInputs(o.cli);
    prepareOutDir(outDir, o.cli.out);
    release = lockOutDir(outDir, o.cli.out);
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    console.error(`leak-audit run: ${oneLine(e.message)}`);
    return EXIT_CONFIG;
  }
  try {
    return await watchAndReport(o, outDir, gate);
  } finally {
    release();
  }
}

async function watchAndReport(o: ProgramOptions, outDir: string, gate: GateInputs): Promise<ExitCode> {
  const workDir = join(outDir, BUILD_DIR);
  mkdirSync(join(outDir, LOG_DIR), { recursive: true });
  const refused = cannotWatch(o);
  if (refused) {
    console.error(`leak-audit run: ${refused}`);
    return EXIT_CONFIG;
  }
  const helper = await bundledHelper(o.kind === 'tree' ? 'keeper' : 'preload', workDir);
  const task = programTask(o, workDir);
  const logFile = join(outDir, LOG_DIR, `${o.id}.log`);
  console.error(
    `Watching ${o.command.join(' ')} ${o.durationMs !== null ? `for ${o.durationMs / 1000} s` : 'until it ends'}, a reading every ${o.intervalMs} ms (its output: ${relative(process.cwd(), logFile)})…`,
  );
  // A stream a previous run left (its own, its processes', its diagnosis') must never be read as this one's.
  for (const name of readdirSync(workDir))
    if (name.startsWith(basename(task.streamFile))) rmSync(join(workDir, name), { force: true });
  // The verdict the report would give if the watch stopped now; with no process to judge yet (none has
  // started its readings), an error: nothing to wait for past the --duration.
  const verdictNow = (now: ProgramEnd): Verdict => {
    const judged = judgedProcess(o, task, now, logFile);
    return typeof judged === 'string' ? 'error' : judge(judged.record).verdict;
  };
  const end = await watchProgram(o, helper, task, logFile, { verdictNow });
  const measured = programRecord(o, task, end, logFile);
  if (typeof measured === 'string') {
    console.error(`leak-audit run: ${measured}`);
    return EXIT_CONFIG;
  }
  const { record } = measured;
  const judged = {
    ...buildReport(
      {
        records: [record],
        loadErrors: [],
        wallMs: end.wallMs,
        intervals: new Map([[record.file, { start: end.startedAt, end: end.startedAt + end.wallMs }]]),
        interrupted: end.interrupted,
      },
      o.cli,
    ),
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
      : await withDiagnosis(o, judged, task, measured.identity, helper, outDir);
  return finishRun(report, { cli: o.cli, outDir, ...gate });
}

/** Why this command cannot be watched here, before it is started; null when it can. */
function cannotWatch(o: ProgramOptions): string | null {
  if (o.kind !== 'tree') return null;
  if (!canWatchTrees())
    return `${o.command[0]} is not Node, and its memory can be read only from /proc, which this system does not have (Linux only)`;
  if (!onPath(o.command[0]!)) return `${o.command[0]} could not be started: no such command`;
  return null;
}

/** What the watch is told: where its readings go, how often, and the audit they are an audit record of. */
function programTask(o: ProgramOptions, workDir: string): ProgramTask {
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
  return {
    streamFile: join(workDir, `${o.id}.ndjson`),
    watcherPid: process.pid,
    intervalMs: o.intervalMs,
    per: o.per,
    start: { id: o.id, name: o.name, file: programFile(o), options },
  };
}

/**
 * The watch's readings as one audit record, judged as an audit's; or, as a sentence, why there is none to
 * judge (the command could not be started, no reading was taken, no progress was reported). A Node
 * program's tree may have several measured processes: the one that is the program is chosen
 * (program-process.ts), and the report's description names the others.
 */
function programRecord(
  o: ProgramOptions,
  task: ProgramTask,
  end: ProgramEnd,
  logFile: string,
): MeasuredProcess | string {
  if (end.notStarted) return `${o.command[0]} could not be started: ${end.notStarted}`;
  const judged = judgedProcess(o, task, end, logFile);
  if (typeof judged === 'string') return judged;
  const { record } = judged;
  const stopReason: StopReason =
    end.stopCause === 'decided'
      ? 'decided'
      : end.stopCause === 'cap'
        ? 'extension-cap'
        : end.stoppedAfterMs !== null || end.exitCode === 0
          ? 'planned'
          : 'error';
  return { ...judged, record: { ...record, stopReason, error: endError(end, logFile, record.samples.at(-1)?.at) } };
}

/**
 * The process of the watch to judge, its readings up to the watch's stop as an audit record (the end's
 * error not yet given to it); or, as a sentence, why there is none.
 */
function judgedProcess(
  o: ProgramOptions,
  task: ProgramTask,
  end: ProgramEnd,
  logFile: string,
): MeasuredProcess | string {
  const streams = o.kind === 'tree' ? [readStream(task.streamFile)] : processStreams(task.streamFile);
  const measured = streams.flatMap((stream) => (stream.start ? [processRecord(o, task, end, stream, logFile)] : []));
  if (measured.length === 0) {
    const tail = oneLine(readLogTail(logFile).tail.trim().split('\n').slice(-3).join(' / ')).slice(0, 300);
    const why =
      o.kind === 'node-tree'
        ? 'no Node process it started took readings (does the script run node? any other command can be watched directly, from /proc)'
        : 'the preload never ran (a node before 20.6, which has no --import? a program that clears NODE_OPTIONS?)';
    return `${o.command.join(' ')}: ${why}${tail ? `; its output ends: ${tail}` : ''}`;
  }
  // With --per, only a process that reported progress has an x axis to judge along.
  const progressed = measured.filter(({ record: { samples } }) => samples.some((s) => s.at !== samples[0]?.at));
  if (o.per !== 'second' && progressed.length === 0)
    return `--per ${o.per}: the program reported no progress (progress(n) was never called in its main thread, or never changed)`;
  const candidates = o.per !== 'second' ? progressed : measured;
  const { chosen, description } = chooseProcess(candidates, measured.length);
  const { record } = chosen;
  return {
    ...chosen,
    record: { ...record, options: { ...record.options, description: description ?? record.options.description } },
  };
}

/** The streams of a Node program's measured processes, one per process (processStreamFile). */
function processStreams(streamFile: string): StreamContents[] {
  const dir = dirname(streamFile);
  const prefix = `${basename(streamFile)}.`;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => readStream(join(dir, name)));
}

/** One measured process's readings as an audit record, before the watch's end is known to it. */
function processRecord(
  o: ProgramOptions,
  task: ProgramTask,
  end: ProgramEnd,
  stream: StreamContents,
  logFile: string,
): MeasuredProcess {
  const start = stream.start!;
  // Readings from after the stop are of the program shutting down (its handlers freeing what it held),
  // not of it running: dropped. A sample's time counts from its process's preload, which starts after
  // the command (a child later still), hence the offset and a margin.
  const offsetMs = start.process ? start.process.startedAt - end.startedAt : 0;
  const samples =
    end.stoppedAfterMs === null
      ? stream.samples
      : stream.samples.filter((s) => s.ms + offsetMs < end.stoppedAfterMs! - PRELOAD_START_MARGIN_MS);
  const logBytes = statSync(logFile).size;
  const record: RawAuditRecord = {
    id: o.id,
    name: o.name,
    file: task.start.file,
    options: start.options,
    pid: start.pid,
    node: process.version,
    heapCapBytes: start.heapCapBytes,
    samples,
    stopReason: 'planned',
    collection: null,
    handles: null,
    error: null,
    timings: { startupMs: 0, setupMs: 0, loopMs: end.wallMs, samplingMs: 0, decisionMs: 0 },
    ...(logBytes > 0 ? { output: { log: relative(process.cwd(), logFile), bytes: logBytes, droppedBytes: 0 } } : {}),
  };
  return {
    record,
    identity: { script: start.process?.script ?? null, depth: start.process?.depth ?? 0 },
    startedAt: start.process?.startedAt ?? end.startedAt,
  };
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
  judged: ProcessIdentity,
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
  const diagnosisTask: ProgramTask = {
    ...task,
    streamFile: `${task.streamFile}.diagnosis`,
    snapshots: { dir, atMs, process: judged },
  };
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
  const end = await watchProgram(stopAt, preload, diagnosisTask, log, {
    finished: () => taken().length >= atMs.length,
  });
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
