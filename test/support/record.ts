import type { RawAuditRecord, ResolvedAuditOptions, Sample } from '../../src/model/audit.ts';

/** A raw audit record of these readings, planned and without error; tests override what they look at. */
export function rawRecord(
  options: ResolvedAuditOptions,
  samples: Sample[],
  extra: Partial<RawAuditRecord> = {},
): RawAuditRecord {
  return {
    id: 'x',
    name: 'x',
    file: 'x.audit.ts',
    options,
    pid: 1,
    node: process.version,
    heapCapBytes: 1e9,
    samples,
    stopReason: 'planned',
    collection: null,
    handles: null,
    error: null,
    timings: { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 },
    ...extra,
  };
}
