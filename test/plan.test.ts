import { describe, expect, it } from 'vitest';
import { MAX_WINDOW_MS, MIN_WINDOW_MS, UNIFORM_WINDOWS } from '../src/analysis/constants.ts';
import { MAX_EXTENSION_FACTOR } from '../src/model/defaults.ts';
import { SamplePlan } from '../src/worker/plan.ts';

function points(plan: SamplePlan, widenAfterFirstUniform?: number): number[] {
  // widenAfterFirstUniform: ms the first uniform window (5000 → 10 000 units here) took.
  const out: number[] = [];
  let done = 0;
  for (let at = plan.next(done); at !== null; at = plan.next(done)) {
    out.push(at);
    if (at === plan.firstUniform && widenAfterFirstUniform !== undefined) plan.widen(widenAfterFirstUniform, at - done);
    done = at;
  }
  return out;
}

describe('sample plan', () => {
  it('samples 1, 2, 5, 10, … then every planned/100 units up to 4x the plan', () => {
    const p = points(new SamplePlan(1_000_000, 4_000_000));
    expect(p.slice(0, 13)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]);
    expect(p[13]).toBe(20_000);
    expect(p.at(-1)).toBe(4_000_000);
    expect(p.length).toBeLessThanOrEqual(SamplePlan.maxSamples(1_000_000) - 1);
  });

  it('widens windows that are too short in time, and the cap with them, keeping the number of windows', () => {
    const plan = new SamplePlan(1_000_000, 4_000_000);
    // 5000 units in MIN/8 ms: a 10 000-unit window takes MIN/4 ms, so windows grow fourfold.
    const p = points(plan, MIN_WINDOW_MS / 8);
    expect(plan.windowUnits).toBe(40_000);
    expect(p[13]).toBe(50_000);
    expect(plan.capUnits).toBe(16_000_000);
    const uniform = p.filter((at) => at >= 10_000).length;
    expect(uniform).toBeLessThanOrEqual(UNIFORM_WINDOWS * MAX_EXTENSION_FACTOR);
    expect(p.length).toBeLessThanOrEqual(SamplePlan.maxSamples(1_000_000) - 1);
  });

  it('shrinks the windows of a subject that slows down, and never grows them back', () => {
    const plan = new SamplePlan(1_000_000, 4_000_000);
    points(plan, MIN_WINDOW_MS * 2);
    // 10 000 units took 4x the longest window: the next windows are a quarter as long.
    plan.follow(4 * MAX_WINDOW_MS, 10_000);
    expect(plan.windowUnits).toBe(2500);
    plan.follow(MAX_WINDOW_MS / 10, 2500);
    expect(plan.windowUnits).toBe(2500);
    plan.follow(1e9, 2500);
    expect(plan.windowUnits).toBe(1);
  });

  it('leaves windows that already last long enough alone', () => {
    const plan = new SamplePlan(1_000_000, 4_000_000);
    points(plan, MIN_WINDOW_MS * 2);
    expect(plan.windowUnits).toBe(10_000);
  });
});
