/**
 * leak-audit's public API, for audit files:
 *
 * ```ts
 * import { audit } from 'leak-audit';
 * ```
 */
export { audit } from './worker/audit.ts';
/** A watched program's progress, for `leak-audit run --per <unit>`. */
export { progress } from './program/progress.ts';
/** The plan of an audit that names none: steps of a soak or batch, cycles of a churn. */
export { DEFAULT_CYCLES, DEFAULT_STEPS } from './model/defaults.ts';
export type {
  AuditContext,
  AuditOptions,
  CycleSubject,
  Expectation,
  Horizon,
  Setup,
  StepSubject,
  Subject,
  Workload,
} from './model/audit.ts';
