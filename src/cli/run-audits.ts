import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, createVitest, type Reporter } from 'vitest/node';
import { AUDIT_PROCESS_FLAGS, safeFileName, streamPath, type ChildTask } from '../protocol.ts';
import type { RunSettings } from '../model/audit.ts';
import { OUTPUT_CAP_BYTES } from '../model/defaults.ts';
import { readStream } from './stream-reader.ts';
import { recoveredOutcome, reportedOutcome, type LoadError } from './recover.ts';
import type { RawAuditRecord } from '../model/audit.ts';
import type { InterruptSignal } from '../model/report.ts';
import { auditPool, type ChildEnd } from './audit-pool.ts';
import { bundleAudits } from './bundle.ts';
import { progressReporter } from './progress.ts';
import type { CliOptions } from './args.ts';
import type { RunInterval } from './concurrency.ts';
import { catchInterrupts } from './interrupt.ts';
import { startMonitor } from './monitor.ts';
import { BUILD_DIR, LOG_DIR } from './out-dir.ts';

export interface AuditRun {
  readonly records: RawAuditRecord[];
  readonly loadErrors: LoadError[];
  readonly wallMs: number;
  /** When each audit file ran, as vitest reported its module starting and ending. */
  readonly intervals: ReadonlyMap<string, RunInterval>;
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: InterruptSignal | null;
}

/** Where a run keeps its audit files' bundles, results and the subjects' output. */
export interface RunDirs {
  readonly buildDir: string;
  readonly logDir: string;
}

/** A subject's log file: its audit file's path, made into one file name. */
export function logPath(logDir: string, auditFile: string): string {
  return join(logDir, `${safeFileName(relative(process.cwd(), auditFile))}.log`);
}

/** What a run of audit processes needs besides the files: what each one does, and with which Node options. */
export interface ProcessRun {
  readonly files: readonly string[];
  readonly cli: Pick<CliOptions, 'heapCapMb' | 'jobs'>;
  /** Run only vitest's share of the files for this shard. */
  readonly shard?: CliOptions['shard'];
  readonly dirs: RunDirs;
  readonly task: (file: string) => Omit<ChildTask, 'resultFile'>;
  readonly execArgv: readonly string[];
  readonly reporters: readonly Reporter[];
  readonly onEnd: (end: ChildEnd) => void;
}

/**
 * Runs audit files through vitest, each in a bare audit process of its own (cli/audit-pool.ts), with
 * --shard as vitest splits the files. Returns the vitest instance, running, and the files it chose;
 * `run()` then runs them.
 */
export async function auditVitest(p: ProcessRun) {
  const bundles = new Map<string, string>();
  const buildErrors = new Map<string, string>();
  const pool = auditPool({
    entry: (file) => {
      const bundle = bundles.get(file);
      return bundle ? { args: [bundle] } : { error: buildErrors.get(file) ?? 'no bundle was built for it' };
    },
    execArgv: [...AUDIT_PROCESS_FLAGS, `--max-old-space-size=${p.cli.heapCapMb}`, ...p.execArgv],
    task: p.task,
    workDir: p.dirs.buildDir,
    logFile: (file) => logPath(p.dirs.logDir, file),
    onEnd: p.onEnd,
  });
  const vitest = await withoutExitOnSignal(() =>
    createVitest('test', {
      watch: false,
      config: false,
      include: ['**/*.audit.ts'],
      pool,
      isolate: true,
      fileParallelism: true,
      maxWorkers: p.cli.jobs,
      // No reporter at all would be vitest's default one, whose output is not ours to print.
      reporters: p.reporters.length > 0 ? [...p.reporters] : [{}],
      passWithNoTests: true,
      ...(p.shard ? { shard: `${p.shard.index}/${p.shard.count}` } : {}),
    }),
  );
  const project = vitest.getRootProject();
  const specifications = p.files.map((file) => project.createSpecification(file));
  // The pool takes this shard's files itself; the same sequencer says which, for the bookkeeping.
  const chosen = p.shard
    ? (await new BaseSequencer(vitest).shard(specifications)).map((s) => s.moduleId).sort()
    : [...p.files];
  const built = await bundleAudits(chosen, p.dirs.buildDir);
  for (const [file, bundle] of built.bundles) bundles.set(file, bundle);
  for (const [file, error] of built.errors) buildErrors.set(file, error);
  return {
    vitest,
    chosen,
    run: async () => {
      try {
        await vitest.runTestSpecifications(specifications);
      } finally {
        await vitest.close();
      }
    },
  };
}

/**
 * Runs `create` and removes the SIGINT and SIGTERM listeners it added: vitest's logger exits the
 * process 1 ms after either, which would end the run without a report. The CLI handles both itself
 * (catchInterrupts).
 */
async function withoutExitOnSignal<T>(create: () => Promise<T>): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const created = await create();
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return created;
}

/**
 * Runs the audit files (with --shard, vitest's choice of them for that shard), each in its own bare
 * audit process: `--expose-gc`, the heap cap, one bundle. Collects each audit's record, and for audits
 * that never reported (killed, out of heap, crashed) rebuilds it from the sample stream they left on disk.
 */
export async function runAudits(files: readonly string[], cli: CliOptions, outDir: string): Promise<AuditRun> {
  const streamDir = join(outDir, '.samples');
  const snapshotDir = join(outDir, 'snapshots');
  const dirs: RunDirs = { buildDir: join(outDir, BUILD_DIR), logDir: join(outDir, LOG_DIR) };
  rmSync(streamDir, { recursive: true, force: true });
  rmSync(dirs.buildDir, { recursive: true, force: true });
  const start = Date.now();
  const ends = new Map<string, ChildEnd>();
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const collector: Reporter = {
    onTestModuleStart(testModule) {
      started.set(testModule.moduleId, Date.now());
    },
    onTestModuleEnd(testModule) {
      ended.set(testModule.moduleId, Date.now());
    },
  };
  const settings: RunSettings = {
    seed: cli.seed,
    ...(cli.steps !== undefined ? { steps: cli.steps } : {}),
    ...(cli.horizon ? { horizon: cli.horizon } : {}),
  };
  // In CI, plain lines whatever the stream claims to be: no redraw escape codes in the log.
  const progressStream = cli.ci
    ? ({ isTTY: false, write: (text: string) => process.stderr.write(text) } as unknown as NodeJS.WriteStream)
    : process.stderr;
  const progress = progressReporter(progressStream, Date.now, cli.heapsnapshotSignal);
  if (cli.heapsnapshotSignal) {
    mkdirSync(snapshotDir, { recursive: true });
    process.stderr.write(
      `Heap snapshots on demand: kill -USR2 <pid of a running audit> writes one to ${snapshotDir}\n`,
    );
  }
  const { vitest, chosen, run } = await auditVitest({
    files,
    cli,
    ...(cli.shard ? { shard: cli.shard } : {}),
    dirs,
    task: (file) => ({ file, settings, streamFile: streamPath(streamDir, file), outputCapBytes: OUTPUT_CAP_BYTES }),
    execArgv: cli.heapsnapshotSignal ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [],
    reporters: [collector],
    onEnd: (end) => ends.set(end.file, end),
  });
  const monitor = startMonitor(chosen, streamDir, cli.hangTimeoutMs, progress.update);
  const interrupts = catchInterrupts(
    () => {
      monitor.killAll();
      void vitest.cancelCurrentRun('keyboard-input');
    },
    () => monitor.killAll(),
  );
  let killed: Map<string, number>;
  try {
    await run();
  } finally {
    // Whatever was still starting when the run was interrupted.
    if (interrupts.signal()) monitor.killAll();
    interrupts.stop();
    killed = monitor.stop();
    progress.done();
  }
  const interrupted = interrupts.signal();

  const records: RawAuditRecord[] = [];
  const loadErrors: LoadError[] = [];
  for (const file of chosen) {
    const end = ends.get(file);
    const outcome =
      reportedOutcome(file, end) ??
      recoveredOutcome(file, end, readStream(streamPath(streamDir, file)), {
        interrupted,
        hungAfterMs: killed.get(file),
        heapCapMb: cli.heapCapMb,
      });
    if ('record' in outcome) records.push(outcome.record);
    else loadErrors.push(outcome.loadError);
  }
  rmSync(dirs.buildDir, { recursive: true, force: true });
  const end = Date.now();
  // A module whose process died may never report its end: it ran, at most, until the run ended.
  const intervals = new Map([...started].map(([file, at]) => [file, { start: at, end: ended.get(file) ?? end }]));
  return { records, loadErrors, wallMs: end - start, intervals, interrupted };
}
