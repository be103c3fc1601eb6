/**
 * The report's data model: what one audit-report.json holds, and what every stage after the runs
 * (judge, diagnose, allowlist, baseline, merge) passes on and every renderer reads. Types only: the
 * building is in report/assemble.ts, the file I/O in report/json.ts, the schema in schema/.
 */
import type { Diagnosis } from './diagnosis.ts';
import type {
  AuditError,
  Expectation,
  RawAuditRecord,
  Sample,
  Shard,
  StopReason,
  SeriesVerdict,
  SubjectOutput,
  Verdict,
  Workload,
} from './audit.ts';

/** The signals the CLI stops on, writing what was measured. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export interface SlopeEntry {
  /** Steady-state growth per unit (`unit`): per step, per instance-step (batch) or per cycle (churn). */
  readonly bytesPerUnit: number;
  /** The same for soak and batch audits; null for churn, which is judged per cycle. */
  readonly bytesPerStep: number | null;
  readonly ci: readonly [number, number];
  readonly unit: string;
  readonly verdict: SeriesVerdict;
}

/** What an audit is for: a real subject, a planted calibration subject, or the no-op noise floor. */
export type AuditRole = 'subject' | 'calibration' | 'noise-floor';

export interface AuditEntry {
  readonly id: string;
  readonly role: AuditRole;
  readonly name: string;
  readonly file: string;
  readonly workload: Workload;
  readonly expect: Expectation;
  readonly verdict: Verdict;
  readonly expectationMet: boolean;
  /** Units done: steps (soak, batch) or cycles (churn). */
  readonly steps: number;
  readonly instances: number;
  readonly stopReason: StopReason | null;
  readonly budget: { readonly bytesPerUnit: number; readonly source: string };
  readonly warmup: {
    readonly steps: number;
    readonly bytes: number;
    readonly settled: boolean;
    /**
     * True when the heap grew at one rate, or faster, from its first readings (analysis/series.ts
     * `throughout`): no warm-up ended, and `bytes` is growth before the latest cut searched, not a
     * one-time rise. Absent otherwise.
     */
    readonly throughout?: true;
  };
  readonly plateau: { readonly level: number; readonly rise: number } | null;
  /** What `slope` measures when it is not V8's heap: `rss`, a watched command's process tree (MemoryMeasured). */
  readonly memory?: 'rss';
  /** Heap (heapUsed) slope; with `memory: 'rss'`, the resident set's. */
  readonly slope: SlopeEntry;
  /** Off-heap (external, which includes arrayBuffers) slope. */
  readonly offHeap: SlopeEntry & { readonly warmupBytes: number };
  /** Heap and off-heap together: what the budget bounds. Absent in reports written before it was judged. */
  readonly total?: SlopeEntry;
  readonly projection: {
    readonly horizon: string;
    readonly units: number;
    readonly heapBytes: number;
    readonly heapCi: readonly [number, number];
    readonly offHeapBytes: number;
    readonly offHeapCi: readonly [number, number];
  };
  /** Churn: whether the dropped instances were collected. */
  readonly collection: CollectionCheck | null;
  /** Churn: handles left behind after the last cycle. */
  readonly handles: HandleCheck | null;
  /** Each resource type's count as a series (handles and requests by type, open fds). Absent in older reports. */
  readonly resources?: readonly ResourceSeries[];
  readonly reasons: readonly string[];
  readonly error: AuditError | null;
  readonly description: string | null;
  readonly pid: number;
  readonly heapCapBytes: number;
  /** What the subject wrote to stdout and stderr, and where it is; absent when it wrote nothing. */
  readonly output?: SubjectOutput;
  readonly timings: RawAuditRecord['timings'];
  /** The most audits (this one included) running at once while it ran: they shared the CPU, not the heap. */
  readonly concurrency: number;
  /** What grows and who holds it, from heap snapshots (failing audits, or all with --diagnose). */
  readonly diagnosis: Diagnosis | null;
  readonly samples: readonly Sample[];
}

/** Churn: dropped instances registered after measuring, and whether they were all collected. */
export interface CollectionCheck {
  readonly probed: number;
  readonly collected: number;
  readonly ok: boolean;
}

export interface HandleCheck {
  /** Handles left behind, by type (after − before, positive entries only). */
  readonly leftBehind: Readonly<Record<string, number>>;
  readonly total: number;
  readonly ok: boolean;
}

/** One resource type's count, judged as a series per unit like the heap's bytes. */
export interface ResourceSeries {
  readonly type: string;
  /** Count growth per unit (step, instance-step or cycle), with its interval. */
  readonly perUnit: number;
  readonly ci: readonly [number, number];
  readonly budgetPerUnit: number;
  /** The count at the first and the last reading. */
  readonly first: number;
  readonly last: number;
  /**
   * Over the steady state (after the warm-up cut): the median count and the highest. Absent in reports
   * written before it was measured (a baseline from an older release).
   */
  readonly level?: { readonly median: number; readonly highest: number };
  /**
   * Pass, fail or inconclusive, as the heap's; a slope that fails without a new high (LEVEL_SPAN)
   * is a count moving about its level, and passes.
   */
  readonly verdict: SeriesVerdict;
}

export interface NoiseFloor {
  readonly auditId: string;
  /** The largest heap growth per step the no-op's interval allows: budgets at or below it are refused. */
  readonly heapBytesPerStep: number;
  readonly offHeapBytesPerStep: number;
  readonly heapCi: readonly [number, number];
  /**
   * The churn workload's floor, from the no-op cycle audit: the largest heap growth per cycle its interval
   * allows. Absent in reports written before it was measured; null when this part of a run had no such audit.
   */
  readonly cycle?: {
    readonly auditId: string;
    readonly heapBytesPerCycle: number;
    readonly heapCi: readonly [number, number];
  } | null;
}

/** One report that --merge-reports took in, in brief. */
export interface ReportPart {
  readonly file: string;
  readonly shard: Shard | null;
  readonly commit: string | null;
  readonly generatedAt: string;
  readonly node: string;
  readonly audits: number;
  readonly wallMs: number;
  readonly peakConcurrency: number;
}

export interface MachineFacts {
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
}

export interface AuditReport {
  readonly schemaVersion: number;
  readonly generatedAt: string;
  readonly node: string;
  readonly v8: string;
  readonly machine: MachineFacts;
  readonly run: {
    /** `git rev-parse --short HEAD` where the run started, or null outside a git checkout. */
    readonly commit: string | null;
    readonly seed: number;
    readonly stepsOverride: number | null;
    readonly horizonOverride: string | null;
    /** --jobs: how many audits may run at once. */
    readonly jobs: number;
    /** How many did, at most (see each audit's `concurrency`). */
    readonly peakConcurrency: number;
    readonly heapCapMb: number;
    /** --heapsnapshot-signal: the audits let the event loop run between windows once a second. */
    readonly heapsnapshotSignal: boolean;
    /**
     * The signal that interrupted the run: the audits it stopped are errors of kind `interrupted`, those
     * it kept from starting are listed as not run. Optional: reports from before it lack it.
     */
    readonly interrupted?: InterruptSignal | null;
    /** Which audits got a heap-snapshot diagnosis: the failing ones, all (--diagnose), none (--no-diagnose). */
    readonly diagnose: 'failing' | 'all' | 'none';
    /** --shard: this report holds one part of a run's audit files; --merge-reports builds the whole. */
    readonly shard: Shard | null;
    /** A merged report: the reports it was built from. */
    readonly parts: readonly ReportPart[] | null;
    /** Wall time of the run; of a merged run, its longest part (parts run on machines of their own). */
    readonly wallMs: number;
    /** Parent-side time to judge every audit from its samples. */
    readonly analysisMs: number;
  };
  readonly constants: Readonly<Record<string, number>>;
  readonly noiseFloor: NoiseFloor | null;
  /** Where the run's trust in its verdicts comes from. Optional: reports from before it lack it. */
  readonly calibration?: RunCalibration | null;
  readonly summary: {
    readonly audits: number;
    readonly expectationsMet: number;
    readonly byVerdict: Readonly<Record<Verdict, number>>;
    readonly configErrors: readonly string[];
  };
  /** The comparison with --baseline, when given. */
  readonly baseline: BaselineComparison | null;
  /** The allowlist the run used (audits/allowlist.json or --allowlist), and what became of each entry. */
  readonly allowlist: AllowlistReport | null;
  /**
   * How the run ends, decided once by the gate after the allowlist and the baseline: every writer and
   * the exit code read it. Absent in reports from before it was recorded, and in the early copy of
   * the JSON written before the diagnosis.
   */
  readonly gate?: RunGate;
  readonly audits: readonly AuditEntry[];
}

/** A report whose outcome is decided: what every writer takes. */
export type GatedReport = AuditReport & { readonly gate: RunGate };

// The run's outcome.

/**
 * `pass`: every audit gave the verdict it expects, or the allowlist accepts every finding of one that
 * did not; an expected leak (`expect: 'leak'`) that fails is a pass. `fail`: an audit did not, or a
 * policy the run was given (--strict, --fail-on-regression) was broken. `error`: something did not run
 * (an audit errored, a file did not load, a budget was refused, no audit at all), so the verdicts are
 * not the whole answer. `interrupted`: the run was stopped before its end.
 */
export type RunOutcome = 'pass' | 'fail' | 'error' | 'interrupted';

export interface RunGate {
  readonly outcome: RunOutcome;
  /** The process's exit code for this outcome (a report the harness could not write turns it into 3). */
  readonly exitCode: 0 | 1 | 2 | 130;
  /** One sentence every writer gives after the outcome, the same in each: why (no final full stop). */
  readonly why: string;
  /** Audits whose verdict is not what they expect and that the allowlist does not accept (errors too). */
  readonly unmet: readonly string[];
  /** Audits that failed though clean was expected, with every finding accepted by an allowlist entry. */
  readonly accepted: readonly string[];
  /** Subjects that leak as their audit declares (`expect: 'leak'`): found, and not held against the run. */
  readonly expectedLeaks: readonly string[];
  /** What the run did not do, one line each: the interruption, configuration errors, no audit at all. */
  readonly notRun: readonly string[];
  /** One line each, for stderr: why the run did not pass, or what a reader should know about the gate. */
  readonly messages: readonly string[];
  /** What the gate was asked to enforce beyond the verdicts. */
  readonly policy: GatePolicy;
}

/** What the gate is asked to enforce beyond the verdicts (from the command line). */
export interface GatePolicy {
  /** An expired allowlist entry, or one that matched nothing, fails the run. */
  readonly strict: boolean;
  /** A regression against the baseline fails the run, even under budget. */
  readonly failOnRegression: boolean;
}

// Calibration: the planted subjects, measured in this run or recorded from an earlier one.

/** Everything the planted set's answer depends on; a record is reused only when all of it is the same. */
export interface CalibrationProvenance {
  /** leak-audit's version and a hash of its code, planted subjects and fixtures: `0.1.0+1a2b3c4d5e6f`. */
  readonly harness: string;
  readonly node: string;
  readonly v8: string;
  readonly machine: MachineFacts;
  readonly flags: {
    readonly seed: number;
    readonly jobs: number;
    readonly heapCapMb: number;
    readonly heapsnapshotSignal: boolean;
  };
}

/** A full run of the planted set that met every expectation, kept in the user's cache folder. */
export interface CalibrationRecord {
  /** ISO date and time of the run. */
  readonly recordedAt: string;
  readonly provenance: CalibrationProvenance;
  readonly subjects: readonly { readonly id: string; readonly expect: Expectation; readonly verdict: Verdict }[];
}

/**
 * `measured`: the whole planted set ran in this run. `recorded`: a record with this run's provenance
 * was reused, and the sentinels, measured again in this run, agreed with it. `none`: --no-calibration
 * (planted subjects given as paths still run, as any audit).
 */
export type CalibrationSource = 'measured' | 'recorded' | 'none';

export interface RunCalibration {
  readonly source: CalibrationSource;
  /** Why that source, one phrase without a full stop: "no record on this machine yet", "--calibrate". */
  readonly why: string;
  /** The record reused, or the one this run wrote; null when there is none (a planted subject missed, a shard). */
  readonly record: CalibrationRecord | null;
  /** Where that record is kept. */
  readonly recordFile: string | null;
  /** The planted subjects this run measured beside a record (the sentinels); empty otherwise. */
  readonly sentinels: readonly string[];
}

// The comparison with --baseline.

export type Change = 'regressed' | 'improved' | 'unchanged';

export interface Comparison {
  readonly id: string;
  readonly change: Change;
  readonly slope: { readonly baseline: number; readonly current: number; readonly unit: string };
  readonly warmup: { readonly baseline: number; readonly current: number };
  /** Why, in one line naming the audit and both figures. */
  readonly message: string;
}

export interface BaselineComparison {
  readonly file: string;
  /** The baseline run's commit, when it recorded one. */
  readonly commit: string | null;
  readonly comparisons: readonly Comparison[];
  /** Audits in this run and not in the baseline, and the other way round. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

// The allowlist: accepted findings.

/** A known finding a team accepts for a while: who owns it, why, and until when. */
export interface AllowlistEntry {
  readonly signature: string;
  readonly owner: string;
  readonly reason: string;
  /** ISO date (YYYY-MM-DD); the entry accepts nothing after this day. */
  readonly expires: string;
}

export type EntryStatus = 'matched' | 'expired' | 'unmatched';

export interface AllowlistReport {
  readonly file: string;
  readonly entries: readonly (AllowlistEntry & { readonly status: EntryStatus })[];
}
