/**
 * What the harness costs, measured (prints numbers, asserts nothing).
 *   npm run bench [-- --processes N] [--overhead-only]
 *  0. the audit process itself: heap before the subject, cost of a reading, time to the first reading;
 *  1. hot-loop overhead: steps/s of each controller inside the harness's measured windows vs the same
 *     controller in a bare loop, window against window in random order (bench/bare-loop.ts);
 *  2. wall time of the default `npm run audit`, and where the audits' time goes;
 *  3. time to a `fail` verdict for the seed v0.1 leak.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTROLLER_KINDS } from '../fixtures/controllers/index.ts';
import { bundleAudits } from '../src/cli/bundle.ts';
import { AUDIT_PROCESS_FLAGS, CHILD_TASK_ENV, type ChildResult, type ChildTask } from '../src/protocol.ts';
import type { AuditReport } from '../src/model/report.ts';

/**
 * Processes per controller for the overhead (`--processes N`): one process's JIT decisions move its
 * figure by several %, so a per-controller figure needs many; 3 keeps the default bench short.
 */
const { values: args } = parseArgs({
  options: { processes: { type: 'string', default: '3' }, 'overhead-only': { type: 'boolean', default: false } },
});
const OVERHEAD_PROCESSES = Number(args.processes);
if (!Number.isSafeInteger(OVERHEAD_PROCESSES) || OVERHEAD_PROCESSES < 1)
  throw new Error(`--processes: expected a positive integer, got ${args.processes}`);

interface OverheadRun {
  window: number;
  windowMs: number;
  overheadPercent: { harness: number; loop: number; turnOnce: number; postGc: number; aa: number };
}

function runCli(args: string[]): { wallMs: number; report: AuditReport } {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-bench-'));
  const start = performance.now();
  spawnSync(process.execPath, ['scripts/leak-audit-from-source.js', '--out', out, ...args], {
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const wallMs = performance.now() - start;
  return { wallMs, report: JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

console.log(`node ${process.version}\n`);

/** Audit processes of the no-op audit for section 0. */
const PROCESS_RUNS = 5;
const NOOP_AUDIT = join(process.cwd(), 'audits/noise-floor/noise-floor.audit.ts');
console.log(
  `0. The audit process (the no-op audit, ${PROCESS_RUNS} processes, one at a time; median [lowest, highest])`,
);
{
  const dir = mkdtempSync(join(tmpdir(), 'leak-audit-bench-process-'));
  const { bundles } = await bundleAudits([NOOP_AUDIT], dir);
  const runs = Array.from({ length: PROCESS_RUNS }, () => {
    const task: ChildTask = {
      file: NOOP_AUDIT,
      settings: { seed: 1 },
      resultFile: join(dir, 'result.json'),
      outputCapBytes: 2 ** 20,
    };
    const start = performance.now();
    execFileSync(process.execPath, [...AUDIT_PROCESS_FLAGS, bundles.get(NOOP_AUDIT)!], {
      env: { ...process.env, [CHILD_TASK_ENV]: JSON.stringify(task) },
    });
    const wallMs = performance.now() - start;
    const result = JSON.parse(readFileSync(task.resultFile, 'utf8')) as ChildResult;
    if (result.kind !== 'measured') throw new Error(`the no-op audit did not measure: ${JSON.stringify(result)}`);
    const { samples, timings } = result.record;
    // The no-op's windows take microseconds: the time between readings is the reading.
    const gaps = samples.slice(1).map((x, i) => x.ms - samples[i]!.ms);
    return {
      heapMb: samples[0]!.heapUsed / 2 ** 20,
      readingMs: median(gaps),
      toFirstReadingMs: timings.startupMs + timings.setupMs + samples[0]!.ms,
      wallMs,
    };
  });
  rmSync(dir, { recursive: true, force: true });
  const spread = (f: (r: (typeof runs)[number]) => number, digits: number) => {
    const xs = runs.map(f);
    return `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}, ${Math.max(...xs).toFixed(digits)}]`;
  };
  console.log(`   heapUsed at the first reading        ${spread((r) => r.heapMb, 2)} MB`);
  console.log(`   one reading (GC, memoryUsage, spaces, resources) ${spread((r) => r.readingMs, 1)} ms`);
  console.log(`   process start to the first reading   ${spread((r) => r.toFirstReadingMs, 0)} ms`);
  console.log(`   whole process (start to exit)        ${spread((r) => r.wallMs, 0)} ms\n`);
}
console.log(
  `1. Hot-loop overhead (${OVERHEAD_PROCESSES} fresh processes per controller; each times windows as long as an audit of`,
);
console.log(
  '   1 M steps uses, in random order: harness = forced GCs + reading then the audit loop, loop = the audit loop',
);
console.log(
  '   alone (paced: the event loop turns every ~1 ms, then settles), turn-once = one loop and one turn (unpaced),',
);
console.log(
  '   post-gc = forced GCs + reading then a bare loop, A/A = an identical copy of the bare loop (the noise),',
);
console.log('   all against a bare loop; medians of windows.');
console.log('   Figures are the median process, [lowest, highest] process; this VM moves ±10 % between processes)');
const allHarness: number[] = [];
const allAa: number[] = [];
const allPacing: number[] = [];
for (const kind of CONTROLLER_KINDS) {
  for (const policy of ['legacy', 'bounded'] as const) {
    // A legacy history grows ~50 B/step: fewer windows keep its heap (and its forced GCs) small.
    const windows = policy === 'legacy' ? 250 : 750;
    const runs = Array.from({ length: OVERHEAD_PROCESSES }, () => {
      const out = execFileSync(
        process.execPath,
        [...AUDIT_PROCESS_FLAGS, '--import', 'tsx', 'bench/bare-loop.ts', kind, policy, String(windows)],
        { encoding: 'utf8' },
      );
      return JSON.parse(out) as OverheadRun;
    });
    const pick = (f: (r: OverheadRun) => number) => {
      const xs = runs.map(f);
      return `${pct(median(xs))} [${pct(Math.min(...xs))}, ${pct(Math.max(...xs))}]`;
    };
    allHarness.push(...runs.map((r) => r.overheadPercent.harness));
    allAa.push(...runs.map((r) => r.overheadPercent.aa));
    allPacing.push(...runs.map((r) => r.overheadPercent.loop - r.overheadPercent.turnOnce));
    const windowMs = median(runs.map((r) => r.windowMs));
    console.log(
      `   ${`${kind} ${policy}`.padEnd(32)} windows of ${String(median(runs.map((r) => r.window))).padStart(6)} steps (${windowMs.toFixed(1)} ms): harness ${pick((r) => r.overheadPercent.harness)}  loop ${pick((r) => r.overheadPercent.loop)}  turn-once ${pick((r) => r.overheadPercent.turnOnce)}  post-gc ${pick((r) => r.overheadPercent.postGc)}  A/A ${pick((r) => r.overheadPercent.aa)}`,
    );
  }
}
console.log(
  `   all controllers: harness overhead median ${pct(median(allHarness))} over ${allHarness.length} processes; A/A median ${pct(median(allAa))}, spread [${pct(Math.min(...allAa))}, ${pct(Math.max(...allAa))}]`,
);
console.log(
  `   pacing (loop against turn-once) median ${pct(median(allPacing))}, spread [${pct(Math.min(...allPacing))}, ${pct(Math.max(...allPacing))}]`,
);
if (args['overhead-only']) process.exit(0);

console.log('\n2. Default npm run audit');
const full = runCli([]);
const t = { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 };
for (const a of full.report.audits) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += a.timings[k];
const inAudits = Object.values(t).reduce((x, y) => x + y, 0);
console.log(
  `   wall time ${s(full.wallMs)} (verdicts, then the diagnosis of the failing audits) for ${full.report.audits.length} audits on ${full.report.run.jobs} parallel jobs (${full.report.summary.expectationsMet}/${full.report.summary.audits} as expected)`,
);
console.log(`   summed over the audit processes (${s(inAudits)}):`);
for (const [label, ms] of [
  ['process start + module load', t.startupMs],
  ['subject setup + rehearsal', t.setupMs],
  ['measured windows (the hot loop)', t.loopMs],
  ['forced GCs + readings', t.samplingMs],
  ['stop decisions', t.decisionMs],
] as const) {
  console.log(`     ${label.padEnd(34)} ${s(ms).padStart(7)}  ${((ms / inAudits) * 100).toFixed(0).padStart(3)} %`);
}
console.log(`   parent-side analysis of all audits: ${full.report.run.analysisMs.toFixed(0)} ms`);
const samples = full.report.audits.reduce((n, a) => n + a.samples.length, 0);
console.log(
  `   readings: ${samples}, ${(t.samplingMs / samples).toFixed(1)} ms each (a full GC + memoryUsage + heap spaces + resource counts)`,
);

console.log('\n3. Time to a fail verdict for the seed v0.1 leak');
const seed = runCli(['audits/calibration/seed-classical-v01.audit.ts', '--no-calibration']);
const v01 = seed.report.audits.find((a) => a.id === 'calibration-seed-classical-v01')!;
console.log(
  `   verdict ${v01.verdict} after ${v01.steps.toLocaleString('en')} steps, ${s(v01.samples.at(-1)!.ms)} of measuring (${s(v01.timings.startupMs + v01.timings.setupMs)} start-up before it); CLI wall time ${s(seed.wallMs)} (with the noise-floor audit beside it)`,
);
