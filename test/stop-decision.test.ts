import { describe, expect, it } from 'vitest';
import {
  AGREEING_CHECKS,
  HEADROOM_WINDOW_FRACTION,
  HEAP_CAP_GUARD_FRACTION,
  MAX_CONFIRMATION_WINDOW_MS,
  MIN_STEADY_SAMPLES,
  SLOWED_FACTOR,
  SLOWED_MIN_READINGS,
} from '../src/analysis/constants.ts';
import type { ColumnsAnalysis } from '../src/analysis/judge.ts';
import type { SeriesAnalysis } from '../src/analysis/series.ts';
import type { SeriesVerdict } from '../src/model/audit.ts';
import { resolveAuditOptions } from '../src/model/options.ts';
import { SamplePlan } from '../src/worker/plan.ts';
import { applyToPlan, StopDecision, type Judge, type NextMove } from '../src/worker/stop-decision.ts';

/**
 * The stop decision on synthetic readings: every rule it holds (agreeing checks, the uniform-readings
 * gate, the confirmation and its cap, the planned stop, extension, the heap guard, the slowdown end, the
 * full store) reached without running a subject. The verdicts come from a scripted judge, so each test
 * says what the analysis said at each check; the windows come from the real sample plan, moved as the
 * measuring loop moves it.
 */

const CAP = 1e9;
const LOW_HEAP = 1e6;
const PLANNED = 10_000;

/** What the analysis says at one check: a verdict, whether a fail's growth goes on, and its rate. */
interface Said {
  readonly verdict: SeriesVerdict;
  readonly stillGrowing?: boolean;
  readonly rate?: number;
}

function analysis({ verdict, stillGrowing = verdict === 'fail', rate = 50 }: Said): ColumnsAnalysis {
  const series = (v: SeriesVerdict, growing: boolean, r: number) =>
    ({ verdict: v, stillGrowing: growing, slope: { bytesPerUnit: r, ci: [r, r] } }) as unknown as SeriesAnalysis;
  const heap = series(verdict, stillGrowing, rate);
  return { heap, offHeap: series('pass', false, 0), total: heap, verdict };
}

/** A judge that says `script[k]` at the k-th check (the last entry from then on), and `guard` at the heap guard. */
function scripted(script: readonly Said[], guard: SeriesVerdict = 'inconclusive') {
  let calls = 0;
  const judge: Judge = (_columns, _options, _minSteady, end) =>
    end === 'final' ? analysis({ verdict: guard }) : analysis(script[Math.min(calls++, script.length - 1)]!);
  return { judge, checks: () => calls };
}

interface Window {
  /** The post-GC heap after it, from the units done. */
  readonly heap?: (at: number) => number;
  /** Its own time. */
  readonly ms?: number;
}

/**
 * A run of PLANNED units, one window at a time as the loop runs them: `read(window)` takes the plan's
 * next window, records the reading, asks the decision, and applies its move to the plan.
 */
function run(judge: Judge, { heapCap = Infinity, capacity = 10_000, planned = PLANNED } = {}) {
  const plan = new SamplePlan(planned, planned * 4);
  const readings = { at: [] as number[], heap: [] as number[], external: [] as number[], capacity, length: 0 };
  const columns = { ...readings, heapUsed: readings.heap };
  const decision = new StopDecision(
    resolveAuditOptions('synthetic', { steps: planned }),
    heapCap,
    columns,
    plan,
    judge,
  );
  let done = 0;
  const read = ({ heap = () => LOW_HEAP, ms = 1 }: Window = {}): NextMove => {
    const at = plan.next(done);
    if (at === null) throw new Error('the plan has no window left');
    for (const [column, value] of [
      [columns.at, at],
      [columns.heap, heap(at)],
      [columns.external, 0],
    ] as const)
      column.push(value);
    columns.length = columns.at.length;
    const next = decision.afterReading({ index: columns.length - 1, at, windowUnits: at - done, windowMs: ms });
    applyToPlan(plan, next, at);
    done = at;
    return next;
  };
  // The log-spaced readings of the warm-up, which the decision does not judge: the tests start after them.
  const probe = new SamplePlan(planned, planned * 4);
  let warmupReadings = 0;
  for (; probe.next(0)! < probe.firstUniform; warmupReadings++) expect(read()).toEqual({ move: 'go-on' });
  return { read, decision, at: () => done, warmupReadings };
}

/** Reads until the decision says something other than go on: that, and which reading it was (1-based). */
function until(read: (w?: Window) => NextMove, window: Window = {}, max = 2000) {
  for (let reading = 1; reading <= max; reading++) {
    const move = read(window);
    if (move.move !== 'go-on') return { move, reading };
  }
  throw new Error(`still going on after ${max} readings`);
}

const planned = { move: 'stop', reason: 'planned', error: null } as const;

describe('the stop decision: the planned run is the contract', () => {
  it('never passes before the plan is done, stops at it with a verdict, and extends past it while uncertain', () => {
    expect(until(run(scripted([{ verdict: 'pass' }]).judge).read)).toEqual({ move: planned, reading: 100 });
    const uncertain = run(scripted([{ verdict: 'inconclusive' }]).judge);
    expect(until(uncertain.read)).toEqual({ move: { move: 'extend' }, reading: 100 });
    expect(uncertain.read()).toEqual({ move: 'extend' });
  });

  it('does not judge the log-spaced readings of the warm-up', () => {
    const { judge, checks } = scripted([{ verdict: 'fail' }]);
    const plan = new SamplePlan(PLANNED, 4 * PLANNED);
    const columns = { at: [1], heap: [LOW_HEAP], external: [0], heapUsed: [LOW_HEAP], length: 1, capacity: 99 };
    const decision = new StopDecision(resolveAuditOptions('x', { steps: PLANNED }), CAP, columns, plan, judge);
    expect(decision.afterReading({ index: 0, at: 1, windowUnits: 1, windowMs: 1 })).toEqual({ move: 'go-on' });
    expect(checks()).toBe(0);
  });

  it(`confirms a fail on ${AGREEING_CHECKS} checks in a row, once ${MIN_STEADY_SAMPLES} uniform readings make a steady state`, () => {
    expect(until(run(scripted([{ verdict: 'fail' }]).judge).read)).toEqual({
      move: { move: 'confirm', to: PLANNED },
      reading: MIN_STEADY_SAMPLES,
    });
    // In a row: a pass after a fail starts the count again.
    const alternating = Array.from({ length: MIN_STEADY_SAMPLES }, (_, k): Said => ({
      verdict: k % 2 ? 'pass' : 'fail',
    }));
    const broken = run(scripted([...alternating, { verdict: 'fail' }]).judge);
    expect(until(broken.read).reading).toBe(MIN_STEADY_SAMPLES + AGREEING_CHECKS);
  });

  it('does not confirm a fail whose growth has stopped: the run goes on to the plan', () => {
    const { read } = run(scripted([{ verdict: 'fail', stillGrowing: false }, { verdict: 'pass' }]).judge);
    expect(until(read)).toEqual({ move: planned, reading: 100 });
  });

  it(`starts no confirmation window longer than ${MAX_CONFIRMATION_WINDOW_MS / 1000} s at the subject's speed`, () => {
    // 100-unit windows of 1 s: the first confirmation window, 2 000 units, would take 20 s. The fail is
    // then the planned run's, decided at the plan in uniform windows.
    const { read } = run(scripted([{ verdict: 'fail' }]).judge);
    expect(until(read, { ms: 1000 })).toEqual({ move: planned, reading: 100 });
  });

  it('ends a confirmation that grew on as the planned run’s fail, in a few long windows', () => {
    const { read, decision } = run(scripted([{ verdict: 'fail', rate: 50 }]).judge);
    const leak = { heap: (at: number) => LOW_HEAP + 50 * at };
    expect(until(read, leak).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(decision.confirming).toBe(true);
    // From 3 000 units: long windows to 5 000, 7 500 and the plan's 10 000.
    expect(until(read, leak)).toEqual({ move: planned, reading: 3 });
  });

  it('goes on in uniform windows when a confirmation reaches the plan on readings that give no verdict yet', () => {
    // The far readings moved the warm-up cut: at the plan's end the readings are inconclusive.
    const fails = Array<Said>(MIN_STEADY_SAMPLES).fill({ verdict: 'fail', rate: 50 });
    const { read, at } = run(scripted([...fails, { verdict: 'inconclusive' }, { verdict: 'fail' }]).judge);
    const leak = { heap: (x: number) => LOW_HEAP + 50 * x };
    expect(until(read, leak).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(until(read, leak)).toEqual({ move: { move: 'resume-uniform' }, reading: 3 });
    expect(at()).toBe(PLANNED);
    // The next uniform window past the plan gives the verdict.
    expect(read(leak)).toEqual(planned);
    expect(at()).toBe(PLANNED + 100);
  });

  it('goes back to uniform windows when the growth stops, and judges the fail at the plan', () => {
    const { read, decision, at } = run(scripted([{ verdict: 'fail', rate: 50 }]).judge);
    const bound = { heap: (x: number) => LOW_HEAP + 50 * Math.min(x, 3000) };
    expect(until(read, bound).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(read(bound)).toEqual({ move: 'resume-uniform' });
    expect(decision.confirming).toBe(false);
    expect(at()).toBe(5000);
    expect(until(read, bound).move).toEqual(planned);
    expect(at()).toBe(PLANNED);
  });

  it('holds a fail back until 1.5x the units at which a confirmation saw the growth stop, past the plan too', () => {
    // The growth stops at 5 500 units: the long window from 3 000 to 5 000 grew, the one to 7 500 did not.
    const { read, at } = run(scripted([{ verdict: 'fail', rate: 50 }]).judge);
    const late = { heap: (x: number) => LOW_HEAP + 50 * Math.min(x, 5500) };
    expect(until(read, late).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(until(read, late)).toEqual({ move: { move: 'resume-uniform' }, reading: 2 });
    expect(at()).toBe(7500);
    // 1.5 x 7 500 = 11 250 units: until then a fail is inconclusive, and the run is extended past the plan.
    expect(until(read, late).move).toEqual({ move: 'extend' });
    expect(at()).toBe(PLANNED);
    let move = read(late);
    while (move.move === 'extend') move = read(late);
    expect(move).toEqual(planned);
    expect(at()).toBe(11_300);
  });
});

describe('the stop decision: a run that cannot reach its plan', () => {
  const nearCap = HEAP_CAP_GUARD_FRACTION * CAP + 1;

  it('stops at the heap guard: a fail on what there is, or an error saying why it could not decide', () => {
    const failing = run(scripted([{ verdict: 'pass' }], 'fail').judge, { heapCap: CAP });
    expect(failing.read({ heap: () => nearCap })).toEqual({ move: 'stop', reason: 'heap-guard', error: null });
    const undecided = run(scripted([{ verdict: 'pass' }], 'inconclusive').judge, { heapCap: CAP }).read({
      heap: () => nearCap,
    });
    expect(undecided).toMatchObject({ move: 'stop', reason: 'heap-guard', error: { kind: 'heap-exhausted', at: 100 } });
    const message = undecided.move === 'stop' ? undecided.error?.message : '';
    expect(message).toMatch(/^heap reached 811 MB of its 954 MB limit after 100 units/);
  });

  it('checks the heap guard in a confirmation too', () => {
    const { read } = run(scripted([{ verdict: 'fail' }], 'fail').judge, { heapCap: CAP });
    expect(until(read).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(read({ heap: () => nearCap })).toEqual({ move: 'stop', reason: 'heap-guard', error: null });
  });

  it("sizes uniform windows by the heap's headroom: none carries the heap past half its distance to the limit", () => {
    // 200 000 B/unit at the slope's upper end, 20 MB below a 100 MB limit (its guard at 85 MB): windows of
    // 50 units, not 100.
    const { read, at } = run(scripted([{ verdict: 'pass', rate: 2e5 }]).judge, { heapCap: 1e8 });
    expect(read({ heap: () => 6e7 })).toEqual({ move: 'go-on', maxWindow: (HEADROOM_WINDOW_FRACTION * 4e7) / 2e5 });
    const before = at();
    expect(read({ heap: () => 8e7 })).toEqual({ move: 'go-on', maxWindow: 50 });
    expect(at() - before).toBe(100);
    const shrunk = at();
    read({ heap: () => 8e7 });
    expect(at() - shrunk).toBe(50);
  });

  it('starts no confirmation, and goes on with none, whose long window would carry the heap past its headroom', () => {
    // 500 B/unit with 1 MB to a 2 MB limit: 1 000 units of headroom, and the first long window is 2 000.
    const tight = run(scripted([{ verdict: 'fail', rate: 500 }]).judge, { heapCap: 2e6 });
    expect(until(tight.read)).toMatchObject({ move: { move: 'stop', reason: 'planned' }, reading: 100 });
    // A 5 MB limit lets the confirmation start at 3 000 units (2.5 MB), but its window from 5 000 (3.5 MB)
    // to 7 500 would need 2 500 units of headroom, and there are 1 500: back to uniform windows.
    const { read, at } = run(scripted([{ verdict: 'fail', rate: 500 }]).judge, { heapCap: 5e6 });
    const leak = { heap: (x: number) => 1e6 + 500 * x };
    expect(until(read, leak).move).toEqual({ move: 'confirm', to: PLANNED });
    expect(until(read, leak).move).toEqual({ move: 'resume-uniform', maxWindow: 1500 });
    expect(at()).toBe(5000);
  });

  it(`ends a subject ${SLOWED_FACTOR}x slower in two windows in a row, with ${SLOWED_MIN_READINGS} uniform readings`, () => {
    // The first uniform window (5 000 units, from the last log-spaced reading) in 10 ms; then 10 000-unit
    // windows 50x slower, with more than a minute of the plan left at that speed.
    const slow = { ms: 1000 };
    const { read } = run(scripted([{ verdict: 'pass' }]).judge, { planned: 1e6 });
    expect(read({ ms: 10 })).toEqual({ move: 'go-on' });
    const { move, reading } = until(read, slow);
    expect(reading + 1).toBe(SLOWED_MIN_READINGS);
    expect(move).toMatchObject({ move: 'stop', reason: 'error', error: { kind: 'slowed' } });
    expect(move.move === 'stop' ? move.error?.message : '').toMatch(
      /^its units slowed from 2\.00 µs to 100 µs each \(50x\); the 800,000 left/,
    );
  });

  it('does not end a run on single slow windows, nor one whose slowed plan is short', () => {
    const spiky = run(scripted([{ verdict: 'pass' }]).judge, { planned: 1e6 });
    for (let k = 0; k < 2 * SLOWED_MIN_READINGS; k++)
      expect(spiky.read({ ms: k % 2 ? 1000 : 10 })).toEqual({ move: 'go-on' });
    // 100-unit windows 100x slower leave ~1 s of a 10 000-unit plan: it can finish.
    const short = run(scripted([{ verdict: 'pass' }]).judge);
    short.read({ ms: 0.1 });
    expect(until(short.read, { ms: 10 })).toEqual({ move: planned, reading: 99 });
  });

  it('ends a run whose readings fill the sample store, as at the cap', () => {
    const { read, warmupReadings } = run(scripted([{ verdict: 'inconclusive' }]).judge, { capacity: 40 });
    expect(until(read)).toEqual({
      move: { move: 'stop', reason: 'extension-cap', error: null },
      reading: 40 - warmupReadings,
    });
  });
});
