import { describe, expect, it } from 'vitest';
import { concurrencyOf } from '../src/cli/concurrency.ts';

describe('concurrency', () => {
  it('counts, for each audit, the most audits running at once while it ran', () => {
    // a: 0–10, b: 2–5, c: 4–8 (a, b and c overlap at 4), d: 8–12 (starts as c ends), e never started.
    const runs = [{ start: 0, end: 10 }, { start: 2, end: 5 }, { start: 4, end: 8 }, { start: 8, end: 12 }, undefined];
    expect(concurrencyOf(runs)).toEqual([3, 3, 3, 2, 1]);
  });

  it('is 1 for audits that ran one after another', () => {
    expect(concurrencyOf([{ start: 5, end: 9 }, { start: 0, end: 5 }])).toEqual([1, 1]);
  });
});
