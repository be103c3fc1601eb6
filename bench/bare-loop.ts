/**
 * One controller + plant in a bare loop, cold (fresh process, no warm-up), for N steps: the reference the
 * harness's hot loop is compared with. Prints steps/s as JSON. Used by bench/harness.ts.
 *   node --expose-gc --import tsx bench/bare-loop.ts <kind> <policy> <steps>
 */
import { createController, type ControllerKind, type HistoryPolicy } from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';

const [kind, policy, stepsText] = process.argv.slice(2) as [ControllerKind, HistoryPolicy, string];
const steps = Number(stepsText);
const loop = new ClosedLoop(createController(kind, { historyPolicy: policy }));
const start = performance.now();
for (let i = 0; i < steps; i++) loop.step();
const ms = performance.now() - start;
console.log(JSON.stringify({ steps, ms, stepsPerSecond: steps / (ms / 1000), finalX: loop.state[0] }));
