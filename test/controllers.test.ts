import { describe, expect, it } from 'vitest';
import {
  AdaptiveSMC,
  ClassicalSMC,
  CONTROLLER_KINDS,
  createController,
  HybridAdaptiveSTASMC,
  RingBuffer,
  SuperTwistingSMC,
  type AnyController,
  type SlidingModeController,
} from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';
import { DIPPlant } from '../fixtures/plant/dip-plant.ts';
import { expectGolden, expectGoldenVector } from './golden.ts';

// Spec §2.6: frozen state s0, three consecutive calls with state and history threaded, HEAD config.
const S0 = [0, 0.1, 0.1, 0, 0, 0];

function threeCalls<S, K extends string>(controller: SlidingModeController<S, K>) {
  let stateVars = controller.initializeState();
  let history = controller.initializeHistory();
  return [0, 1, 2].map(() => {
    const out = controller.computeControl(S0, stateVars, history);
    stateVars = out.state;
    history = out.history;
    return out;
  });
}

describe('controllers reproduce the spec §2.6 golden outputs', () => {
  it('classical SMC', () => {
    for (const out of threeCalls(new ClassicalSMC())) {
      expectGolden(out.u, '-1.83449269823');
      expectGolden(out.sigma, '0.9002166829014511');
      expect(out.state).toEqual([]);
    }
  });

  it('super-twisting SMC', () => {
    const outs = threeCalls(new SuperTwistingSMC());
    ['-3.61297369599', '-3.61963533376', '-3.62629697153'].forEach((u, i) => expectGolden(outs[i]!.u, u));
    ['-0.006661637768675232', '-0.013323275537350463', '-0.019984913306025694'].forEach((z, i) =>
      expectGolden(outs[i]!.state[0], z),
    );
    for (const out of outs) expectGolden(out.sigma, '3.216770494838441');
  });

  it('adaptive SMC', () => {
    const outs = threeCalls(new AdaptiveSMC());
    ['-9.63689785003', '-9.63731383385', '-9.63772981352'].forEach((u, i) => expectGolden(outs[i]!.u, u));
    ['10.000472224446394', '10.000944444170544', '10.001416659172497'].forEach((K, i) =>
      expectGolden(outs[i]!.state[0], K),
    );
    for (const out of outs) {
      expectGolden(out.sigma, '1.6557401828292464');
      expect(out.state[2]).toBe(0);
    }
  });

  it('hybrid adaptive STA-SMC', () => {
    const outs = threeCalls(new HybridAdaptiveSTASMC());
    ['60.1629112203', '60.1686614671', '60.1744123567'].forEach((u, i) => expectGolden(outs[i]!.u, u));
    const gains = [
      ['4.001385498637141', '0.4006427493185706', '0.00040064274931857056'],
      ['4.002770997274283', '0.40128549863714114', '0.0008019282479557117'],
      ['4.004156495911424', '0.4019282479557117', '0.0012038564959114234'],
    ];
    gains.forEach((g, i) => expectGoldenVector(outs[i]!.state, g));
    for (const out of outs) expectGolden(out.sigma, '-14.904819201219254');
  });
});

describe('gain and parameter validation', () => {
  it.each([
    [
      'classical: 5 gains',
      () => new ClassicalSMC({ gains: [1, 2, 3, 4, 5] }),
      /ClassicalSMC: expected exactly 6 gains, got 5/,
    ],
    ['classical: k1 = 0', () => new ClassicalSMC({ gains: [0, 1, 1, 1, 1, 0] }), /ClassicalSMC: k1 must be > 0, got 0/],
    ['classical: kd < 0', () => new ClassicalSMC({ gains: [1, 1, 1, 1, 1, -1] }), /ClassicalSMC: kd must be >= 0/],
    [
      'classical: NaN gain',
      () => new ClassicalSMC({ gains: [1, 1, Number.NaN, 1, 1, 0] }),
      /gains\[2\] must be a finite number/,
    ],
    ['classical: boundary layer 0', () => new ClassicalSMC({ boundaryLayer: 0 }), /boundaryLayer must be > 0/],
    [
      'classical: hysteresis > 1',
      () => new ClassicalSMC({ hysteresisRatio: 1.5 }),
      /hysteresisRatio must be in \[0, 1\]/,
    ],
    [
      'classical: unknown switch',
      () => new ClassicalSMC({ switchMethod: 'sign' as never }),
      /switchMethod must be one of tanh, linear/,
    ],
    ['STA: 4 gains', () => new SuperTwistingSMC({ gains: [1, 2, 3, 4] }), /expected exactly 2 or 6 gains, got 4/],
    ['STA: K2 negative', () => new SuperTwistingSMC({ gains: [1, -2] }), /SuperTwistingSMC: K2 must be > 0/],
    ['STA: dt 0', () => new SuperTwistingSMC({ dt: 0 }), /dt must be > 0/],
    ['adaptive: 4 gains', () => new AdaptiveSMC({ gains: [1, 2, 3, 4] }), /expected at least 5 gains, got 4/],
    ['adaptive: gamma 0', () => new AdaptiveSMC({ gains: [1, 1, 1, 1, 0] }), /AdaptiveSMC: gamma must be > 0/],
    ['adaptive: KInit > KMax', () => new AdaptiveSMC({ KInit: 200 }), /KMin <= KInit <= KMax/],
    ['hybrid: 3 gains', () => new HybridAdaptiveSTASMC({ gains: [1, 2, 3] }), /expected at least 4 gains, got 3/],
    [
      'hybrid: k1Init > k1Max',
      () => new HybridAdaptiveSTASMC({ k1Init: 60 }),
      /initial gains must not exceed their maxima/,
    ],
    [
      'hybrid: soft width < dead zone',
      () => new HybridAdaptiveSTASMC({ satSoftWidth: 0.01 }),
      /satSoftWidth \(0.01\) must be >= deadZone/,
    ],
    [
      'hybrid: recentre thresholds',
      () => new HybridAdaptiveSTASMC({ recenterLowThresh: 0.05 }),
      /recenterLowThresh < recenterHighThresh/,
    ],
    [
      'any: history capacity 0',
      () => new ClassicalSMC({ historyCapacity: 0 }),
      /historyCapacity must be a positive integer/,
    ],
    [
      'any: unknown policy',
      () => new ClassicalSMC({ historyPolicy: 'lru' as never }),
      /historyPolicy must be one of legacy, bounded/,
    ],
  ])('%s', (_label, build, message) => {
    expect(build).toThrow(message);
  });

  it('the STA 2-gain form uses the default surface gains', () => {
    expect(new SuperTwistingSMC({ gains: [8, 4] }).gains).toEqual([8, 4, 5, 3, 2, 1]);
  });

  it('the factory builds every kind and rejects unknown ones', () => {
    for (const kind of CONTROLLER_KINDS) expect(createController(kind).kind).toBe(kind);
    expect(() => createController('pid' as never)).toThrow(/unknown controller kind pid/);
  });
});

describe('history policies', () => {
  const keysByKind = {
    classical_smc: 6,
    sta_smc: 4,
    adaptive_smc: 5,
    hybrid_adaptive_sta_smc: 4,
  } as const;

  it.each(CONTROLLER_KINDS)('%s legacy: every list grows by one entry per step, without bound', (kind) => {
    const loop = new ClosedLoop(createController(kind, { historyPolicy: 'legacy' }));
    loop.run(2500);
    const series = Object.values(loop.history);
    expect(series).toHaveLength(keysByKind[kind]);
    for (const s of series) {
      expect(Array.isArray(s)).toBe(true);
      expect(s.length).toBe(2500);
    }
  });

  it.each(CONTROLLER_KINDS)('%s bounded: every series stops at its capacity and keeps the newest', (kind) => {
    const controller = createController(kind, { historyPolicy: 'bounded', historyCapacity: 1000 });
    const loop = new ClosedLoop(controller);
    loop.run(2500);
    for (const s of Object.values(loop.history)) {
      expect(s).toBeInstanceOf(RingBuffer);
      const ring = s as RingBuffer;
      expect(ring.length).toBe(1000);
      expect(ring.written).toBe(2500);
    }
  });

  it('bounded keeps the same newest values as legacy', () => {
    const legacy = new ClosedLoop(new SuperTwistingSMC({ historyPolicy: 'legacy' })).run(1500);
    const bounded = new ClosedLoop(new SuperTwistingSMC({ historyPolicy: 'bounded', historyCapacity: 100 })).run(1500);
    expect((bounded.history.z as RingBuffer).toArray()).toEqual((legacy.history.z as number[]).slice(-100));
  });

  it('the hybrid controller behaves identically under both policies over 5000 steps', () => {
    // time_f depends on how many steps were recorded; the ring's `written` counter keeps it exact.
    const run = (historyPolicy: 'legacy' | 'bounded') => {
      const loop = new ClosedLoop(new HybridAdaptiveSTASMC({ historyPolicy }), new DIPPlant(), {
        initialState: [0, 0.1, 0.1, 0, 0, 0],
        dt: 0.001,
      });
      const us: number[] = [];
      for (let i = 0; i < 5000; i++) us.push(loop.step());
      return { us, state: Array.from(loop.state), vars: loop.stateVars };
    };
    const legacy = run('legacy');
    const bounded = run('bounded');
    expect(bounded.us).toEqual(legacy.us);
    expect(bounded.state).toEqual(legacy.state);
    expect(bounded.vars).toEqual(legacy.vars);
  });

  it('a hybrid history of capacity 1000 still decays the adaptation after 1000 steps', () => {
    // If the bounded policy read the ring's length (stuck at 1000) instead of the step count, the gain
    // would keep adapting at full rate; the legacy run is the reference.
    const gainsAfter = (historyPolicy: 'legacy' | 'bounded') => {
      const c = new HybridAdaptiveSTASMC({ historyPolicy });
      let vars = c.initializeState();
      const h = c.initializeHistory();
      for (let i = 0; i < 3000; i++) vars = c.computeControl(S0, vars, h).state;
      return vars;
    };
    expect(gainsAfter('bounded')).toEqual(gainsAfter('legacy'));
  });
});

describe('equivalent control and cleanup', () => {
  it('a plant reference makes u_eq non-zero, and cleanup() drops it', () => {
    const plant = new DIPPlant();
    const state = [0, 0.1, 0.05, 0.2, 0.3, -0.1];
    const withPlant = new ClassicalSMC({ dynamics: plant });
    const h = withPlant.initializeHistory();
    withPlant.computeControl(state, [], h);
    const uEq = (h.u_eq as RingBuffer).at(-1)!;
    expect(uEq).not.toBe(0);
    expect(Number.isFinite(uEq)).toBe(true);
    withPlant.cleanup();
    withPlant.computeControl(state, [], h);
    expect((h.u_eq as RingBuffer).at(-1)).toBe(0);
  });

  it.each(CONTROLLER_KINDS)('%s stays callable after cleanup()', (kind) => {
    const c: AnyController = createController(kind);
    c.cleanup();
    const loop = new ClosedLoop(c);
    expect(Number.isFinite(loop.step())).toBe(true);
  });
});
