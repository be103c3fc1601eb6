import { formatBytes, formatCount, formatInterval, formatRate, formatRateWithCi, recordedWhen } from '../format.ts';
import { reportAdvice, type Advice } from './advice.ts';
import {
  DEFAULT_CHURN_HORIZON,
  DEFAULT_CYCLES,
  DEFAULT_SOAK_HORIZON,
  DEFAULT_STEPS,
  MAX_EXTENSION_FACTOR,
} from '../model/defaults.ts';
import type {
  AuditEntry,
  AuditReport,
  BaselineComparison,
  CalibrationRecord,
  GatedReport,
  RunOutcome,
} from '../model/report.ts';
import { memoryLabel } from '../model/audit.ts';
import { floorInAnotherShard, partOfRun } from './assemble.ts';
import { score, type Score } from './score.ts';

/**
 * What every human-readable report says, as plain text in rows: the Markdown and HTML renderers only
 * lay it out, so the two cannot disagree.
 */
export interface ReportContent {
  readonly header: readonly (readonly [string, string])[];
  /** The run's outcome, as the gate decided it (`report.gate`): what the exit code says too. */
  readonly overall: Uppercase<RunOutcome>;
  /** The gate's one sentence after the outcome: why. */
  readonly why: string;
  /** What the run did not do: audit files that did not load, shards missing, budgets refused. */
  readonly notRun: readonly string[];
  /** A label of its own, not a second headline: an expected leak is outside its budget by design. */
  readonly withinBudget: string;
  /** One sentence: whether the planted subjects say these verdicts can be trusted. */
  readonly calibrationNote: string;
  readonly subjects: readonly AuditEntry[];
  readonly planted: readonly AuditEntry[];
  readonly score: Score;
  readonly scoreTable: Table;
  readonly subjectTable: Table;
  /** The report's findings by priority (P0–P2), with their fixes: advice, not the diagnosis' `Finding`s. */
  readonly advice: readonly Advice[];
  readonly calibrationTable: Table;
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export const PRIORITY_TITLES = [
  ['P0', 'P0: fails its budget'],
  ['P1', 'P1: grows within budget, or leaves a handle behind'],
  ['P2', 'P2: worth a look'],
] as const;

/** The measured growth from the first reading to the last, bytes. */
export function totalGrowth(e: AuditEntry): number {
  const first = e.samples[0];
  const last = e.samples.at(-1);
  return first && last ? last.heapUsed - first.heapUsed : 0;
}

/** One line per audited subject for the executive summary. */
export function summaryLine(e: AuditEntry): string {
  if (e.verdict === 'error') return `${e.id}: ERROR, ${e.error?.kind}: ${e.error?.message}`;
  const unit = e.slope.unit;
  const extra = e.offHeap.verdict === 'fail' ? `; off-heap ${formatRate(e.offHeap.bytesPerUnit)} B/${unit}` : '';
  return `${e.id}: ${e.verdict.toUpperCase()}, ${memoryLabel(e)} ${formatRate(e.slope.bytesPerUnit)} B/${unit}, ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}${extra}`;
}

/** Whether an audit's verdict is the one it expects: ✓, ✗, or ~ when the allowlist accepts its findings. */
export function expectationMark(e: AuditEntry, report: GatedReport): '✓' | '✗' | '~' {
  return e.expectationMet ? '✓' : report.gate.accepted.includes(e.id) ? '~' : '✗';
}

/** The units an audit's x axis counts in its own words: the workload's, or a watched program's (`second`, its progress). */
const WORKLOAD_UNITS = ['step', 'cycle', 'instance-step'];

/** What an audit ran, as its row names it: `soak`, `churn`, `batch x50`, or `program` for a watched one. */
export function workloadLabel(e: AuditEntry): string {
  if (!WORKLOAD_UNITS.includes(e.slope.unit)) return 'program';
  return e.workload === 'batch' ? `batch x${e.instances}` : e.workload;
}

/** How far it ran: `1.2 M` (steps), `5000 cycles`, `29.8 seconds`. */
export function unitsDone(e: AuditEntry): string {
  const count = formatCount(e.steps);
  if (e.workload === 'churn') return `${count} cycles`;
  return WORKLOAD_UNITS.includes(e.slope.unit) ? count : `${count} ${e.slope.unit}s`;
}

/** Whether a report is a watched program's (`leak-audit run`): its x axis is seconds or the program's progress. */
export function watchedProgram(report: { readonly audits: readonly AuditEntry[] }): boolean {
  return report.audits.length > 0 && report.audits.every((e) => workloadLabel(e) === 'program');
}

/**
 * The warm-up as a table shows it: its size and where it ended (`at`: `@` in the terminal's narrow
 * table), whether a plateau followed; or that there was none, the heap growing from its first readings.
 */
export function warmupText(e: AuditEntry, at: '@' | 'by'): string {
  if (e.warmup.throughout) return 'none: grows from the start';
  return `${formatBytes(e.warmup.bytes)} ${at} ${formatCount(Math.round(e.warmup.steps))}${e.plateau ? ' (plateau)' : ''}`;
}

/** How long a program was watched, and why it stopped then. */
function watchLength(e: AuditEntry): string {
  const why =
    e.stopReason === 'decided'
      ? 'watched on past its --duration until its readings gave a verdict'
      : e.stopReason === 'extension-cap'
        ? `watched on to ${MAX_EXTENSION_FACTOR}x its --duration without a verdict`
        : e.stopReason === 'planned'
          ? 'its --duration, or until it ended'
          : 'until it ended early';
  return `${e.id}: ${unitsDone(e)} (${why})`;
}

/**
 * What a watched program's record says of how it was watched, when there is more to say than the table:
 * the process judged among several, or what a command watched from outside cannot show.
 */
export function watchedDescriptions(report: { readonly audits: readonly AuditEntry[] }): string[] {
  return watchedProgram(report) ? report.audits.flatMap((e) => (e.description ? [e.description] : [])) : [];
}

/** The noise floor of a watched program's report: no no-op audit runs beside a watch. */
export const PROGRAM_FLOOR_NOTE =
  'not measured beside a watch (no no-op audit runs); the floor of the watch itself, measured, is in AUDIT.md ("Watching a whole program")';

/**
 * What follows a slope in a table: its unit when it is not a step (` per second`), and `rss` when the
 * slope is a watched command's resident set, not V8's heap (AuditEntry.memory).
 */
export function slopeQualifier(e: AuditEntry, per: string): string {
  return `${e.slope.unit === 'step' ? '' : `${per}${e.slope.unit}`}${e.memory === 'rss' ? ' rss' : ''}`;
}

function subjectRow(e: AuditEntry, report: GatedReport): string[] {
  const measured = e.samples.length > 1;
  return [
    e.id,
    workloadLabel(e),
    unitsDone(e),
    measured ? warmupText(e, 'by') : '-',
    measured ? `${formatRateWithCi(e.slope.bytesPerUnit, e.slope.ci)}${slopeQualifier(e, ' per ')}` : '-',
    measured ? (e.slope.bytesPerUnit / 1024).toFixed(4) : '-',
    formatBytes(totalGrowth(e), true),
    measured ? `${formatBytes(e.projection.heapBytes, true)} (${e.projection.horizon})` : '-',
    measured && e.memory !== 'rss' ? formatRate(e.offHeap.bytesPerUnit) : '-',
    e.verdict.toUpperCase(),
    `${e.expect} ${expectationMark(e, report)}`,
  ];
}

/** The comparison column, with --baseline: how each audit's heap slope moved against main's. */
function baselineCell(e: AuditEntry, baseline: BaselineComparison): string {
  const c = baseline.comparisons.find((x) => x.id === e.id);
  if (c) return `${c.change}: ${formatRate(c.slope.baseline)} → ${formatRate(c.slope.current)}`;
  return baseline.added.includes(e.id) ? 'new' : 'not compared (an error in one run)';
}

/** The entries of the audits the gate counts against the run, in report order. */
export function unmetEntries(report: GatedReport): AuditEntry[] {
  const unmet = new Set(report.gate.unmet);
  return report.audits.filter((e) => unmet.has(e.id));
}

/** How many subjects stay within budget, and which of the others leak as their audits declare. */
function withinBudgetText(report: GatedReport, subjects: readonly AuditEntry[]): string {
  const within = subjects.filter((e) => e.verdict === 'pass').length;
  const expected = report.gate.expectedLeaks.length;
  return `${within} of ${subjects.length} audited subjects stay within budget${expected > 0 ? ` (${expected} of the others ${expected === 1 ? 'is a leak' : 'are leaks'} their audit expects)` : ''}.`;
}

/**
 * Whether the planted subjects say these verdicts can be trusted, and on what evidence: the whole set
 * measured in this run, a record reused beside its sentinels, or nothing. The one sentence every
 * writer gives (the terminal, the Markdown and HTML reports).
 */
export function calibrationNote(report: AuditReport): string {
  const planted = report.audits.filter((e) => e.role !== 'subject');
  const c = report.calibration;
  const missed = planted.filter((e) => !e.expectationMet).map((e) => e.id);
  if (missed.length > 0) {
    return `Calibration failed: ${missed.join(', ')} did not get the verdict their truth predicts; do not trust this run's verdicts.`;
  }
  const measured = planted.filter((e) => e.role === 'calibration');
  if (c?.source === 'recorded' && c.record) {
    return (
      `Calibration: all ${c.record.subjects.length} planted subjects got the verdict their truth predicts in a run ` +
      `recorded ${recordedWhen(c.record.recordedAt)} with this machine, Node, harness and flags (${c.recordFile}); ` +
      `measured again now, the sentinels (${c.sentinels.join(', ')}) agree, so these verdicts can be trusted on ` +
      'this machine. --calibrate measures the whole set again.'
    );
  }
  if (c?.source === 'none' || measured.length === 0) {
    const given =
      measured.length > 0 ? `; the ${measured.length} given as paths got the verdict their truth predicts` : '';
    return `Calibration: not measured (${c?.why ?? 'no planted subject ran'})${given}, so this run cannot say whether its verdicts can be trusted on this machine.`;
  }
  const why = c ? ` (the whole set ran: ${c.why})` : '';
  const recorded = c?.record ? ` Recorded for the next runs (${c.recordFile}).` : '';
  return `Calibration: all ${measured.length} planted subjects got the verdict their truth predicts, so these verdicts can be trusted on this machine${why}.${recorded}`;
}

export function reportContent(report: GatedReport): ReportContent {
  const subjects = report.audits.filter((e) => e.role === 'subject');
  const planted = report.audits.filter((e) => e.role !== 'subject');
  const s = score(report.audits);
  const nf = report.noiseFloor;
  const m = report.machine;
  const baseline = report.baseline;
  const part = partOfRun(report);
  return {
    header: [
      ['Date', report.generatedAt],
      ['Commit', report.run.commit ?? 'not a git checkout'],
      ['Node / V8', `${report.node} / ${report.v8}`],
      ['Machine', `${m.platform} ${m.arch}, ${m.cpus} cores (${m.cpuModel}), ${formatBytes(m.memoryBytes)}`],
      ...(watchedProgram(report)
        ? [['Length', report.audits.map(watchLength).join('; ')] as [string, string]]
        : ([
            [
              'Parallel',
              `at most ${report.run.peakConcurrency} audit${report.run.peakConcurrency === 1 ? '' : 's'} at once (--jobs ${report.run.jobs}), sharing the CPU; each had its own process and heap`,
            ],
            [
              'Steps',
              report.run.stepsOverride !== null
                ? `${formatCount(report.run.stepsOverride)} planned per soak and batch subject (--steps; the planted calibration subjects keep their own plans)`
                : `each audit its own (${formatCount(DEFAULT_STEPS)} planned by default, ${formatCount(DEFAULT_CYCLES)} cycles for churn), each run to its whole plan (extended while its verdict is uncertain)`,
            ],
          ] as [string, string][])),
      [
        'Horizon',
        watchedProgram(report)
          ? report.audits.map((e) => e.projection.horizon).join('; ')
          : (report.run.horizonOverride ??
            `${DEFAULT_SOAK_HORIZON.label} (soak, batch); ${DEFAULT_CHURN_HORIZON.label} (churn)`),
      ],
      [
        'Noise floor',
        nf
          ? `${formatRate(nf.heapBytesPerStep)} B/step (no-op audit, 99 % interval ${formatInterval(nf.heapCi)})${nf.cycle ? `; ${formatRate(nf.cycle.heapBytesPerCycle)} B/cycle (no-op cycle audit, ${formatInterval(nf.cycle.heapCi)})` : ''}`
          : floorInAnotherShard(report)
            ? 'measured by another shard of this run'
            : watchedProgram(report)
              ? PROGRAM_FLOOR_NOTE
              : 'unknown: the no-op audit gave no slope',
      ],
      ...(part ? [['Part of run', part] as [string, string]] : []),
      ...watchedDescriptions(report).map((d) => ['Watched', d] as [string, string]),
      ...(outputs(report.audits).length > 0
        ? [['Subject output', outputs(report.audits).join('; ')] as [string, string]]
        : []),
    ],
    overall: report.gate.outcome.toUpperCase() as Uppercase<RunOutcome>,
    why: report.gate.why,
    notRun: report.gate.notRun,
    withinBudget: withinBudgetText(report, subjects),
    calibrationNote: calibrationNote(report),
    subjects,
    planted,
    score: s,
    scoreTable: {
      header: ['category', 'weight', 'measured', 'points'],
      rows: [
        ...s.categories.map((c) => [
          c.name,
          String(c.weight),
          c.applicable ? `${c.passed}/${c.applicable} ${c.basis}` : `n/a (no ${c.basis}); weight not counted`,
          c.applicable ? c.points.toFixed(1) : '-',
        ]),
        ['total', String(s.weightCounted), `points x 100 / ${s.weightCounted}`, s.total.toFixed(1)],
      ],
    },
    subjectTable: {
      header: [
        'audit',
        'workload',
        'steps',
        'warm-up',
        'slope B/unit [99% CI]',
        'KB/unit',
        'total growth',
        'at horizon',
        'off-heap B/unit',
        'verdict',
        'expected',
        ...(baseline ? ['vs baseline, B/unit'] : []),
      ],
      rows: report.audits.map((e) => [...subjectRow(e, report), ...(baseline ? [baselineCell(e, baseline)] : [])]),
    },
    advice: reportAdvice(report.audits, report.noiseFloor),
    calibrationTable: {
      header: ['planted subject', 'truth', 'verdict', 'result'],
      rows: [
        ...planted.map((e) => [e.id, e.expect, e.verdict.toUpperCase(), plantedResult(e.expect, e.expectationMet)]),
        ...recordedOnly(report, planted).map((r) => [
          r.id,
          r.expect,
          r.verdict.toUpperCase(),
          `${plantedResult(r.expect, true)}, recorded ${recordedWhen(report.calibration!.record!.recordedAt)}`,
        ]),
      ],
    },
  };
}

function plantedResult(expect: string, met: boolean): string {
  if (expect === 'leak') return met ? 'caught' : 'missed';
  return met ? 'passed (no false alarm)' : 'false alarm';
}

/** The recorded planted subjects this run did not measure again. */
function recordedOnly(report: GatedReport, planted: readonly AuditEntry[]): CalibrationRecord['subjects'] {
  const c = report.calibration;
  if (c?.source !== 'recorded' || !c.record) return [];
  return c.record.subjects.filter((r) => !planted.some((e) => e.id === r.id));
}

/**
 * What the subjects wrote to stdout and stderr, one entry per audit that wrote any: `calibration-x:
 * 6.11 MiB in reports/logs/….log` (and what was past the log's cap).
 */
export function outputs(audits: readonly AuditEntry[]): string[] {
  return audits.flatMap((e) =>
    e.output
      ? [
          `${e.id}: ${formatBytes(e.output.bytes)} in ${e.output.log}${e.output.droppedBytes > 0 ? ` (the last ${formatBytes(e.output.droppedBytes)} past the log's cap not kept)` : ''}`,
        ]
      : [],
  );
}

export const METHOD_TEXT =
  'Each audit ran in its own bare --expose-gc process; after every window of steps, a forced GC and a reading of ' +
  'process.memoryUsage(). The warm-up is cut by MSER on line residuals; the steady slope is Theil–Sen with a 99 % ' +
  'distribution-free interval, judged against the budget for heap and off-heap separately. AUDIT.md has the ' +
  'method and every threshold.';
