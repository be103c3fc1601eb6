/** When one audit file's process was running, epoch ms (as the parent saw its module start and end). */
export interface RunInterval {
  readonly start: number;
  readonly end: number;
}

/**
 * For each interval, the most intervals (itself included) that were running at one moment while it ran:
 * how many audits shared the CPU with this one. Audits in parallel share cores, not heaps, so this
 * explains a slower or noisier run, never a different slope. The count can only rise when an interval
 * starts, so a sweep over the starts, in time order, finds every maximum. An audit with no interval
 * (vitest never saw it start) counts 1.
 */
export function concurrencyOf(intervals: readonly (RunInterval | undefined)[]): number[] {
  const order = intervals
    .map((_, i) => i)
    .filter((i) => intervals[i] !== undefined)
    .sort((a, b) => intervals[a]!.start - intervals[b]!.start);
  const most = intervals.map(() => 1);
  const active: number[] = [];
  for (const i of order) {
    const now = intervals[i]!.start;
    // An interval that ended exactly as this one started did not run alongside it.
    for (let k = active.length - 1; k >= 0; k--) if (intervals[active[k]!]!.end <= now) active.splice(k, 1);
    active.push(i);
    for (const j of active) most[j] = Math.max(most[j]!, active.length);
  }
  return most;
}
