import { CONFIRMATION_RATE_FRACTION } from '../analysis/constants.ts';
import type { SeriesAnalysis } from '../analysis/series.ts';

/** One failing series being confirmed: its growth rate when the fail was decided, and its last reading. */
interface Watched {
  readonly column: 'heap' | 'external';
  /** Bytes per unit of x: the lower end of the slope's interval. */
  readonly rate: number;
  last: number;
}

/**
 * Confirms a fail decided before the plan was done, one long window at a time (StopDecision,
 * after each confirmation window): the fail stands while a failing series (heap or off-heap) grows across each window by at
 * least CONFIRMATION_RATE_FRACTION of the rate it failed at. Its readings are single post-GC readings,
 * so a window must span growth well above their noise (~0.1–0.3 MB): at half a quarter of a 1 M-step
 * plan and 0.373 B/step, the least a fail can be decided at, that is 70 KB at half the rate; in practice
 * a fail decided early grows tens of B/step, megabytes per window.
 */
export class Confirmation {
  private readonly watched: Watched[] = [];
  private lastX: number;

  /** `x`: the analysis x of the reading the fail was decided at (units x instances for batch). */
  constructor(
    analysis: { readonly heap: SeriesAnalysis; readonly offHeap: SeriesAnalysis },
    x: number,
    reading: { readonly heap: number; readonly external: number },
  ) {
    this.lastX = x;
    for (const [column, series] of [
      ['heap', analysis.heap],
      ['external', analysis.offHeap],
    ] as const) {
      if (series.verdict === 'fail') this.watched.push({ column, rate: series.slope.ci[0], last: reading[column] });
    }
  }

  /** Whether a failing series still grew at its rate up to this reading; moves the window on. */
  stillGrowing(x: number, reading: { readonly heap: number; readonly external: number }): boolean {
    const span = x - this.lastX;
    let growing = false;
    for (const w of this.watched) {
      if (reading[w.column] - w.last >= CONFIRMATION_RATE_FRACTION * w.rate * span) growing = true;
      w.last = reading[w.column];
    }
    this.lastX = x;
    return growing;
  }
}
