/**
 * Hot-loop overhead, in one fresh process per controller, as a paired comparison at window granularity:
 * a window of the harness (two forced GCs and a reading, then `runUnits`, the audit's hot loop, timed;
 * as long as an audit's window: widened to MIN_WINDOW_MS like measure() does, unless given)
 * alternates with a window of a bare `for` loop over the same number of steps on another instance of the
 * same closed loop. Fine interleaving cancels the slow drifts of a shared machine's speed that made
 * whole-run comparisons useless. Prints JSON. Used by bench/harness.ts.
 *   node --expose-gc --import tsx bench/bare-loop.ts <kind> <policy> <pairs> [window]
 */
import { createController, type ControllerKind, type HistoryPolicy } from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';
import { runUnits } from '../src/worker/measure.ts';
import { SamplePlan } from '../src/worker/plan.ts';
import { requireGc } from '../src/worker/sampler.ts';
import { SampleStore } from '../src/worker/sample-store.ts';

const [kind, policy, pairsText, windowText] = process.argv.slice(2) as [ControllerKind, HistoryPolicy, string, string?];
const pairs = Number(pairsText);
const gc = requireGc();
const harnessLoop = new ClosedLoop(createController(kind, { historyPolicy: policy }));
// As the controller audits do: the loop itself is the subject.
const subjects = [harnessLoop];
const bareLoop = new ClosedLoop(createController(kind, { historyPolicy: policy }));
// The window an audit of the default 1 M steps would use: widened as measure() widens it, unless given.
const plan = new SamplePlan(1_000_000, 4_000_000);
runUnits(subjects, 'soak', 0, plan.firstUniform);
const start = performance.now();
runUnits(subjects, 'soak', 0, plan.firstUniform);
plan.widen(performance.now() - start, plan.firstUniform);
const window = Number(windowText ?? plan.windowUnits);
const store = new SampleStore(pairs + 1);
let harnessMs = 0;
let bareMs = 0;
const perPair: number[] = [];
for (let p = 0; p < pairs; p++) {
  store.record(gc, p * window, 0);
  let t = performance.now();
  runUnits(subjects, 'soak', p * window, window);
  const h = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < window; i++) bareLoop.step();
  const b = performance.now() - t;
  // The first pairs are JIT warm-up for both loops.
  if (p >= pairs / 10) {
    harnessMs += h;
    bareMs += b;
    perPair.push(((h - b) / b) * 100);
  }
}
const steps = window * perPair.length;
console.log(JSON.stringify({ window, pairs: perPair.length, harness: steps / (harnessMs / 1000), bare: steps / (bareMs / 1000), overheadPercent: ((harnessMs - bareMs) / bareMs) * 100, perPair }));
