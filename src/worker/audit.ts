import type { AuditOptions, Setup } from '../model/audit.ts';

/** The audit a file declared, as its process found it once the file had loaded. */
export interface DeclaredAudit {
  readonly name: string;
  readonly options: AuditOptions;
  readonly setup: Setup;
}

let declared: DeclaredAudit | null = null;

/**
 * Declares the audit of one subject. One per file: each audit file runs in its own process, so no audit
 * measures another's garbage.
 *
 * ```ts
 * audit('classical SMC, bounded history', { expect: 'clean' }, () => {
 *   const loop = new ClosedLoop(new ClassicalSMC());
 *   return { step: () => loop.step() };
 * });
 * ```
 *
 * `setup` builds the subject and returns what one step does (`step`), or for a churn audit what one
 * cycle does (`cycle`, returning the instance it dropped). The audit process runs it once the file has
 * loaded; declaring does nothing else.
 */
export function audit(name: string, setup: Setup): void;
export function audit(name: string, options: AuditOptions, setup: Setup): void;
export function audit(name: string, optionsOrSetup: AuditOptions | Setup, maybeSetup?: Setup): void {
  const [options, setup] = typeof optionsOrSetup === 'function' ? [{}, optionsOrSetup] : [optionsOrSetup, maybeSetup];
  if (typeof setup !== 'function') throw new TypeError(`audit "${name}": the last argument must be the setup function`);
  if (declared !== null) {
    throw new Error(
      `audit "${name}": this file already declares audit "${declared.name}"; put each audit in its own file, so each runs in its own process`,
    );
  }
  declared = { name, options, setup };
}

/** The audit the loaded file declared, if it declared one. */
export function declaredAudit(): DeclaredAudit | null {
  return declared;
}
