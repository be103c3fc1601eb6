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
 * Runs `n` more units: the measured hot loop (exported for the overhead benchmark). Each workload has
 * its own small loop function, so V8 optimises (and inlines the subject into) each on its own feedback,
 * as it would a user's bare loop. A unit that returns a promise (an async `step()` or `cycle()`) is
 * awaited, and so is every unit after it: the loop goes on asynchronously and returns that promise. A
 * subject that never returns one runs as a plain synchronous loop, with one extra `typeof` per unit.
 */
export function runUnits(
  subjects: readonly Subject[],
  workload: ResolvedAuditOptions['workload'],
  done: number,
  n: number,
): Promise<void> | undefined {
  if (workload === 'churn') return cycleLoop(subjects[0] as CycleSubject, n);
  if (subjects.length === 1) return stepLoop(subjects[0] as StepSubject, done, n);
  return batchLoop(subjects as readonly StepSubject[], done, n);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** What a step returned, once settled: NaN and ±Infinity end the audit. */
function checkStep(value: unknown, at: number): void {
  // NaN and ±Infinity are the only numbers for which r − r is not 0.
  if (typeof value === 'number' && value - value !== 0) throw new NonFiniteStepError(at, value);
}

function cycleLoop(subject: CycleSubject, n: number): Promise<void> | undefined {
  for (let i = 0; i < n; i++) {
    const r = subject.cycle();
    if (isThenable(r)) return cyclesAsync(subject, r, n - i - 1);
  }
  return undefined;
}

async function cyclesAsync(subject: CycleSubject, pending: PromiseLike<unknown>, left: number): Promise<void> {
  await pending;
  for (let i = 0; i < left; i++) await subject.cycle();
}

function stepLoop(subject: StepSubject, done: number, n: number): Promise<void> | undefined {
  for (let i = 0; i < n; i++) {
    const r = subject.step();
    if (typeof r === 'number') {
      if (r - r !== 0) throw new NonFiniteStepError(done + i + 1, r);
    } else if (isThenable(r)) return stepsAsync(subject, r, done + i + 1, n - i - 1);
  }
  return undefined;
}

/** The rest of a window of an async subject, from the step (number `at`) whose promise is `pending`. */
async function stepsAsync(subject: StepSubject, pending: PromiseLike<unknown>, at: number, left: number) {
  checkStep(await pending, at);
  for (let i = 1; i <= left; i++) checkStep(await subject.step(), at + i);
}

function batchLoop(subjects: readonly StepSubject[], done: number, n: number): Promise<void> | undefined {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < subjects.length; k++) {
      const r = subjects[k]!.step();
      if (typeof r === 'number') {
        if (r - r !== 0) throw new NonFiniteStepError(done + i + 1, r);
      } else if (isThenable(r)) return batchAsync(subjects, r, k, done + i, n - i);
    }
  }
  return undefined;
}

/**
 * The rest of a batch window once instance `k` of step `step` returned a promise: the instances are
 * stepped in order, each step awaited before the next, as in the synchronous loop.
 */
async function batchAsync(
  subjects: readonly StepSubject[],
  pending: PromiseLike<unknown>,
  k: number,
  step: number,
  left: number,
): Promise<void> {
  checkStep(await pending, step + 1);
  for (let j = k + 1; j < subjects.length; j++) checkStep(await subjects[j]!.step(), step + 1);
  for (let i = 1; i < left; i++) {
    for (const subject of subjects) checkStep(await subject.step(), step + i + 1);
  }
}

/** Calls every subject's teardown (awaited when async); returns the first one's error as a message, if any threw. */
export async function teardownAll(subjects: readonly Subject[]): Promise<string | null> {
  let failure: string | null = null;
  for (const subject of subjects) {
    try {
      await subject.teardown?.();
    } catch (e) {
      failure ??= `teardown: ${describeError(e)}`;
    }
  }
  return failure;
}
