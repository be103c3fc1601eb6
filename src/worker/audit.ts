import { inject, test } from 'vitest';
import { auditId, resolveAuditOptions } from '../model/options.ts';
import { SETTINGS_KEY, streamPath, type RunSettings } from '../protocol.ts';
import type { AuditOptions, Setup } from '../model/audit.ts';
import { diagnose } from './diagnose.ts';
import { measure } from './measure.ts';
import { SampleStream } from './stream.ts';

/** An audit's measuring never times out inside vitest: the CLI's hang watchdog owns that. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

let declared: string | null = null;

function runSettings(): Partial<RunSettings> {
  try {
    return inject(SETTINGS_KEY) ?? {};
  } catch {
    return {};
  }
}

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
 * cycle does (`cycle`, returning the instance it dropped).
 */
export function audit(name: string, setup: Setup): void;
export function audit(name: string, options: AuditOptions, setup: Setup): void;
export function audit(name: string, optionsOrSetup: AuditOptions | Setup, maybeSetup?: Setup): void {
  const [options, setup] = typeof optionsOrSetup === 'function' ? [{}, optionsOrSetup] : [optionsOrSetup, maybeSetup];
  if (typeof setup !== 'function') throw new TypeError(`audit "${name}": the last argument must be the setup function`);
  if (declared !== null) {
    throw new Error(
      `audit "${name}": this file already declares audit "${declared}"; put each audit in its own file, so each runs in its own process`,
    );
  }
  declared = name;
  const settings = runSettings();
  const id = auditId(name);
  const resolved = resolveAuditOptions(name, options, settings);
  test(name, { timeout: NO_TIMEOUT_MS }, async (context) => {
    const file = context.task.file.filepath;
    const plan = settings.diagnosis?.[file];
    if (plan) {
      context.task.meta.leakAuditDiagnosis = diagnose({ id, file, options: resolved, setup, plan });
      return;
    }
    const stream = new SampleStream(settings.streamDir ? streamPath(settings.streamDir, file) : undefined);
    const record = await measure({
      id,
      name,
      file,
      options: resolved,
      setup,
      stream,
      yieldEveryMs: settings.yieldEveryMs ?? 0,
    });
    context.task.meta.leakAudit = record;
  });
}
