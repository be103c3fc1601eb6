import { MAX_WARMUP_FRACTION } from './constants.ts';
import { leastSquares, residualSumOfSquares } from './regression.ts';

/** A line through fewer points than this has no residuals to judge it by. */
const MIN_FIT_SAMPLES = 3;

export interface WarmupCut {
  /** Index of the first steady-state sample. */
  readonly index: number;
  /**
   * False when the best cut is the last one searched (half the samples): the rise may go on past it, so
   * by MSER's rule the run has not reached its steady state yet, and no slope should be judged.
   */
  readonly settled: boolean;
}

/**
 * Where the warm-up ends: the MSER truncation rule (White 1997), applied to the residuals of a line
 * rather than of a mean, because a leaking steady state is a line, not a level. For each candidate cut d
 * the statistic is SSE(d) / (n − d)², the squared standard error of what remains; the cut minimising it
 * wins. Cuts are searched in the first half only: near the end a handful of points fit any line, which
 * would make the statistic small by chance. A minimum on that boundary means the warm-up may not be over
 * (MSER's rule), which `settled` reports. Whether enough samples remain for a verdict is the caller's
 * call: limiting the cut by it would force the warm-up into the slope of a short run.
 */
export function mserLinearCut(xs: ArrayLike<number>, rawYs: ArrayLike<number>): WarmupCut {
  const n = xs.length;
  // One reading far off its neighbours (a transient allocation caught by one sample) would dominate the
  // squared residuals of every cut that keeps it; a running median of three removes such isolated spikes
  // and leaves steps and ramps as they are.
  const ys = medianOfThree(rawYs);
  const lastCandidate = Math.min(Math.floor(n * MAX_WARMUP_FRACTION), n - MIN_FIT_SAMPLES);
  let best = 0;
  let bestStat = Number.POSITIVE_INFINITY;
  // Differences below this are rounding, not signal: ties keep the earlier cut (more data).
  const resolution = (1e-12 * totalSumOfSquares(ys)) / (n * n);
  for (let d = 0; d <= lastCandidate; d++) {
    const remaining = n - d;
    const stat = residualSumOfSquares(xs, ys, d) / (remaining * remaining);
    if (stat < bestStat - resolution) {
      bestStat = stat;
      best = d;
    }
  }
  return { index: best, settled: best < lastCandidate };
}

/** The level the steady-state line gives at the cut, minus the first sample: the one-time rise. */
export function warmupRise(xs: ArrayLike<number>, ys: ArrayLike<number>, cut: number): number {
  if (xs.length === 0) return 0;
  const { slope, intercept } = leastSquares(xs, ys, cut);
  return intercept + slope * xs[cut]! - ys[0]!;
}

function totalSumOfSquares(ys: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < ys.length; i++) mean += ys[i]!;
  mean /= ys.length || 1;
  let sst = 0;
  for (let i = 0; i < ys.length; i++) sst += (ys[i]! - mean) ** 2;
  return sst;
}

/** Each value replaced by the median of itself and its two neighbours (ends unchanged). */
export function medianOfThree(ys: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(ys);
  for (let i = 1; i < ys.length - 1; i++) {
    const a = ys[i - 1]!,
      b = ys[i]!,
      c = ys[i + 1]!;
    out[i] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
  return out;
}
