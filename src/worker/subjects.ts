import type { AuditContext, CycleSubject, ResolvedAuditOptions, Setup, StepSubject, Subject } from '../model/audit.ts';
import { hash, prng } from './random.ts';

/**
 * The subjects of an audit, inside the measured process: building them, the hot loops that run them,
 * and tearing them down. Used by the measuring loop, the diagnosis run and the overhead benchmark.
 */

/** A step returned NaN or ±Infinity. */
export class NonFiniteStepError extends Error {
  constructor(
    readonly at: number,
    value: number,
  ) {
    super(`step ${at} returned ${value}`);
  }
}

/** An error as one line for a report: its name, message and the first stack frame (where it was thrown). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack
      ?.split('\n')
      .find((line) => line.trim().startsWith('at '))
      ?.trim();
    return `${error.name}: ${error.message}${frame ? ` (${frame})` : ''}`;
  }
  return String(error);
}

/** Builds the audit's subjects (one per instance), each with its own seeded random source. */
export function buildSubjects(input: { options: ResolvedAuditOptions; setup: Setup; id: string }): Subject[] {
  const { options, setup, id } = input;
  return Array.from({ length: options.instances }, (_, instance) => {
    const context: AuditContext = {
      seed: options.seed,
      instance,
      random: prng(hash(`${options.seed}:${id}:${instance}`)),
    };
    const subject = setup(context);
    const ok =
      options.workload === 'churn'
        ? typeof (subject as CycleSubject)?.cycle === 'function'
        : typeof (subject as StepSubject)?.step === 'function';
    if (!ok) {
      const method = options.workload === 'churn' ? 'cycle()' : 'step()';
      throw new TypeError(`setup must return an object with a ${method} method for a ${options.workload} audit`);
    }
    return subject;
  });
}

/**
 * Runs `n` more units synchronously: the measured hot loop (exported for the overhead benchmark).
 * Each workload has its own small loop function, so V8 optimises (and inlines the subject into) each
 * on its own feedback, as it would a user's bare loop.
 */
export function runUnits(
  subjects: readonly Subject[],
  workload: ResolvedAuditOptions['workload'],
  done: number,
  n: number,
): void {
  if (workload === 'churn') cycleLoop(subjects[0] as CycleSubject, n);
  else if (subjects.length === 1) stepLoop(subjects[0] as StepSubject, done, n);
  else batchLoop(subjects as readonly StepSubject[], done, n);
}

function cycleLoop(subject: CycleSubject, n: number): void {
  for (let i = 0; i < n; i++) subject.cycle();
}

function stepLoop(subject: StepSubject, done: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const r = subject.step();
    // NaN and ±Infinity are the only numbers for which r − r is not 0.
    if (typeof r === 'number' && r - r !== 0) throw new NonFiniteStepError(done + i + 1, r);
  }
}

function batchLoop(subjects: readonly StepSubject[], done: number, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < subjects.length; k++) {
      const r = subjects[k]!.step();
      if (typeof r === 'number' && r - r !== 0) throw new NonFiniteStepError(done + i + 1, r);
    }
  }
}

/** Calls every subject's teardown; returns the first one's error as a message, if any threw. */
export function teardownAll(subjects: readonly Subject[]): string | null {
  let failure: string | null = null;
  for (const subject of subjects) {
    try {
      subject.teardown?.();
    } catch (e) {
      failure ??= `teardown: ${describeError(e)}`;
    }
  }
  return failure;
}
