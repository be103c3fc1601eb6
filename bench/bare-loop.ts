/**
 * Hot-loop overhead, in one fresh process per controller: the same closed loop stepped inside the
 * harness's measured windows (`measure()`, as an audit process runs it) and in a bare `for` loop, for the
 * same number of steps, alternating, several times. Prints JSON. Used by bench/harness.ts.
 *   node --expose-gc --import tsx bench/bare-loop.ts <kind> <policy> <repeats>
 */
import { createController, type ControllerKind, type HistoryPolicy } from '../fixtures/controllers/index.ts';
import { ClosedLoop } from '../fixtures/loop/closed-loop.ts';
import { resolveAuditOptions } from '../src/options.ts';
import { measure } from '../src/worker/measure.ts';
import { SampleStream } from '../src/worker/stream.ts';

const [kind, policy, repeatsText] = process.argv.slice(2) as [ControllerKind, HistoryPolicy, string];
const newLoop = () => new ClosedLoop(createController(kind, { historyPolicy: policy }));
const pairs: { harness: number; bare: number }[] = [];
for (let r = 0; r < Number(repeatsText); r++) {
  const options = resolveAuditOptions('overhead', {});
  const record = await measure({
    id: 'overhead',
    name: 'overhead',
    file: 'bench',
    options,
    setup: () => {
      const loop = newLoop();
      return { step: () => loop.step() };
    },
    stream: new SampleStream(undefined),
  });
  const steps = record.samples.at(-1)!.at;
  const loop = newLoop();
  const start = performance.now();
  for (let i = 0; i < steps; i++) loop.step();
  const bareMs = performance.now() - start;
  pairs.push({ harness: steps / (record.timings.loopMs / 1000), bare: steps / (bareMs / 1000) });
}
console.log(JSON.stringify(pairs));
