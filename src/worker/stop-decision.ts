import {
  AGREEING_CHECKS,
  HEADROOM_WINDOW_FRACTION,
  HEAP_CAP_GUARD_FRACTION,
  MAX_CONFIRMATION_WINDOW_MS,
  MAX_REMAINING_PLAN_MS,
  MIN_GUARD_STEADY_SAMPLES,
  MIN_STEADY_SAMPLES,
  RECENT_FRACTION,
  SLOWED_FACTOR,
  SLOWED_MIN_READINGS,
} from '../analysis/constants.ts';
import { analyseColumns, atHeapLimit, type ColumnsAnalysis, type MemoryColumns } from '../analysis/judge.ts';
import type { ReadingsEnd } from '../analysis/series.ts';
import {
  instanceUnits,
  type AuditError,
  type ResolvedAuditOptions,
  type SeriesVerdict,
  type StopReason,
} from '../model/audit.ts';
import { formatMegabytes } from '../format.ts';
import { Confirmation } from './confirmation.ts';
import type { SamplePlan } from './plan.ts';

/** The readings so far, as the decision reads them: the judged columns, heapUsed, and the room left. */
export interface Readings extends MemoryColumns {
  readonly heapUsed: ArrayLike<number>;
  readonly length: number;
  readonly capacity: number;
}

/** One reading, as the loop took it after a window. */
export interface Reading {
  /** Its index in the readings. */
  readonly index: number;
  /** Units done. */
  readonly at: number;
  /** The window before it: its units, and its own time (the steps, not the event-loop turn after them). */
  readonly windowUnits: number;
  readonly windowMs: number;
}

/** The sample plan, as far as the decision needs it. */
export interface PlanView {
  /** Where the uniform windows start: readings before it only show the warm-up, and are not judged. */
  readonly firstUniform: number;
  /** Units in the first confirmation window from `done` to `planned` (0 when there would be none). */
  firstCheckpointUnits(done: number, planned: number): number;
}

/**
 * What the loop does next. `confirm`: go on to the plan's end `to` in the few long windows of a
 * confirmation (a fail decided before the plan). `resume-uniform`: the confirmation ended without a
 * verdict (the growth stopped, its readings do not make one yet, or its next window would carry the heap
 * past its headroom); back to uniform windows. `extend`: past the plan with no verdict yet, go on (up to the plan's cap).
 * `stop`: the run ends, for `reason` (with an error when it ends without a verdict). `maxWindow`: no
 * uniform window longer than that many units, so that none carries the heap past its headroom.
 */
export type NextMove =
  | ({ readonly move: 'go-on' | 'extend' | 'resume-uniform' } & WindowLimit)
  | { readonly move: 'confirm'; readonly to: number }
  | { readonly move: 'stop'; readonly reason: StopReason; readonly error: AuditError | null };

/** The longest uniform window the heap's headroom allows from here (units); absent when it sets no limit. */
interface WindowLimit {
  readonly maxWindow?: number;
}

const GO_ON: NextMove = { move: 'go-on' };
const EXTEND: NextMove = { move: 'extend' };
const RESUME_UNIFORM: NextMove = { move: 'resume-uniform' };

/** How the readings are judged while measuring (`analyseColumns`); tests give a scripted one. */
export type Judge = (
  columns: MemoryColumns,
  options: ResolvedAuditOptions,
  minSteady?: number,
  end?: ReadingsEnd,
) => ColumnsAnalysis;

/**
 * The one owner of when to stop measuring (AUDIT.md, "Sequential rule"): after every reading it says go
 * on, confirm to N, resume uniform windows, extend, or stop with a reason. The loop only runs windows,
 * takes readings and applies what this says. The planned run is the contract: growth that starts or
 * stops anywhere in it must be judged the same way in every run, so no verdict is reached before the
 * plan is done, except on the heap guard or a slowdown. In the order they are checked, after each
 * uniform reading:
 * - **slowed**: the subject's units became SLOWED_FACTOR times slower than in its first uniform window,
 *   in two windows in a row, with more than MAX_REMAINING_PLAN_MS of its plan left at that speed and at
 *   least SLOWED_MIN_READINGS uniform readings: it cannot finish its plan, and the run ends (an error of
 *   kind `slowed`, judged on its readings);
 * - **heap guard**: the post-GC heap is above HEAP_CAP_GUARD_FRACTION of the heap cap, so V8 would soon
 *   abort the process; the run is judged on what it has, as a heap at its limit is (`atHeapLimit`), and
 *   is an error unless that is a fail;
 * - in a **confirmation** (long windows to the plan's end after an early fail): the fail stands while the
 *   failing series grows on (`Confirmation`), and is the planned run's verdict at the plan's end if the
 *   readings, judged as the report will judge them, give one; growth that stopped sends the run back to
 *   uniform windows, judged at the plan like any other run, and so do readings that give no verdict yet;
 * - **planned**: the planned units are done and the verdict is not inconclusive;
 * - **confirm**: before the plan, the same fail, one whose growth is still going on, on AGREEING_CHECKS
 *   checks in a row, once the uniform readings alone make a steady state (MIN_STEADY_SAMPLES), and only
 *   if the first long window would take at most MAX_CONFIRMATION_WINDOW_MS at the subject's speed;
 * - **extension cap**: every sample slot is used (windows that shrank as the subject slowed).
 * Every window is sized by the heap's headroom (HEADROOM_WINDOW_FRACTION): a confirmation is not
 * started, or not gone on with, when its next long window would carry the heap past it, and uniform
 * windows shrink to it (`maxWindow`).
 * Otherwise the run goes on, past the plan while it is uncertain (`extend`), until the plan has no
 * window left (its cap), where the loop ends it as `extension-cap`.
 */
export class StopDecision {
  private readonly xScale: number;
  /** The first uniform window: its index, and its speed (ms per unit), which a slowdown is measured from. */
  private firstUniformIndex = -1;
  private firstMsPerUnit = 0;
  private slowedWindows = 0;
  /** The last check's verdict, and how many checks in a row gave it. */
  private lastVerdict: SeriesVerdict | null = null;
  private agreeing = 0;
  /** False once a confirmation saw the growth stop: the run is then judged at the plan. */
  private confirmable = true;
  /** No fail is decided before this many units (after a confirmation saw the growth stop). */
  private failNotBefore = 0;
  private confirmation: Confirmation | null = null;
  /** The heap's growth per unit at the last check's slope upper end, for sizing windows by the headroom. */
  private heapRate = 0;

  constructor(
    private readonly options: ResolvedAuditOptions,
    private readonly heapCapBytes: number,
    private readonly readings: Readings,
    private readonly plan: PlanView,
    private readonly judge: Judge = analyseColumns,
  ) {
    this.xScale = instanceUnits(options);
  }

  /** Whether the run is in a confirmation's long windows. */
  get confirming(): boolean {
    return this.confirmation !== null;
  }

  /** After the reading `r`: what the loop does next. */
  afterReading(r: Reading): NextMove {
    if (r.at < this.plan.firstUniform) return GO_ON;
    const msPerUnit = r.windowMs / r.windowUnits;
    if (this.firstUniformIndex < 0) [this.firstUniformIndex, this.firstMsPerUnit] = [r.index, msPerUnit];
    const uniformReadings = r.index - this.firstUniformIndex + 1;
    const slowed = this.slowedDown(msPerUnit, this.options.units - r.at);
    // Twice in a row: one window with a rare costly step in it (a worker started) is not a slowdown.
    this.slowedWindows = slowed ? this.slowedWindows + 1 : 0;
    if (slowed && this.slowedWindows >= AGREEING_CHECKS && uniformReadings >= SLOWED_MIN_READINGS) {
      return { move: 'stop', reason: 'error', error: { kind: 'slowed', message: slowed, at: r.at } };
    }
    const move = this.confirmation ? this.afterConfirmationWindow(r) : this.check(r, uniformReadings, msPerUnit);
    if (move.move === 'stop') return move;
    // Every sample slot used (windows that shrank as the subject slowed): judged as at the cap.
    if (this.readings.length === this.readings.capacity) return { move: 'stop', reason: 'extension-cap', error: null };
    const maxWindow = this.headroomUnits(r);
    return move.move === 'confirm' || !Number.isFinite(maxWindow) ? move : { ...move, maxWindow };
  }

  /**
   * Units the heap can grow for before it is HEADROOM_WINDOW_FRACTION of the way to its limit, at the
   * last check's slope upper end (Infinity when it does not grow, or has no limit).
   */
  private headroomUnits(r: Reading): number {
    const headroom = this.heapCapBytes - this.readings.heapUsed[r.index]!;
    if (this.heapRate <= 0 || !Number.isFinite(headroom)) return Infinity;
    return Math.max(1, Math.floor((HEADROOM_WINDOW_FRACTION * Math.max(0, headroom)) / this.heapRate));
  }

  /**
   * Why a run has to end because its subject slowed down (SLOWED_FACTOR times slower than in its first
   * uniform window, with more than MAX_REMAINING_PLAN_MS of its plan left at its current speed), or null.
   */
  private slowedDown(msPerUnit: number, remainingUnits: number): string | null {
    const first = this.firstMsPerUnit;
    if (first <= 0 || msPerUnit < SLOWED_FACTOR * first) return null;
    const remainingMs = remainingUnits * msPerUnit;
    if (remainingMs <= MAX_REMAINING_PLAN_MS) return null;
    const us = (ms: number) => `${(ms * 1000).toPrecision(3)} µs`;
    return `its units slowed from ${us(first)} to ${us(msPerUnit)} each (${Math.round(msPerUnit / first)}x); the ${remainingUnits.toLocaleString('en')} left of its plan would take ~${Math.round(remainingMs / 60_000)} min more, so the run was ended`;
  }

  /**
   * The check after a uniform window. Before the plan is done, a fail counts only while its recent third
   * fails on its own (`stillGrowing`): a fail that rests on growth the subject has stopped (a bound
   * reached early in the run, whose plateau the recent third is still too short to vouch for) is no fail
   * to confirm; the run goes on to the plan.
   */
  private check(r: Reading, uniformReadings: number, msPerUnit: number): NextMove {
    const { options } = this;
    const planned = options.units;
    const analysis = this.judge(this.readings, options);
    this.heapRate = Math.max(0, analysis.heap.slope.ci[1]) * this.xScale;
    const growing = analysis.heap.stillGrowing || analysis.offHeap.stillGrowing || analysis.total.stillGrowing;
    let verdict = analysis.verdict === 'fail' && r.at < planned && !growing ? 'inconclusive' : analysis.verdict;
    if (verdict === 'fail' && r.at < this.failNotBefore) verdict = 'inconclusive';
    this.agreeing = verdict === 'inconclusive' ? 0 : verdict === this.lastVerdict ? this.agreeing + 1 : 1;
    this.lastVerdict = verdict;
    const guarded = this.guard(r);
    if (guarded) return guarded;
    if (r.at >= planned) return verdict === 'inconclusive' ? EXTEND : { move: 'stop', reason: 'planned', error: null };
    if (verdict !== 'fail' || !this.confirmable || this.agreeing < AGREEING_CHECKS) return GO_ON;
    // Not before the uniform readings alone make a steady state: the final judgment, with the
    // confirmation's far readings added, may put the warm-up cut after the log-spaced ones. The async
    // sensor leak, confirmed at 31 samples (20 uniform), was then judged on 24 and called inconclusive.
    if (uniformReadings < MIN_STEADY_SAMPLES) return GO_ON;
    // A confirmation window that would take longer than MAX_CONFIRMATION_WINDOW_MS at the subject's
    // current speed is not started: the run stays in windows that follow its speed (a slowing leak is
    // then ended as slowed, rather than stuck for minutes in one long window).
    const firstWindow = this.plan.firstCheckpointUnits(r.at, planned);
    if (firstWindow === 0 || firstWindow * msPerUnit > MAX_CONFIRMATION_WINDOW_MS) return GO_ON;
    // Nor one that would carry the heap past its headroom: the run stays in uniform windows, sized by it.
    if (firstWindow > this.headroomUnits(r)) return GO_ON;
    this.confirmation = new Confirmation(analysis, r.at * this.xScale, this.memoryAt(r.index));
    return { move: 'confirm', to: planned };
  }

  /**
   * After a confirmation window: the heap guard, then whether the growth went on. Growth that went on to
   * the plan's end is the planned run's fail. Growth that stopped sends the run back to uniform windows;
   * from then on it is judged at the plan, not confirmed, and no fail is decided until the run's recent
   * third (which tells a bound from a leak) lies in uniform windows again, at 1.5x the units done: the
   * confirmation's few readings cannot show a bound's plateau, so a fail on them would be a bound
   * reached late called a leak.
   */
  private afterConfirmationWindow(r: Reading): NextMove {
    const guarded = this.guard(r);
    if (guarded) return guarded;
    if (!this.confirmation!.stillGrowing(r.at * this.xScale, this.memoryAt(r.index))) {
      this.confirmation = null;
      this.confirmable = false;
      this.agreeing = 0;
      this.failNotBefore = r.at / (1 - RECENT_FRACTION);
      return RESUME_UNIFORM;
    }
    if (r.at < this.options.units) {
      // A next long window that would carry the heap past its headroom: uniform windows, sized by it.
      if (this.plan.firstCheckpointUnits(r.at, this.options.units) <= this.headroomUnits(r)) return GO_ON;
      this.confirmation = null;
      return RESUME_UNIFORM;
    }
    // At the plan's end the run stops only on a verdict its readings give as the report judges them: the
    // confirmation's far readings can move the warm-up cut past the uniform ones. The slow leak,
    // confirmed at 32 uniform readings, was judged on 29 steady samples, inconclusive, in 4 of ~12
    // default runs; it now goes on in uniform windows until its readings make the verdict.
    if (this.judge(this.readings, this.options).verdict !== 'inconclusive') {
      return { move: 'stop', reason: 'planned', error: null };
    }
    this.confirmation = null;
    return RESUME_UNIFORM;
  }

  /**
   * The heap guard: no more readings can be had, so the growth that filled the heap is judged on what
   * there is (10 steady samples, the cut as it falls); an error unless that is a fail.
   */
  private guard(r: Reading): NextMove | null {
    const heapUsed = this.readings.heapUsed[r.index]!;
    if (heapUsed <= HEAP_CAP_GUARD_FRACTION * this.heapCapBytes) return null;
    if (atHeapLimit(this.judge(this.readings, this.options, MIN_GUARD_STEADY_SAMPLES, 'final')).verdict === 'fail') {
      return { move: 'stop', reason: 'heap-guard', error: null };
    }
    const message = `heap reached ${formatMegabytes(heapUsed)} of its ${formatMegabytes(this.heapCapBytes)} limit after ${r.at} units, before the verdict was certain`;
    return { move: 'stop', reason: 'heap-guard', error: { kind: 'heap-exhausted', message, at: r.at } };
  }

  private memoryAt(i: number): { heap: number; external: number } {
    return { heap: this.readings.heap[i]!, external: this.readings.external[i]! };
  }
}

/**
 * What the loop does with a move that changes the windows: a confirmation's long ones, uniform ones
 * again, or shorter uniform ones for the heap's headroom.
 */
export function applyToPlan(plan: SamplePlan, next: NextMove, at: number): void {
  if (next.move === 'confirm') plan.confirmTo(at, next.to);
  else if (next.move === 'resume-uniform') plan.resumeUniform();
  if (next.move !== 'confirm' && next.move !== 'stop' && next.maxWindow !== undefined) plan.limitWindow(next.maxWindow);
}
