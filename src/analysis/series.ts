import {
  CONFIDENCE_Z,
  LATE_GROWTH_FRACTIONS,
  MIN_RECENT_SAMPLES,
  LEVEL_SPAN,
  MIN_STEADY_SAMPLES,
  ONE_RATE_FRACTION,
  PLATEAU_MIN_RISE_BYTES,
  PLATEAU_REACHED_FRACTION,
  RECENT_FRACTION,
} from './constants.ts';
import { theilSen } from './regression.ts';
import { medianOfThree, mserLinearCut, warmupRise } from './warmup.ts';
import type { SeriesVerdict } from '../model/audit.ts';

/**
 * Whether more readings could follow the ones judged. `open`: the run can go on (an audit extends while
 * its warm-up has not ended or a doubt holds its verdict back). `fixed`: a watched program, whose length
 * is the user's --duration (watched on past it only while no verdict comes, as an audit is extended), or
 * its own: a warm-up cut on the searched half's boundary stands for a pass (the last half is within
 * budget), while a fail on it, and every other doubt, still holds the verdict back. `final`: the run had to end (the heap guard, a hang): the readings
 * are all the evidence, and a doubt no longer holds a fail back.
 */
export type ReadingsEnd = 'open' | 'fixed' | 'final';

/** What one series (heap, off-heap, their total, or a resource count) says, against a budget per unit of x. */
export interface SeriesAnalysis {
  readonly samples: number;
  readonly steadySamples: number;
  /** The one-time rise before the steady state: where it ends (x and sample index) and its size. */
  readonly warmup: {
    readonly index: number;
    readonly until: number;
    readonly bytes: number;
    readonly settled: boolean;
  };
  /**
   * True when no warm-up cut leaves a steady state because the series rises at one rate, or faster,
   * from its first readings to its last, above the budget (`growsThroughout`): the steady state is then
   * the span after the latest cut searched, and the verdict a fail unless its recent part is flat.
   */
  readonly throughout: boolean;
  /** Steady-state growth per unit of x (step, cycle or instance-step), with its confidence interval. */
  readonly slope: { readonly bytesPerUnit: number; readonly ci: readonly [number, number] };
  /** Bounded growth: a rise that stopped. Null when there was no large rise or the slope did not pass. */
  readonly plateau: { readonly level: number; readonly rise: number } | null;
  readonly budgetPerUnit: number;
  /** True when the slope failed but its recent part is flat: growth that may have reached a bound. */
  readonly levelling: boolean;
  /**
   * True when the slope failed but the steady state never passed its old highs (`reachesNewHigh`): a
   * series moving about a level. Held back as inconclusive unless `final` (a heap at its limit is a
   * fail); a resource count is passed for it either way.
   */
  readonly atLevel: boolean;
  /**
   * True when the verdict is a fail and the heap still grew across its recent part, by more than the budget
   * allows over that span (the median of its last three readings against that of its first three, so
   * that one transient reading decides nothing): the growth is still going on. A fail's confirmation
   * before the plan needs it (the stop decision); a bound reached early leaves its recent part flat.
   */
  readonly stillGrowing: boolean;
  /** True when a plateau after a rise is shorter than the rise: growth in doublings cannot be told from a bound yet. */
  readonly shortPlateau: boolean;
  /** True when the whole steady span passed but a recent part of it fails on its own: growth that started late. */
  readonly growingLate: boolean;
  readonly verdict: SeriesVerdict;
}

/**
 * Judges one series: cut the warm-up (MSER), estimate the steady slope (Theil–Sen) with its interval,
 * and compare the interval with the budget: `fail` when even its lower end exceeds the budget, `pass`
 * when its upper end is within it, `inconclusive` otherwise, while the warm-up is not over, when the
 * steady state has fewer than `minSteady` samples, or when it grew but its last third is flat (a bound
 * being reached: more samples will tell a plateau from a leak).
 */
export function analyseSeries(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  budgetPerUnit: number,
  minSteady = MIN_STEADY_SAMPLES,
  end: ReadingsEnd = 'open',
): SeriesAnalysis {
  const n = xs.length;
  const final = end === 'final';
  const cut = mserLinearCut(xs, ys);
  const { index } = cut;
  // `final`: no more readings can be had (the heap guard, or a run that had to be ended). A cut on the
  // searched half's boundary then stands: what follows it is all the steady state there will be, and a
  // fail on it still needs its recent third to grow (`stillGrowing`) to count. Measured: a listener leak
  // growing 184.0 B/step to within 0.01 B left the best cut on the boundary, and had no verdict.
  const throughout = !cut.settled && !final && growsThroughout(xs, ys, index, budgetPerUnit, minSteady);
  const steadySamples = n - index;
  // Smoothed as the warm-up search is: one transient reading must not decide a recent part's slope, or
  // where a plateau's level was reached.
  const smoothed = medianOfThree(ys);
  const estimate = theilSen(xs, ys, CONFIDENCE_Z, index);
  const [low, high] = estimate.ci;
  // `fixed`: a watch's length is the user's, and V8's own warm-up in a watched program (its code's
  // feedback and bytecode, a few KB at a time in the old space) dies away over tens of seconds. The fixed
  // 1 kHz ticker, 5 watches of 30 s, its best cut on the boundary (14.8 s) in 2, inconclusive at 98
  // and 128 B/s; with this, 5 passes of 5. A last half within budget is a pass, checked for late growth
  // as any pass is; a fail on that cut stays "no warm-up end yet", so a warm-up is never judged a leak.
  const passesAfterSearch = end === 'fixed' && high <= budgetPerUnit;
  const settled = cut.settled || final || throughout || passesAfterSearch;
  let verdict: SeriesVerdict = 'inconclusive';
  let levelling = false;
  let stillGrowing = false;
  if (settled && steadySamples >= minSteady) {
    if (low > budgetPerUnit) verdict = 'fail';
    else if (high <= budgetPerUnit) verdict = 'pass';
  }
  if (verdict === 'fail') {
    const first = recentStart(xs, index, RECENT_FRACTION);
    const recent = n - first >= MIN_RECENT_SAMPLES ? theilSen(xs, smoothed, CONFIDENCE_Z, first).ci : null;
    if (recent && recent[1] <= budgetPerUnit) {
      levelling = true;
      verdict = 'inconclusive';
    }
    stillGrowing = recent !== null && !levelling && grewAcross(xs, ys, first, n - 1, budgetPerUnit);
  }
  // The slope fails, but the series never passes its old highs: it moves about a level (what it holds
  // depends on the moment of the reading: the timers its steps armed, still pending), whose drift the
  // slope reads as growth. More readings tell (a leak passes its old highs as it grows): the fail is
  // held back, unless no more readings can be had (`final`).
  const atLevel = verdict === 'fail' && !reachesNewHigh(ys, index);
  if (atLevel && !final) {
    stillGrowing = false;
    verdict = 'inconclusive';
  }
  let growingLate = false;
  if (verdict === 'pass') {
    // A pass rests on the whole steady span, whose median slope a late start of growth cannot move: a
    // leak that starts at 80 % of the run leaves most pairs of readings flat. The recent parts are
    // tested on their own; one that fails holds the pass back, and the run goes on until the warm-up cut
    // can move to where the growth starts (it is searched in the first half of the readings only).
    for (const fraction of LATE_GROWTH_FRACTIONS) {
      const first = recentStart(xs, index, fraction);
      if (n - first < MIN_RECENT_SAMPLES) continue;
      if (theilSen(xs, smoothed, CONFIDENCE_Z, first).ci[0] > budgetPerUnit) growingLate = true;
    }
    if (growingLate) verdict = 'inconclusive';
  }
  const rise = n > 0 ? warmupRise(xs, ys, index) : 0;
  let plateau = verdict === 'pass' && rise >= PLATEAU_MIN_RISE_BYTES ? { level: median(ys, index), rise } : null;
  // A plateau must last at least as long as the rise before it. Growth in doublings (a buffer copied into
  // one twice its size when full) leaves flat spans each as long as everything before it, so a shorter
  // one cannot show that the growth has stopped: the run goes on (past its plan) until it is as long, or
  // the next doubling comes. Measured: an off-heap log doubling from 64 KiB passed in 3 runs of 5 at 1 M
  // steps, its cut on the doubling at 524 288 steps; the runs extended to 1.13 M saw the next and failed.
  // The plateau starts where the level was reached (PLATEAU_REACHED_FRACTION), at or before the cut.
  let shortPlateau = false;
  const reached = plateau ? levelReached(smoothed, index, rise) : index;
  if (plateau && !final && xs[n - 1]! - xs[reached]! < xs[reached]! - xs[0]!) {
    shortPlateau = true;
    plateau = null;
    verdict = 'inconclusive';
  }
  return {
    samples: n,
    steadySamples,
    warmup: { index, until: n > 0 ? xs[index]! : 0, bytes: rise, settled },
    throughout,
    slope: { bytesPerUnit: estimate.slope, ci: estimate.ci },
    plateau,
    budgetPerUnit,
    levelling,
    atLevel,
    stillGrowing,
    growingLate,
    shortPlateau,
    verdict,
  };
}

/**
 * Whether a series whose warm-up cut found no end (`cut` is the latest one searched) grows throughout:
 * before the cut and after it, each span's interval lies above the budget, and the later span grows at
 * least ONE_RATE_FRACTION as fast as the earlier one. A warm-up that is dying away (a cache filling
 * towards its bound) slows by more than that, and is measured on.
 */
function growsThroughout(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  cut: number,
  budgetPerUnit: number,
  minSteady: number,
): boolean {
  if (xs.length - cut < minSteady) return false;
  const before = theilSen(xs, ys, CONFIDENCE_Z, 0, cut);
  const after = theilSen(xs, ys, CONFIDENCE_Z, cut);
  return before.ci[0] > budgetPerUnit && after.ci[0] > budgetPerUnit && after.slope >= ONE_RATE_FRACTION * before.slope;
}

/**
 * Whether a series' steady state (from index `from` on) ends above every reading of its first
 * LEVEL_SPAN: the median of its last three readings, so that one reading decides nothing.
 */
export function reachesNewHigh(ys: ArrayLike<number>, from: number): boolean {
  const n = ys.length - from;
  if (n < 3) return false;
  let highest = Number.NEGATIVE_INFINITY;
  for (let i = from; i < from + Math.floor(n * LEVEL_SPAN); i++) highest = Math.max(highest, ys[i]!);
  return median(ys, ys.length - 3) > highest;
}

/**
 * The first reading, up to the cut, at which the series (`smoothed`, as the cut's search is) had risen
 * PLATEAU_REACHED_FRACTION of its warm-up rise: where its plateau began.
 */
function levelReached(smoothed: ArrayLike<number>, cut: number, rise: number): number {
  const level = smoothed[0]! + PLATEAU_REACHED_FRACTION * rise;
  for (let i = 0; i < cut; i++) if (smoothed[i]! >= level) return i;
  return cut;
}

/** The first reading of the last `fraction` of the steady span (from `cut` on), by units. */
function recentStart(xs: ArrayLike<number>, cut: number, fraction: number): number {
  const n = xs.length;
  const from = xs[n - 1]! - (xs[n - 1]! - xs[cut]!) * fraction;
  let first = n - 1;
  while (first > cut && xs[first - 1]! >= from) first--;
  return first;
}

/** Whether the readings from `first` to `last` rose by more than `perUnit` allows over their span. */
function grewAcross(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  first: number,
  last: number,
  perUnit: number,
): boolean {
  const ends = (i: number) => [ys[i]!, ys[i + 1]!, ys[i + 2]!].sort((a, b) => a - b)[1]!;
  return ends(last - 2) - ends(first) > perUnit * (xs[last]! - xs[first]!);
}

/** The median of `values` from index `from` on (0 when there are none). */
export function median(values: ArrayLike<number>, from: number): number {
  const sorted = Float64Array.from(Array.prototype.slice.call(values, from) as number[]).sort();
  const m = sorted.length;
  if (m === 0) return 0;
  return m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
}
