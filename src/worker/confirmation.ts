import { CONFIRMATION_RATE_FRACTION } from '../analysis/constants.ts';
import type { SeriesAnalysis } from '../analysis/series.ts';

/** A reading, as far as a confirmation reads it: the judged heap and off-heap. */
interface Memory {
  readonly heap: number;
  readonly external: number;
}

/** The series a confirmation can watch, each read from a reading. */
const SERIES = {
  heap: (m: Memory) => m.heap,
  offHeap: (m: Memory) => m.external,
  total: (m: Memory) => m.heap + m.external,
} as const;

/** One failing series being confirmed: its growth rate when the fail was decided, and its last reading. */
interface Watched {
  readonly read: (m: Memory) => number;
  /** Bytes per unit of x: the lower end of the slope's interval. */
  readonly rate: number;
  last: number;
}

/**
 * Confirms a fail decided before the plan was done, one long window at a time (StopDecision,
 * after each confirmation window): the fail stands while a failing series (heap, off-heap, or the two
 * together) grows across each window by at least CONFIRMATION_RATE_FRACTION of the rate it failed at.
 * Its readings are single post-GC readings, so a window must span growth well above their noise
 * (~0.1–0.3 MB): at half a quarter of a 1 M-step plan and 0.373 B/step, the least a fail can be decided
 * at, that is 70 KB at half the rate; in practice a fail decided early grows tens of B/step, megabytes
 * per window.
 */
export class Confirmation {
  private readonly watched: Watched[] = [];
  private lastX: number;

  /** `x`: the analysis x of the reading the fail was decided at (units x instances for batch). */
  constructor(analysis: Readonly<Record<keyof typeof SERIES, SeriesAnalysis>>, x: number, reading: Memory) {
    this.lastX = x;
    for (const name of Object.keys(SERIES) as (keyof typeof SERIES)[]) {
      const series = analysis[name];
      const read = SERIES[name];
      if (series.verdict === 'fail') this.watched.push({ read, rate: series.slope.ci[0], last: read(reading) });
    }
  }

  /** Whether a failing series still grew at its rate up to this reading; moves the window on. */
  stillGrowing(x: number, reading: Memory): boolean {
    const span = x - this.lastX;
    let growing = false;
    for (const w of this.watched) {
      const now = w.read(reading);
      if (now - w.last >= CONFIRMATION_RATE_FRACTION * w.rate * span) growing = true;
      w.last = now;
    }
    this.lastX = x;
    return growing;
  }
}
