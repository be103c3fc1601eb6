import { withGate } from '../../src/gate/outcome.ts';
import type {
  AuditEntry,
  AuditReport,
  BaselineComparison,
  GatedReport,
  GatePolicy,
  SlopeEntry,
} from '../../src/model/report.ts';

/** A complete, passing soak entry; tests override what they look at. */
export function entry(id: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  const slope: SlopeEntry = { bytesPerUnit: 0, bytesPerStep: 0, ci: [0, 0] as const, unit: 'step', verdict: 'pass' };
  return {
    id,
    role: 'subject',
    name: id,
    file: `${id}.audit.ts`,
    workload: 'soak',
    expect: 'clean',
    verdict: 'pass',
    expectationMet: true,
    steps: 1_000_000,
    instances: 1,
    stopReason: 'decided',
    budget: { bytesPerUnit: 0.373, source: 'default' },
    warmup: { steps: 0, bytes: 0, settled: true },
    plateau: null,
    slope,
    offHeap: { ...slope, warmupBytes: 0 },
    projection: {
      horizon: '10 h at 100 Hz x 50 instances',
      units: 1.8e8,
      heapBytes: 0,
      heapCi: [0, 0],
      offHeapBytes: 0,
      offHeapCi: [0, 0],
    },
    collection: null,
    handles: null,
    reasons: [],
    error: null,
    description: null,
    pid: 1,
    heapCapBytes: 1e9,
    timings: { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 },
    concurrency: 1,
    diagnosis: null,
    samples: [
      { at: 0, ms: 0, heapUsed: 1000, external: 0, arrayBuffers: 0, rss: 0, spaces: {} },
      { at: 1_000_000, ms: 1, heapUsed: 1000, external: 0, arrayBuffers: 0, rss: 0, spaces: {} },
    ],
    ...overrides,
  };
}

/** A report around the given audits; the run facts are placeholders the renderers only print. */
export function reportOf(audits: AuditEntry[]): AuditReport {
  return {
    schemaVersion: 1,
    generatedAt: '2026-11-25T00:00:00.000Z',
    node: 'v20.20.2',
    v8: '11',
    machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'cpu', memoryBytes: 2 ** 34 },
    run: {
      commit: 'abc1234',
      seed: 1,
      stepsOverride: null,
      horizonOverride: null,
      jobs: 2,
      peakConcurrency: 2,
      heapCapMb: 1536,
      heapsnapshotSignal: false,
      diagnose: 'failing',
      shard: null,
      parts: null,
      wallMs: 1,
      analysisMs: 1,
    },
    constants: { CONFIDENCE: 0.99 },
    noiseFloor: null,
    baseline: null,
    allowlist: null,
    summary: {
      audits: audits.length,
      expectationsMet: audits.filter((a) => a.expectationMet).length,
      byVerdict: { pass: 0, fail: 0, inconclusive: 0, error: 0 },
      configErrors: [],
    },
    audits,
  };
}

/** A baseline comparison in which the audit `id` regressed, saying `message`. */
export function regressionOf(id: string, message: string): BaselineComparison {
  return {
    file: 'main.json',
    commit: null,
    added: [],
    removed: [],
    comparisons: [
      {
        id,
        change: 'regressed',
        slope: { baseline: 1, current: 9, unit: 'step' },
        warmup: { baseline: 0, current: 0 },
        message,
      },
    ],
  };
}

/** The report with its outcome decided, as the pipeline's gate stage leaves it for the writers. */
export function gated(
  report: AuditReport,
  policy: GatePolicy = { strict: false, failOnRegression: false },
): GatedReport {
  return withGate(report, policy);
}
