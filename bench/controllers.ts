/**
 * Steps per second of each controller + plant in a plain loop (no harness), and of the plant alone.
 * Prints numbers, asserts nothing. `npm run bench:controllers`
 *
 * With the original gains every loop diverges and the plant freezes within ~270 steps (README), after
 * which a step costs only the controller and the plant's state check. Both cases are measured: `live`
 * puts the plant back to the initial state every 100 steps so it always integrates; `frozen` lets it
 * freeze, as it does for almost all steps of a long audit.
 */
import { CONTROLLER_KINDS, createController, HISTORY_POLICIES } from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';
import { DIPPlant } from '../fixtures/plant/dip-plant.ts';
import { DEFAULT_INITIAL_STATE } from '../fixtures/plant/parameters.ts';

const STEPS = 2_000_000;
/** Shorter than the fastest divergence (139 steps, adaptive SMC at dt = 0.01). */
const LIVE_RESET_INTERVAL = 100;
const REPEATS = 3;
/** Unmeasured steps first, so that V8's optimising tiers have compiled the loop. */
const WARMUP_STEPS = 2_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function stepsPerSecond(makeStep: () => () => void): number {
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const step = makeStep();
    for (let i = 0; i < WARMUP_STEPS; i++) step();
    const start = process.hrtime.bigint();
    for (let i = 0; i < STEPS; i++) step();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(STEPS / seconds);
  }
  return median(rates);
}

const format = (rate: number) => `${(rate / 1e6).toFixed(2).padStart(7)} M steps/s`;

console.log(
  `node ${process.version}, ${STEPS.toLocaleString('en')} steps after ${WARMUP_STEPS.toLocaleString('en')} unmeasured, median of ${REPEATS}`,
);
const plantRate = stepsPerSecond(() => {
  const plant = new DIPPlant();
  const state = Float64Array.of(0, 0.05, -0.03, 0, 0, 0);
  let k = 0;
  // A small bounded force keeps the plant moving instead of freezing at its bounds.
  return () => void plant.step(state, Math.sin(k++ * 1e-3), 1e-6, state);
});
console.log(`${'plant only (simplified, Euler)'.padEnd(44)}${format(plantRate)}`);
for (const kind of CONTROLLER_KINDS) {
  for (const historyPolicy of HISTORY_POLICIES) {
    const live = stepsPerSecond(() => {
      const loop = new ClosedLoop(createController(kind, { historyPolicy }));
      let k = 0;
      return () => {
        loop.step();
        if (++k % LIVE_RESET_INTERVAL === 0) loop.state.set(DEFAULT_INITIAL_STATE);
      };
    });
    const frozen = stepsPerSecond(() => {
      const loop = new ClosedLoop(createController(kind, { historyPolicy })).run(1000);
      return () => void loop.step();
    });
    console.log(`${`${kind} + plant (${historyPolicy})`.padEnd(44)}live ${format(live)}   frozen ${format(frozen)}`);
  }
}
