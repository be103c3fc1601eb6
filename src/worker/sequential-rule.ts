import { HEAP_CAP_GUARD_FRACTION, SEQUENTIAL_CONFIRMATIONS } from '../analysis/constants.ts';
import type { SeriesVerdict } from '../analysis/series.ts';
import type { AuditError, StopReason } from '../model/audit.ts';

/** Why the rule ends the run, and the error that goes with it (a heap-guard stop before a verdict). */
export interface RuleStop {
  readonly reason: Exclude<StopReason, 'error' | 'extension-cap'>;
  readonly error: AuditError | null;
}

/**
 * When to stop measuring, decided after every uniform window (AUDIT.md, "Sequential rule"):
 * - heap guard: the post-GC heap is above HEAP_CAP_GUARD_FRACTION of the heap cap, so V8 would soon
 *   abort the process; the run is judged on what it has (`verdictOnWhatThereIs`), and is an error
 *   unless that is a fail;
 * - decided: the same verdict (pass or fail) on SEQUENTIAL_CONFIRMATIONS consecutive checks;
 * - planned: the planned units are done and the verdict is not inconclusive.
 * Otherwise the run goes on, past the plan while it is uncertain, up to the sample plan's cap.
 */
export class SequentialRule {
  private lastDecision: SeriesVerdict | null = null;
  private confirmations = 0;

  constructor(
    private readonly plannedUnits: number,
    private readonly heapCapBytes: number,
  ) {}

  observe(
    decision: SeriesVerdict,
    heapUsed: number,
    done: number,
    verdictOnWhatThereIs: () => SeriesVerdict,
  ): RuleStop | null {
    if (decision === 'inconclusive') this.confirmations = 0;
    else this.confirmations = decision === this.lastDecision ? this.confirmations + 1 : 1;
    this.lastDecision = decision;
    if (heapUsed > HEAP_CAP_GUARD_FRACTION * this.heapCapBytes) {
      // No more samples can be had: judge the growth that filled the heap on what there is.
      if (verdictOnWhatThereIs() === 'fail') return { reason: 'heap-guard', error: null };
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
      const message = `heap reached ${mb(heapUsed)} of its ${mb(this.heapCapBytes)} limit after ${done} units, before the verdict was certain`;
      return { reason: 'heap-guard', error: { kind: 'heap-exhausted', message, at: done } };
    }
    if (this.confirmations >= SEQUENTIAL_CONFIRMATIONS) return { reason: 'decided', error: null };
    if (done >= this.plannedUnits && decision !== 'inconclusive') return { reason: 'planned', error: null };
    return null;
  }
}
