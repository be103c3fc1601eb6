import { stat } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import {
  type AuditError,
  type CycleSubject,
  type RawAuditRecord,
  type ResolvedAuditOptions,
  type Setup,
  type StopReason,
  type Subject,
} from '../model/audit.ts';
import { descendants, killProcesses } from '../process-tree.ts';
import { proveCollection } from './collection-probe.ts';
import { SamplePlan } from './plan.ts';
import { SampleStore } from './sample-store.ts';
import { Pacer, settle } from './event-loop.ts';
import { activeResources, readingGc, takeReading } from './sampler.ts';
import { applyToPlan, StopDecision, type Readings } from './stop-decision.ts';
import { SampleStream } from './stream.ts';
import { buildSubjects, describeError, NonFiniteStepError, teardownAll } from './subjects.ts';

/**
 * Holds the subjects while they are measured. V8 may collect a local that is never read again even
 * inside the function that loops over it; a module-level reference cannot be. Written, never read.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the reference is the point (above)
let measuredSubjects: readonly Subject[] = [];

export interface MeasureInput {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly options: ResolvedAuditOptions;
  readonly setup: Setup;
  readonly stream: SampleStream;
}

/** What one measurement accumulates as its phases run; becomes the RawAuditRecord. */
interface Measurement {
  readonly gc: () => void;
  readonly heapCapBytes: number;
  readonly plan: SamplePlan;
  readonly store: SampleStore;
  readonly timings: { -readonly [K in keyof RawAuditRecord['timings']]: number };
  subjects: Subject[];
  /** Units done. */
  done: number;
  /** The process that started this one (the CLI); if it goes, the audit stops and exits. */
  readonly parentPid: number;
  stopReason: StopReason | null;
  error: AuditError | null;
  collection: RawAuditRecord['collection'];
  /** Churn: active handles by type before the first cycle (and in `handles` with those after the last). */
  handlesBefore: Record<string, number> | null;
  handles: RawAuditRecord['handles'];
}

/**
 * Measures one audit, in phases: rehearse the harness's own per-sample work and set up the subjects;
 * run synchronous windows of steps (or cycles), each followed by a forced GC and a reading streamed to
 * disk as it is taken, until the stop decision ends it (at the plan with a verdict, past the plan while
 * it is uncertain, up to the cap; before the plan only on a slowdown or the heap guard); for churn, the
 * collection probe; tear down. Every failure becomes an `error` that keeps the samples taken so far.
 */
export async function measure(input: MeasureInput): Promise<RawAuditRecord> {
  const startupMs = process.uptime() * 1000;
  // Before the audit announces itself on its stream: the hang watchdog counts from that event, and the
  // rehearsal (~190 ms) is the harness's time, not the subject's. After it, one --hang-timeout of 0.1 s
  // killed a healthy audit before its first reading whenever the watchdog looked in that time.
  const rehearsal = await rehearsed(input.options);
  const m = begin(input, startupMs);
  m.timings.setupMs = rehearsal.ms;
  if (rehearsal.error) [m.error, m.stopReason] = [{ kind: 'setup', message: rehearsal.error }, 'error'];
  else setUp(input, m);
  if (!m.error) await measureWindows(input, m);
  if (!m.error && input.options.workload === 'churn') await probeChurn(m);
  await tearDown(m);
  const record = finish(input, m);
  // Orphaned (the only way a measurement is interrupted from inside): nobody will read the record.
  if (m.error?.kind === 'interrupted') process.exit(1);
  return record;
}

function begin(input: MeasureInput, startupMs: number): Measurement {
  const { options } = input;
  const heapCapBytes = getHeapStatistics().heap_size_limit;
  input.stream.write({
    type: 'start',
    id: input.id,
    name: input.name,
    file: input.file,
    pid: process.pid,
    options,
    heapCapBytes,
  });
  return {
    gc: readingGc(),
    heapCapBytes,
    plan: new SamplePlan(options.units, options.maxUnits),
    store: new SampleStore(SamplePlan.maxSamples(options.units)),
    timings: { startupMs, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 },
    subjects: [],
    done: 0,
    parentPid: process.ppid,
    stopReason: null,
    error: null,
    collection: null,
    handlesBefore: null,
    handles: null,
  };
}

/** The harness's rehearsal (see `rehearse`), timed; an error in it is the harness's, reported as setup. */
async function rehearsed(options: ResolvedAuditOptions): Promise<{ ms: number; error: string | null }> {
  const start = performance.now();
  try {
    rehearse(options);
    await rehearseTurns();
    return { ms: performance.now() - start, error: null };
  } catch (e) {
    return { ms: performance.now() - start, error: describeError(e) };
  }
}

/** Builds the subjects. */
function setUp(input: MeasureInput, m: Measurement): void {
  const start = performance.now();
  try {
    m.subjects = buildSubjects(input);
    measuredSubjects = m.subjects;
  } catch (e) {
    m.error = { kind: 'setup', message: describeError(e) };
    m.stopReason = 'error';
  }
  m.timings.setupMs += performance.now() - start;
}

/**
 * The measured windows, each followed by a reading, until the stop decision (or an error) ends them: the
 * mechanics only. What to do after each reading is `StopDecision`'s to say; this applies it.
 */
async function measureWindows(input: MeasureInput, m: Measurement): Promise<void> {
  const { options, stream } = input;
  const { plan, store, timings } = m;
  const decision = new StopDecision(options, m.heapCapBytes, store, plan);
  const pacer = Pacer.of(m.subjects, options.workload);
  if (options.workload === 'churn') m.handlesBefore = activeResources();
  const start = performance.now();
  const read = (at: number): number => {
    const t = performance.now();
    const i = takeReading(store, m.gc, at, start);
    timings.samplingMs += performance.now() - t;
    stream.write({ type: 'sample', ...store.sample(i) });
    return i;
  };
  read(0);
  for (let at = plan.next(m.done); at !== null; at = plan.next(m.done)) {
    const from = m.done;
    stream.write({ type: 'window', from, to: at });
    const t = performance.now();
    // The window's own time, for sizing windows and spotting a slowdown: the steps and the turns among
    // them, not the settling after them, where a heap snapshot on --heapsnapshot-signal can take seconds.
    let windowMs: number;
    try {
      await pacer.run(from, at - from);
      windowMs = performance.now() - t;
      // What the subject scheduled runs, and its I/O in flight completes, before the reading, as it
      // would between the steps of its own program (`settle`); otherwise it waits in the heap, read as
      // a leak. It is also where Node's --heapsnapshot-signal handler runs.
      await settle();
    } catch (e) {
      timings.loopMs += performance.now() - t;
      m.error =
        e instanceof NonFiniteStepError
          ? { kind: 'non-finite', message: e.message, at: e.at }
          : { kind: 'threw', message: describeError(e), at: from };
      m.stopReason = 'error';
      return;
    }
    timings.loopMs += performance.now() - t;
    m.done = at;
    const i = read(at);
    plan.follow(windowMs, at - from);
    if (process.ppid !== m.parentPid) {
      // The CLI was killed (kill -9): nobody will read this audit, and nothing else would stop it.
      m.error = { kind: 'interrupted', message: 'the CLI that started this audit is gone; it stopped', at };
      m.stopReason = 'error';
      return;
    }
    if (at === plan.firstUniform) plan.widen(windowMs, at - from);
    const d = performance.now();
    const next = decision.afterReading({ index: i, at, windowUnits: at - from, windowMs });
    timings.decisionMs += performance.now() - d;
    if (next.move === 'stop') {
      m.stopReason = next.reason;
      m.error = next.error;
      return;
    }
    applyToPlan(plan, next, at);
  }
  // The plan has no window left: its cap, reached without a verdict.
  m.stopReason = 'extension-cap';
}

/** Churn: the handles left after the last cycle, and proof that dropped instances are collected. */
async function probeChurn(m: Measurement): Promise<void> {
  m.handles = { before: m.handlesBefore ?? {}, after: activeResources() };
  try {
    m.collection = await proveCollection(m.subjects[0] as CycleSubject, m.gc);
  } catch (e) {
    m.error = { kind: 'threw', message: describeError(e), at: m.done };
  }
}

async function tearDown(m: Measurement): Promise<void> {
  const failure = await teardownAll(m.subjects);
  if (failure) m.error ??= { kind: 'threw', message: failure };
  measuredSubjects = [];
  // Processes the subject started and its teardown left running would outlive the run.
  killProcesses(descendants(process.pid));
}

function finish(input: MeasureInput, m: Measurement): RawAuditRecord {
  const { stopReason, collection, handles, error, timings } = m;
  input.stream.write({ type: 'end', stopReason, collection, handles, error, timings });
  input.stream.close();
  return {
    id: input.id,
    name: input.name,
    file: input.file,
    options: input.options,
    pid: process.pid,
    node: process.version,
    heapCapBytes: m.heapCapBytes,
    samples: m.store.toArray(),
    stopReason,
    collection,
    handles,
    error,
    timings,
  };
}

/**
 * Turns of the event loop the rehearsal takes through a pacer, as a window takes them (~30 ms).
 * Measured on the no-op audits, 3 runs each: with none, the no-op's interval reached 0.016 B/step and
 * the no-op cycle's 0.085 B/cycle (the old space grew a few KB whenever V8 optimised the pacer); with
 * 2 000, 0.0017 and 0.068; with 10 000, 0.0002–0.0007 and 0.005–0.006, as before the pacer.
 */
const REHEARSAL_TURNS = 10_000;
/** Settlings the rehearsal takes, with a request in flight or a timer firing to wait for (~30 ms). */
const REHEARSAL_SETTLES = 30;

/**
 * Runs the harness's own work between and after the windows' stretches (the pacer's turns, `settle`
 * with and without I/O in flight) on a throwaway runner, so that V8 has optimised it before the first
 * reading; otherwise its optimised code's data appears in the old space during the steady state.
 */
async function rehearseTurns(): Promise<void> {
  await new Pacer(() => undefined, 0).run(0, REHEARSAL_TURNS);
  for (let i = 0; i < REHEARSAL_SETTLES; i++) {
    if (i % 2 === 0) stat('.', () => {});
    else setTimeout(() => {}, 1);
    await settle();
  }
}

/** Readings the rehearsal takes; enough for the decision code to reach its optimised tiers. */
const REHEARSAL_SAMPLES = 150;
/**
 * The heap limit the rehearsal's decisions see: finite, as a real run's is, so that sizing windows by the
 * heap's headroom (`maxWindow`, `limitWindow`) is rehearsed too, and far above the shapes' heaps.
 */
const REHEARSAL_HEAP_CAP = 2 ** 40;
/** Units the rehearsal's runs plan: its readings, 1000 units apart, go past it (the planned stop, extensions). */
const REHEARSAL_PLANNED_UNITS = REHEARSAL_SAMPLES * 500;
const REHEARSAL_SHAPES: readonly ((x: number) => number)[] = [
  () => 1e6, // flat: pass
  (x) => 1e6 + 50 * x, // a leak: fail, with the recent-third check, confirmed to the planned stop
  (x) => 1e6 + 100 * Math.min(x, 30_000), // a bound reached: pass with a plateau
  (x) => 1e6 + 50 * Math.max(0, x - 120_000), // growth that starts late: a pass held back, extended
  (x) => 1e6 + 50 * Math.min(x, 70_000), // a bound reached in a confirmation: back to uniform windows
];

/** Readings of one shape, as many as `n` says: the columns a StopDecision reads, grown by the rehearsal. */
function shapeReadings(at: Float64Array, shape: (x: number) => number): Readings & { n: number } {
  const heap = at.map(shape);
  return {
    n: 0,
    get at() {
      return at.subarray(0, this.n);
    },
    get heap() {
      return heap.subarray(0, this.n);
    },
    get external() {
      return heap.subarray(0, this.n);
    },
    get heapUsed() {
      return heap.subarray(0, this.n);
    },
    get length() {
      return this.n;
    },
    capacity: at.length + 1,
  };
}

/**
 * Runs the harness's own per-sample work (reading, streaming, and every path of the stop decision,
 * through the same `afterReading` and plan moves the windows use) on throwaway data before the first
 * real reading. Its bytecode, feedback vectors and optimised code are then already on the heap;
 * otherwise they appear during the steady state (~50 KB over the first dozens of samples, then a few KB
 * whenever a new path is first taken), which a short run reads as growth of the subject.
 */
function rehearse(options: ResolvedAuditOptions): void {
  const store = new SampleStore(REHEARSAL_SAMPLES);
  const noGc = () => {};
  const sink = new SampleStream(undefined);
  for (let i = 0; i < REHEARSAL_SAMPLES; i++) {
    const k = takeReading(store, noGc, i * 1000, 0);
    sink.write({ type: 'sample', ...store.sample(k) });
  }
  const at = Float64Array.from({ length: REHEARSAL_SAMPLES }, (_, i) => i * 1000);
  const rehearsed = { ...options, units: REHEARSAL_PLANNED_UNITS };
  const cap = REHEARSAL_SAMPLES * 1000;
  // One decision per shape, so its confirmations and stops are taken as a real run takes them; a heap
  // cap of 1 byte sends every reading down the heap guard's path as well.
  const runs = REHEARSAL_SHAPES.map((shape) => {
    const readings = shapeReadings(at, shape);
    const plan = new SamplePlan(REHEARSAL_PLANNED_UNITS, cap);
    return { readings, plan, decision: new StopDecision(rehearsed, REHEARSAL_HEAP_CAP, readings, plan) };
  });
  const guarded = runs.map(({ readings, plan }) => new StopDecision(rehearsed, 1, readings, plan));
  const ownPlan = new SamplePlan(REHEARSAL_PLANNED_UNITS, cap);
  const own = new StopDecision(rehearsed, REHEARSAL_HEAP_CAP, store, ownPlan);
  for (let n = 35; n <= REHEARSAL_SAMPLES; n += 15) {
    const reading = { index: n - 1, at: at[n - 1]!, windowUnits: 15_000, windowMs: 1 };
    for (const [k, { readings, plan, decision }] of runs.entries()) {
      readings.n = n;
      applyToPlan(plan, decision.afterReading(reading), reading.at);
      guarded[k]!.afterReading(reading);
    }
    applyToPlan(ownPlan, own.afterReading(reading), reading.at);
  }
}
