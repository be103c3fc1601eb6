import type { DiagnosisPlan, RawDiagnosisRecord } from './diagnosis/types.ts';
import type { Horizon, RawAuditRecord } from './model/audit.ts';

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

export const SETTINGS_KEY = 'leakAudit';
export const DEFAULT_SEED = 1;

declare module 'vitest' {
  interface ProvidedContext {
    leakAudit: RunSettings;
  }
}

declare module '@vitest/runner' {
  interface TaskMeta {
    leakAudit?: RawAuditRecord;
    leakAuditDiagnosis?: RawDiagnosisRecord;
  }
}
