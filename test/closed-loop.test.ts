import { describe, expect, it } from 'vitest';
import { ClassicalSMC, CONTROLLER_KINDS, createController } from '../fixtures/controllers/index.ts';
import { ClosedLoop, simulate } from '../fixtures/loop/closed-loop.ts';
import { DIPPlant } from '../fixtures/plant/dip-plant.ts';

describe('closed loop', () => {
  it.each(CONTROLLER_KINDS)('%s stays finite for 100 000 steps', (kind) => {
    const loop = new ClosedLoop(createController(kind));
    for (let i = 0; i < 100_000; i++) {
      const u = loop.step();
      if (!Number.isFinite(u)) expect.fail(`u = ${u} at step ${i}`);
    }
    const health = loop.health();
    expect(health.steps).toBe(100_000);
    expect(health.finalState.every(Number.isFinite)).toBe(true);
    expect(health.maxAbsU).toBeLessThanOrEqual(150);
  });

  // Spec §3.2 [measured]: with the original gains and u_eq = 0 all four diverge; the cart reaches
  // |x| ≈ 10 and the plant freezes. max|u|: classical 31.7, STA 22.2, adaptive 42.8, hybrid 150.
  it.each([
    ['classical_smc', 31.7],
    ['sta_smc', 22.2],
    ['adaptive_smc', 42.8],
    ['hybrid_adaptive_sta_smc', 150],
  ] as const)('%s with u_eq = 0 diverges and freezes as the original does (max|u| %s)', (kind, maxU) => {
    const health = simulate(createController(kind), new DIPPlant(), { steps: 1000, dt: 0.01 });
    expect(health.outcome).toBe('frozen');
    expect(health.frozeAtStep).not.toBeNull();
    expect(health.fellAtStep).toBeLessThan(health.frozeAtStep!);
    expect(health.maxAbsCartPosition).toBeGreaterThan(10);
    expect(health.maxAbsU).toBeCloseTo(maxU, 1);
  });

  it('clips u to uMax, defaulting to the controller maxForce', () => {
    const loop = new ClosedLoop(new ClassicalSMC({ maxForce: 150 }), new DIPPlant(), { uMax: 5 });
    loop.run(200);
    expect(loop.health().maxAbsU).toBeLessThanOrEqual(5);
    expect(new ClosedLoop(new ClassicalSMC({ maxForce: 40 })).uMax).toBe(40);
  });

  it('reports a loop that is already balanced as settled', () => {
    const health = simulate(new ClassicalSMC(), new DIPPlant(), { steps: 1, initialState: [0, 0, 0, 0, 0, 0] });
    expect(health.outcome).toBe('settled');
    expect(health.settlingTime).toBe(0);
  });

  it('rejects bad options with clear messages', () => {
    const c = new ClassicalSMC();
    expect(() => new ClosedLoop(c, new DIPPlant(), { dt: 0 })).toThrow(/dt must be > 0/);
    expect(() => new ClosedLoop(c, new DIPPlant(), { initialState: [0, 0] })).toThrow(/6 entries, got 2/);
    expect(() => simulate(c, new DIPPlant(), { steps: -1 })).toThrow(/steps must be a non-negative integer/);
  });
});
