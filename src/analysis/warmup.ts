import { MAX_WARMUP_FRACTION, MIN_STEADY_SAMPLES } from './constants.ts';
import { leastSquares, residualSumOfSquares } from './regression.ts';

export interface WarmupCut {
  /** Index of the first steady-state sample. */
  readonly index: number;
}

/**
 * Where the warm-up ends: the MSER truncation rule (White 1997), applied to the residuals of a line
 * rather than of a mean, because a leaking steady state is a line, not a level. For each candidate cut d
 * the statistic is SSE(d) / (n − d)², the squared standard error of what remains; the cut minimising it
 * wins. Cuts are searched in the first half only (MSER's rule: a minimum later than that means the run
 * has not reached its steady state), and at least `minSteady` samples must remain.
 */
export function mserLinearCut(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  minSteady = MIN_STEADY_SAMPLES,
): WarmupCut {
  const n = xs.length;
  const lastCandidate = Math.min(Math.floor(n * MAX_WARMUP_FRACTION), n - Math.max(3, minSteady));
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
  return { index: best };
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
