import { mkdirSync, rmSync } from 'node:fs';
import { BaseSequencer, createVitest, type Reporter, type TestCase, type TestModule } from 'vitest/node';
import { type RunSettings, SETTINGS_KEY, streamPath } from '../protocol.ts';
import { readStream, type StreamContents } from './stream-reader.ts';
import type { AuditError, RawAuditRecord } from '../model/audit.ts';
import type { InterruptSignal } from '../model/report.ts';
import { progressReporter } from './progress.ts';
import type { CliOptions } from './args.ts';
import type { RunInterval } from './concurrency.ts';
import { catchInterrupts } from './interrupt.ts';
import { startMonitor } from './monitor.ts';

/** An audit file that could not be loaded (bad options, a syntax error): a configuration error. */
export interface LoadError {
  readonly file: string;
  readonly message: string;
}

export interface AuditRun {
  readonly records: RawAuditRecord[];
  readonly loadErrors: LoadError[];
  readonly wallMs: number;
  /** When each audit file ran, as vitest reported its module starting and ending. */
  readonly intervals: ReadonlyMap<string, RunInterval>;
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: InterruptSignal | null;
}

/** With --heapsnapshot-signal, how often a measuring loop lets the event loop (and the signal) in. */
const SIGNAL_YIELD_MS = 1000;

/**
 * tsx's loader by absolute URL: `--import tsx` would resolve from the working directory, which in a
 * repository that installed leak-audit need not see leak-audit's own dependencies.
 */
export const TSX_LOADER = import.meta.resolve('tsx');

/** Modules vitest should not transform: all but the audit files themselves. */
const NOT_AN_AUDIT_FILE = /^(?!\.{1,2}\/)(?!.*\.audit\.[cm]?[jt]s$)/;

/**
 * Notes the pids of audit processes that V8 aborted for lack of heap. Their stderr reaches this process
 * through vitest; V8 prints `[pid:0x…]` in its "Last few GCs" block before "heap out of memory". The text
 * still goes to the terminal.
 */
function tapHeapExhaustion(): { stop(): Set<number> } {
  const pids = new Set<number>();
  const original = process.stderr.write;
  process.stderr.write = function (this: typeof process.stderr, chunk: unknown, ...rest: unknown[]) {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    if (text.includes('Last few GCs') || text.includes('heap out of memory')) {
      for (const match of text.matchAll(/\[(\d+):0x[0-9a-f]+\]/g)) pids.add(Number(match[1]));
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  return {
    stop() {
      process.stderr.write = original;
      return pids;
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

/** Rebuilds the record of an audit whose process never reported: from what it had streamed to disk. */
function recordFromStream(file: string, stream: StreamContents, cause: AuditError): RawAuditRecord | null {
  if (!stream.start) return null;
  return {
    id: stream.start.id,
    name: stream.start.name,
    file,
    options: stream.start.options,
    pid: stream.start.pid,
    node: process.version,
    heapCapBytes: stream.start.heapCapBytes,
    samples: stream.samples,
    stopReason: 'error',
    collection: stream.end?.collection ?? null,
    handles: stream.end?.handles ?? null,
    error: cause,
    timings: stream.end?.timings ?? { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 },
  };
}

/** `4 s`, `2.5 s`, `1.2e+5 s`. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** What ended an audit that never reported, with where it was and the units done, from its stream. */
interface Death {
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: InterruptSignal | null;
  /** How long the watchdog waited before it killed the process, if it did. */
  readonly hungAfterMs: number | undefined;
  readonly outOfHeap: boolean;
}

function causeOfDeath(stream: StreamContents, death: Death, cli: CliOptions): AuditError {
  const at = stream.lastWindow?.from ?? stream.samples.at(-1)?.at;
  const during = stream.lastWindow ? ` during units ${stream.lastWindow.from}–${stream.lastWindow.to}` : '';
  const cause = (kind: AuditError['kind'], message: string): AuditError => ({
    kind,
    message,
    ...(at !== undefined ? { at } : {}),
  });
  const where = during || ' before its first reading';
  if (death.interrupted) {
    return cause(
      'interrupted',
      `the run was interrupted (${death.interrupted})${during}; the samples before it are kept`,
    );
  }
  if (death.hungAfterMs !== undefined) {
    return cause('hung', `no reading for ${formatSeconds(death.hungAfterMs)}${where}; the process was killed`);
  }
  if (death.outOfHeap) {
    const limit = stream.start ? `, V8 heap limit ${Math.round(stream.start.heapCapBytes / 2 ** 20)} MB` : '';
    return cause('heap-exhausted', `V8 ran out of heap (--heap-cap ${cli.heapCapMb} MB${limit})${where}`);
  }
  return cause('crashed', `the audit process died${where} without reporting`);
}

function errorMessages(errors: readonly { message?: string; name?: string }[]): string {
  return errors.map((e) => `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(e)}`).join('; ');
}

/**
 * The vitest configuration of every audit and diagnosis run: forks pool, one process per file,
 * `--expose-gc` and the heap cap.
 */
export function vitestOptions(
  cli: CliOptions,
  settings: RunSettings,
  reporter: Reporter,
  extraExecArgv: readonly string[] = [],
): Parameters<typeof createVitest>[1] {
  return {
    watch: false,
    config: false,
    include: ['**/*.audit.ts'],
    pool: 'forks',
    isolate: true,
    fileParallelism: true,
    maxWorkers: cli.jobs,
    // Everything but the audit files loads natively (TypeScript through tsx): vite's transform routes
    // each imported binding through a getter, which made controller hot loops ~45 % slower.
    execArgv: ['--expose-gc', `--max-old-space-size=${cli.heapCapMb}`, ...extraExecArgv, '--import', TSX_LOADER],
    server: { deps: { external: [NOT_AN_AUDIT_FILE] } },
    reporters: [reporter],
    provide: { [SETTINGS_KEY]: settings },
    passWithNoTests: true,
  };
}

/**
 * Runs the audit files (with --shard, vitest's choice of them for that shard) through vitest's Node API:
 * forks pool, one process per file, `--expose-gc` and a heap cap. Collects each audit's record (test
 * meta), and for audits that never reported (killed, out of heap, crashed) rebuilds it from the sample
 * stream they left on disk.
 */
export async function runAudits(
  files: readonly string[],
  cli: CliOptions,
  streamDir: string,
  snapshotDir: string,
): Promise<AuditRun> {
  rmSync(streamDir, { recursive: true, force: true });
  const start = Date.now();
  const reported = new Map<string, RawAuditRecord>();
  const testErrors = new Map<string, string>();
  let modules: readonly TestModule[] = [];
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const collector: Reporter = {
    onTestModuleStart(testModule) {
      started.set(testModule.moduleId, Date.now());
    },
    onTestModuleEnd(testModule) {
      ended.set(testModule.moduleId, Date.now());
    },
    onTestCaseResult(testCase: TestCase) {
      const record = testCase.meta().leakAudit;
      if (record) reported.set(testCase.module.moduleId, record);
      const errors = testCase.result().errors;
      if (errors?.length) testErrors.set(testCase.module.moduleId, errorMessages(errors));
    },
    onTestRunEnd(testModules) {
      modules = testModules;
    },
  };
  const settings: RunSettings = {
    seed: cli.seed,
    streamDir,
    ...(cli.heapsnapshotSignal ? { yieldEveryMs: SIGNAL_YIELD_MS } : {}),
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
  const onSignal = cli.heapsnapshotSignal ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  const options = vitestOptions(cli, settings, collector, onSignal);
  const vitest = await withoutExitOnSignal(() =>
    createVitest('test', cli.shard ? { ...options, shard: `${cli.shard.index}/${cli.shard.count}` } : options),
  );
  const project = vitest.getRootProject();
  const specifications = files.map((file) => project.createSpecification(file));
  // The pool takes this shard's files itself; the same sequencer says which, for the bookkeeping below.
  const chosen = cli.shard
    ? (await new BaseSequencer(vitest).shard(specifications)).map((s) => s.moduleId).sort()
    : [...files];
  const monitor = startMonitor(chosen, streamDir, cli.hangTimeoutMs, progress.update);
  const heapTap = tapHeapExhaustion();
  const interrupts = catchInterrupts(
    () => {
      monitor.killAll();
      void vitest.cancelCurrentRun('keyboard-input');
    },
    () => monitor.killAll(),
  );
  let killed: Map<string, number>;
  let outOfHeap: Set<number>;
  try {
    await vitest.runTestSpecifications(specifications);
  } finally {
    await vitest.close();
    // Whatever was still starting when the run was interrupted.
    if (interrupts.signal()) monitor.killAll();
    interrupts.stop();
    killed = monitor.stop();
    progress.done();
    outOfHeap = heapTap.stop();
  }
  const interrupted = interrupts.signal();

  const records: RawAuditRecord[] = [];
  const loadErrors: LoadError[] = [];
  for (const file of chosen) {
    const record = reported.get(file);
    if (record) {
      records.push(record);
      continue;
    }
    const stream = readStream(streamPath(streamDir, file));
    const module = modules.find((m) => m.moduleId === file);
    const moduleErrors = module ? errorMessages(module.errors()) : '';
    if (!stream.start && interrupted) {
      loadErrors.push({ file, message: `not run: the run was interrupted (${interrupted}) before it started` });
      continue;
    }
    if (!stream.start) {
      // Never reached its measurement: it failed to load, or declared no audit.
      const message =
        moduleErrors ||
        testErrors.get(file) ||
        (module && [...module.children.allTests()].length === 0
          ? 'declares no audit'
          : 'the audit process died before its audit started');
      loadErrors.push({ file, message });
      continue;
    }
    const testError = testErrors.get(file);
    const death = { interrupted, hungAfterMs: killed.get(file), outOfHeap: outOfHeap.has(stream.start.pid) };
    const cause: AuditError =
      !interrupted && testError && !stream.ended
        ? { kind: 'crashed', message: testError }
        : causeOfDeath(stream, death, cli);
    records.push(recordFromStream(file, stream, cause)!);
  }
  const end = Date.now();
  // A module whose process died may never report its end: it ran, at most, until the run ended.
  const intervals = new Map([...started].map(([file, at]) => [file, { start: at, end: ended.get(file) ?? end }]));
  return { records, loadErrors, wallMs: end - start, intervals, interrupted };
}
