import { describe, expect, it } from 'vitest';
import { HANG_WINDOW_FACTOR } from '../src/analysis/constants.ts';
import { patienceMs } from '../src/cli/monitor.ts';
import type { StreamContents } from '../src/cli/stream-reader.ts';

const sample = (at: number, ms: number) => ({ at, ms, heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0, spaces: {} });
const stream = (samples: ReturnType<typeof sample>[], window: { from: number; to: number } | null): StreamContents => ({
  start: null,
  samples,
  lastWindow: window,
  ended: false,
  end: null,
});

describe("the hang watchdog's patience", () => {
  it('is the hang timeout for a fast subject, and before there is a rate to go by', () => {
    // 10 000 steps took 10 ms: the next 10 000 should take about as long.
    expect(patienceMs(stream([sample(0, 0), sample(10_000, 10)], { from: 10_000, to: 20_000 }), 4000)).toBe(4000);
    expect(patienceMs(stream([sample(0, 0)], { from: 0, to: 1 }), 4000)).toBe(4000);
    expect(patienceMs(stream([], null), 4000)).toBe(4000);
  });

  it('follows the window for a slow subject: HANG_WINDOW_FACTOR times what it should take', () => {
    // 1 ms a step: a window of 10 000 steps should take 10 s.
    const slow = stream([sample(0, 0), sample(5000, 5000)], { from: 5000, to: 15_000 });
    expect(patienceMs(slow, 4000)).toBe(HANG_WINDOW_FACTOR * 10_000);
    // --steps 1e15: a uniform window of 1e13 steps at 1e8 steps/s is more than a day, and healthy.
    const huge = stream([sample(1e9, 10_000), sample(2e9, 20_000)], { from: 2e9, to: 1e13 });
    expect(patienceMs(huge, 60_000)).toBeGreaterThan(86_400_000);
  });
});
