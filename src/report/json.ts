import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as constants from '../analysis/constants.ts';
import { unitName, type Judgement } from '../analysis/judge.ts';
import type { AllowlistReport } from '../gate/allowlist.ts';
import { AuditConfigError } from '../model/options.ts';
import type { BaselineComparison } from '../gate/baseline.ts';
import type { Diagnosis } from '../diagnosis/types.ts';
import type { AuditError, Expectation, RawAuditRecord, Sample, Shard, Verdict, Workload } from '../model/audit.ts';

/** Bump on any change that breaks a reader of the report. */
export const SCHEMA_VERSION = 1;
export const JSON_REPORT_FILE = 'audit-report.json';

export interface SlopeEntry {
  /** Steady-state growth per unit (`unit`): per step, per instance-step (batch) or per cycle (churn). */
  readonly bytesPerUnit: number;
  /** The same for soak and batch audits; null for churn, which is judged per cycle. */
  readonly bytesPerStep: number | null;
  readonly ci: readonly [number, number];
  readonly unit: string;
  readonly verdict: string;
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
  readonly stopReason: string | null;
  readonly budget: { readonly bytesPerUnit: number; readonly source: string };
  readonly warmup: { readonly steps: number; readonly bytes: number; readonly settled: boolean };
  readonly plateau: { readonly level: number; readonly rise: number } | null;
  /** Heap (heapUsed) slope. */
  readonly slope: SlopeEntry;
  /** Off-heap (external, which includes arrayBuffers) slope. */
  readonly offHeap: SlopeEntry & { readonly warmupBytes: number };
  readonly projection: {
    readonly horizon: string;
    readonly units: number;
    readonly heapBytes: number;
    readonly heapCi: readonly [number, number];
    readonly offHeapBytes: number;
    readonly offHeapCi: readonly [number, number];
  };
  readonly collection: Judgement['collection'];
  readonly handles: Judgement['handles'];
  readonly reasons: readonly string[];
  readonly error: AuditError | null;
  readonly description: string | null;
  readonly pid: number;
  readonly heapCapBytes: number;
  readonly timings: RawAuditRecord['timings'];
  /** The most audits (this one included) running at once while it ran: they shared the CPU, not the heap. */
  readonly concurrency: number;
  /** What grows and who holds it, from heap snapshots (failing audits, or all with --diagnose). */
  readonly diagnosis: Diagnosis | null;
  readonly samples: readonly Sample[];
}

export interface NoiseFloor {
  readonly auditId: string;
  /** The largest heap growth per step the no-op's interval allows: budgets at or below it are refused. */
  readonly heapBytesPerStep: number;
  readonly offHeapBytesPerStep: number;
  readonly heapCi: readonly [number, number];
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

export interface AuditReport {
  readonly schemaVersion: number;
  readonly generatedAt: string;
  readonly node: string;
  readonly v8: string;
  readonly machine: {
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryBytes: number;
  };
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
  readonly audits: readonly AuditEntry[];
}

export function expectationMet(expect: Expectation, verdict: Verdict): boolean {
  return expect === 'leak' ? verdict === 'fail' : verdict === 'pass';
}

export function auditEntry(record: RawAuditRecord, j: Judgement, role: AuditRole): AuditEntry {
  const { options } = record;
  const unit = unitName(options);
  const slope = (s: Judgement['heap']): SlopeEntry => ({
    bytesPerUnit: s.slope.bytesPerUnit,
    bytesPerStep: options.workload === 'churn' ? null : s.slope.bytesPerUnit,
    ci: s.slope.ci,
    unit,
    verdict: s.verdict,
  });
  const scale = options.workload === 'batch' ? options.instances : 1;
  return {
    id: record.id,
    role,
    name: record.name,
    file: record.file,
    workload: options.workload,
    expect: options.expect,
    verdict: j.verdict,
    expectationMet: expectationMet(options.expect, j.verdict),
    steps: record.samples.at(-1)?.at ?? 0,
    instances: options.instances,
    stopReason: record.stopReason,
    budget: { bytesPerUnit: options.budgetPerUnit, source: options.budgetSource },
    warmup: { steps: j.heap.warmup.until / scale, bytes: j.heap.warmup.bytes, settled: j.heap.warmup.settled },
    plateau: j.heap.plateau,
    slope: slope(j.heap),
    offHeap: { ...slope(j.offHeap), warmupBytes: j.offHeap.warmup.bytes },
    projection: {
      horizon: j.projection.heap.label,
      units: j.projection.heap.units,
      heapBytes: j.projection.heap.bytes,
      heapCi: j.projection.heap.ci,
      offHeapBytes: j.projection.offHeap.bytes,
      offHeapCi: j.projection.offHeap.ci,
    },
    collection: j.collection,
    handles: j.handles,
    reasons: j.reasons,
    error: record.error,
    description: options.description,
    pid: record.pid,
    heapCapBytes: record.heapCapBytes,
    timings: record.timings,
    concurrency: 1,
    diagnosis: null,
    samples: record.samples,
  };
}

export function machineFacts(): AuditReport['machine'] {
  return {
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
  };
}

export function reportConstants(): Record<string, number> {
  return Object.fromEntries(Object.entries(constants).filter(([, v]) => typeof v === 'number')) as Record<
    string,
    number
  >;
}

/** Writes the report atomically (temporary file, then rename): a reader never sees half a report. */
export function writeJsonReport(report: AuditReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, JSON_REPORT_FILE);
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(temporary, path);
  return path;
}

/**
 * Reads a previous run's audit-report.json (a baseline, a shard to merge). A file that is not JSON, or
 * not a report, is a configuration error named after the option that gave it (`option`).
 */
export function readJsonReport(file: string, option: string): AuditReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AuditConfigError(`${option} ${file}: ${(e as Error).message}`);
  }
  const report = data as Partial<AuditReport> | null;
  if (typeof report?.schemaVersion !== 'number' || !Array.isArray(report.audits)) {
    throw new AuditConfigError(`${option} ${file}: not an audit-report.json (no schemaVersion or audits)`);
  }
  return report as AuditReport;
}
