/**
 * Everything that crosses the boundary between the CLI (parent) and an audit process (worker), in one
 * place: the task the parent hands over (an environment variable), the result the worker hands back (a
 * file), the events of the sample stream the parent reads while the worker runs, and the global that
 * holds the subject for the diagnosis' heap snapshots. Types and names only, so the worker loads
 * nothing it does not need.
 */
import { join } from 'node:path';
import type { DiagnosisPlan, RawDiagnosisRecord } from './diagnosis/types.ts';
import type { AuditError, Horizon, RawAuditRecord, ResolvedAuditOptions, Sample, StopReason } from './model/audit.ts';

/** What the CLI hands every audit process, inside its ChildTask. */
export interface RunSettings {
  /** `--steps`: planned steps for every soak and batch audit. */
  readonly steps?: number;
  /** `--horizon`: the horizon for every soak and batch audit. */
  readonly horizon?: Horizon;
  /** `--seed`. */
  readonly seed: number;
}

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
