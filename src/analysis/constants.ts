/**
 * Every threshold the verdict uses, with a name: the measuring process's windows and stop decision, the
 * statistics, the watchdog's and the diagnosis' plan. AUDIT.md explains each one; keep the two in step.
 * The defaults a user can change are in model/defaults.ts.
 */

/** Uniform windows across the planned run; the steady state gets up to this many samples. */
export const UNIFORM_WINDOWS = 100;
/**
 * Inside a window the event loop turns after every stretch of about this much stepping, as a program's
 * loop turns between its steps (a control loop at 1 kHz turns at least this often). A subject's I/O then
 * completes as it would in its program: an async file logger keeps one write in flight, and each turn
 * completes one. Turned once per window (~10 000 steps), a structured logger's async destination, logging
 * every 10 steps, grew 4.8–9.5 B/step of backlog and failed; turned every 10 or 100 steps it is flat.
 */
export const TURN_INTERVAL_MS = 1;
/**
 * Before a reading, pending I/O requests (a file write, a socket write, a DNS lookup) and timers that are
 * firing are waited for, a millisecond at a time, for at most this long (two periods of a 100 Hz loop):
 * the reading sees the heap at rest, as the program's would be between its steps, not the backlog of the
 * window's last writes or the deadlines its last steps armed. A write that cannot complete (a peer that
 * never reads) costs each reading this much, and its backlog still grows; a timer that stays pending (a
 * heartbeat) costs one wait.
 */
export const SETTLE_MAX_MS = 20;
/**
 * A uniform window shorter than this (in time) is widened: each window pays a fixed cost, the reading
 * after it, and stepping right after the forced GC is slightly slower (about 0.01 ms of a classical
 * controller's window; AUDIT.md has the figures). Longer windows cost steps: at 30 ms the slow-leak
 * subject needed 0.9–4.2 M steps to be caught, at 5 ms 0.33–0.97 M. Nothing waits between the reading
 * and the next window (in vitest's worker a 3 ms spin after each reading had been needed).
 */
export const MIN_WINDOW_MS = 5;
/**
 * A window that took longer than this shrinks the next ones to this length at its rate, for the rest of
 * the run: a subject that slows as it grows (a listener list scanned on every add) is still read every
 * quarter second, rather than in windows sized by its first speed that end up taking minutes.
 */
export const MAX_WINDOW_MS = 250;
/**
 * A subject whose steps have become this many times slower than in its first uniform window, in two
 * windows in a row, and whose remaining plan would take longer than MAX_REMAINING_PLAN_MS at its current
 * speed, cannot finish its plan: its run is ended and judged on the readings it has (as at the heap
 * guard, on fewer steady samples). Past the plan (an extension) it is not ended for it. The first uniform
 * window runs before V8 has settled on optimised code, so a healthy subject only gets faster after it.
 */
export const SLOWED_FACTOR = 3;
/**
 * Uniform readings a run must have before it is ended as slowed: twice the 10 steady samples an ended
 * run is judged on, since the warm-up cut takes some. At fewer, the signal-listener leak was ended with
 * 9 steady samples (it slowed 6x by 24 600 steps beside another audit) and had no verdict.
 */
export const SLOWED_MIN_READINGS = 20;
export const MAX_REMAINING_PLAN_MS = 60_000;
/** A slope needs at least this many samples after the warm-up cut. */
export const MIN_STEADY_SAMPLES = 30;
/**
 * A fail must come on this many checks in a row before its confirmation starts, and a slowdown in this
 * many windows in a row before it ends a run: one check can be a fluke of the last reading.
 */
export const AGREEING_CHECKS = 2;
/**
 * A fail decided before the plan is done is confirmed over the rest of the plan in long windows that end
 * at these fractions of it (quarters), rather than decided there: a bound reached later in the plan
 * would make it a pass. Readings of a large leaking heap are what a leak's run costs (seed v0.1 to 1 M
 * steps: 8 s of readings at 10 000-step windows against 1.5 s of steps), so the confirmation reads
 * three or four times instead of ~80.
 */
export const CONFIRMATION_CHECKPOINTS = 4;
/**
 * A confirmation window confirms the fail when the series grew across it by at least this fraction of
 * the rate the fail was decided at (its interval's lower end). A leak that goes on grows at ~1x; a bound
 * reached in the window grows at the fraction of the window before the bound, and at 0 in the next one.
 * Below it the run goes back to uniform windows and is judged there as any other run.
 */
export const CONFIRMATION_RATE_FRACTION = 0.5;
/**
 * A confirmation window is only started when it would take at most this long at the subject's current
 * speed (seed v0.1's take ~1 s). A leak that slows as it grows (a listener scanned on every add) got a
 * 200 000-step window that ran for 190 s; it stays in windows that follow its speed instead.
 */
export const MAX_CONFIRMATION_WINDOW_MS = 10_000;

/**
 * Each window may carry the heap at most this fraction of the way from where it is to the heap limit, at
 * the slope's upper end: a window that grows past the limit ends the process before its reading, and
 * windows that halve the distance reach the heap guard (HEAP_CAP_GUARD_FRACTION) in a few readings. The
 * legacy classical controller at --steps 36e6 was confirmed in 9 M-step windows, 550 MB each at
 * 61 B/step, and its heap ran out inside one. Uniform windows shrink to it; a confirmation whose next
 * window would pass it goes back to uniform windows.
 */
export const HEADROOM_WINDOW_FRACTION = 0.5;

/** Two-sided confidence of the slope interval. */
export const CONFIDENCE = 0.99;
/** Standard normal quantile for CONFIDENCE (two-sided): Φ⁻¹(0.995). */
export const CONFIDENCE_Z = 2.5758293035489004;

/** The warm-up cut is searched in the first half of the samples only (the MSER rule). */
export const MAX_WARMUP_FRACTION = 0.5;
/**
 * A series whose warm-up cut finds no end grows throughout, a leak, when its span after the latest cut
 * searched grows at least this fraction as fast as the span before it, both above the budget. A linear
 * leak grows as fast (1x), one that speeds up faster; a warm-up dying away (a cache approaching its
 * bound over a time longer than the run) slows by more, and is measured on (extended) instead. Measured
 * on leaks written elsewhere: a churn at 2.2 KB/cycle, a closure chain at 104 B/step and a string log at
 * 56 B/step ended "still warming up" in 1 or 2 runs of 3 to 5.
 */
export const ONE_RATE_FRACTION = 0.5;

/**
 * A failing slope is held back (inconclusive, keep measuring) when the most recent part of the steady
 * state, this fraction of its span in steps, is flat within budget: the growth may be a bound being
 * reached. A third, because V8 grows arrays by 1.5x: a leaking array's heap is a staircase whose flat
 * treads span less than a third of the run so far, so a real leak's last third always holds a riser.
 */
export const RECENT_FRACTION = 1 / 3;
/**
 * A pass is held back (inconclusive, keep measuring) while the last third or the last sixth of the
 * steady span, by units, fails on its own: growth that started late. The whole span's median slope
 * does not see it: with 100 readings, a leak starting at 80 % of them leaves 3160 of the 4950 pairs flat,
 * and the interval's upper end at 0. Two parts, so that an onset in the last sixth is not diluted by the
 * flat half of the last third. A clean subject whose recent part fails by chance only runs longer.
 */
export const LATE_GROWTH_FRACTIONS: readonly number[] = [1 / 3, 1 / 6];
/**
 * A slope that fails is growth only when the series reaches a new high: the median of its last three
 * readings above every reading of this first fraction of its steady span. Otherwise it moves about a
 * level (how many timers its steps armed are still pending depends on the moment of the reading), and
 * the fail is held back (inconclusive, keep measuring); a resource count at a level passes. A series
 * that grows passes its old highs by half its growth; a level's median of three passes the highest of
 * ~50 earlier readings by chance about once in a thousand runs. Measured with the loop turning every
 * millisecond: a subject arming a timer every 100 steps read 1–58 pending timers, and that count's slope
 * alone failed in 2 runs of 3; a step racing each read against a 10 ms timeout it never clears held
 * 600–9 000 of them, its heap moving 4–10 MiB with them, and its heap slope failed in 2 runs of 3.
 */
export const LEVEL_SPAN = 1 / 2;
/** The recent part needs at least this many samples to vouch for a plateau. */
export const MIN_RECENT_SAMPLES = 5;

/**
 * A rise before the cut is reported as a plateau (bounded growth) when it is at least this large and
 * the steady slope passes.
 */
export const PLATEAU_MIN_RISE_BYTES = 1 * 2 ** 20;

/**
 * A plateau starts where the series first comes within this fraction of its rise (smoothed), not at the
 * warm-up cut: the cut also takes in a runtime's later small steps (V8 warming a watched program's code,
 * ~15 KB at 13 s), which moved it from where a Map of 6000 records reached its level (~9 s) to the
 * searched half's boundary, 14.76 s into a 30 s watch: a plateau as long as its rise, give or take a
 * reading's timing, where it had been flat for 20 s. 0.9 is above every earlier level of growth that
 * multiplies: a store that doubles was at half its level before its last doubling, a V8 array at two
 * thirds.
 */
export const PLATEAU_REACHED_FRACTION = 0.9;

/** Growth within budget is reported (P1) only when it projects to at least this much over the horizon. */
export const MIN_REPORTED_GROWTH_BYTES = 1 * 2 ** 20;

/** Warm-up bigger than this is worth a warning in reports (P2). */
export const LARGE_WARMUP_BYTES = 16 * 2 ** 20;

/** Churn: instances created after measuring and registered to prove they are collected. */
export const COLLECTION_PROBE_CYCLES = 20;
/**
 * Resources (active handles and requests by type, open file descriptors) a run may accumulate over its
 * horizon: a count series is judged against this over the horizon's units, as the heap against its bytes.
 * 100 over 10 h x 50 instances is one per 1.8 M instance-steps; a socket or timer kept every 1000 steps
 * grows 1800x faster. Counts are whole numbers, flat in a clean subject: their interval is [0, 0].
 */
export const RESOURCE_HORIZON_BUDGET = 100;
/**
 * When the heap cap ends a run early, a `fail` may rest on this many steady samples: the growth that
 * filled the heap is the evidence, and no more samples can be had.
 */
export const MIN_GUARD_STEADY_SAMPLES = 10;
/**
 * Resource counts are exact, not read through a collector: a count series is judged on this many steady
 * readings, as a run ended at the heap guard is. A timer armed every 1000 steps and never cleared, in
 * windows widened to 120 000 steps, had 16 steady readings when its heap passed, and its count,
 * 1.0e-3/step [1.0e-3, 1.0e-3], was left inconclusive (2 runs of 3).
 */
export const RESOURCE_MIN_STEADY_SAMPLES = MIN_GUARD_STEADY_SAMPLES;
/** A post-GC heap above this fraction of the heap cap ends the run before V8 aborts it. */
export const HEAP_CAP_GUARD_FRACTION = 0.85;
/**
 * The watchdog's patience follows the window an audit is in: at least this many times as long as the
 * window should take at the rate of the one before it, so a slow but healthy subject (1 ms steps, or
 * --steps 1e15) is never called hung.
 */
export const HANG_WINDOW_FACTOR = 4;

/**
 * The first snapshot is taken once the subject has grown this much past its warm-up (at its measured
 * rate), the next two at twice and four times those units: enough new elements that their count,
 * not noise, decides, in snapshots of a few tens of MB.
 */
export const DIAGNOSIS_GROWTH_BYTES = 4 * 2 ** 20;
/**
 * Where a diagnosis looks for growth to begin: past the last reading of the verdict run within this of
 * the lowest reading after its warm-up. A leak that starts late (late-onset-leak, at 600 000 of 1 M
 * steps) is judged on one slope over its whole run, with no warm-up to cut, and snapshots at a quarter
 * and half of the run found nothing growing in every interval. A few hundred KB: above what a reading
 * of a clean subject moves by (tens of KB), a few thousand steps of a leak's growth.
 */
export const GROWTH_ONSET_BYTES = 256 * 2 ** 10;
/** Fewest units before the first snapshot (steps; cycles for churn). */
export const MIN_DIAGNOSIS_STEPS = 1000;
export const MIN_DIAGNOSIS_CYCLES = 40;
/**
 * A heap snapshot's size over the heap it shows, at most (`npm run audit -- --diagnose`, 41 audits,
 * 112 snapshots): 0.2–0.8 for arrays of numbers (a store is one node), 1.1–1.3 for most subjects, up to
 * 2.3 for leaks of many small objects (signal listeners, queued writes, memo strings). The diagnosis
 * plans its snapshots so that the last one, at this ratio over the heap the verdict run read at the
 * same units, stays under --snapshot-cap.
 */
export const SNAPSHOT_BYTES_PER_HEAP_BYTE = 2.5;
