/**
 * `npm run audit -- [paths] [options]`: runs every audit in its own process, judges it, prints the summary
 * and writes the reports (Markdown, HTML, JSON, JUnit) to reports/. Exit codes: 0 all verdicts as expected;
 * 1 not; 2 usage or configuration error.
 */
import { Chalk } from 'chalk';
import { execFileSync } from 'node:child_process';
import { join, relative, resolve, sep } from 'node:path';
import { compareWithBaseline, loadBaseline } from './baseline.ts';
import { applyAllowlist, resolveAllowlist } from './allowlist.ts';
import { judge } from './analysis/judge.ts';
import { parseCli, USAGE, type CliOptions } from './cli/args.ts';
import { CALIBRATION_DIR, discoverAuditFiles, NOISE_FLOOR_AUDIT } from './cli/discover.ts';
import { concurrencyOf } from './cli/concurrency.ts';
import { runAudits, type AuditRun } from './cli/run-audits.ts';
import { failedDiagnosis, runDiagnoses, toDiagnose } from './cli/run-diagnoses.ts';
import type { Diagnosis } from './diagnosis/types.ts';
import { AuditConfigError } from './options.ts';
import { auditEntry, type AuditRole, machineFacts, reportConstants, SCHEMA_VERSION, writeJsonReport, type AuditEntry, type AuditReport, type NoiseFloor } from './report/json.ts';
import { annotations, unmetAudits, writePrComment } from './report/github.ts';
import { writeHtmlReport } from './report/html.ts';
import { writeJunitReport } from './report/junit.ts';
import { writeMarkdownReport } from './report/markdown.ts';
import { renderSummary, terminalChalk } from './report/terminal.ts';
import type { Verdict } from './types.ts';

const EXIT_OK = 0;
const EXIT_UNMET = 1;
const EXIT_CONFIG = 2;

function noiseFloorOf(entries: readonly AuditEntry[]): NoiseFloor | null {
  const noop = entries.find((e) => e.role === 'noise-floor');
  if (!noop || noop.verdict === 'error' || noop.samples.length < 2) return null;
  const [low, high] = noop.slope.ci;
  const [offLow, offHigh] = noop.offHeap.ci;
  return {
    auditId: noop.id,
    heapBytesPerStep: Math.max(Math.abs(low), Math.abs(high)),
    offHeapBytesPerStep: Math.max(Math.abs(offLow), Math.abs(offHigh)),
    heapCi: noop.slope.ci,
  };
}

/** Budgets that the measurement cannot resolve on this machine: refused, as a configuration error. */
function budgetErrors(entries: readonly AuditEntry[], floor: NoiseFloor | null): string[] {
  if (!floor) return [];
  return entries
    .filter((e) => e.id !== floor.auditId && e.workload !== 'churn' && e.budget.bytesPerUnit <= floor.heapBytesPerStep)
    .map((e) => `audit "${e.name}": budget ${e.budget.bytesPerUnit.toPrecision(3)} B/${e.slope.unit} is at or below the noise floor measured in this run (${floor.heapBytesPerStep.toPrecision(3)} B/step); raise the budget, or run more steps (--steps) so the floor drops`);
}

function roleOf(file: string): AuditRole {
  if (file === NOISE_FLOOR_AUDIT) return 'noise-floor';
  return file.startsWith(CALIBRATION_DIR + sep) ? 'calibration' : 'subject';
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

export function buildReport(run: AuditRun, cli: CliOptions): AuditReport {
  const analysisStart = performance.now();
  const judged = run.records.map((record) => auditEntry(record, judge(record), roleOf(record.file)));
  const analysisMs = performance.now() - analysisStart;
  const concurrency = concurrencyOf(judged.map((e) => run.intervals.get(e.file)));
  const entries = judged.map((e, i) => ({ ...e, concurrency: concurrency[i]! }));
  const noiseFloor = noiseFloorOf(entries);
  const ids = new Map<string, string>();
  const configErrors = run.loadErrors.map((e) => `${relative(process.cwd(), e.file)}: ${e.message}`);
  for (const e of entries) {
    const other = ids.get(e.id);
    if (other) configErrors.push(`audit id "${e.id}" is declared twice (${relative(process.cwd(), other)}, ${relative(process.cwd(), e.file)})`);
    ids.set(e.id, e.file);
  }
  configErrors.push(...budgetErrors(entries, noiseFloor));
  const byVerdict: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0, error: 0 };
  for (const e of entries) byVerdict[e.verdict]++;
  return {
    schemaVersion: SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    machine: machineFacts(),
    run: {
      commit: gitCommit(),
      seed: cli.seed,
      stepsOverride: cli.steps ?? null,
      horizonOverride: cli.horizon?.label ?? null,
      jobs: cli.jobs,
      peakConcurrency: Math.max(1, ...entries.map((e) => e.concurrency)),
      heapCapMb: cli.heapCapMb,
      heapsnapshotSignal: cli.heapsnapshotSignal,
      wallMs: run.wallMs,
      analysisMs,
    },
    constants: reportConstants(),
    noiseFloor,
    summary: {
      audits: entries.length,
      expectationsMet: entries.filter((e) => e.expectationMet).length,
      byVerdict,
      configErrors,
    },
    baseline: null,
    allowlist: null,
    audits: entries,
  };
}

/** Heap-snapshot diagnosis of the failing audits (all with --diagnose), added to their entries. */
async function withDiagnoses(report: AuditReport, cli: CliOptions, outDir: string): Promise<AuditReport> {
  const chosen = toDiagnose(report.audits, cli);
  if (chosen.length === 0) return report;
  console.error(`Diagnosing ${chosen.length} audit${chosen.length === 1 ? '' : 's'} with heap snapshots (--no-diagnose skips this)…`);
  let diagnoses: Map<string, Diagnosis>;
  try {
    diagnoses = await runDiagnoses(chosen, cli, outDir);
  } catch (e) {
    const note = `the diagnosis run failed: ${(e as Error).message}`;
    diagnoses = new Map(chosen.map((entry) => [entry.id, failedDiagnosis(note)]));
  }
  return { ...report, audits: report.audits.map((e) => ({ ...e, diagnosis: diagnoses.get(e.id) ?? null })) };
}

/**
 * Marks the findings the allowlist accepts, and records each entry's fate. An entry matched nothing
 * only if the run diagnosed anything at all; with --no-diagnose nothing could match.
 */
function withAllowlist(report: AuditReport, allowlist: ReturnType<typeof resolveAllowlist>, cli: CliOptions): AuditReport {
  if (!allowlist) return report;
  const today = new Date().toISOString().slice(0, 10);
  const { audits, statuses } = applyAllowlist(report.audits, allowlist.entries, today);
  const entries = allowlist.entries
    .map((e, i) => ({ ...e, status: statuses[i]! }))
    .filter((e) => e.status !== 'unmatched' || cli.diagnose !== 'none');
  return { ...report, audits, allowlist: { file: allowlist.file, entries } };
}

async function main(argv: readonly string[]): Promise<number> {
  let cli: CliOptions;
  let files: string[];
  let allowlist: ReturnType<typeof resolveAllowlist>;
  let baseline: AuditReport | null;
  try {
    cli = parseCli(argv);
    if (cli.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    files = discoverAuditFiles(cli.paths, cli.calibration);
    allowlist = resolveAllowlist(cli.allowlist);
    baseline = cli.baseline !== undefined ? loadBaseline(cli.baseline) : null;
  } catch (e) {
    if (e instanceof AuditConfigError) {
      console.error(`leak-audit: ${e.message} (see --help)`);
      return EXIT_CONFIG;
    }
    throw e;
  }
  const outDir = resolve(cli.out);
  const run = await runAudits(files, cli, join(outDir, '.samples'), join(outDir, 'snapshots'));
  let report = buildReport(run, cli);
  // Written now so the verdicts are on disk whatever the diagnosis does; rewritten with it below.
  writeJsonReport(report, outDir);
  report = withAllowlist(await withDiagnoses(report, cli, outDir), allowlist, cli);
  if (baseline) report = { ...report, baseline: compareWithBaseline(report, baseline, cli.baseline!) };
  const path = writeJsonReport(report, outDir);
  const markdownPath = writeMarkdownReport(report, outDir);
  const junitPath = writeJunitReport(report, outDir);
  const htmlPath = writeHtmlReport(report, outDir);
  const commentPath = writePrComment(report, outDir);
  if (cli.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    console.log(renderSummary(report, cli.ci ? new Chalk({ level: 0 }) : terminalChalk()));
    console.log(`Reports: ${[markdownPath, htmlPath, path, junitPath, commentPath].map((p) => relative(process.cwd(), p)).join(', ')}`);
  }
  // Workflow commands go to stdout, unless stdout carries the JSON report.
  if (cli.ci) for (const line of annotations(report)) (cli.json ? console.error : console.log)(line);
  if (report.summary.configErrors.length > 0) {
    for (const message of report.summary.configErrors) console.error(`leak-audit: ${message}`);
    return EXIT_CONFIG;
  }
  const unmet = unmetAudits(report);
  const staleEntries = report.allowlist?.entries.filter((e) => e.status !== 'matched') ?? [];
  for (const e of staleEntries) console.error(`leak-audit: allowlist entry ${e.status}: ${e.signature} (owner ${e.owner}, expires ${e.expires})`);
  if (cli.strict && staleEntries.length > 0) return EXIT_UNMET;
  const regressions = report.baseline?.comparisons.filter((c) => c.change === 'regressed') ?? [];
  for (const r of regressions) console.error(`leak-audit: ${r.message}`);
  if (cli.failOnRegression && regressions.length > 0) return EXIT_UNMET;
  return unmet.length === 0 ? EXIT_OK : EXIT_UNMET;
}

process.exitCode = await main(process.argv.slice(2));
