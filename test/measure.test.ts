import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { MIN_STEADY_SAMPLES } from '../src/analysis/constants.ts';
import { describe, expect, it } from 'vitest';
import { judge } from '../src/analysis/judge.ts';
import type { AuditOptions, Setup } from '../src/model/audit.ts';
import { resolveAuditOptions } from '../src/model/options.ts';
import { measure } from '../src/worker/measure.ts';
import { windowSize } from '../src/worker/plan.ts';
import { SampleStream } from '../src/worker/stream.ts';

/**
 * The measuring loop, run for real in this test process (the unit project has --expose-gc): short
 * audits of a no-op, a planted leak and faulty subjects. The CLI tests cover the same through whole
 * audit processes; these take seconds.
 */

const STEPS = 20_000;

function measured(name: string, options: AuditOptions, setup: Setup) {
  return measure({
    id: name,
    name,
    file: `${name}.audit.ts`,
    options: resolveAuditOptions(name, { steps: STEPS, ...options }),
    setup,
    stream: new SampleStream(undefined),
  });
}

describe('measure(): the measuring loop, in process', { timeout: 60_000 }, () => {
  it('a no-op passes, on samples taken after each window, ending at or past the plan', async () => {
    const record = await measured('no-op', {}, () => ({ step: () => 0 }));
    expect(record.error).toBeNull();
    expect(record.samples[0]?.at).toBe(0);
    const ats = record.samples.map((s) => s.at);
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    expect(record.samples.length).toBeGreaterThanOrEqual(MIN_STEADY_SAMPLES);
    expect(record.stopReason).toBe('planned');
    expect(record.samples.at(-1)!.at).toBeGreaterThanOrEqual(STEPS);
    expect(judge(record).verdict).toBe('pass');
  });

  it('a step that keeps an object every step fails, at tens of bytes per step', async () => {
    const record = await measured('keeps-everything', {}, () => {
      const kept: { at: number }[] = [];
      return { step: () => void kept.push({ at: kept.length }) };
    });
    const j = judge(record);
    expect(j.verdict).toBe('fail');
    expect(j.heap.slope.bytesPerUnit).toBeGreaterThan(10);
    expect(j.heap.slope.bytesPerUnit).toBeLessThan(200);
  });

  it('confirms a fail over the rest of the plan only once its uniform readings alone make a steady state', async () => {
    // Steps of at least 5 µs keep the windows from being widened past the plan, so the fail is found
    // before the plan's end and confirmed in long windows. The final judgment, with their far readings,
    // may put the warm-up cut after every log-spaced reading: the uniform ones must suffice.
    const record = await measured('slow-keeper', { steps: 60_000 }, () => {
      const kept: { at: number }[] = [];
      return {
        step: () => {
          const until = performance.now() + 0.005;
          while (performance.now() < until);
          kept.push({ at: kept.length });
        },
      };
    });
    expect(judge(record).verdict).toBe('fail');
    const ats = record.samples.map((s) => s.at);
    const gaps = ats.slice(1).map((at, k) => at - ats[k]!);
    const first = ats.findIndex((at) => at >= windowSize(60_000));
    const uniformGap = gaps[first]!;
    const confirmationStart = gaps.findIndex((g, k) => k > first && g > 1.5 * uniformGap);
    expect(confirmationStart).toBeGreaterThan(first);
    expect(confirmationStart - first + 1).toBeGreaterThanOrEqual(MIN_STEADY_SAMPLES);
  });

  it('an async step is awaited, and what a step schedules runs before each reading', async () => {
    // In this process the event-loop turns also run vitest's own messages (~100 KB per window at times,
    // ../shared/notes/toolchain.md), so the budget here is 20 B/step: far below what unawaited work
    // piled up (176-336 B/step). The audit process has none of it.
    const options = { budgetPerUnit: 20 };
    const tick = () => new Promise<number>((resolve) => setImmediate(() => resolve(1)));
    let done = 0;
    const awaited = await measured('async-sensor', options, () => ({
      step: async () => {
        done += await tick();
      },
    }));
    expect(awaited.error).toBeNull();
    expect(done).toBe(awaited.samples.at(-1)!.at);
    let updates = 0;
    const scheduled = await measured('set-immediate', options, () => ({
      step: () => void setImmediate(() => updates++),
    }));
    expect(updates).toBe(scheduled.samples.at(-1)!.at);
    // The twin that keeps what it reads still fails.
    const kept: number[][] = [];
    const leak = await measured('async-keeps', options, () => ({
      step: async () => void kept.push([await tick(), kept.length]),
    }));
    const leakJudged = judge(leak);
    expect(leakJudged.verdict, leakJudged.reasons.join('; ')).toBe('fail');
    // Whether the clean ones pass is for the audit process to say (the calibration subjects async-sensor
    // and event-driven): here vitest's messages share their turns. Each reads far below the leak.
    for (const clean of [awaited, scheduled])
      expect(judge(clean).heap.slope.bytesPerUnit).toBeLessThan(leakJudged.heap.slope.bytesPerUnit / 5);
  });

  it('an async step that returns NaN or rejects ends as an error at that step', async () => {
    let n = 0;
    const nan = await measured('async-nan', {}, () => ({ step: async () => (++n === 300 ? NaN : 0) }));
    expect(nan.error).toMatchObject({ kind: 'non-finite', at: 300 });
    let k = 0;
    const rejects = await measured('async-rejects', {}, () => ({
      step: async () => {
        if (++k === 400) throw new Error('sensor timed out');
      },
    }));
    expect(rejects.error).toMatchObject({ kind: 'threw' });
    expect(rejects.error?.message).toMatch(/^Error: sensor timed out/);
  });

  it('a soak that leaves a child process behind every 1000 steps fails on them, by name, and counts its threads', async () => {
    // Steps of ~5 µs, so that the windows (widened or not, under load) hold a child or more each: a
    // count that rises once every 25 readings has too few steps to judge.
    const workers: Worker[] = [];
    let n = 0;
    const record = await measured('leaves-children', {}, () => ({
      step: () => {
        const until = performance.now() + 0.005;
        while (performance.now() < until);
        if (++n % 1000 === 0) spawn('sleep', ['60'], { stdio: 'ignore' });
        if (n % 5000 === 0) workers.push(new Worker('setInterval(() => {}, 1e6)', { eval: true }));
      },
    }));
    await Promise.all(workers.map((w) => w.terminate()));
    const j = judge(record);
    expect(j.verdict).toBe('fail');
    expect(j.resources.find((r) => r.type === 'ProcessWrap')?.verdict).toBe('fail');
    expect(j.reasons.join('\n')).toMatch(/^ProcessWrap resources grow [\d.e-]+\/step \[.*\], one every [\d,]+ steps/m);
    const threads = j.resources.find((r) => r.type === 'thread')!;
    expect(threads.last - threads.first).toBeGreaterThanOrEqual(workers.length);
  });

  it('a step that throws ends as an error that names it, with the samples before it', async () => {
    let n = 0;
    const record = await measured('throws', {}, () => ({
      step: () => {
        if (++n === 5000) throw new RangeError('gain matrix became singular');
      },
    }));
    expect(record.stopReason).toBe('error');
    expect(record.error).toMatchObject({ kind: 'threw' });
    expect(record.error?.message).toMatch(/^RangeError: gain matrix became singular \(at /);
    expect(record.samples.length).toBeGreaterThan(5);
    expect(record.samples.at(-1)!.at).toBeLessThan(5000);
  });

  it('a step that returns NaN ends as a non-finite error at that step', async () => {
    let n = 0;
    const record = await measured('nan', {}, () => ({ step: () => (++n === 777 ? NaN : 1) }));
    expect(record.error).toEqual({ kind: 'non-finite', message: 'step 777 returned NaN', at: 777 });
  });

  it('a setup that returns no step() is a setup error, and nothing is measured', async () => {
    const record = await measured('no-step', {}, () => ({}) as never);
    expect(record.error?.kind).toBe('setup');
    expect(record.error?.message).toMatch(/setup must return an object with a step\(\) method for a soak audit/);
    expect(record.samples).toEqual([]);
  });

  it('a churn proves its dropped instances are collected, and counts the handles before and after', async () => {
    const record = await measured('churn', { workload: 'churn', cycles: 200 }, () => ({
      cycle: () => ({ state: new Float64Array(6) }),
    }));
    expect(record.error).toBeNull();
    expect(record.collection?.probed).toBeGreaterThan(0);
    expect(record.collection?.collected).toBe(record.collection?.probed);
    expect(record.handles).not.toBeNull();
  });
});
