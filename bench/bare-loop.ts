/**
 * Hot-loop overhead of one controller, in one fresh process: windows of the same length and the same
 * closed-loop instance, in random order, under four conditions:
 *   harness  the forced GC and a reading (as measure() does), then the window as measure() runs it: the
 *            audit's hot loop (runUnits) in stretches with the event loop turning between them (Pacer),
 *            and the settling before the next reading
 *   loop     the paced window and its settling alone: what the harness's loop costs over a bare one
 *   turn-once  the window as one synchronous loop, then one turn of the event loop: the audit's loop
 *            before it was paced, so that `loop` against it is what pacing costs
 *   post-gc  the forced GC and reading, then the bare loop: what stepping after them costs
 *   bare     a plain `for` loop calling step()
 *   bare-copy  the same loop in a second function: an A/A comparison, how far two identical loops
 *            differ in one process (V8 compiles each on its own), i.e. the noise of the others
 * The bare loop is a function of the same shape as runUnits, so both get compiled alike; an inline
 * loop at module level gets its own inlining decisions and differed by ±30 % from run to run. One
 * instance in random order cancels the drifts of a shared machine's speed and the growth of a legacy
 * history. Medians, not means: a window that a neighbour's burst slowed says nothing about the harness.
 * The window defaults to what an audit of the default 1 M steps uses (sized as measure() sizes it).
 * Prints JSON. Used by bench/harness.ts.
 *   node --expose-gc --import tsx bench/bare-loop.ts <kind> <policy> <windows> [window]
 */
import { createController, type ControllerKind, type HistoryPolicy } from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';
import { Pacer, settle, turnEventLoop } from '../src/worker/event-loop.ts';
import { runUnits } from '../src/worker/subjects.ts';
import { SamplePlan } from '../src/worker/plan.ts';
import { readingGc, takeReading } from '../src/worker/sampler.ts';
import { SampleStore } from '../src/worker/sample-store.ts';

const CONDITIONS = ['harness', 'loop', 'turn-once', 'post-gc', 'bare', 'bare-copy'] as const;
type Condition = (typeof CONDITIONS)[number];
/** Steps (per loop) before timing starts: V8 takes ~2 M steps to settle on optimised code for the plant. */
const WARMUP_STEPS = 1_000_000;

const [kind, policy, windowsText, windowText] = process.argv.slice(2) as [
  ControllerKind,
  HistoryPolicy,
  string,
  string?,
];
const windows = Number(windowsText);
const gc = readingGc();
const loop = new ClosedLoop(createController(kind, { historyPolicy: policy }));
// As the controller audits do: the loop itself is the subject.
const subjects = [loop];
const pacer = Pacer.of(subjects, 'soak');

function bare(subject: { step(): unknown }, n: number): void {
  for (let i = 0; i < n; i++) subject.step();
}

function bareCopy(subject: { step(): unknown }, n: number): void {
  for (let i = 0; i < n; i++) subject.step();
}

// Windows sized as measure() sizes them: from the time of the first uniform window, early in a fresh
// process (the log-spaced windows before it are the only stepping the subject has had), not after the
// warm-up below. Subjects speed up after that window, so audits run shorter windows than a sizing at
// warmed-up speed would give, and this is the condition to measure.
const plan = new SamplePlan(1_000_000, 4_000_000);
let sized = 0;
for (let at = plan.next(0); at !== null && at <= plan.firstUniform; at = plan.next(sized)) {
  const start = performance.now();
  await pacer.run(sized, at - sized);
  if (at === plan.firstUniform) plan.widen(performance.now() - start, at - sized);
  sized = at;
}
const window = Number(windowText ?? plan.windowUnits);
for (let done = 0; done < WARMUP_STEPS; done += window) {
  await pacer.run(0, window);
  await settle();
  bare(loop, window);
  bareCopy(loop, window);
}

const store = new SampleStore(windows);
const times: Record<Condition, number[]> = {
  harness: [],
  loop: [],
  'turn-once': [],
  'post-gc': [],
  bare: [],
  'bare-copy': [],
};
let readings = 0;
for (let w = 0; w < windows; w++) {
  const condition = CONDITIONS[Math.floor(Math.random() * CONDITIONS.length)]!;
  if (condition === 'harness' || condition === 'post-gc') {
    takeReading(store, gc, readings++, 0);
  }
  const t = performance.now();
  if (condition === 'harness' || condition === 'loop') {
    await pacer.run(0, window);
    await settle();
  } else if (condition === 'turn-once') {
    void runUnits(subjects, 'soak', 0, window); // the controllers step synchronously: it returns nothing
    await turnEventLoop();
  } else if (condition === 'bare-copy') bareCopy(loop, window);
  else bare(loop, window);
  times[condition].push(performance.now() - t);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = Object.fromEntries(CONDITIONS.map((c) => [c, median(times[c])])) as Record<Condition, number>;
const percentOverBare = (c: Condition) => (ms[c] / ms.bare - 1) * 100;
console.log(
  JSON.stringify({
    window,
    windowMs: ms.bare,
    stepsPerSecond: { harness: window / (ms.harness / 1000), bare: window / (ms.bare / 1000) },
    overheadPercent: {
      harness: percentOverBare('harness'),
      loop: percentOverBare('loop'),
      turnOnce: percentOverBare('turn-once'),
      postGc: percentOverBare('post-gc'),
      aa: percentOverBare('bare-copy'),
    },
  }),
);
