import { getHeapStatistics } from 'node:v8';
import {
  MAX_CONFIRMATION_WINDOW_MS,
  MAX_REMAINING_PLAN_MS,
  MIN_GUARD_STEADY_SAMPLES,
  MIN_STEADY_SAMPLES,
  SEQUENTIAL_CONFIRMATIONS,
  SLOWED_FACTOR,
  SLOWED_MIN_READINGS,
} from '../analysis/constants.ts';
import { analyseColumns, type ColumnsAnalysis, type MemoryColumns } from '../analysis/judge.ts';
import {
  instanceUnits,
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
import { activeResources, readingGc, turnEventLoop } from './sampler.ts';
import { Confirmation } from './confirmation.ts';
import { SequentialRule, type RuleOutcome, type RuleStop } from './sequential-rule.ts';
import { SampleStream } from './stream.ts';
import { buildSubjects, describeError, NonFiniteStepError, runUnits, teardownAll } from './subjects.ts';

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
 * disk as it is taken, until the sequential rule stops it (early once the verdict is confirmed, past
 * the plan while it is uncertain, up to the cap); for churn, the collection probe; tear down. Every
 * failure becomes an `error` that keeps the samples taken so far.
 */
export async function measure(input: MeasureInput): Promise<RawAuditRecord> {
  const startupMs = process.uptime() * 1000;
  // Before the audit announces itself on its stream: the hang watchdog counts from that event, and the
  // rehearsal (~150 ms) is the harness's time, not the subject's. After it, one --hang-timeout of 0.1 s
  // killed a healthy audit before its first reading whenever the watchdog looked in that time.
  const rehearsal = rehearsed(input.options);
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
function rehearsed(options: ResolvedAuditOptions): { ms: number; error: string | null } {
  const start = performance.now();
  try {
    rehearse(options);
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

/** The measured windows, each followed by a reading, until the sequential rule (or an error) stops them. */
async function measureWindows(input: MeasureInput, m: Measurement): Promise<void> {
  const { options, stream } = input;
  const { plan, store, timings } = m;
  const rule = new SequentialRule(options.units, m.heapCapBytes);
  const xScale = instanceUnits(options);
  let confirmation: Confirmation | null = null;
  let firstMsPerUnit = 0;
  let slowedWindows = 0;
  let firstUniformIndex = 0;
  if (options.workload === 'churn') m.handlesBefore = activeResources();
  const start = performance.now();
  const read = (at: number): number => {
    const t = performance.now();
    const i = store.record(m.gc, at, start);
    timings.samplingMs += performance.now() - t;
    stream.write({ type: 'sample', ...store.sample(i) });
    return i;
  };
  read(0);
  for (let at = plan.next(m.done); at !== null; at = plan.next(m.done)) {
    const from = m.done;
    stream.write({ type: 'window', from, to: at });
    const t = performance.now();
    // The window's own time, for sizing windows and spotting a slowdown: the steps, not the turn after
    // them, where a heap snapshot on --heapsnapshot-signal can take seconds.
    let windowMs: number;
    try {
      await runUnits(m.subjects, options.workload, from, at - from);
      windowMs = performance.now() - t;
      // What the subject scheduled (immediates, expired timers, I/O callbacks, microtasks) runs before
      // the reading, as it would in the subject's own program; otherwise it waits in the heap, read as
      // a leak. One turn: work that re-arms itself runs once per window and the window still ends. It is
      // also where Node's --heapsnapshot-signal handler runs. Measured on the no-op, 5 runs each: +15 KB
      // of one-time warm-up (13 -> 28 KB), the same noise floor (upper end 0-0.004 B/step).
      await turnEventLoop();
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
    if (!plan.isUniform(at)) continue;
    if (at === plan.firstUniform) {
      plan.widen(windowMs, at - from);
      firstMsPerUnit = windowMs / (at - from);
      firstUniformIndex = i;
    }
    const slowed = slowedDown(firstMsPerUnit, windowMs / (at - from), options.units - at);
    // Twice in a row: one window with a rare costly step in it (a worker started) is not a slowdown.
    slowedWindows = slowed ? slowedWindows + 1 : 0;
    const readings = i - firstUniformIndex + 1;
    if (slowed && slowedWindows >= SEQUENTIAL_CONFIRMATIONS && readings >= SLOWED_MIN_READINGS) {
      m.error = { kind: 'slowed', message: slowed, at };
      m.stopReason = 'error';
      return;
    }

    const d = performance.now();
    let stop: RuleStop | null = null;
    if (confirmation) {
      stop = confirm(options, m, rule, confirmation, i);
      if (!plan.confirming) confirmation = null;
    } else {
      const { analysis, outcome } = decide(store, options, rule, store.heapUsed[i]!, at);
      if (outcome !== 'confirm') stop = outcome;
      // Not before the uniform readings alone make a steady state: the final judgment, with the
      // confirmation's far readings added, may put the warm-up cut after the log-spaced ones. The async
      // sensor leak, confirmed at 31 samples (20 uniform), was then judged on 24 and called inconclusive.
      else if (readings >= MIN_STEADY_SAMPLES) {
        // A confirmation window that would take longer than MAX_CONFIRMATION_WINDOW_MS at the subject's
        // current speed is not started: the run stays in windows that follow its speed (a slowing leak
        // is then ended as slowed, rather than stuck for minutes in one long window).
        const confirmMs = plan.firstCheckpointUnits(at, options.units) * (windowMs / (at - from));
        if (confirmMs <= MAX_CONFIRMATION_WINDOW_MS && plan.confirmTo(at, options.units)) {
          confirmation = new Confirmation(analysis, at * xScale, {
            heap: store.heap[i]!,
            external: store.external[i]!,
          });
        }
      }
    }
    timings.decisionMs += performance.now() - d;
    if (stop) {
      m.stopReason = stop.reason;
      m.error = stop.error;
      return;
    }
    // Every sample slot used (windows that shrank as the subject slowed): judged as at the cap.
    if (store.length === store.capacity) break;
  }
  m.stopReason = 'extension-cap';
}

/**
 * Why a run has to end because its subject slowed down (SLOWED_FACTOR times slower than in its first
 * uniform window, with more than MAX_REMAINING_PLAN_MS of its plan left at its current speed), or null.
 */
function slowedDown(firstMsPerUnit: number, msPerUnit: number, remainingUnits: number): string | null {
  if (firstMsPerUnit <= 0 || msPerUnit < SLOWED_FACTOR * firstMsPerUnit) return null;
  const remainingMs = remainingUnits * msPerUnit;
  if (remainingMs <= MAX_REMAINING_PLAN_MS) return null;
  const us = (ms: number) => `${(ms * 1000).toPrecision(3)} µs`;
  return `its units slowed from ${us(firstMsPerUnit)} to ${us(msPerUnit)} each (${Math.round(msPerUnit / firstMsPerUnit)}x); the ${remainingUnits.toLocaleString('en')} left of its plan would take ~${Math.round(remainingMs / 60_000)} min more, so the run was ended`;
}

/**
 * The sequential rule's check after a uniform window: the one decision path, which the rehearsal warms.
 * Before the plan is done, a fail counts only while its recent third fails on its own (`stillGrowing`):
 * a fail that rests on growth the subject has stopped (a bound reached early in the run, whose plateau
 * the recent third is still too short to vouch for) is no fail to confirm; the run goes on to the plan.
 */
function decide(
  columns: MemoryColumns,
  options: ResolvedAuditOptions,
  rule: SequentialRule,
  heapUsed: number,
  at: number,
): { analysis: ColumnsAnalysis; outcome: RuleOutcome } {
  const analysis = analyseColumns(columns, options);
  const growing = analysis.heap.stillGrowing || analysis.offHeap.stillGrowing;
  const decision = analysis.verdict === 'fail' && at < options.units && !growing ? 'inconclusive' : analysis.verdict;
  return { analysis, outcome: rule.observe(decision, heapUsed, at, () => verdictOnWhatThereIs(columns, options)) };
}

/** The verdict when no more readings can be had (the heap guard): on 10 steady samples, the cut as it falls. */
function verdictOnWhatThereIs(columns: MemoryColumns, options: ResolvedAuditOptions) {
  return analyseColumns(columns, options, MIN_GUARD_STEADY_SAMPLES, true).verdict;
}

/**
 * After a confirmation window: the heap guard, then whether the growth went on. Growth that went on to
 * the plan's end is the planned run's fail; growth that stopped sends the run back to uniform windows
 * (the plan's `resumeUniform`), judged at the plan like any other run.
 */
function confirm(
  options: ResolvedAuditOptions,
  m: Measurement,
  rule: SequentialRule,
  confirmation: Confirmation,
  i: number,
): RuleStop | null {
  const { store, plan } = m;
  const at = store.at[i]!;
  const guarded = rule.guard(store.heapUsed[i]!, at, () => verdictOnWhatThereIs(store, options));
  if (guarded) return guarded;
  const x = at * instanceUnits(options);
  if (!confirmation.stillGrowing(x, { heap: store.heap[i]!, external: store.external[i]! })) {
    rule.confirmationFailed(at);
    plan.resumeUniform();
    return null;
  }
  return at >= options.units ? { reason: 'planned', error: null } : null;
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

/** Readings the rehearsal takes; enough for the decision code to reach its optimised tiers. */
const REHEARSAL_SAMPLES = 150;
const REHEARSAL_SHAPES: readonly ((x: number) => number)[] = [
  () => 1e6, // flat: pass
  (x) => 1e6 + 50 * x, // a leak: fail, with the recent-third check
  (x) => 1e6 + 100 * Math.min(x, 30_000), // a bound reached: pass with a plateau
  (x) => 1e6 + 50 * Math.max(0, x - 120_000), // growth that starts late: a pass held back
];

/**
 * Runs the harness's own per-sample work (reading, streaming, and every path of the decision and the
 * sequential rule, through the same `decide` the windows use) on
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
  // One rule per shape, so its confirmations and stops are taken as a real run takes them; a heap
  // cap of 1 byte sends every check down the heap guard's path as well.
  const rules = REHEARSAL_SHAPES.map(() => new SequentialRule(REHEARSAL_SAMPLES * 500, Infinity));
  const guarded = new SequentialRule(REHEARSAL_SAMPLES * 500, 1);
  for (let n = 35; n <= REHEARSAL_SAMPLES; n += 15) {
    for (const [k, shape] of REHEARSAL_SHAPES.entries()) {
      const heapUsed = at.subarray(0, n).map(shape);
      const columns = { at: at.subarray(0, n), heap: heapUsed, external: heapUsed };
      const { analysis } = decide(columns, options, rules[k]!, heapUsed[n - 1]!, n * 1000);
      decide(columns, options, guarded, heapUsed[n - 1]!, n * 1000);
      // The confirmation's check, on the readings as they come (it only ever moves forward).
      const reading = (j: number) => ({ heap: heapUsed[j]!, external: heapUsed[j]! });
      const confirmation = new Confirmation(analysis, at[n - 1]!, reading(n - 1));
      confirmation.stillGrowing(at[n - 1]! + 1000, reading(n - 1));
    }
    decide(store, options, rules[0]!, store.heapUsed[n - 1] ?? 0, n * 1000);
  }
}
