import { describe, expect, it } from 'vitest';
import { CONFIDENCE_Z, MIN_STEADY_SAMPLES, PLATEAU_MIN_RISE_BYTES } from '../src/analysis/constants.ts';
import { judge } from '../src/analysis/judge.ts';
import { leastSquares, theilSen } from '../src/analysis/regression.ts';
import { analyseSeries } from '../src/analysis/series.ts';
import { mserLinearCut } from '../src/analysis/warmup.ts';
import type { ResolvedAuditOptions, Sample } from '../src/model/audit.ts';
import { prng } from '../src/worker/random.ts';
import { rawRecord } from './support/record.ts';

/** Deterministic noise, uniform in [−amplitude, amplitude]. */
function noise(seed: number, amplitude: number): () => number {
  const random = prng(seed);
  return () => (random() * 2 - 1) * amplitude;
}

/** x: a log-spaced warm-up part then 100 uniform windows of 10 000 steps, as the planner makes them. */
const XS = [
  0,
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1000,
  2000,
  5000,
  ...Array.from({ length: 100 }, (_, i) => (i + 1) * 10_000),
];

describe('regression', () => {
  it('least squares and Theil–Sen recover an exact line', () => {
    const ys = XS.map((x) => 5_000_000 + 273 * x);
    expect(leastSquares(XS, ys).slope).toBeCloseTo(273, 9);
    const ts = theilSen(XS, ys, CONFIDENCE_Z);
    expect(ts.slope).toBeCloseTo(273, 9);
    expect(ts.ci[0]).toBeCloseTo(273, 9);
    expect(ts.ci[1]).toBeCloseTo(273, 9);
  });

  it('Theil–Sen ignores a few outliers that drag least squares', () => {
    const ys = XS.map((x, i) => 1000 * x + (i % 25 === 24 ? 5e8 : 0));
    expect(Math.abs(theilSen(XS, ys, CONFIDENCE_Z).slope - 1000)).toBeLessThan(1);
    expect(Math.abs(leastSquares(XS, ys).slope - 1000)).toBeGreaterThan(5);
  });

  it('the interval covers the true slope of a noisy line and narrows with more data', () => {
    const r = noise(1, 200_000);
    const ys = XS.map((x) => 0.65 * x + r());
    const all = theilSen(XS, ys, CONFIDENCE_Z);
    expect(all.ci[0]).toBeLessThan(0.65);
    expect(all.ci[1]).toBeGreaterThan(0.65);
    const few = theilSen(XS.slice(-30), ys.slice(-30), CONFIDENCE_Z);
    expect(few.ci[1] - few.ci[0]).toBeGreaterThan(all.ci[1] - all.ci[0]);
  });
});

describe('warm-up (MSER on line residuals)', () => {
  it('keeps (almost) every sample of a pure line', () => {
    // MSER may drop a few points whose noise happens to be large; never the steady part.
    const r = noise(2, 10);
    expect(
      XS[
        mserLinearCut(
          XS,
          XS.map((x) => 3 * x + r()),
        ).index
      ],
    ).toBeLessThan(10_000);
    expect(
      mserLinearCut(
        XS,
        XS.map((x) => 3 * x),
      ).index,
    ).toBe(0);
  });

  it('cuts a one-time 20 MB rise in the first 1000 steps', () => {
    const r = noise(3, 20_000);
    const ys = XS.map((x) => 10e6 + Math.min(x, 1000) * 21_000 + r());
    const cut = mserLinearCut(XS, ys).index;
    expect(XS[cut]).toBeGreaterThanOrEqual(1000);
    expect(XS[cut]).toBeLessThanOrEqual(10_000);
  });

  it('cuts a buffer that fills for 100 000 steps, then stays flat', () => {
    const r = noise(4, 20_000);
    const ys = XS.map((x) => 10e6 + Math.min(x, 100_000) * 90 + r());
    const cut = mserLinearCut(XS, ys).index;
    expect(XS[cut]).toBeGreaterThanOrEqual(100_000);
    expect(XS[cut]).toBeLessThanOrEqual(120_000);
  });

  it('holds back a fail while the growth may be a buffer reaching its bound', () => {
    // A buffer filling for 100 000 steps, checked at 180 000: the rise fills more than half the samples.
    const xs = XS.slice(0, 31);
    const ys = xs.map((x) => 1e6 + Math.min(x, 100_000) * 88);
    const s = analyseSeries(xs, ys, 0.373, 10);
    expect(s.verdict).toBe('inconclusive');
    expect(s.levelling || !s.warmup.settled).toBe(true);
    // Measured in a real run (seed 1, run 5 of 10): one transient +87 KB reading in the flat tail.
    const bumped = ys.map((y, i) => (i === xs.length - 3 ? y + 87_000 : y));
    expect(analyseSeries(xs, bumped, 0.373, 10).verdict).toBe('inconclusive');
  });

  it('says a fail is still growing only when its recent third grew past the budget', () => {
    // Measured in a lean audit process: fill-to-capacity at 180 000 steps, bound reached at 100 000,
    // with a +110 KB code-space reading at the end; the slope from the start fails, the growth has stopped.
    const xs = XS.slice(0, 31);
    const r = noise(7, 8_000);
    const ys = xs.map((x, i) => 3.8e6 + Math.min(x, 100_000) * 90 + r() + (i === xs.length - 1 ? 110_000 : 0));
    const filled = analyseSeries(xs, ys, 0.373, 10);
    expect(filled.verdict).toBe('fail');
    expect(filled.stillGrowing).toBe(false);
    // The seed v0.1 leak, 280 B/step to the last reading: still growing.
    const leak = analyseSeries(
      xs,
      xs.map((x) => 3.8e6 + 280 * x + r()),
      0.373,
      10,
    );
    expect(leak.verdict).toBe('fail');
    expect(leak.stillGrowing).toBe(true);
    // The legacy controllers' history: arrays that grow by 1.5x (a staircase) of numbers that each
    // take 16 B. (A pure staircase, whose last tread can span the whole recent third, only waits for
    // the next riser or the plan: the early stop is put off, not the verdict changed.)
    const capacity = (x: number) => 1.5 ** Math.ceil(Math.log(Math.max(x, 1)) / Math.log(1.5));
    const stairs = xs.map((x) => 3.8e6 + 8 * capacity(x) + 16 * x + r());
    const staircase = analyseSeries(xs, stairs, 0.373, 10);
    expect(staircase.verdict).toBe('fail');
    expect(staircase.stillGrowing).toBe(true);
  });

  it('fails growth that speeds up from the first readings, and measures on a warm-up dying away', () => {
    // A leak whose rate rises from 56 to 112 B/step over the run: no warm-up cut ends it.
    const speeding = analyseSeries(
      XS,
      XS.map((x) => 1e6 + 56 * x + (56 * x * x) / 1e6),
      0.373,
    );
    expect(
      mserLinearCut(
        XS,
        XS.map((x) => 1e6 + 56 * x + (56 * x * x) / 1e6),
      ).settled,
    ).toBe(false);
    expect(speeding).toMatchObject({ verdict: 'fail', throughout: true, stillGrowing: true });
    expect(speeding.slope.bytesPerUnit).toBeGreaterThan(56);
    // A cache approaching its bound over 300 000 steps: still rising at the end, at a tenth of its first
    // rate. No verdict yet: the run goes on.
    const approaching = analyseSeries(
      XS,
      XS.map((x) => 1e6 + 56 * 3e5 * (1 - Math.exp(-x / 3e5))),
      0.373,
    );
    expect(approaching).toMatchObject({ verdict: 'inconclusive', throughout: false });
    expect(approaching.warmup.settled).toBe(false);
  });

  it('passes a watch whose warm-up dies away within budget, and never fails one that has not', () => {
    // A 30 s watch read every 250 ms, its budget 64 MiB over 10 h (1 864 B/s), and V8 warming up for
    // longer than the searched half: the cut lands on the half's boundary.
    const ts = Array.from({ length: 120 }, (_, i) => (i + 1) * 0.25);
    const budgetPerSecond = 2 ** 26 / 36_000;
    const r = noise(7, 2000);
    const warming = (rise: number) => ts.map((t) => 3.6e6 + rise * (1 - Math.exp(-t / 15)) + r());
    const small = warming(50_000);
    expect(mserLinearCut(ts, small).settled).toBe(false);
    expect(analyseSeries(ts, small, budgetPerSecond).verdict).toBe('inconclusive');
    const watched = analyseSeries(ts, small, budgetPerSecond, MIN_STEADY_SAMPLES, 'fixed');
    expect(watched).toMatchObject({ verdict: 'pass', warmup: { settled: true } });
    // Its last half still rising at ~6 KB/s: no verdict, and the reason is that the warm-up has not ended.
    const large = analyseSeries(ts, warming(400_000), budgetPerSecond, MIN_STEADY_SAMPLES, 'fixed');
    expect(large).toMatchObject({ verdict: 'inconclusive', throughout: false, warmup: { settled: false } });
    // A leak at one rate fails a watch as it fails an audit.
    const leak = ts.map((t) => 3.6e6 + 100_000 * t + r());
    expect(analyseSeries(ts, leak, budgetPerSecond, MIN_STEADY_SAMPLES, 'fixed').verdict).toBe('fail');
  });

  it('ignores a single transient spike when cutting', () => {
    const ys = XS.map((x, i) => (i === 40 ? 5e6 : 2e6) + Math.min(x, 20_000));
    const cut = mserLinearCut(XS, ys);
    expect(cut.settled).toBe(true);
    expect(XS[cut.index]).toBeGreaterThanOrEqual(20_000);
    expect(XS[cut.index]).toBeLessThanOrEqual(30_000);
  });
});

describe('series verdicts', () => {
  const budget = 0.373;

  it('fails a steady leak above budget', () => {
    const r = noise(5, 5_000);
    const s = analyseSeries(
      XS,
      XS.map((x) => 8e6 + 0.655 * x + r()),
      budget,
    );
    expect(s.verdict).toBe('fail');
    expect(s.slope.bytesPerUnit).toBeCloseTo(0.655, 1);
  });

  it('passes a flat series, and a rise that stops, reporting the plateau', () => {
    const r = noise(6, 5_000);
    const flat = analyseSeries(
      XS,
      XS.map(() => 8e6 + r()),
      budget,
    );
    expect(flat.verdict).toBe('pass');
    expect(flat.plateau).toBeNull();
    const filled = analyseSeries(
      XS,
      XS.map((x) => 8e6 + Math.min(x, 100_000) * 88 + r()),
      budget,
    );
    expect(filled.verdict).toBe('pass');
    expect(filled.plateau).not.toBeNull();
    expect(filled.plateau!.rise).toBeGreaterThan(PLATEAU_MIN_RISE_BYTES);
    expect(filled.warmup.bytes).toBeGreaterThan(8.5e6);
    expect(filled.warmup.bytes).toBeLessThan(9.1e6);
  });

  it('holds back a plateau shorter than the rise before it: growth in doublings looks like one', () => {
    // The readings of a run of the doubling-log subject: a store of 64 KiB doubled at 8 192 x 2^k units;
    // a confirmation window from 300 000 to 500 000 saw no doubling and sent the run back to uniform
    // windows. At the plan, the cut sits on the doubling at 524 288, flat for 476 000 units after it.
    const r = noise(9, 2_000);
    const store = (x: number) => 2e6 + 65_536 * 2 ** Math.max(0, Math.ceil(Math.log2(x / 8192))) + r();
    const uniform = (from: number, to: number) =>
      Array.from({ length: (to - from) / 10_000 + 1 }, (_, i) => from + i * 10_000);
    const run = [...XS.slice(0, 13), ...uniform(10_000, 300_000), ...uniform(500_000, 1_000_000)];
    const atPlan = analyseSeries(run, run.map(store), budget);
    expect(atPlan.warmup.until).toBeGreaterThan(500_000);
    expect(atPlan.shortPlateau).toBe(true);
    expect(atPlan.verdict).toBe('inconclusive');
    expect(atPlan.plateau).toBeNull();
    // Extended past the next doubling (1 048 576 units), the readings show the growth.
    const extended = [...run, ...uniform(1_010_000, 1_130_000)];
    expect(analyseSeries(extended, extended.map(store), budget).verdict).toBe('fail');
    // A rise that stopped, flat for longer than it took: a plateau, as before.
    const bound = analyseSeries(
      run,
      run.map((x) => 2e6 + 16 * Math.min(x, 150_000)),
      budget,
    );
    expect([bound.verdict, bound.shortPlateau, bound.plateau !== null]).toEqual(['pass', false, true]);
  });

  it('starts a plateau where the level was reached, not where a later small step moved the cut', () => {
    // A watched Map of 6000 records (examples/programs/recent-window.mjs): ~1.05 MB by 9 s, then flat
    // but for V8's own steps of ~15 KB at 13 and 14.75 s, which pull the warm-up cut to the searched
    // half's boundary: flat from there for one reading less than the rise.
    const ts = Array.from({ length: 118 }, (_, i) => i * 0.25);
    const r = noise(11, 300);
    const v8 = (t: number) => (t >= 13 ? 15e3 : 0) + (t >= 14.75 ? 15e3 : 0);
    const ys = ts.map((t) => 3.35e6 + 1.05e6 * Math.min(t / 9, 1) + v8(t) + r());
    const watched = analyseSeries(ts, ys, 2 ** 26 / 36_000, MIN_STEADY_SAMPLES, 'fixed');
    expect(watched.warmup.until).toBeGreaterThan(14);
    expect(watched.warmup.until).toBeGreaterThan(ts.at(-1)! - watched.warmup.until);
    expect([watched.verdict, watched.shortPlateau, watched.plateau !== null]).toEqual(['pass', false, true]);
  });

  it('holds back a pass while a recent part grows: growth that started late in the run', () => {
    const r = noise(8, 5_000);
    for (const onset of [600_000, 800_000, 900_000]) {
      const s = analyseSeries(
        XS,
        XS.map((x) => 8e6 + 64 * Math.max(0, x - onset) + r()),
        budget,
      );
      // At 60 % the warm-up search ends at the half of the readings, before the onset: not settled.
      expect(s.verdict, `onset at ${onset}`).toBe('inconclusive');
      if (onset > 600_000) expect(s.growingLate, `onset at ${onset}`).toBe(true);
    }
    // The whole span's slope alone would have passed the onset at 80 %: its interval's upper end is 0.
    const ys = XS.map((x) => 8e6 + 64 * Math.max(0, x - 800_000) + r());
    expect(theilSen(XS, ys, CONFIDENCE_Z, 13).ci[1]).toBeLessThanOrEqual(budget);
    // Flat readings with a transient spike near the end are not late growth.
    const spiked = analyseSeries(
      XS,
      XS.map((x, i) => 8e6 + r() + (i === XS.length - 3 ? 300_000 : 0)),
      budget,
    );
    expect(spiked.verdict).toBe('pass');
  });

  it('is inconclusive when the interval straddles the budget, or too few steady samples', () => {
    const r = noise(7, 3_000_000);
    expect(
      analyseSeries(
        XS,
        XS.map((x) => budget * x + r()),
        budget,
      ).verdict,
    ).toBe('inconclusive');
    const short = XS.slice(0, MIN_STEADY_SAMPLES - 1);
    expect(
      analyseSeries(
        short,
        short.map(() => 1),
        budget,
      ).verdict,
    ).toBe('inconclusive');
  });
});

describe('judge', () => {
  const base: ResolvedAuditOptions = {
    workload: 'soak',
    expect: 'clean',
    units: 1_000_000,
    maxUnits: 4_000_000,
    instances: 1,
    stepsPerCycle: null,
    horizon: { units: 3_600_000, instances: 50 },
    budgetPerUnit: 0.373,
    budgetSource: 'default',
    seed: 1,
    description: null,
  };
  const sample = (at: number, heapUsed: number, external = 1000): Sample => ({
    at,
    ms: at / 1000,
    heapUsed,
    external,
    arrayBuffers: external,
    rss: heapUsed * 2,
    spaces: {},
  });
  const record = rawRecord;

  it('judges off-heap growth separately and projects it to the horizon', () => {
    const j = judge(
      record(
        base,
        XS.map((x) => sample(x, 5e6, 1000 + 48 * x)),
      ),
    );
    expect(j.heap.verdict).toBe('pass');
    expect(j.offHeap.verdict).toBe('fail');
    expect(j.verdict).toBe('fail');
    expect(j.projection.offHeap.bytes).toBeCloseTo(48 * 3_600_000 * 50, -3);
    expect(j.reasons.join()).toMatch(/off-heap grows 48\.0 B\/step/);
  });

  it('holds the budget against heap and off-heap together: each under it, the total over it, fails', () => {
    // 0.25 B/step on each side of a 0.373 B/step budget: 0.5 B/step in all.
    const j = judge(
      record(
        base,
        XS.map((x) => sample(x, 5e6 + 0.25 * x, 1000 + 0.25 * x)),
      ),
    );
    expect([j.heap.verdict, j.offHeap.verdict, j.total.verdict]).toEqual(['pass', 'pass', 'fail']);
    expect(j.verdict).toBe('fail');
    expect(j.reasons).toEqual([
      'the total (heap and off-heap) grows 0.500 B/step [0.500 B, 0.500 B], above the budget of 0.373 B/step',
    ]);
    // A total that says no more than its parts adds no reason of its own.
    const offHeapOnly = judge(
      record(
        base,
        XS.map((x) => sample(x, 5e6, 1000 + 48 * x)),
      ),
    );
    expect(offHeapOnly.reasons.some((r) => r.startsWith('the total'))).toBe(false);
  });

  it('judges a batch per instance-step', () => {
    // 50 instances growing 1 B/step each: 50 B per batch step, 1 B per instance-step.
    const batch = { ...base, workload: 'batch' as const, instances: 50 };
    const j = judge(
      record(
        batch,
        XS.map((x) => sample(x, 5e6 + 50 * x)),
      ),
    );
    expect(j.heap.slope.bytesPerUnit).toBeCloseTo(1, 6);
    expect(j.verdict).toBe('fail');
  });

  it('fails a churn whose dropped instances survive or whose handles pile up', () => {
    const churn = { ...base, workload: 'churn' as const, budgetPerUnit: 671 };
    const flat = XS.map((x) => sample(x, 5e6));
    expect(
      judge(
        record(churn, flat, {
          collection: { probed: 20, collected: 20 },
          handles: { before: { Timeout: 1 }, after: { Timeout: 1 } },
        }),
      ).verdict,
    ).toBe('pass');
    const uncollected = judge(record(churn, flat, { collection: { probed: 20, collected: 0 } }));
    expect(uncollected.verdict).toBe('fail');
    expect(uncollected.reasons.join()).toMatch(/only 0 of 20 dropped instances were collected/);
    // A timer left behind per cycle: its count grows with the cycles.
    const piling = flat.map((s) => ({ ...s, resources: { Timeout: 1 + s.at } }));
    const timers = judge(record(churn, piling, { handles: { before: { Timeout: 1 }, after: { Timeout: 1_000_001 } } }));
    expect(timers.verdict).toBe('fail');
    expect(timers.handles).toMatchObject({ leftBehind: { Timeout: 1_000_000 }, ok: false });
    expect(timers.reasons.join()).toMatch(
      /Timeout resources grow 1\.000\/cycle \[1\.000, 1\.000\], one every 1\.000 cycles/,
    );
  });

  it('fails a soak whose resources grow, naming the type: a timer kept every 1000 steps', () => {
    const flat = XS.map((x) => sample(x, 5e6));
    const withTimers = flat.map((s) => ({ ...s, resources: { Timeout: 2 + Math.floor(s.at / 1000), fd: 21 } }));
    const j = judge(record(base, withTimers));
    expect(j.verdict).toBe('fail');
    expect(j.resources.find((r) => r.type === 'Timeout')).toMatchObject({ verdict: 'fail', first: 2, last: 1002 });
    expect(j.resources.find((r) => r.type === 'fd')).toMatchObject({ verdict: 'pass', perUnit: 0 });
    expect(j.reasons.join()).toMatch(
      /Timeout resources grow 1\.0e-3\/step \[1\.0e-3, 1\.0e-3\], one every 1,000 steps \(2 at the first reading, 1002 at the last\)/,
    );
    // Flat counts pass, whatever they are; one handle opened late is not growth.
    const late = flat.map((s, i) => ({ ...s, resources: { Timeout: i > 100 ? 3 : 2 } }));
    expect(judge(record(base, late)).verdict).toBe('pass');
  });

  it('passes a count that moves about a level, naming it, and fails one that reaches new highs', () => {
    const flat = XS.map((x) => sample(x, 5e6));
    // Pending timers read at random moments: 1 to 30, drifting up by 10 over the run (the subject got
    // faster), and 36 once early on: the slope alone fails against a budget of one per 1.8 M steps.
    const pending = (i: number) => (i === 20 ? 36 : 1 + ((i * 7) % 20) + Math.floor((10 * i) / XS.length));
    const level = flat.map((s, i) => ({ ...s, resources: { Timeout: pending(i) } }));
    const j = judge(record(base, level));
    const timers = j.resources.find((r) => r.type === 'Timeout')!;
    expect(timers.ci[0]).toBeGreaterThan(timers.budgetPerUnit);
    expect(timers.verdict).toBe('pass');
    expect(j.verdict).toBe('pass');
    expect(timers.level).toEqual({ median: expect.any(Number), highest: 36 });
    expect(j.reasons.join()).toMatch(
      /Timeout resources move about a level \(median \d+, highest 36 over the steady state\)/,
    );
    // The same level plus one timer kept every 10 000 steps: its last readings pass every earlier high.
    const kept = flat.map((s, i) => ({ ...s, resources: { Timeout: pending(i) + Math.floor(s.at / 10_000) } }));
    expect(judge(record(base, kept)).verdict).toBe('fail');
  });

  it('holds back a heap slope that fails on a level the readings catch at random moments', () => {
    // Most readings catch few pending timers, on a floor that creeps up 2 B/step; one in five catches
    // thousands of them (~560 B each), up to 5 MB more, the highest early on.
    const caught = (i: number) => (i === 30 ? 5.5e6 : i % 5 === 0 ? ((i * 7919) % 9) * 5e5 : 0);
    const level = XS.map((x, i) => 4e6 + 2 * x + caught(i));
    const s = analyseSeries(XS, level, 0.373);
    expect(s).toMatchObject({ verdict: 'inconclusive', atLevel: true });
    // The same readings over a leak of 10 B/step pass their old highs: a fail. (A leak slower than the
    // level's spread over half the run is held back, and measured on, until it passes them.)
    const leak = analyseSeries(
      XS,
      level.map((y, i) => y + 10 * XS[i]!),
      0.373,
    );
    expect(leak).toMatchObject({ verdict: 'fail', atLevel: false });
  });

  it('judges a resource count on ten steady readings: its counts are exact', () => {
    // Windows widened to 120 000 steps: 16 uniform readings, a timer kept every 1000 steps.
    const xs = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
    for (let k = 1; k <= 16; k++) xs.push(10_000 + k * 120_000);
    const j = judge(
      record(
        base,
        xs.map((x) => ({ ...sample(x, 5e6 + 0.18 * x), resources: { Timeout: Math.floor(x / 1000) } })),
      ),
    );
    expect(j.resources.find((r) => r.type === 'Timeout')?.verdict).toBe('fail');
    expect(j.verdict).toBe('fail');
  });

  it('a run the heap cap ended fails on fewer steady samples; an uncapped one stays inconclusive', () => {
    const samples = XS.slice(0, 25).map((x) => sample(x, 5e6 + 273 * x));
    expect(judge(record(base, samples, { stopReason: 'heap-guard' })).verdict).toBe('fail');
    expect(judge(record(base, samples, { stopReason: 'planned' })).verdict).toBe('inconclusive');
  });

  it('a run that had to be ended is judged on its readings: a fail when they were still growing', () => {
    const growing = XS.slice(0, 25).map((x) => sample(x, 5e6 + 184 * x));
    for (const kind of ['slowed', 'hung', 'heap-exhausted'] as const) {
      const j = judge(record(base, growing, { stopReason: 'error', error: { kind, message: 'ended', at: 120_000 } }));
      expect(j.verdict, kind).toBe('fail');
      expect(j.reasons.at(-1)).toBe(`the run was ended before its plan (${kind}): ended`);
    }
    // A heap that ran out after a flat tread (a leaking array grows in steps of half its size): the
    // step it died on is the growth that went on, so a fail; a hung run with the same readings cannot say.
    const tread = XS.slice(0, 25).map((x) => sample(x, 5e6 + 184 * Math.min(x, XS[16]!)));
    const ended = (kind: 'heap-exhausted' | 'hung') =>
      judge(record(base, tread, { stopReason: 'error', error: { kind, message: 'ended', at: 120_000 } })).verdict;
    expect(ended('heap-exhausted')).toBe('fail');
    expect(ended('hung')).toBe('error');
    // Flat readings cannot say why it could not finish: an error, as before.
    const flat = XS.slice(0, 25).map((x) => sample(x, 5e6));
    expect(judge(record(base, flat, { stopReason: 'error', error: { kind: 'hung', message: 'stuck' } })).verdict).toBe(
      'error',
    );
    // A fault in the subject is an error whatever its readings show.
    expect(
      judge(record(base, growing, { stopReason: 'error', error: { kind: 'threw', message: 'boom' } })).verdict,
    ).toBe('error');
  });

  it('an error wins over any memory verdict, and says why first', () => {
    const j = judge(
      record(
        base,
        XS.map((x) => sample(x, 5e6)),
        { error: { kind: 'threw', message: 'boom' } },
      ),
    );
    expect(j.verdict).toBe('error');
    expect(j.reasons[0]).toBe('threw: boom');
  });
});
