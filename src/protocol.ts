/**
 * Everything that crosses the boundary between the CLI (parent) and an audit process (worker), in one
 * place: the settings the parent hands over, the record the worker hands back (vitest's test meta), the
 * events of the sample stream the parent reads while the worker runs, and the global that holds the
 * subject for the diagnosis' heap snapshots. Types and names only, so the worker loads nothing it
 * does not need.
 */
import { join } from 'node:path';
import type { DiagnosisPlan, RawDiagnosisRecord } from './diagnosis/types.ts';
import type { AuditError, Horizon, RawAuditRecord, ResolvedAuditOptions, Sample, StopReason } from './model/audit.ts';

/** What the CLI hands every audit process (through vitest's `provide` / `inject`). */
export interface RunSettings {
  /** `--steps`: planned steps for every soak and batch audit. */
  readonly steps?: number;
  /** `--horizon`: the horizon for every soak and batch audit. */
  readonly horizon?: Horizon;
  /** `--seed`. */
  readonly seed: number;
  /** Where each audit streams its samples as NDJSON, one file per audit file. */
  readonly streamDir?: string;
  /**
   * Set for a diagnosis run: the snapshot plan of each audit file to diagnose (by absolute path). An
   * audit file run with a plan takes heap snapshots instead of measuring.
   */
  readonly diagnosis?: Readonly<Record<string, DiagnosisPlan>>;
  /**
   * `--heapsnapshot-signal`: Node writes a snapshot on SIGUSR2 from an event-loop handler, which the
   * synchronous windows never let run: the measuring loop yields once every this many ms.
   */
  readonly yieldEveryMs?: number;
}

/** The key of the settings in vitest's provided context. */
export const SETTINGS_KEY = 'leakAudit';

declare module 'vitest' {
  interface ProvidedContext {
    leakAudit: RunSettings;
  }
}

/** What an audit process reports back, as the meta of its one test. */
declare module '@vitest/runner' {
  interface TaskMeta {
    leakAudit?: RawAuditRecord;
    leakAuditDiagnosis?: RawDiagnosisRecord;
  }
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

/** The stream file of an audit file: its path made into one safe file name. */
export function streamPath(streamDir: string, auditFile: string): string {
  return join(streamDir, `${auditFile.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '')}.ndjson`);
}

/**
 * The global property through which a diagnosis run holds the subject while it takes heap snapshots;
 * the snapshot analysis starts retainer paths at it (`subject.…`).
 */
export const SUBJECT_GLOBAL = 'leakAuditSubject';
