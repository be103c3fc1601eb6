/**
 * leak-audit's public API, for audit files:
 *
 * ```ts
 * import { audit } from 'leak-audit';   // or a relative path to src/index.ts
 * ```
 */
export { audit } from './worker/audit.ts';
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
