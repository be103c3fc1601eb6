import { HEAP_CAP_GUARD_FRACTION, RECENT_FRACTION, SEQUENTIAL_CONFIRMATIONS } from '../analysis/constants.ts';
import type { SeriesVerdict } from '../analysis/series.ts';
import type { AuditError, StopReason } from '../model/audit.ts';

/** Why the rule ends the run, and the error that goes with it (a heap-guard stop before a verdict). */
export interface RuleStop {
  readonly reason: Exclude<StopReason, 'error' | 'extension-cap'>;
  readonly error: AuditError | null;
}

/** What the rule says after a check: stop, confirm a fail over the rest of the plan, or go on. */
export type RuleOutcome = RuleStop | 'confirm' | null;

/**
 * When to stop measuring, decided after every uniform window (AUDIT.md, "Sequential rule"). The planned
 * run is the contract: growth that starts or stops anywhere in it must be judged the same way in every
 * run, so no verdict is reached before the plan is done, except on the heap guard.
 * - heap guard: the post-GC heap is above HEAP_CAP_GUARD_FRACTION of the heap cap, so V8 would soon
 *   abort the process; the run is judged on what it has (`verdictOnWhatThereIs`), and is an error
 *   unless that is a fail;
 * - planned: the planned units are done and the verdict is not inconclusive;
 * - confirm: before the plan, the same fail (one whose growth is still going on) on
 *   SEQUENTIAL_CONFIRMATIONS consecutive checks. The run does not stop: it goes on to the plan in a few
 *   long windows that check the growth goes on (`Confirmation`), which is what a leak's run costs little.
 *   Once a confirmation has seen the growth stop, the run is judged at the plan like any other.
 * Otherwise the run goes on, past the plan while it is uncertain, up to the sample plan's cap.
 */
export class SequentialRule {
  private lastDecision: SeriesVerdict | null = null;
  private confirmations = 0;
  private confirmable = true;
  private failNotBefore = 0;

  constructor(
    private readonly plannedUnits: number,
    private readonly heapCapBytes: number,
  ) {}

  observe(
    decision: SeriesVerdict,
    heapUsed: number,
    done: number,
    verdictOnWhatThereIs: () => SeriesVerdict,
  ): RuleOutcome {
    if (decision === 'fail' && done < this.failNotBefore) decision = 'inconclusive';
    if (decision === 'inconclusive') this.confirmations = 0;
    else this.confirmations = decision === this.lastDecision ? this.confirmations + 1 : 1;
    this.lastDecision = decision;
    const guarded = this.guard(heapUsed, done, verdictOnWhatThereIs);
    if (guarded) return guarded;
    if (done >= this.plannedUnits && decision !== 'inconclusive') return { reason: 'planned', error: null };
    if (decision === 'fail' && this.confirmable && this.confirmations >= SEQUENTIAL_CONFIRMATIONS) return 'confirm';
    return null;
  }

  /**
   * A confirmation saw the growth stop at `done` units: from now on the run is judged at the plan, not
   * confirmed; and no fail is decided until the run's recent third (which tells a bound from a leak) lies
   * in uniform windows again, at 1.5x `done`: the confirmation's few readings cannot show a bound's
   * plateau, so a fail on them would be a bound reached late called a leak.
   */
  confirmationFailed(done: number): void {
    this.confirmable = false;
    this.confirmations = 0;
    this.failNotBefore = done / (1 - RECENT_FRACTION);
  }

  /** The heap guard alone (also checked after a confirmation's readings). */
  guard(heapUsed: number, done: number, verdictOnWhatThereIs: () => SeriesVerdict): RuleStop | null {
    if (heapUsed <= HEAP_CAP_GUARD_FRACTION * this.heapCapBytes) return null;
    // No more samples can be had: judge the growth that filled the heap on what there is.
    if (verdictOnWhatThereIs() === 'fail') return { reason: 'heap-guard', error: null };
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    const message = `heap reached ${mb(heapUsed)} of its ${mb(this.heapCapBytes)} limit after ${done} units, before the verdict was certain`;
    return { reason: 'heap-guard', error: { kind: 'heap-exhausted', message, at: done } };
  }
}
