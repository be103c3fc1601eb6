/**
 * What watching a program costs it (prints numbers, asserts nothing): a CPU-bound loop
 * (examples/programs/busy-counter.mjs, 10 s) runs bare and under `leak-audit run` (readings at the
 * default interval of a watch of its length), one after the other, N times each, and prints its
 * ticks per second in each.
 *   npm run bench:program [-- --runs N]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const PROGRAM = 'examples/programs/busy-counter.mjs';

const rate = (text: string) =>
  (JSON.parse(text.trim().split('\n').at(-1)!) as { ticksPerSecond: number }).ticksPerSecond;

function bare(): number {
  return rate(execFileSync(process.execPath, [PROGRAM], { encoding: 'utf8' }));
}

function watched(): number {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-program-cost-'));
  // Its verdict is not the point (20 readings are too few for one): exit 1 is expected.
  spawnSync(process.execPath, ['scripts/leak-audit-from-source.js', 'run', '--out', out, '--', 'node', PROGRAM], {
    stdio: 'ignore',
  });
  return rate(readFileSync(join(out, 'logs', 'busy-counter.log'), 'utf8'));
}

const results = { bare: [] as number[], watched: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  results.bare.push(bare());
  results.watched.push(watched());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label, xs] of Object.entries(results)) {
  const sorted = [...xs].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(8)} ticks/s min ${sorted[0]!.toLocaleString('en')}  median ${median(xs).toLocaleString('en')}  max ${sorted.at(-1)!.toLocaleString('en')}`,
  );
}
const cost = 1 - median(results.watched) / median(results.bare);
console.log(`watching costs ${(cost * 100).toFixed(1)} % of the ticks (medians; readings every 500 ms, until it ends)`);
