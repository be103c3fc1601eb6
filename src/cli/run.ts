/**
 * The pipeline of `npm run audit`, one stage after another:
 *
 *   parse options → run the audits → judge → diagnose → allowlist → baseline → gate → write → exit code
 *
 * or, with --merge-reports, the shards' reports in place of the first three. Every stage takes the
 * report and returns the next one; only `runAudits` and `writeReports` touch processes and files.
 */
import { Chalk } from 'chalk';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { judge } from '../analysis/judge.ts';
import type { Diagnosis } from '../model/diagnosis.ts';
import { applyAllowlist, resolveAllowlist } from '../gate/allowlist.ts';
import { compareWithBaseline, loadBaseline } from '../gate/baseline.ts';
import { EXIT_CONFIG, EXIT_HARNESS, EXIT_OK, withGate, type ExitCode } from '../gate/outcome.ts';
import { AuditConfigError } from '../validate.ts';
import type { AuditReport, GatedReport } from '../model/report.ts';
import {
  auditEntry,
  budgetErrors,
  duplicateIdErrors,
  machineFacts,
  noiseFloorOf,
  reportConstants,
  summaryOf,
} from '../report/assemble.ts';
import { annotations, PR_COMMENT_FILE, writePrComment } from '../report/github.ts';
import { HTML_REPORT_FILE, writeHtmlReport } from '../report/html.ts';
import { JSON_REPORT_FILE, SCHEMA_VERSION, writeJsonReport } from '../report/json.ts';
import { JUNIT_REPORT_FILE, writeJunitReport } from '../report/junit.ts';
import { MARKDOWN_REPORT_FILE, writeMarkdownReport } from '../report/markdown.ts';
import { loadReport, mergeReports, type LoadedReport } from '../report/merge.ts';
import { oneLine } from '../report/escape.ts';
import { recordedWhen } from '../format.ts';
import { fileErrorText } from '../report/write-file.ts';
import { renderSummary, terminalChalk, terminalWidth, wrap } from '../report/terminal.ts';
import { parseCli, USAGE, type CliOptions } from './args.ts';
import { concurrencyOf } from './concurrency.ts';
import { calibrationFiles, discoverAuditFiles, roleOf } from './discover.ts';
import { lockOutDir, prepareOutDir } from './out-dir.ts';
import { joinRuns, runAudits, type AuditRun } from './run-audits.ts';
import {
  disagreeingSentinels,
  harnessFingerprint,
  planCalibration,
  plantedPaths,
  provenanceOf,
  settleCalibration,
  type CalibrationPlan,
} from './calibration.ts';
import { failedDiagnosis, runDiagnoses, toDiagnose } from './run-diagnoses.ts';

type Allowlist = ReturnType<typeof resolveAllowlist>;

/** What the command line asks for, read and checked before anything runs. */
interface Inputs {
  readonly cli: CliOptions;
  readonly outDir: string;
  /** The audit files to run; empty when merging. */
  readonly files: readonly string[];
  /** The shards' reports, with --merge-reports. */
  readonly parts: readonly LoadedReport[];
  readonly allowlist: Allowlist;
  readonly baseline: AuditReport | null;
  /** Which planted subjects run, and what the run's calibration depends on; null when merging. */
  readonly calibration: CalibrationPlan | null;
}

/** Runs the CLI on `argv` (without node and the script) and says how the process should exit. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  let inputs: Inputs | 'help';
  try {
    inputs = readInputs(argv);
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    console.error(`leak-audit: ${oneLine(e.message)} (see --help)`);
    return EXIT_CONFIG;
  }
  if (inputs === 'help') {
    console.log(USAGE);
    return EXIT_OK;
  }
  const { cli, outDir } = inputs;
  let release: () => void;
  try {
    release = lockOutDir(outDir, cli.out);
  } catch (e) {
    if (!(e instanceof AuditConfigError)) throw e;
    console.error(`leak-audit: ${oneLine(e.message)}`);
    return EXIT_CONFIG;
  }
  try {
    return await runPipeline(inputs);
  } finally {
    release();
  }
}

/** Everything after the inputs are read and the output folder is this run's. */
async function runPipeline(inputs: Inputs): Promise<ExitCode> {
  const { cli, outDir } = inputs;
  let report = cli.mergeReports ? mergeReports(inputs.parts) : await runAndJudge(inputs);
  // An interrupted run reports what it measured, now: no diagnosis runs after it.
  if (!cli.mergeReports && !report.run.interrupted) report = await withDiagnoses(report, cli, outDir);
  return finishRun(report, inputs);
}

/** What the gate compares a run with: the accepted findings, and main's report. */
export type GateInputs = Pick<Inputs, 'allowlist' | 'baseline'>;

/** Loads the allowlist and the baseline the options name; throws AuditConfigError for a bad one. */
export function loadGateInputs(cli: CliOptions): GateInputs {
  return {
    allowlist: resolveAllowlist(cli.allowlist),
    baseline: cli.baseline !== undefined ? loadBaseline(cli.baseline) : null,
  };
}

/**
 * The pipeline's last stages, for audits and watched programs alike: the allowlist's accepted findings,
 * the comparison with the baseline, then the gate decides the outcome, every report is written, each
 * message goes to stderr, and the exit code follows (3 when a report could not be written).
 */
export function finishRun(
  report: AuditReport,
  { cli, outDir, allowlist, baseline }: GateInputs & Pick<Inputs, 'cli' | 'outDir'>,
): ExitCode {
  return gateAndWrite(withBaseline(withAllowlist(report, allowlist), baseline, cli.baseline), cli, outDir);
}

function gateAndWrite(report: AuditReport, cli: CliOptions, outDir: string): ExitCode {
  const gated = withGate(report, cli);
  const unwritten = writeReports(gated, cli, outDir);
  for (const message of [...gated.gate.messages, ...unwritten]) console.error(`leak-audit: ${oneLine(message)}`);
  return unwritten.length > 0 ? EXIT_HARNESS : gated.gate.exitCode;
}

/** Parses the options and loads everything they name; throws AuditConfigError for any mistake. */
function readInputs(argv: readonly string[]): Inputs | 'help' {
  const cli = parseCli(argv);
  if (cli.help) return 'help';
  const outDir = resolve(cli.out);
  let files: string[] = [];
  let parts: LoadedReport[] = [];
  let calibration: Inputs['calibration'] = null;
  if (cli.mergeReports) {
    parts = cli.paths.map(loadReport);
    const clobbered = parts.find((p) => dirname(resolve(p.file)) === outDir);
    if (clobbered) {
      const part = relative(process.cwd(), clobbered.file);
      throw new AuditConfigError(`--out ${cli.out} would overwrite the part ${part}: merge into another folder`);
    }
  } else {
    calibration = planCalibration(cli, () => provenanceOf(runtimeFacts(), cli, harnessFingerprint()));
    files = discoverAuditFiles(cli.paths, plantedPaths(calibration));
  }
  const gateInputs = loadGateInputs(cli);
  prepareOutDir(outDir, cli.out);
  return { cli, outDir, files, parts, ...gateInputs, calibration };
}

/** The Node, V8 and machine a run measures on. */
function runtimeFacts(): Pick<AuditReport, 'node' | 'v8' | 'machine'> {
  return { node: process.version, v8: process.versions.v8, machine: machineFacts() };
}

/**
 * Runs the audits (or this shard's) and judges each from its samples. Beside a calibration record, a
 * sentinel that disagrees with it means the machine is not the one recorded: the whole planted set
 * then runs after the others, in this run, and its result replaces the record.
 */
async function runAndJudge({ files, cli, outDir, calibration }: Inputs): Promise<AuditReport> {
  let run = await runAudits(files, cli, outDir);
  let report = buildReport(run, cli);
  let plan = calibration!;
  if (plan.source === 'recorded' && !run.interrupted) {
    const disagreeing = disagreeingSentinels(report.audits);
    if (disagreeing.length > 0) {
      const which = `${disagreeing.length === 1 ? 'sentinel' : 'sentinels'} ${disagreeing.join(', ')}`;
      plan = {
        source: 'measured',
        why: `the ${which} disagreed with the record of ${recordedWhen(plan.record.recordedAt)}`,
        keep: true,
        provenance: plan.provenance,
      };
      console.error(`Calibration: the ${which} disagreed with the record; measuring the whole planted set…`);
      // The sentinels run again with the rest: the set is measured whole, in one state of the machine.
      run = joinRuns(run, await runAudits(calibrationFiles(), cli, outDir));
      report = buildReport(run, cli);
    }
  }
  report = { ...report, calibration: settleCalibration(plan, report) };
  // Written now so the verdicts are on disk whatever the diagnosis does; rewritten with it later (and
  // a failure to write then is reported then).
  try {
    writeJsonReport(report, outDir);
  } catch {
    // Reported by writeReports, which tries again.
  }
  return report;
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return head.trim() || null;
  } catch {
    return null;
  }
}

/** The report of a run: each audit judged from its record, and the run-wide facts over all of them. */
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
    ...runtimeFacts(),
    run: {
      commit: gitCommit(),
      seed: cli.seed,
      stepsOverride: cli.steps ?? null,
      horizonOverride: cli.horizon?.label ?? null,
      jobs: cli.jobs,
      peakConcurrency: Math.max(1, ...entries.map((e) => e.concurrency)),
      heapCapMb: cli.heapCapMb,
      heapsnapshotSignal: cli.heapsnapshotSignal,
      interrupted: run.interrupted,
      diagnose: cli.diagnose,
      shard: cli.shard ?? null,
      parts: null,
      wallMs: run.wallMs,
      analysisMs,
    },
    constants: reportConstants(),
    noiseFloor,
    summary: summaryOf(entries, configErrors),
    baseline: null,
    allowlist: null,
    audits: entries,
  };
}

/** Heap-snapshot diagnosis of the failing audits (all with --diagnose), added to their entries. */
async function withDiagnoses(report: AuditReport, cli: CliOptions, outDir: string): Promise<AuditReport> {
  const chosen = toDiagnose(report.audits, cli);
  if (chosen.length === 0) return report;
  const count = `${chosen.length} audit${chosen.length === 1 ? '' : 's'}`;
  console.error(`Diagnosing ${count} with heap snapshots (--no-diagnose skips this)…`);
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
export function withAllowlist(report: AuditReport, allowlist: Allowlist, today = isoDate()): AuditReport {
  if (!allowlist) return report;
  const { audits, statuses } = applyAllowlist(report.audits, allowlist.entries, today);
  const entries = allowlist.entries
    .map((e, i) => ({ ...e, status: statuses[i]! }))
    .filter((e) => e.status !== 'unmatched' || report.run.diagnose !== 'none');
  return { ...report, audits, allowlist: { file: allowlist.file, entries } };
}

function isoDate(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Compares every audit with the baseline run's, when one was given. */
export function withBaseline(report: AuditReport, baseline: AuditReport | null, file: string | undefined): AuditReport {
  if (!baseline || file === undefined) return report;
  return { ...report, baseline: compareWithBaseline(report, baseline, file) };
}

/**
 * Writes every report and prints the summary (in CI, with the annotations). A report that cannot be
 * written does not stop the others or the summary; each is returned as one line naming its path.
 */
function writeReports(report: GatedReport, cli: CliOptions, outDir: string): string[] {
  const writers = [
    [MARKDOWN_REPORT_FILE, writeMarkdownReport],
    [HTML_REPORT_FILE, writeHtmlReport],
    [JSON_REPORT_FILE, writeJsonReport],
    [JUNIT_REPORT_FILE, writeJunitReport],
    [PR_COMMENT_FILE, writePrComment],
  ] as const;
  const written: string[] = [];
  const unwritten: string[] = [];
  for (const [file, write] of writers) {
    try {
      written.push(write(report, outDir));
    } catch (e) {
      unwritten.push(`could not write ${relative(process.cwd(), join(outDir, file))}: ${fileErrorText(e)}`);
    }
  }
  if (cli.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    // In CI, plain and unwrapped: one line per audit and message, for grep.
    const width = cli.ci ? Infinity : terminalWidth();
    console.log(renderSummary(report, cli.ci ? new Chalk({ level: 0 }) : terminalChalk(), width));
    const reports = `Reports: ${written.map((p) => relative(process.cwd(), p)).join(', ') || 'none written'}`;
    console.log(wrap(reports, width).join('\n'));
  }
  // Workflow commands go to stdout, unless stdout carries the JSON report. A shard leaves them to the
  // merge, so each appears once on the pull request.
  if (cli.ci && !cli.shard) for (const line of annotations(report)) (cli.json ? console.error : console.log)(line);
  return unwritten;
}
