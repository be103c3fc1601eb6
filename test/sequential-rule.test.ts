import { describe, expect, it } from 'vitest';
import { HEAP_CAP_GUARD_FRACTION, SEQUENTIAL_CONFIRMATIONS } from '../src/analysis/constants.ts';
import type { SeriesVerdict } from '../src/analysis/series.ts';
import { SequentialRule } from '../src/worker/sequential-rule.ts';

const CAP = 1e9;
const LOW_HEAP = 1e6;
const unused = (): SeriesVerdict => {
  throw new Error('the guard verdict is only asked for when the heap is near its cap');
};

/** Feeds decisions one window at a time (1000 units each); returns where and why the rule stopped. */
function run(rule: SequentialRule, decisions: readonly SeriesVerdict[]) {
  for (const [i, decision] of decisions.entries()) {
    const stop = rule.observe(decision, LOW_HEAP, (i + 1) * 1000, unused);
    if (stop) return { window: i + 1, ...stop };
  }
  return null;
}

describe('the sequential rule: when a measurement may stop', () => {
  it(`stops as decided once the same verdict comes ${SEQUENTIAL_CONFIRMATIONS} times in a row`, () => {
    expect(run(new SequentialRule(1e9, CAP), ['fail', 'fail'])).toEqual({ window: 2, reason: 'decided', error: null });
    expect(run(new SequentialRule(1e9, CAP), ['pass', 'fail', 'pass', 'pass'])).toMatchObject({ window: 4 });
  });

  it('starts counting again after an inconclusive check, and never decides on inconclusive ones', () => {
    expect(run(new SequentialRule(1e9, CAP), ['pass', 'inconclusive', 'pass', 'pass'])).toMatchObject({ window: 4 });
    expect(run(new SequentialRule(1e9, CAP), ['inconclusive', 'inconclusive', 'inconclusive'])).toBeNull();
  });

  it('stops at the plan with a verdict, and runs on past it while inconclusive', () => {
    expect(run(new SequentialRule(2000, CAP), ['pass', 'fail'])).toEqual({ window: 2, reason: 'planned', error: null });
    expect(run(new SequentialRule(2000, CAP), ['pass', 'inconclusive', 'inconclusive'])).toBeNull();
  });

  it('stops at the heap guard: a fail on what there is, or an error saying why it could not decide', () => {
    const nearCap = HEAP_CAP_GUARD_FRACTION * CAP + 1;
    expect(new SequentialRule(1e9, CAP).observe('inconclusive', nearCap, 5000, () => 'fail')).toEqual({
      reason: 'heap-guard',
      error: null,
    });
    const undecided = new SequentialRule(1e9, CAP).observe('inconclusive', nearCap, 5000, () => 'inconclusive');
    expect(undecided?.reason).toBe('heap-guard');
    expect(undecided?.error).toMatchObject({ kind: 'heap-exhausted', at: 5000 });
    expect(undecided?.error?.message).toMatch(/^heap reached 811 MB of its 954 MB limit after 5000 units/);
  });
});
