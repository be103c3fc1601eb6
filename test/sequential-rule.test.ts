import { describe, expect, it } from 'vitest';
import { HEAP_CAP_GUARD_FRACTION, SEQUENTIAL_CONFIRMATIONS } from '../src/analysis/constants.ts';
import type { SeriesVerdict } from '../src/analysis/series.ts';
import { SequentialRule } from '../src/worker/sequential-rule.ts';

const CAP = 1e9;
const LOW_HEAP = 1e6;
const unused = (): SeriesVerdict => {
  throw new Error('the guard verdict is only asked for when the heap is near its cap');
};

/** Feeds decisions one window at a time (1000 units each); returns where and what the rule said. */
function run(rule: SequentialRule, decisions: readonly SeriesVerdict[]) {
  for (const [i, decision] of decisions.entries()) {
    const outcome = rule.observe(decision, LOW_HEAP, (i + 1) * 1000, unused);
    if (outcome) return { window: i + 1, outcome };
  }
  return null;
}

describe('the sequential rule: the planned run is the contract', () => {
  it('never passes before the plan is done, however often the pass repeats', () => {
    expect(run(new SequentialRule(1e9, CAP), Array<SeriesVerdict>(50).fill('pass'))).toBeNull();
  });

  it(`asks to confirm a fail that came ${SEQUENTIAL_CONFIRMATIONS} times in a row, rather than stopping on it`, () => {
    expect(run(new SequentialRule(1e9, CAP), ['fail', 'fail'])).toEqual({ window: 2, outcome: 'confirm' });
    expect(run(new SequentialRule(1e9, CAP), ['fail', 'inconclusive', 'fail', 'pass', 'fail', 'fail'])).toEqual({
      window: 6,
      outcome: 'confirm',
    });
  });

  it('once a confirmation saw the growth stop, a fail before the plan is only judged at the plan', () => {
    const rule = new SequentialRule(5000, CAP);
    expect(run(rule, ['fail', 'fail'])?.outcome).toBe('confirm');
    rule.confirmationFailed(4000);
    expect(rule.observe('fail', LOW_HEAP, 4000, unused)).toBeNull();
    // Past the plan, a fail waits until the recent third lies after the confirmation (1.5 x 4000 units).
    expect(rule.observe('fail', LOW_HEAP, 5000, unused)).toBeNull();
    expect(rule.observe('pass', LOW_HEAP, 5000, unused)).toEqual({ reason: 'planned', error: null });
    expect(rule.observe('fail', LOW_HEAP, 6000, unused)).toEqual({ reason: 'planned', error: null });
  });

  it('stops at the plan with a verdict, and runs on past it while inconclusive', () => {
    expect(run(new SequentialRule(2000, CAP), ['pass', 'pass'])).toEqual({
      window: 2,
      outcome: { reason: 'planned', error: null },
    });
    expect(run(new SequentialRule(2000, CAP), ['pass', 'inconclusive', 'inconclusive'])).toBeNull();
  });

  it('stops at the heap guard: a fail on what there is, or an error saying why it could not decide', () => {
    const nearCap = HEAP_CAP_GUARD_FRACTION * CAP + 1;
    expect(new SequentialRule(1e9, CAP).observe('inconclusive', nearCap, 5000, () => 'fail')).toEqual({
      reason: 'heap-guard',
      error: null,
    });
    const undecided = new SequentialRule(1e9, CAP).guard(nearCap, 5000, () => 'inconclusive');
    expect(undecided?.reason).toBe('heap-guard');
    expect(undecided?.error).toMatchObject({ kind: 'heap-exhausted', at: 5000 });
    expect(undecided?.error?.message).toMatch(/^heap reached 811 MB of its 954 MB limit after 5000 units/);
  });
});
