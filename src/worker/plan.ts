import { MAX_EXTENSION_FACTOR, UNIFORM_WINDOWS } from '../analysis/constants.ts';

/**
 * Where to sample: a log-spaced part (1, 2, 5, 10, 20, 50, … units) that shows the warm-up in detail,
 * then every `window` units up to the cap. With the default 100 uniform windows the steady state has far
 * more than the 30 samples a slope needs.
 */
export function windowSize(plannedUnits: number): number {
  return Math.max(1, Math.round(plannedUnits / UNIFORM_WINDOWS));
}

export function maxUnits(plannedUnits: number): number {
  return plannedUnits * MAX_EXTENSION_FACTOR;
}

export function* samplePoints(window: number, cap: number): Generator<number> {
  for (let decade = 1; decade < window; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const at = m * decade;
      if (at < window && at < cap) yield at;
    }
  }
  for (let at = window; at <= cap; at += window) yield at;
}

/** How many readings a run can take: the one at 0, the log-spaced ones, and one per window to the cap. */
export function maxSamples(window: number, cap: number): number {
  let n = 1;
  for (const _ of samplePoints(window, cap)) n++;
  return n;
}
