/**
 * Least squares and Theil–Sen regression over (x, y) series, as pure functions.
 */

export interface Line {
  readonly slope: number;
  readonly intercept: number;
}

/** Ordinary least squares fit; slope 0 through the mean when x has no spread. */
export function leastSquares(xs: ArrayLike<number>, ys: ArrayLike<number>, from = 0, to = xs.length): Line {
  const n = to - from;
  if (n <= 0) return { slope: 0, intercept: 0 };
  let mx = 0,
    my = 0;
  for (let i = from; i < to; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0,
    sxy = 0;
  for (let i = from; i < to; i++) {
    const dx = xs[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

/** Sum of squared residuals of the least-squares line over `[from, to)`. */
export function residualSumOfSquares(xs: ArrayLike<number>, ys: ArrayLike<number>, from = 0, to = xs.length): number {
  const { slope, intercept } = leastSquares(xs, ys, from, to);
  let sse = 0;
  for (let i = from; i < to; i++) sse += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  return sse;
}

export interface SlopeEstimate {
  /** Median of the pairwise slopes. */
  readonly slope: number;
  /** Distribution-free confidence interval of the slope (Sen 1968). */
  readonly ci: readonly [low: number, high: number];
  /** Number of pairwise slopes the estimate is the median of. */
  readonly pairs: number;
}

/**
 * Theil–Sen estimator: the median of the slopes between every pair of points with distinct x. A few
 * outliers (a GC that ran late, one step change in the heap) move it little, unlike least squares.
 * The interval takes the order statistics of the pairwise slopes given by the normal approximation of
 * Kendall's statistic: C = z·√(n(n−1)(2n+5)/18), bounds at ranks (N − C)/2 and (N + C)/2 + 1.
 */
export function theilSen(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  z: number,
  from = 0,
  to = xs.length,
): SlopeEstimate {
  const n = to - from;
  const slopes: number[] = [];
  for (let i = from; i < to; i++) {
    for (let j = i + 1; j < to; j++) {
      const dx = xs[j]! - xs[i]!;
      if (dx !== 0) slopes.push((ys[j]! - ys[i]!) / dx);
    }
  }
  const N = slopes.length;
  if (N === 0) return { slope: 0, ci: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY], pairs: 0 };
  const sorted = Float64Array.from(slopes).sort();
  const median = N % 2 === 1 ? sorted[(N - 1) / 2]! : (sorted[N / 2 - 1]! + sorted[N / 2]!) / 2;
  const C = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lowerRank = Math.max(1, Math.round((N - C) / 2));
  const upperRank = Math.min(N, Math.round((N + C) / 2) + 1);
  return { slope: median, ci: [sorted[lowerRank - 1]!, sorted[upperRank - 1]!], pairs: N };
}
