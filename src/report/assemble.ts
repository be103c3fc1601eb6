import { availableParallelism, cpus, totalmem } from 'node:os';
import * as constants from '../analysis/constants.ts';
import * as defaults from '../model/defaults.ts';
import { unitName, type Judgement } from '../analysis/judge.ts';
import { instanceUnits, type Expectation, type RawAuditRecord, type Verdict } from '../model/audit.ts';
import type { AuditEntry, AuditReport, AuditRole, MachineFacts, NoiseFloor, SlopeEntry } from '../model/report.ts';

/**
 * Building the report model: an audit's entry from its record and judgement, and the run-wide parts
 * of a report, computed from its audit entries: the same whether the entries come
 * from one run or from the merged shards of one.
 */

/**
 * The noise floor: what the no-op audit's interval allows. With several no-op entries (reports of
 * separate runs merged) the largest, so no budget passes that one of the machines could not resolve.
 */
export function noiseFloorOf(entries: readonly AuditEntry[]): NoiseFloor | null {
  let floor: Omit<NoiseFloor, 'cycle'> | null = null;
  let cycle: NoiseFloor['cycle'] = null;
  const widest = (ci: readonly [number, number]) => Math.max(Math.abs(ci[0]), Math.abs(ci[1]));
  for (const noop of entries) {
    if (noop.role !== 'noise-floor' || noop.verdict === 'error' || noop.samples.length < 2) continue;
    if (noop.workload === 'churn') {
      const heapBytesPerCycle = widest(noop.slope.ci);
      if (!cycle || cycle.heapBytesPerCycle < heapBytesPerCycle)
        cycle = { auditId: noop.id, heapBytesPerCycle, heapCi: noop.slope.ci };
      continue;
    }
    const heapBytesPerStep = widest(noop.slope.ci);
    if (floor && floor.heapBytesPerStep >= heapBytesPerStep) continue;
    floor = {
      auditId: noop.id,
      heapBytesPerStep,
      offHeapBytesPerStep: widest(noop.offHeap.ci),
      heapCi: noop.slope.ci,
    };
  }
  return floor ? { ...floor, cycle } : null;
}

/** Budgets that the measurement cannot resolve on this machine: refused, as a configuration error. */
export function budgetErrors(entries: readonly AuditEntry[], floor: NoiseFloor | null): string[] {
  if (!floor) return [];
  const perUnit = (e: AuditEntry) =>
    e.workload === 'churn' ? (floor.cycle?.heapBytesPerCycle ?? 0) : floor.heapBytesPerStep;
  return entries
    .filter((e) => e.role !== 'noise-floor' && e.budget.bytesPerUnit <= perUnit(e))
    .map(
      (e) =>
        `audit "${e.name}": budget ${e.budget.bytesPerUnit.toPrecision(3)} B/${e.slope.unit} is at or below the noise floor measured in this run (${perUnit(e).toPrecision(3)} B/${e.slope.unit}); raise the budget, or run more ${e.workload === 'churn' ? 'cycles' : 'steps (--steps)'} so the floor drops`,
    );
}

/** Two audits with one id would overwrite each other in every report and comparison. */
export function duplicateIdErrors(entries: readonly AuditEntry[], where: (file: string) => string): string[] {
  const seen = new Map<string, string>();
  const errors: string[] = [];
  for (const e of entries) {
    const other = seen.get(e.id);
    if (other !== undefined) errors.push(`audit id "${e.id}" is declared twice (${where(other)}, ${where(e.file)})`);
    seen.set(e.id, e.file);
  }
  return errors;
}

export function summaryOf(entries: readonly AuditEntry[], configErrors: readonly string[]): AuditReport['summary'] {
  const byVerdict: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0, error: 0 };
  for (const e of entries) byVerdict[e.verdict]++;
  return {
    audits: entries.length,
    expectationsMet: entries.filter((e) => e.expectationMet).length,
    byVerdict,
    // One message once, though several parts of a merged run may have said it.
    configErrors: [...new Set(configErrors)],
  };
}

/** A shard report without the no-op audit: another shard measured the floor, and the merge applies it. */
export function floorInAnotherShard(report: AuditReport): boolean {
  return report.run.shard !== null && !report.audits.some((e) => e.role === 'noise-floor');
}

/** Which part of a run the report covers, in a few words: '' for a whole run. */
export function partOfRun(report: AuditReport): string {
  if (report.run.shard) return `shard ${report.run.shard.index}/${report.run.shard.count} of the audit files`;
  if (report.run.parts)
    return `merged from ${report.run.parts.length} report${report.run.parts.length === 1 ? '' : 's'} (${report.run.parts.map((p) => (p.shard ? `shard ${p.shard.index}/${p.shard.count}` : p.file)).join(', ')})`;
  return '';
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
  const scale = instanceUnits(options);
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
    warmup: {
      steps: j.heap.warmup.until / scale,
      bytes: j.heap.warmup.bytes,
      settled: j.heap.warmup.settled,
      ...(j.heap.throughout ? { throughout: true as const } : {}),
    },
    plateau: j.heap.plateau,
    ...(options.memory === 'rss' ? { memory: 'rss' as const } : {}),
    slope: slope(j.heap),
    offHeap: { ...slope(j.offHeap), warmupBytes: j.offHeap.warmup.bytes },
    total: slope(j.total),
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
    resources: j.resources,
    reasons: j.reasons,
    error: record.error,
    description: options.description,
    pid: record.pid,
    heapCapBytes: record.heapCapBytes,
    ...(record.output ? { output: record.output } : {}),
    timings: record.timings,
    concurrency: 1,
    diagnosis: null,
    samples: record.samples,
  };
}

export function machineFacts(): MachineFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
  };
}

/** The thresholds and the defaults this run used, by name: every number in both modules. */
export function reportConstants(): Record<string, number> {
  const named = Object.entries({ ...defaults, ...constants });
  return Object.fromEntries(named.filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}
