/**
 * The vocabulary shared by the measured process (worker) and the parent (CLI, analysis, reports): audit
 * options, samples and the raw record an audit produces. They meet here, at typed data.
 *
 * Words used throughout, one meaning each:
 * - a **unit** is what an audit counts and judges per: a step (soak), a step of every instance at once
 *   (batch), or a create → steps → cleanup → drop cycle (churn);
 * - `at` is units done when a sample was taken; `units` is a planned or projected count of them;
 * - `steps` means units in names that predate churn: `AuditEntry.steps` and `warmup.steps` in the
 *   JSON report hold cycles for a churn audit. Renaming them would break every baseline already
 *   published; it waits for a schema version 2.
 */

export type Workload = 'soak' | 'churn' | 'batch';
export type Expectation = 'leak' | 'clean';
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';
/**
 * One series' verdict (heap, off-heap, a resource count): `pass`, growth under budget; `fail`, over it;
 * `inconclusive`, the data cannot tell yet. An error belongs to the whole audit.
 */
export type SeriesVerdict = Exclude<Verdict, 'error'>;

/** What `setup` gets: the run's seed, a PRNG seeded from it, and (batch) which instance it builds. */
export interface AuditContext {
  readonly seed: number;
  /** Uniform in [0, 1), deterministic for a given seed, audit and instance. */
  readonly random: () => number;
  /** 0 for soak and churn; 0 … instances − 1 for batch. */
  readonly instance: number;
}

/**
 * A soak or batch subject: what one step does. A step may return a number (a control value, say); a
 * NaN or infinite return ends the audit as `error`. An async step (one that returns a promise: it awaits
 * a sensor read, say) is awaited before the next step; before every reading the event loop turns once,
 * so timers, immediates and I/O callbacks the step scheduled run as they would in the subject's own
 * program.
 */
export interface StepSubject {
  step(): number | void | Promise<number | void>;
  /** Called once after the last sample (awaited when it returns a promise). */
  teardown?(): void | Promise<void>;
}

/**
 * A churn subject: what one cycle does (create → k steps → cleanup → drop). `cycle` returns the object
 * it dropped, so the harness can prove it was collected; an async cycle (awaiting its steps or its
 * cleanup) returns a promise of it, and is awaited before the next.
 */
export interface CycleSubject {
  cycle(): object | void | Promise<object | void>;
  teardown?(): void | Promise<void>;
}

export type Subject = StepSubject | CycleSubject;
export type Setup = (context: AuditContext) => Subject;

/**
 * Units of the analysis x axis per audit unit: a batch step is one step of every instance (instance-
 * steps, the unit its slope and budget are per); a soak step or a churn cycle is itself.
 */
export function instanceUnits(audit: { readonly workload: Workload; readonly instances: number }): number {
  return audit.workload === 'batch' ? audit.instances : 1;
}

/** The units a horizon spans on the analysis x axis: its cycles for churn, steps x instances otherwise. */
export function horizonUnits(workload: Workload, horizon: Pick<Horizon, 'units' | 'instances'>): number {
  return workload === 'churn' ? horizon.units : horizon.units * horizon.instances;
}

/** One part of a sharded run (`--shard index/count`): the `index`-th, 1-based, of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** How far to project growth: steps (or cycles) per run times runs alive at once. */
export interface Horizon {
  /** Steps (soak, batch) or cycles (churn) the real workload runs. */
  readonly units: number;
  /** Instances alive at once (batch, Monte Carlo). */
  readonly instances: number;
  /** How a report names it, e.g. "10 h at 100 Hz x 50 instances". */
  readonly label?: string;
}

export interface AuditOptions {
  /** Default `soak`. */
  readonly workload?: Workload;
  /** What the harness should conclude. Default `clean`: the audit checks that nothing leaks. */
  readonly expect?: Expectation;
  /** Soak and batch: planned steps (default 1 M; `--steps` overrides). */
  readonly steps?: number;
  /** Churn: planned cycles (default 2000). */
  readonly cycles?: number;
  /** Churn: steps each cycle runs (documentation for reports; the cycle does them). */
  readonly stepsPerCycle?: number;
  /** Batch: instances alive at once (default 50). */
  readonly instances?: number;
  /** Default: 10 h at 100 Hz x 50 instances (soak, batch), 100 000 cycles (churn). `--horizon` overrides. */
  readonly horizon?: Partial<Horizon>;
  /**
   * Growth allowed over the horizon, bytes (default 64 MiB). The per-step (per-cycle) budget is this over
   * the horizon's units x instances. Ignored when `budgetPerUnit` is given.
   */
  readonly budget?: number;
  /** Growth allowed per step (soak), per instance-step (batch) or per cycle (churn), bytes. */
  readonly budgetPerUnit?: number;
  /** Why the expectation holds (calibration subjects). */
  readonly description?: string;
}

/** Options after defaults and command-line overrides: what the run actually used. */
export interface ResolvedAuditOptions {
  readonly workload: Workload;
  readonly expect: Expectation;
  /** Planned units: steps (soak, batch) or cycles (churn). */
  readonly units: number;
  /** Extension cap for an uncertain run. */
  readonly maxUnits: number;
  readonly instances: number;
  readonly stepsPerCycle: number | null;
  readonly horizon: Horizon;
  /** Bytes per unit of the analysis x axis: per step, per instance-step (batch) or per cycle. */
  readonly budgetPerUnit: number;
  /** Where the budget came from, for reports. */
  readonly budgetSource: 'budgetPerUnit' | 'budget' | 'default';
  readonly seed: number;
  readonly description: string | null;
  /**
   * The x axis's unit, when it is not the workload's (step, cycle, instance-step): a watched program's
   * `second`, or the progress it reports (`leak-audit run --per request`).
   */
  readonly unit?: string;
  /** What the readings' memory is, when it is not V8's heap (MemoryMeasured). */
  readonly memory?: MemoryMeasured;
}

/**
 * What a reading's memory is. `v8`, the default (audits, watched Node programs): V8's heap (`heapUsed`)
 * and what lives outside it (`external`), after forced full GCs. `rss` (a watched command that is not
 * Node, `leak-audit run -- python3 sim.py`): the resident set of the command's process tree, read from
 * /proc with no GC to force, carried in the samples' `heapUsed` and `rss` (`external` 0): what the
 * program holds, plus what its allocator has not given back to the system.
 */
export type MemoryMeasured = 'v8' | 'rss';

/** The name a report gives the judged memory series: `heap`, or the process tree's resident set. */
export function memoryLabel(options: { readonly memory?: MemoryMeasured }): string {
  return options.memory === 'rss' ? 'resident set (process tree)' : 'heap';
}

/** One reading, taken right after a forced full GC. Bytes. */
export interface Sample {
  /** Units done when sampled: steps (soak, batch) or cycles (churn). */
  readonly at: number;
  /** Milliseconds since measuring began. */
  readonly ms: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  /** `space_used_size` per V8 heap space (old_space, code_space, large_object_space, …). */
  readonly spaces: Readonly<Record<string, number>>;
  /**
   * Active handles and requests by type (`process.getActiveResourcesInfo()`: Timeout, TCPSocketWrap,
   * ProcessWrap, …), open file descriptors as `fd` and threads as `thread` (Linux). Absent in reports
   * written before.
   */
  readonly resources?: Readonly<Record<string, number>>;
}

/**
 * `interrupted`: the run was stopped (Ctrl-C, SIGTERM, or the CLI was killed) while the audit ran.
 * `slowed`: the subject's steps became so much slower that its plan could not be finished (SLOWED_FACTOR).
 * The runs that had to be ended (`hung`, `heap-exhausted`, `slowed`) are judged on the readings they have.
 */
export type ErrorKind =
  'setup' | 'threw' | 'non-finite' | 'heap-exhausted' | 'hung' | 'slowed' | 'crashed' | 'interrupted';

/** Errors that end a run the subject could not finish, rather than a fault in it: its readings still count. */
export const ENDED_RUN_KINDS: readonly ErrorKind[] = ['hung', 'heap-exhausted', 'slowed'];

export interface AuditError {
  readonly kind: ErrorKind;
  readonly message: string;
  /** Units done when it happened, if known. */
  readonly at?: number;
}

/**
 * Why the measuring loop stopped: `planned` at the plan with a verdict, `extension-cap` still uncertain
 * at 4x the plan (or with every sample slot used), `heap-guard`, `error`. `decided` (the same verdict
 * twice before the plan) is no longer reached: the planned run is the contract. It stays for the reports
 * written before, which baselines still read.
 */
export type StopReason = 'decided' | 'planned' | 'extension-cap' | 'heap-guard' | 'error';

/** What the measured process reports: everything the verdict will be computed from, and nothing more. */
export interface RawAuditRecord {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly options: ResolvedAuditOptions;
  readonly pid: number;
  readonly node: string;
  readonly heapCapBytes: number;
  readonly samples: Sample[];
  readonly stopReason: StopReason | null;
  /** Churn: dropped instances registered after measuring, and how many were collected. */
  readonly collection: { readonly probed: number; readonly collected: number } | null;
  /** Churn: active handles by type, before the first cycle and after the last. */
  readonly handles: { readonly before: Record<string, number>; readonly after: Record<string, number> } | null;
  readonly error: AuditError | null;
  /** The subject's stdout and stderr, when it wrote any: kept in a log file, not in the measured heap. */
  readonly output?: SubjectOutput;
  /**
   * Where the measured process spent its time, ms: `startupMs` from process start to the audit (Node and
   * the audit's bundle), `setupMs` building the subject and rehearsing, `loopMs` in the
   * measured windows, `samplingMs` in forced GCs and readings, `decisionMs` in the stop decision.
   */
  readonly timings: {
    readonly startupMs: number;
    readonly setupMs: number;
    readonly loopMs: number;
    readonly samplingMs: number;
    readonly decisionMs: number;
  };
}

/** What a subject wrote to stdout and stderr during its audit. */
export interface SubjectOutput {
  /** The log file, relative to the working directory. */
  readonly log: string;
  readonly bytes: number;
  /** Bytes past the log's cap, counted and not written. */
  readonly droppedBytes: number;
}

/** The run-wide settings that override an audit's own options (from the command line, in every ChildTask). */
export interface RunSettings {
  /** `--steps`: planned steps for every soak and batch audit. */
  readonly steps?: number;
  /** `--horizon`: the horizon for every soak and batch audit. */
  readonly horizon?: Horizon;
  /** `--seed`. */
  readonly seed: number;
}
