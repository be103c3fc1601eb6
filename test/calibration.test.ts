import { getEventListeners } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { CALIBRATION_SUBJECTS, calibrationSubject } from '../fixtures/calibration/index.ts';
import {
  BoundedRecorder,
  GarbageChurner,
  LAZY_TABLE_ENTRIES_PER_STEP,
  LAZY_TABLE_STEPS,
  LazyTableController,
  RECORDER_CAPACITY,
} from '../fixtures/calibration/clean-tricky.ts';
import {
  controllerBus,
  instanceRegistry,
  releaseLeakedTelemetryTimers,
  TelemetryController,
} from '../fixtures/calibration/lifecycle.ts';
import { controlMemo, MemoisedSweep } from '../fixtures/calibration/memo-cache.ts';
import { BinaryStateLog, OFF_HEAP_CHUNK_BYTES } from '../fixtures/calibration/off-heap.ts';
import { SeedClassicalSMCFixed, SeedClassicalSMCv01 } from '../fixtures/calibration/seed-classical.ts';
import { SLOW_LEAK_INTERVAL, SlowLeakLoop } from '../fixtures/calibration/slow-leak.ts';
import {
  AsyncSensorLog,
  AsyncSensorLoop,
  EVENT_TIMER_INTERVAL,
  EventDrivenLoop,
} from '../fixtures/calibration/event-driven.ts';
import { SignalListenerLeak } from '../fixtures/calibration/signal-listener.ts';
import { LATE_BOUND_ENTRIES, LATE_ONSET_STEP, LateBoundCache, LateOnsetLeak } from '../fixtures/calibration/late.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';

afterAll(() => {
  releaseLeakedTelemetryTimers();
});

function churn(id: string, cycles: number): void {
  const subject = calibrationSubject(id);
  for (let c = 0; c < cycles; c++) {
    const instance = subject.create();
    // The churn subjects step synchronously.
    for (let i = 0; i < (subject.stepsPerCycle ?? 1); i++) void instance.step();
    instance.cleanup();
  }
}

describe('calibration zoo: every subject documents what it should retain', () => {
  it.each(CALIBRATION_SUBJECTS.map((s) => [s.id, s] as const))('%s', (_id, subject) => {
    expect(subject.retains.derivation.length).toBeGreaterThan(30);
    const growth = subject.workload === 'soak' ? subject.retains.perStep : subject.retains.perCycle;
    expect(growth, 'soak subjects document perStep, churn subjects perCycle').toBeDefined();
    const total = growth!.heap + growth!.offHeap;
    if (subject.expect === 'leak') expect(total).toBeGreaterThan(0);
    else expect(total).toBe(0);
    if (subject.workload === 'churn') expect(subject.stepsPerCycle).toBeGreaterThan(0);
    // A leak names the root its diagnosis must find (test/diagnosis-roots.test.ts checks it).
    if (subject.expect === 'leak') expect(subject.retains.root?.length).toBeGreaterThan(0);
  });

  it('ids are unique and lookups fail clearly', () => {
    const ids = CALIBRATION_SUBJECTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => calibrationSubject('nope')).toThrow(/unknown calibration subject nope; known: seed-classical-v01/);
  });
});

describe('calibration subjects behave as documented (short runs)', () => {
  it('seed v0.1 keeps one state copy, one u and one σ per step, on itself', () => {
    const controller = new SeedClassicalSMCv01();
    const loop = new ClosedLoop(controller).run(1234);
    expect(controller.stateHistory).toHaveLength(1234);
    expect(controller.controlHistory).toHaveLength(1234);
    expect(controller.slidingSurfaceHistory).toHaveLength(1234);
    // Copies, not references to the loop's state buffer.
    expect(controller.stateHistory[0]).not.toBe(loop.state);
    expect(new Set(controller.stateHistory).size).toBe(1234);
  });

  it('the seed fix holds at most 1000 entries per history and the same newest values', () => {
    const leaky = new SeedClassicalSMCv01();
    const fixed = new SeedClassicalSMCFixed();
    new ClosedLoop(leaky).run(2500);
    new ClosedLoop(fixed).run(2500);
    expect(fixed.controlHistory.length).toBe(1000);
    expect(fixed.controlHistory.toArray()).toEqual(leaky.controlHistory.slice(-1000));
    expect(fixed.stateHistory[1]!.toArray()).toEqual(leaky.stateHistory.slice(-1000).map((s) => s[1]));
  });

  it('the slow leak adds one record every 100 steps', () => {
    const subject = new SlowLeakLoop();
    for (let i = 0; i < 10_050; i++) subject.step();
    expect(subject.events).toHaveLength(Math.floor(10_050 / SLOW_LEAK_INTERVAL));
  });

  it('the memo cache gains one entry per step, shared across instances', () => {
    const before = controlMemo.size;
    const a = new MemoisedSweep();
    for (let i = 0; i < 5000; i++) a.step();
    expect(controlMemo.size - before).toBe(5000);
    // A second instance sweeps the same operating points: hits, not new entries.
    const b = new MemoisedSweep();
    for (let i = 0; i < 5000; i++) b.step();
    expect(controlMemo.size - before).toBe(5000);
  });

  it('the off-heap log keeps every 1 MiB chunk: 48 bytes per step', () => {
    const log = new BinaryStateLog();
    const steps = 50_000;
    for (let i = 0; i < steps; i++) log.step();
    const recordsPerChunk = Math.floor(OFF_HEAP_CHUNK_BYTES / 48);
    expect(log.chunks).toHaveLength(Math.ceil(steps / recordsPerChunk));
    expect(log.chunks.every((c) => c.length === OFF_HEAP_CHUNK_BYTES)).toBe(true);
  });

  it('the registry holds N instances after N create/cleanup/drop cycles', () => {
    const before = instanceRegistry.length;
    churn('lifecycle-registry', 25);
    expect(instanceRegistry.length - before).toBe(25);
  });

  it('the shared emitter holds one more listener per cycle', () => {
    const before = controllerBus.listenerCount('gains');
    churn('lifecycle-listener', 25);
    expect(controllerBus.listenerCount('gains') - before).toBe(25);
  });

  it('the telemetry subject leaves one active timer per cycle', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    churn('lifecycle-timer', 25);
    expect(timers() - before).toBe(25);
    expect(releaseLeakedTelemetryTimers()).toBeGreaterThanOrEqual(25);
    expect(timers()).toBe(before);
    new TelemetryController();
    expect(releaseLeakedTelemetryTimers()).toBe(1);
  });

  it('the lazy table is complete after 1000 steps and never grows after', () => {
    const subject = new LazyTableController();
    for (let i = 0; i < 1500; i++) subject.step();
    expect(subject.table).toHaveLength(LAZY_TABLE_STEPS);
    expect(subject.table.every((row) => row.length === LAZY_TABLE_ENTRIES_PER_STEP)).toBe(true);
    const bytes = LAZY_TABLE_STEPS * LAZY_TABLE_ENTRIES_PER_STEP * 8;
    expect(bytes).toBeGreaterThanOrEqual(20 * 2 ** 20);
  });

  it('the bounded recorder fills to capacity, then overwrites', () => {
    const subject = new BoundedRecorder();
    for (let i = 0; i < RECORDER_CAPACITY + 500; i++) subject.step();
    expect(subject.records).toHaveLength(RECORDER_CAPACITY);
    expect(subject.records[499]!.step).toBe(RECORDER_CAPACITY + 499);
    expect(subject.records[500]!.step).toBe(500);
  });

  it('the garbage churner keeps nothing but a number', () => {
    const subject = new GarbageChurner();
    for (let i = 0; i < 1000; i++) subject.step();
    expect(Number.isFinite(subject.checksum)).toBe(true);
    expect(Object.keys(subject)).toEqual(['loop', 'checksum']);
  });

  it('the late-onset leak keeps nothing until 60 % of the plan, then one record per step', () => {
    const subject = new LateOnsetLeak();
    for (let i = 0; i < LATE_ONSET_STEP; i++) subject.step();
    expect(subject.records).toHaveLength(0);
    for (let i = 0; i < 100; i++) subject.step();
    expect(subject.records).toHaveLength(100);
  });

  it('the late-bound cache fills to LATE_BOUND_ENTRIES, then evicts its oldest', () => {
    const subject = new LateBoundCache();
    for (let i = 0; i < LATE_BOUND_ENTRIES + 100; i++) subject.step();
    expect(subject.cache.size).toBe(LATE_BOUND_ENTRIES);
    expect(subject.cache.has(99)).toBe(false);
    expect(subject.cache.has(100)).toBe(true);
  });

  it('the async sensor subjects settle each step; only the leaking one keeps the readings', async () => {
    const clean = new AsyncSensorLoop();
    const leak = new AsyncSensorLog();
    for (let i = 0; i < 50; i++) {
      await clean.step();
      await leak.step();
    }
    expect(leak.readings).toHaveLength(50);
    expect(Object.keys(clean)).toEqual(['loop', 'reading']);
  });

  it("the event-driven subject's work all runs in one event-loop turn, and its heartbeat stops at cleanup", async () => {
    const subject = new EventDrivenLoop();
    for (let i = 0; i < 2 * EVENT_TIMER_INTERVAL; i++) subject.step();
    expect(subject.updates).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(subject.updates).toBe(2 * 2 * EVENT_TIMER_INTERVAL + 2);
    expect(subject.beats).toBeGreaterThan(0);
    subject.cleanup();
    const beats = subject.beats;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(subject.beats).toBe(beats);
  });

  it('the signal-listener leak adds one abort listener per step to its one signal, and they run on cleanup', () => {
    const subject = new SignalListenerLeak();
    for (let i = 0; i < 50; i++) subject.step();
    const signal = (subject as unknown as { run: AbortController }).run.signal;
    expect(getEventListeners(signal, 'abort')).toHaveLength(50);
    subject.cleanup();
    expect(signal.aborted).toBe(true);
  });
});
