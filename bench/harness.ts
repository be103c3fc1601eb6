/**
 * What the harness costs, measured (prints numbers, asserts nothing). `npm run bench`
 *  1. hot-loop overhead: steps/s of a controller inside the harness's measured windows vs the same
 *     controller in a bare loop, window against window, interleaved in one process;
 *  2. wall time of the default `npm run audit`, and where the audits' time goes;
 *  3. time to a `fail` verdict for the seed v0.1 leak.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditReport } from '../src/report/json.ts';

const OVERHEAD_PAIRS = 200;

function runCli(args: string[]): { wallMs: number; report: AuditReport } {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-bench-'));
  const start = performance.now();
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--out', out, ...args], { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const wallMs = performance.now() - start;
  return { wallMs, report: JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

console.log(`node ${process.version}\n`);
console.log('1. Hot-loop overhead (one process per controller; 200 harness windows as long as an audit uses, each after the');
console.log('   two forced GCs and a reading, interleaved with bare-loop windows of the same length; first 10 % dropped)');
for (const [kind, policy] of [
  ['classical_smc', 'bounded'],
  ['hybrid_adaptive_sta_smc', 'bounded'],
  ['sta_smc', 'legacy'],
] as const) {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/bare-loop.ts', kind, policy, String(OVERHEAD_PAIRS)], { encoding: 'utf8' });
  const r = JSON.parse(out) as { window: number; harness: number; bare: number; overheadPercent: number; perPair: number[] };
  console.log(`   ${`${kind} (${policy}, windows of ${r.window})`.padEnd(50)} harness ${(r.harness / 1e6).toFixed(2)} M steps/s, bare ${(r.bare / 1e6).toFixed(2)} M steps/s: overhead ${r.overheadPercent.toFixed(1)} % (median window pair ${median(r.perPair).toFixed(1)} %)`);
}

console.log('\n2. Default npm run audit');
const full = runCli([]);
const t = { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 };
for (const a of full.report.audits) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += a.timings[k];
const inAudits = Object.values(t).reduce((x, y) => x + y, 0);
console.log(`   wall time ${s(full.wallMs)} for ${full.report.audits.length} audits on ${full.report.run.jobs} parallel jobs (${full.report.summary.expectationsMet}/${full.report.summary.audits} as expected)`);
console.log(`   summed over the audit processes (${s(inAudits)}):`);
for (const [label, ms] of [
  ['process start + module load', t.startupMs],
  ['subject setup + rehearsal', t.setupMs],
  ['measured windows (the hot loop)', t.loopMs],
  ['forced GCs + readings', t.samplingMs],
  ['sequential decisions', t.decisionMs],
] as const) {
  console.log(`     ${label.padEnd(34)} ${s(ms).padStart(7)}  ${((ms / inAudits) * 100).toFixed(0).padStart(3)} %`);
}
console.log(`   parent-side analysis of all audits: ${full.report.run.analysisMs.toFixed(0)} ms`);
const samples = full.report.audits.reduce((n, a) => n + a.samples.length, 0);
console.log(`   readings: ${samples}, ${(t.samplingMs / samples).toFixed(1)} ms each (two full GCs + memoryUsage + heap spaces)`);

console.log('\n3. Time to a fail verdict for the seed v0.1 leak');
const seed = runCli(['audits/calibration/seed-classical-v01.audit.ts', '--no-calibration']);
const v01 = seed.report.audits.find((a) => a.id === 'calibration-seed-classical-v01')!;
console.log(`   verdict ${v01.verdict} after ${v01.steps.toLocaleString('en')} steps, ${s(v01.samples.at(-1)!.ms)} of measuring (${s(v01.timings.startupMs + v01.timings.setupMs)} start-up before it); CLI wall time ${s(seed.wallMs)} (with the noise-floor audit beside it)`);
