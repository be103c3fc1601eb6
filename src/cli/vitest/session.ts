/**
 * The vitest adapter's front: the only place, with pool.ts beside it, that imports vitest. vitest finds,
 * shards and schedules the audit files; the pool starts one bare audit process per file. Everything else
 * sees `runProcesses(run)`: which files this run (or shard) takes, a way to run them, and a way to stop.
 * vitest's pool API is marked experimental: the version is pinned in package.json to the one this was
 * tested on, and test/shard-merge.test.ts checks the contract (vitest finds, shards, schedules and
 * reports through the pool).
 */
import { join, relative } from 'node:path';
import { BaseSequencer, createVitest, type Reporter } from 'vitest/node';
import { AUDIT_PROCESS_FLAGS, safeFileName, type ChildTask } from '../../protocol.ts';
import type { CliOptions } from '../args.ts';
import { bundleAudits } from '../bundle.ts';
import type { ChildEnd } from '../child-end.ts';
import { auditPool } from './pool.ts';

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
  /** An audit file's process started, and ended (or was given up on), as vitest scheduled them. */
  readonly onStart?: (file: string) => void;
  readonly onFinish?: (file: string) => void;
  /** How each audit process ended, as the pool saw it. */
  readonly onEnd: (end: ChildEnd) => void;
}

/** A run of audit processes, ready: the files it takes, and how to run or stop them. */
export interface ProcessSession {
  /** This run's files: all of them, or this shard's share. */
  readonly chosen: readonly string[];
  /** Runs every chosen file to its end, then closes vitest. */
  run(): Promise<void>;
  /** Stops the run: no more files start (the caller kills the running processes). */
  cancel(): void;
}

/**
 * Prepares audit files to run through vitest, each in a bare audit process of its own (pool.ts), with
 * --shard as vitest splits the files, and bundles the chosen ones; `run()` then runs them.
 */
export async function runProcesses(p: ProcessRun): Promise<ProcessSession> {
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
      // Never vitest's default reporter, whose output is not ours to print.
      reporters: [reporter(p)],
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
    chosen,
    cancel: () => void vitest.cancelCurrentRun('keyboard-input'),
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

/** The module events the caller asked for, as a vitest reporter. */
function reporter(p: ProcessRun): Reporter {
  return {
    onTestModuleStart: (testModule) => p.onStart?.(testModule.moduleId),
    onTestModuleEnd: (testModule) => p.onFinish?.(testModule.moduleId),
  };
}
