import { CONFIRMATION_CHECKPOINTS, MAX_WINDOW_MS, MIN_WINDOW_MS, UNIFORM_WINDOWS } from '../analysis/constants.ts';
import { MAX_EXTENSION_FACTOR } from '../model/defaults.ts';

/** A subject that does nothing in a step (the no-op) would otherwise ask for unbounded windows. */
const MAX_WIDEN_FACTOR = 100;

/** A soak of N units samples every N / UNIFORM_WINDOWS units once past the warm-up, at first. */
export function windowSize(plannedUnits: number): number {
  return Math.max(1, Math.round(plannedUnits / UNIFORM_WINDOWS));
}

function logPoints(window: number): number[] {
  const points: number[] = [];
  for (let decade = 1; decade < window; decade *= 10) {
    for (const m of [1, 2, 5]) if (m * decade < window) points.push(m * decade);
  }
  return points;
}

/**
 * Where to sample: a log-spaced part (1, 2, 5, 10, 20, 50, … units) that shows the warm-up in detail,
 * then uniform windows up to the cap (the planned units x MAX_EXTENSION_FACTOR).
 *
 * The uniform windows start at planned / UNIFORM_WINDOWS units, but each window pays a fixed cost: the
 * reading after it (and a slightly slower start after its forced GC). A window that took less than
 * MIN_WINDOW_MS is therefore widened (`widen`), and the cap with it, so that the number of windows, not
 * the number of units, stays what the plan promised.
 */
export class SamplePlan {
  private readonly points: number[];
  private index = 0;
  private step: number;
  private cap: number;
  /** The first uniform sample point. */
  readonly firstUniform: number;

  constructor(plannedUnits: number, maxUnits: number) {
    this.step = windowSize(plannedUnits);
    this.cap = maxUnits;
    this.points = logPoints(this.step).filter((at) => at < maxUnits);
    this.firstUniform = this.step;
  }

  /**
   * Readings a run can take: the one at 0, the log-spaced ones, and one per uniform window, twice over
   * for windows that shrink as a subject slows (`follow`); a run that fills them ends as at the cap.
   */
  static maxSamples(plannedUnits: number): number {
    return 1 + logPoints(windowSize(plannedUnits)).length + 2 * UNIFORM_WINDOWS * MAX_EXTENSION_FACTOR;
  }

  get windowUnits(): number {
    return this.step;
  }

  get capUnits(): number {
    return this.cap;
  }

  /** The next sample point after `done` units, or null past the cap. */
  next(done: number): number | null {
    if (this.index < this.points.length) return this.points[this.index++]!;
    if (this.confirmingTo !== null) {
      const checkpoint = this.nextCheckpoint(done, this.confirmingTo);
      if (checkpoint !== null) return checkpoint;
      this.confirmingTo = null;
    }
    const at = done < this.firstUniform ? this.firstUniform : done + this.step;
    return at <= this.cap ? at : null;
  }

  /** The plan's end, while the windows are the confirmation's checkpoints (`confirmTo`). */
  private confirmingTo: number | null = null;

  /**
   * Windows from `done` to the plan's end `planned` in CONFIRMATION_CHECKPOINTS long steps (at its
   * quarters), each at least half a quarter long so that it spans enough growth to read; false (and
   * nothing changes) when less than that is left.
   */
  confirmTo(done: number, planned: number): boolean {
    if (this.nextCheckpoint(done, planned) === null) return false;
    this.confirmingTo = planned;
    return true;
  }

  /** Units in the first confirmation window from `done` (0 when there would be none). */
  firstCheckpointUnits(done: number, planned: number): number {
    const checkpoint = this.nextCheckpoint(done, planned);
    return checkpoint === null ? 0 : checkpoint - done;
  }

  /** Back to uniform windows (the confirmation saw the growth stop). */
  resumeUniform(): void {
    this.confirmingTo = null;
  }

  private nextCheckpoint(done: number, planned: number): number | null {
    const quarter = Math.ceil(planned / CONFIRMATION_CHECKPOINTS);
    if (planned - done < quarter / 2) return null;
    return Math.min(planned, Math.ceil((done + quarter / 2) / quarter) * quarter);
  }

  isUniform(at: number): boolean {
    return at >= this.firstUniform;
  }

  /**
   * After a window of `units` took `ms`: if that is longer than MAX_WINDOW_MS, shrink the uniform
   * windows to that length at its rate (never below one unit). Windows never grow again: a subject that
   * speeds up would otherwise need more steps to be caught (see AUDIT.md, Known limits).
   */
  follow(ms: number, units: number): void {
    if (ms <= MAX_WINDOW_MS || units <= 0) return;
    const step = Math.max(1, Math.floor((MAX_WINDOW_MS * units) / ms));
    if (step < this.step) this.step = step;
  }

  /**
   * No uniform window longer than `units` from now on (the heap's headroom, `StopDecision`); windows never
   * grow again, as in `follow`.
   */
  limitWindow(units: number): void {
    const step = Math.max(1, Math.floor(units));
    if (step < this.step) this.step = step;
  }

  /**
   * After `units` took `ms`: widen the windows (and the cap) so that one window of the current size
   * lasts at least MIN_WINDOW_MS at that speed.
   */
  widen(ms: number, units: number): void {
    const windowMs = (ms / units) * this.step;
    if (windowMs >= MIN_WINDOW_MS) return;
    const factor = windowMs > 0 ? Math.ceil(MIN_WINDOW_MS / windowMs) : MAX_WIDEN_FACTOR;
    const f = Math.min(factor, MAX_WIDEN_FACTOR);
    this.step *= f;
    this.cap *= f;
  }
}
