import { getHeapStatistics } from 'node:v8';
import {
  COLLECTION_PROBE_CYCLES,
  HEAP_CAP_GUARD_FRACTION,
  MIN_GUARD_STEADY_SAMPLES,
  SEQUENTIAL_CONFIRMATIONS,
} from '../analysis/constants.ts';
import { analyseColumns } from '../analysis/judge.ts';
import type {
  AuditContext,
  AuditError,
  CycleSubject,
  RawAuditRecord,
  ResolvedAuditOptions,
  Setup,
  StepSubject,
  StopReason,
  Subject,
} from '../model/audit.ts';
import { SamplePlan } from './plan.ts';
import { SampleStore } from './sample-store.ts';
import { activeResources, requireGc, settleAfterGc } from './sampler.ts';
import { hash, prng } from './random.ts';
import { SampleStream } from './stream.ts';

/** A step returned NaN or ±Infinity. */
class NonFiniteStepError extends Error {
  constructor(
    readonly at: number,
    value: number,
  ) {
    super(`step ${at} returned ${value}`);
  }
}

/**
 * Holds the subjects while they are measured. V8 may collect a local that is never read again even
 * inside the function that loops over it; a module-level reference cannot be. Written, never read.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the reference is the point (above)
let measuredSubjects: readonly Subject[] = [];

export interface MeasureInput {
  /** Let the event loop run between windows at most this often (ms), for signal handlers; 0: never. */
  readonly yieldEveryMs?: number;
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly options: ResolvedAuditOptions;
  readonly setup: Setup;
  readonly stream: SampleStream;
}

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
export function buildSubjects(input: Pick<MeasureInput, 'options' | 'setup' | 'id'>): Subject[] {
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
      throw new TypeError(
        `setup must return an object with a ${options.workload === 'churn' ? 'cycle()' : 'step()'} method for a ${options.workload} audit`,
      );
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

/** Creates and drops instances that are registered, then counts how many the GC finalised. */
function probeCycles(subject: CycleSubject, registry: FinalizationRegistry<number>): number {
  let probed = 0;
  for (let k = 0; k < COLLECTION_PROBE_CYCLES; k++) {
    const dropped = subject.cycle();
    if (dropped !== null && typeof dropped === 'object') {
      registry.register(dropped, k);
      probed++;
    }
  }
  return probed;
}

async function proveCollection(subject: CycleSubject, gc: () => void): Promise<{ probed: number; collected: number }> {
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => {
    collected++;
  });
  const probed = probeCycles(subject, registry);
  // Finalisers run as tasks after a GC: yield to let them, a few times.
  for (let attempt = 0; attempt < 10 && collected < probed; attempt++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { probed, collected };
}

/** Readings the rehearsal takes; enough for the decision code to reach its optimised tiers. */
const REHEARSAL_SAMPLES = 150;
const REHEARSAL_SHAPES: readonly ((x: number) => number)[] = [
  () => 1e6, // flat: pass
  (x) => 1e6 + 50 * x, // a leak: fail, with the recent-third check
  (x) => 1e6 + 100 * Math.min(x, 30_000), // a bound reached: pass with a plateau
];

/**
 * Runs the harness's own per-sample work (reading, streaming, and every path of the decision) on
 * throwaway data before the first real reading. Its bytecode, feedback vectors and optimised code are
 * then already on the heap; otherwise they appear during the steady state (~50 KB over the first dozens
 * of samples, then a few KB whenever a new path is first taken), which a short run reads as growth of
 * the subject.
 */
function rehearse(options: ResolvedAuditOptions): void {
  const store = new SampleStore(REHEARSAL_SAMPLES);
  const noGc = () => {};
  const sink = new SampleStream(undefined);
  for (let i = 0; i < REHEARSAL_SAMPLES; i++) {
    const k = store.record(noGc, i * 1000, 0);
    sink.write({ type: 'sample', ...store.sample(k) });
  }
  const at = Float64Array.from({ length: REHEARSAL_SAMPLES }, (_, i) => i * 1000);
  for (let n = 35; n <= REHEARSAL_SAMPLES; n += 5) {
    for (const shape of REHEARSAL_SHAPES) {
      const heapUsed = at.subarray(0, n).map(shape);
      analyseColumns({ at: at.subarray(0, n), heapUsed, external: heapUsed }, options);
    }
    analyseColumns(store, options);
  }
}

/**
 * Measures one audit: setup, then synchronous windows of steps (or cycles) each followed by a forced GC
 * and a reading, streamed to disk as it is taken. Stops early once the verdict is the same on
 * `SEQUENTIAL_CONFIRMATIONS` consecutive checks, runs on past the plan while it is uncertain (up to the
 * cap), and turns every failure into an `error` that keeps the samples taken so far.
 */
export async function measure(input: MeasureInput): Promise<RawAuditRecord> {
  const { options, stream } = input;
  const gc = requireGc();
  const heapCapBytes = getHeapStatistics().heap_size_limit;
  const plan = new SamplePlan(options.units, options.maxUnits);
  const store = new SampleStore(SamplePlan.maxSamples(options.units));
  const timings = { startupMs: process.uptime() * 1000, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 };
  let stopReason: StopReason | null = null;
  let error: AuditError | null = null;
  let collection: RawAuditRecord['collection'] = null;
  let handles: RawAuditRecord['handles'] = null;
  stream.write({
    type: 'start',
    id: input.id,
    name: input.name,
    file: input.file,
    pid: process.pid,
    options,
    heapCapBytes,
  });

  const setupStart = performance.now();
  let subjects: Subject[];
  try {
    subjects = buildSubjects(input);
  } catch (e) {
    error = { kind: 'setup', message: describeError(e) };
    stopReason = 'error';
    subjects = [];
  }
  timings.setupMs = performance.now() - setupStart;
  measuredSubjects = subjects;

  if (!error) {
    const rehearsalStart = performance.now();
    rehearse(options);
    timings.setupMs += performance.now() - rehearsalStart;
    const handlesBefore = options.workload === 'churn' ? activeResources() : null;
    const start = performance.now();
    const record = (at: number): number => {
      const t = performance.now();
      const i = store.record(gc, at, start);
      settleAfterGc();
      timings.samplingMs += performance.now() - t;
      stream.write({ type: 'sample', ...store.sample(i) });
      return store.heapUsed[i]!;
    };
    record(0);
    let done = 0;
    let lastDecision: string | null = null;
    let confirmations = 0;
    let lastYield = performance.now();
    for (let at = plan.next(done); at !== null; at = plan.next(done)) {
      if (input.yieldEveryMs && performance.now() - lastYield >= input.yieldEveryMs) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      const from = done;
      stream.write({ type: 'window', from: done, to: at });
      const t = performance.now();
      try {
        runUnits(subjects, options.workload, done, at - done);
      } catch (e) {
        timings.loopMs += performance.now() - t;
        error =
          e instanceof NonFiniteStepError
            ? { kind: 'non-finite', message: e.message, at: e.at }
            : { kind: 'threw', message: describeError(e), at: done };
        stopReason = 'error';
        break;
      }
      const windowMs = performance.now() - t;
      timings.loopMs += windowMs;
      done = at;
      const heapUsed = record(done);
      if (!plan.isUniform(at)) continue;
      if (at === plan.firstUniform) plan.widen(windowMs, at - from);

      const d = performance.now();
      const decision = analyseColumns(store, options).verdict;
      timings.decisionMs += performance.now() - d;
      confirmations =
        decision !== 'inconclusive' && decision === lastDecision
          ? confirmations + 1
          : decision === 'inconclusive'
            ? 0
            : 1;
      lastDecision = decision;
      if (heapUsed > HEAP_CAP_GUARD_FRACTION * heapCapBytes) {
        stopReason = 'heap-guard';
        // No more samples can be had: judge the growth that filled the heap on what there is.
        if (analyseColumns(store, options, MIN_GUARD_STEADY_SAMPLES).verdict !== 'fail') {
          const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
          error = {
            kind: 'heap-exhausted',
            message: `heap reached ${mb(heapUsed)} of its ${mb(heapCapBytes)} limit after ${done} units, before the verdict was certain`,
            at: done,
          };
        }
        break;
      }
      if (confirmations >= SEQUENTIAL_CONFIRMATIONS) {
        stopReason = 'decided';
        break;
      }
      if (done >= options.units && decision !== 'inconclusive') {
        stopReason = 'planned';
        break;
      }
    }
    stopReason ??= 'extension-cap';
    if (!error && options.workload === 'churn') {
      handles = { before: handlesBefore!, after: activeResources() };
      try {
        collection = await proveCollection(subjects[0] as CycleSubject, gc);
      } catch (e) {
        error = { kind: 'threw', message: describeError(e), at: done };
      }
    }
  }
  for (const subject of subjects) {
    try {
      subject.teardown?.();
    } catch (e) {
      error ??= { kind: 'threw', message: `teardown: ${describeError(e)}` };
    }
  }
  measuredSubjects = [];
  const result: RawAuditRecord = {
    id: input.id,
    name: input.name,
    file: input.file,
    options,
    pid: process.pid,
    node: process.version,
    heapCapBytes,
    samples: store.toArray(),
    stopReason,
    collection,
    handles,
    error,
    timings,
  };
  stream.write({ type: 'end', stopReason, collection, handles, error, timings });
  stream.close();
  return result;
}
