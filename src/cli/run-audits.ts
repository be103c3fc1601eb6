import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { streamPath } from '../protocol.ts';
import { settingsFor } from './discover.ts';
import { OUTPUT_CAP_BYTES } from '../model/defaults.ts';
import { readStream } from './stream-reader.ts';
import { recoveredOutcome, reportedOutcome, type LoadError } from './recover.ts';
import type { RawAuditRecord } from '../model/audit.ts';
import type { InterruptSignal } from '../model/report.ts';
import type { ChildEnd } from './child-end.ts';
import { progressReporter } from './progress.ts';
import type { CliOptions } from './args.ts';
import type { RunInterval } from './concurrency.ts';
import { catchInterrupts } from './interrupt.ts';
import { startMonitor } from './monitor.ts';
import { BUILD_DIR, LOG_DIR } from './out-dir.ts';
import { runProcesses } from './vitest/lazy.ts';
import type { RunDirs } from './vitest/session.ts';

export interface AuditRun {
  readonly records: RawAuditRecord[];
  readonly loadErrors: LoadError[];
  readonly wallMs: number;
  /** When each audit file ran, as vitest reported its module starting and ending. */
  readonly intervals: ReadonlyMap<string, RunInterval>;
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: InterruptSignal | null;
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
  const { chosen, run, cancel } = await runProcesses({
    files,
    cli,
    ...(cli.shard ? { shard: cli.shard } : {}),
    dirs,
    task: (file) => ({
      file,
      settings: settingsFor(file, cli),
      streamFile: streamPath(streamDir, file),
      outputCapBytes: OUTPUT_CAP_BYTES,
    }),
    execArgv: cli.heapsnapshotSignal ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [],
    onStart: (file) => started.set(file, Date.now()),
    onFinish: (file) => ended.set(file, Date.now()),
    onEnd: (end) => ends.set(end.file, end),
  });
  const monitor = startMonitor(chosen, streamDir, cli.hangTimeoutMs, progress.update);
  const interrupts = catchInterrupts(
    () => {
      monitor.killAll();
      cancel();
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

/**
 * Two runs one after the other as one: their records in file order, a file measured in both as the
 * second measured it, their wall times added.
 */
export function joinRuns(first: AuditRun, then: AuditRun): AuditRun {
  const again = new Set([...then.records.map((r) => r.file), ...then.loadErrors.map((e) => e.file)]);
  return {
    records: [...first.records.filter((r) => !again.has(r.file)), ...then.records].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
    ),
    loadErrors: [...first.loadErrors.filter((e) => !again.has(e.file)), ...then.loadErrors],
    wallMs: first.wallMs + then.wallMs,
    intervals: new Map([...first.intervals, ...then.intervals]),
    interrupted: then.interrupted ?? first.interrupted,
  };
}
