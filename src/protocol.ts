/**
 * Everything that crosses the boundary between the CLI (parent) and an audit process (worker), in one
 * place: the task the parent hands over (an environment variable), the result the worker hands back (a
 * file), the events of the sample stream the parent reads while the worker runs, and the global that
 * holds the subject for the diagnosis' heap snapshots. Types and names only, so the worker loads
 * nothing it does not need.
 */
import { join } from 'node:path';
import type { AllocationSite, Finding, SnapshotTaken } from './model/diagnosis.ts';
import type {
  AuditError,
  RawAuditRecord,
  ResolvedAuditOptions,
  RunSettings,
  Sample,
  StopReason,
} from './model/audit.ts';

/**
 * V8's option that sweeps dead ArrayBuffers during the GC that finds them, so that a reading needs one
 * forced GC, not two (worker/sampler.ts). Every audit process runs with it.
 */
export const SYNC_ARRAY_BUFFER_SWEEPING = '--no-concurrent-array-buffer-sweeping';

/**
 * V8's option that runs the whole GC on the audit's own thread: with one audit process per core, V8's
 * parallel and concurrent GC threads only take CPU from the other audits (measured in AUDIT.md, Isolation).
 */
const SINGLE_THREADED_GC = '--single-threaded-gc';

/** Node options of every audit process, before the heap cap and what a run adds. */
export const AUDIT_PROCESS_FLAGS: readonly string[] = ['--expose-gc', SYNC_ARRAY_BUFFER_SWEEPING, SINGLE_THREADED_GC];

/** The environment variable through which an audit process receives its ChildTask, as JSON. */
export const CHILD_TASK_ENV = 'LEAK_AUDIT_TASK';

/** The environment variable through which a watched program's preload receives its ProgramTask, as JSON. */
export const PROGRAM_TASK_ENV = 'LEAK_AUDIT_PROGRAM';

/**
 * What `leak-audit run` asks of the preload it loads into a watched Node program (program/preload.ts):
 * where to write its sample stream, how often to read, and what the x axis counts.
 */
export interface ProgramTask {
  /**
   * The sample stream: a command watched from outside writes this file; each Node process a program's
   * tree runs writes its own, `processStreamFile(streamFile, pid)`.
   */
  readonly streamFile: string;
  /** The CLI's pid: while it is alive, someone reads the stream (and will stop the program). */
  readonly watcherPid: number;
  readonly intervalMs: number;
  /** `second`: the program's time since it started; anything else: the progress it reports (`progress(n)`). */
  readonly per: string;
  /** The stream's start event, but for what only the program knows (its pid, its heap limit). */
  readonly start: Omit<StartEvent, 'type' | 'pid' | 'heapCapBytes'>;
  /**
   * A diagnosis watch: heap snapshots written into `dir` at these times since the program started, each
   * listed as a SnapshotTaken line in `dir`/PROGRAM_SNAPSHOTS_FILE, by the first process to start that
   * runs `process` (the one the first watch judged: ProcessIdentity).
   */
  readonly snapshots?: {
    readonly dir: string;
    readonly atMs: readonly number[];
    readonly process: ProcessIdentity;
  };
}

/**
 * Which of a watched program's Node processes one is, the same from one watch to the next: its script
 * (`process.argv[1]`, or null for `node -e`) and how many measured processes it runs under (0 for the
 * first: a launcher's child, or a cluster's worker, is 1).
 */
export interface ProcessIdentity {
  readonly script: string | null;
  readonly depth: number;
}

/** The stream one Node process of a watched program writes: every one of them is measured. */
export function processStreamFile(streamFile: string, pid: number): string {
  return `${streamFile}.${pid}`;
}

/**
 * Set in the environment by each measured process for its children, as JSON ({ pid, depth }): who
 * measures above them, so that each knows its depth. The CLI removes it from a program it starts.
 */
export const PROGRAM_MEASURED_ENV = 'LEAK_AUDIT_PROGRAM_MEASURED_BY';

/** The list of a diagnosis watch's snapshots, one JSON SnapshotTaken per line, in their folder. */
export const PROGRAM_SNAPSHOTS_FILE = 'taken.ndjson';

/** The global (`Symbol.for`) through which a watched program reports its progress: leak-audit's `progress(n)`. */
export const PROGRESS_SYMBOL = 'leak-audit.progress';

/** One audit process's whole assignment: one audit file, measured or diagnosed. */
export interface ChildTask {
  /** The audit file, as the CLI and the reports name it (the process loads a bundle of it). */
  readonly file: string;
  readonly settings: RunSettings;
  /** Set for a diagnosis run: the process takes heap snapshots by this plan instead of measuring. */
  readonly diagnosis?: DiagnosisPlan;
  /** Where the process writes its ChildResult, once, as it ends. */
  readonly resultFile: string;
  /** The sample stream (measuring only). */
  readonly streamFile?: string;
  /** Bytes of the subject's stdout and stderr kept in its log; the rest is counted, not written. */
  readonly outputCapBytes: number;
}

/**
 * What an audit process reports as it ends. A process that dies first reports nothing: the parent then
 * has its sample stream, its exit code or signal, and its log.
 */
export type ChildResult =
  | { readonly kind: 'measured'; readonly record: RawAuditRecord; readonly output: OutputCount }
  | { readonly kind: 'diagnosed'; readonly record: RawDiagnosisRecord; readonly output: OutputCount }
  /** The file did not load, or did not declare exactly one audit with valid options. */
  | { readonly kind: 'load-error'; readonly message: string; readonly output: OutputCount };

/** How much the subject wrote to stdout and stderr, and how much of it is in the log. */
export interface OutputCount {
  readonly bytes: number;
  readonly droppedBytes: number;
}

/**
 * The sample stream: NDJSON, one event per line, appended synchronously by the audit process (so a
 * killed or crashed audit leaves what it had measured) and read by the parent's monitor and crash
 * recovery. In order: one `start`, then `sample` (the first at 0 units) and `window` events as they
 * happen, then one `end` unless the process died.
 */
export type StreamEvent = StartEvent | WindowEvent | SampleEvent | EndEvent;

export interface StartEvent {
  readonly type: 'start';
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly pid: number;
  readonly options: ResolvedAuditOptions;
  readonly heapCapBytes: number;
  /**
   * A watched program's process: which one it is, the measured process it runs under, and when its
   * readings' clock started (epoch ms: a child starts after the command, and its `ms` counts from there).
   */
  readonly process?: ProcessIdentity & { readonly parentPid: number | null; readonly startedAt: number };
}

/** A window of units about to run: where the process was if nothing follows. */
export interface WindowEvent {
  readonly type: 'window';
  readonly from: number;
  readonly to: number;
}

export interface SampleEvent extends Sample {
  readonly type: 'sample';
}

export interface EndEvent {
  readonly type: 'end';
  readonly stopReason: StopReason | null;
  readonly collection: RawAuditRecord['collection'];
  readonly handles: RawAuditRecord['handles'];
  readonly error: AuditError | null;
  readonly timings: RawAuditRecord['timings'];
}

/** A path made into one safe file name: `audits/x.audit.ts` → `audits_x.audit.ts`. */
export function safeFileName(path: string): string {
  return path.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '');
}

/** The stream file of an audit file: its path made into one safe file name. */
export function streamPath(streamDir: string, auditFile: string): string {
  return join(streamDir, `${safeFileName(auditFile)}.ndjson`);
}

/**
 * The global property through which a diagnosis run holds the subject while it takes heap snapshots;
 * the snapshot analysis starts retainer paths at it (`subject.…`).
 */
export const SUBJECT_GLOBAL = 'leakAuditSubject';

// The diagnosis run: its plan (CLI → audit process) and its record (audit process → CLI).

/** How the diagnosis run of one audit takes its snapshots (planned by the CLI from the verdict run). */
export interface DiagnosisPlan {
  /**
   * Units (steps or cycles) done at each snapshot, increasing: the first past the verdict run's warm-up,
   * then doubling (W, 2W, 4W), so that an array's store, which grows by half its size at a time, has
   * grown in every interval.
   */
  readonly snapshotUnits: readonly number[];
  /** Directory the snapshots are written to. */
  readonly dir: string;
  /** A snapshot larger than this ends the run: no further snapshot is taken. */
  readonly maxSnapshotBytes: number;
  /**
   * `--profile`: where to write a `.heapprofile` of V8's sampling heap profiler, run from the first
   * snapshot to the last (what it reports are allocations of that span still alive at its end). null: off.
   */
  readonly profileFile: string | null;
}

/** What the diagnosis process reports. */
export interface RawDiagnosisRecord {
  readonly id: string;
  readonly file: string;
  readonly plan: DiagnosisPlan;
  readonly snapshots: SnapshotTaken[];
  /** Why fewer snapshots than planned were taken, when so. */
  readonly cutShort: string | null;
  readonly error: string | null;
  readonly ms: number;
  /** With --profile: the top allocation sites, and the .heapprofile file (opens in Chrome DevTools). */
  readonly allocationSites: readonly AllocationSite[] | null;
  readonly profileFile: string | null;
}

// The snapshot analysis process (diagnosis/analyse-main.ts): its input file and its output file.

/** One snapshot to analyse, and the units done when it was taken. */
export interface SnapshotFile {
  readonly file: string;
  readonly units: number;
}

/** What the CLI writes for the analysis process: one audit's snapshots. */
export interface AnalysisInput {
  readonly snapshots: readonly SnapshotFile[];
  /** Churn: growth is counted per instance lifecycle. */
  readonly perInstance: boolean;
}

/** What the analysis process writes back: the findings (and where growth no path names was), or why there are none. */
export type AnalysisOutput =
  { readonly findings: Finding[]; readonly unretained: UnretainedGrowth | null } | { readonly error: string };

/**
 * When no finding names what grew: V8's and Node's own classes that grew between the first snapshot and
 * the last (the largest first, bytes), and the heap's size in each of those two snapshots.
 */
export interface UnretainedGrowth {
  readonly machinery: readonly { readonly className: string; readonly bytes: number }[];
  readonly heapBytes: readonly [first: number, last: number];
}
