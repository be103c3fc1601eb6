import { createController, type ControllerKind, type HistoryPolicy } from '../../fixtures/controllers/index.ts';
import { ClosedLoop } from '../../fixtures/loop/closed-loop.ts';
import { DIPPlant } from '../../fixtures/plant/dip-plant.ts';
import { audit } from 'leak-audit';

/**
 * A controller in closed loop with the DIP plant for the soak: under `legacy` history it appends to every
 * history list each step (expected: leak); under `bounded` its rings stop at 1000 entries (expected: clean).
 */
export function auditControllerSoak(kind: ControllerKind, historyPolicy: HistoryPolicy): void {
  // The loop itself is the subject (it has step()): a wrapping closure would cost the hot loop ~10 %.
  audit(
    `${kind} ${historyPolicy} soak`,
    { expect: historyPolicy === 'legacy' ? 'leak' : 'clean' },
    () => new ClosedLoop(createController(kind, { historyPolicy })),
  );
}

/** Steps each PSO candidate is simulated for per cycle (CA-02's create/destroy test ran 50). */
export const PSO_STEPS_PER_CYCLE = 50;

/**
 * PSO-like churn: each cycle builds a controller with perturbed gains, simulates it, cleans it up and
 * drops it, as gain tuning does thousands of times. Expected clean: nothing global holds a controller.
 */
export function auditControllerChurn(kind: ControllerKind): void {
  audit(
    `${kind} pso churn`,
    { workload: 'churn', expect: 'clean', stepsPerCycle: PSO_STEPS_PER_CYCLE },
    ({ random }) => {
      const nominal = createController(kind).gains;
      return {
        cycle() {
          const gains = nominal.map((g) => g * (0.8 + 0.4 * random()));
          const controller = createController(kind, { gains, historyPolicy: 'bounded' });
          const loop = new ClosedLoop(controller);
          for (let i = 0; i < PSO_STEPS_PER_CYCLE; i++) loop.step();
          controller.cleanup();
          return controller;
        },
      };
    },
  );
}

/** Steps of the Monte Carlo batch: 50 instances make each step 50 controller steps. */
export const MONTE_CARLO_STEPS = 100_000;

/**
 * A Monte Carlo batch: 50 closed loops alive at once, each from its own random initial state (seeded),
 * judged per step per instance. Expected clean under the `bounded` policy.
 */
export function auditControllerBatch(kind: ControllerKind, instances = 50): void {
  audit(
    `${kind} monte carlo x${instances}`,
    { workload: 'batch', instances, steps: MONTE_CARLO_STEPS, expect: 'clean' },
    ({ random }) => {
      const initialState = [0, 0.1 * (random() - 0.5), 0.1 * (random() - 0.5), 0, 0, 0];
      return new ClosedLoop(createController(kind, { historyPolicy: 'bounded' }), new DIPPlant(), { initialState });
    },
  );
}
