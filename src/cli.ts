/**
 * `npm run audit -- [paths] [options]`: runs every audit (or, with --shard, one part of them) in its own
 * process, judges it, prints the summary and writes the reports (Markdown, HTML, JSON, JUnit, PR
 * comment) to reports/. `--merge-reports DIR...` builds the same reports from the shards' JSON instead.
 * Exit codes: 0 all verdicts as expected; 1 not; 2 usage or configuration error.
 */
import { Chalk } from 'chalk';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { compareWithBaseline, loadBaseline } from './gate/baseline.ts';
import { applyAllowlist, resolveAllowlist } from './gate/allowlist.ts';
import { judge } from './analysis/judge.ts';
import { parseCli, USAGE, type CliOptions } from './cli/args.ts';
import { CALIBRATION_DIR, discoverAuditFiles, NOISE_FLOOR_AUDIT } from './cli/discover.ts';
import { concurrencyOf } from './cli/concurrency.ts';
import { runAudits, type AuditRun } from './cli/run-audits.ts';
import { failedDiagnosis, runDiagnoses, toDiagnose } from './cli/run-diagnoses.ts';
import type { Diagnosis } from './diagnosis/types.ts';
import { loadReport, mergeReports, type LoadedReport } from './report/merge.ts';
import { AuditConfigError } from './model/options.ts';
import {
  budgetErrors,
  duplicateIdErrors,
  noiseFloorOf,
  summarise,
  auditEntry,
  machineFacts,
  reportConstants,
} from './report/assemble.ts';
import { SCHEMA_VERSION, writeJsonReport } from './report/json.ts';
import { type AuditRole, type AuditReport } from './model/report.ts';
import { annotations, unmetAudits, writePrComment } from './report/github.ts';
import { writeHtmlReport } from './report/html.ts';
import { writeJunitReport } from './report/junit.ts';
import { writeMarkdownReport } from './report/markdown.ts';
import { renderSummary, terminalChalk } from './report/terminal.ts';

const EXIT_OK = 0;
const EXIT_UNMET = 1;
const EXIT_CONFIG = 2;

function roleOf(file: string): AuditRole {
  if (file === NOISE_FLOOR_AUDIT) return 'noise-floor';
  return file.startsWith(CALIBRATION_DIR + sep) ? 'calibration' : 'subject';
}

function gitCommit(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || null
    );
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
  const where = (file: string): string => relative(process.cwd(), file);
  const configErrors = [
    ...run.loadErrors.map((e) => `${where(e.file)}: ${e.message}`),
    ...duplicateIdErrors(entries, where),
    ...budgetErrors(entries, noiseFloor),
  ];
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
      diagnose: cli.diagnose,
      shard: cli.shard ?? null,
      parts: null,
      wallMs: run.wallMs,
      analysisMs,
    },
    constants: reportConstants(),
    noiseFloor,
    summary: summarise(entries, configErrors),
    baseline: null,
    allowlist: null,
    audits: entries,
  };
}

/** Heap-snapshot diagnosis of the failing audits (all with --diagnose), added to their entries. */
async function withDiagnoses(report: AuditReport, cli: CliOptions, outDir: string): Promise<AuditReport> {
  const chosen = toDiagnose(report.audits, cli);
  if (chosen.length === 0) return report;
  console.error(
    `Diagnosing ${chosen.length} audit${chosen.length === 1 ? '' : 's'} with heap snapshots (--no-diagnose skips this)…`,
  );
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
function withAllowlist(report: AuditReport, allowlist: ReturnType<typeof resolveAllowlist>): AuditReport {
  if (!allowlist) return report;
  const today = new Date().toISOString().slice(0, 10);
  const { audits, statuses } = applyAllowlist(report.audits, allowlist.entries, today);
  const entries = allowlist.entries
    .map((e, i) => ({ ...e, status: statuses[i]! }))
    .filter((e) => e.status !== 'unmatched' || report.run.diagnose !== 'none');
  return { ...report, audits, allowlist: { file: allowlist.file, entries } };
}

/** Runs the audits (or this shard's) and diagnoses the failing ones. */
async function runReport(files: readonly string[], cli: CliOptions, outDir: string): Promise<AuditReport> {
  const run = await runAudits(files, cli, join(outDir, '.samples'), join(outDir, 'snapshots'));
  const report = buildReport(run, cli);
  // Written now so the verdicts are on disk whatever the diagnosis does; rewritten with it below.
  writeJsonReport(report, outDir);
  return withDiagnoses(report, cli, outDir);
}

/** Writes every report, prints the summary (and in CI the annotations), and says how the run exits. */
function publish(report: AuditReport, cli: CliOptions, outDir: string): number {
  const path = writeJsonReport(report, outDir);
  const markdownPath = writeMarkdownReport(report, outDir);
  const junitPath = writeJunitReport(report, outDir);
  const htmlPath = writeHtmlReport(report, outDir);
  const commentPath = writePrComment(report, outDir);
  if (cli.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    console.log(renderSummary(report, cli.ci ? new Chalk({ level: 0 }) : terminalChalk()));
    console.log(
      `Reports: ${[markdownPath, htmlPath, path, junitPath, commentPath].map((p) => relative(process.cwd(), p)).join(', ')}`,
    );
  }
  // Workflow commands go to stdout, unless stdout carries the JSON report. A shard leaves them to the
  // merge, so each appears once on the pull request.
  if (cli.ci && !cli.shard) for (const line of annotations(report)) (cli.json ? console.error : console.log)(line);
  if (report.summary.configErrors.length > 0) {
    for (const message of report.summary.configErrors) console.error(`leak-audit: ${message}`);
    return EXIT_CONFIG;
  }
  const unmet = unmetAudits(report);
  const staleEntries = report.allowlist?.entries.filter((e) => e.status !== 'matched') ?? [];
  for (const e of staleEntries)
    console.error(`leak-audit: allowlist entry ${e.status}: ${e.signature} (owner ${e.owner}, expires ${e.expires})`);
  if (cli.strict && staleEntries.length > 0) return EXIT_UNMET;
  const regressions = report.baseline?.comparisons.filter((c) => c.change === 'regressed') ?? [];
  for (const r of regressions) console.error(`leak-audit: ${r.message}`);
  if (cli.failOnRegression && regressions.length > 0) return EXIT_UNMET;
  return unmet.length === 0 ? EXIT_OK : EXIT_UNMET;
}

async function main(argv: readonly string[]): Promise<number> {
  let cli: CliOptions;
  let files: string[] = [];
  let parts: LoadedReport[] = [];
  let allowlist: ReturnType<typeof resolveAllowlist>;
  let baseline: AuditReport | null;
  try {
    cli = parseCli(argv);
    if (cli.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    if (cli.mergeReports) {
      parts = cli.paths.map(loadReport);
      const clobbered = parts.find((p) => dirname(resolve(p.file)) === resolve(cli.out));
      if (clobbered)
        throw new AuditConfigError(
          `--out ${cli.out} would overwrite the part ${relative(process.cwd(), clobbered.file)}: merge into another folder`,
        );
    } else {
      files = discoverAuditFiles(cli.paths, cli.calibration);
    }
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
  let report = cli.mergeReports ? mergeReports(parts) : await runReport(files, cli, outDir);
  report = withAllowlist(report, allowlist);
  if (baseline) report = { ...report, baseline: compareWithBaseline(report, baseline, cli.baseline!) };
  return publish(report, cli, outDir);
}

process.exitCode = await main(process.argv.slice(2));
