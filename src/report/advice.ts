import { LARGE_WARMUP_BYTES, MIN_REPORTED_GROWTH_BYTES } from '../analysis/constants.ts';
import { formatBytes, formatInterval, formatRate } from '../format.ts';
import type { Finding } from '../model/diagnosis.ts';
import { instanceUnits, memoryLabel } from '../model/audit.ts';
import type { AuditEntry, NoiseFloor } from '../model/report.ts';

/** P0: fails its budget. P1: grows but within budget, or a handle left behind. P2: worth a look. */
export type Priority = 'P0' | 'P1' | 'P2';

export interface Advice {
  readonly priority: Priority;
  readonly auditId: string;
  /** What grows, in one line, with the measured rate. */
  readonly what: string;
  /** Where it is retained: the diagnosis's top finding (heap snapshots), when the audit was diagnosed. */
  readonly retainedBy: string;
  readonly suggestion: string;
}

const NOT_DIAGNOSED = 'not diagnosed: run this audit with --diagnose to name what grows and the path that retains it';

/** A diagnosis finding's count growth: `+~1.000 elements/step` (`~` when estimated from capacity). */
export function countGrowth(f: Finding, unit: string): string {
  if (f.kind === 'object') return 'one object, growing';
  const what = f.kind === 'constructor' || f.kind === 'internal' ? 'instances' : 'elements';
  return `+${f.growthPerUnit.countEstimated ? '~' : ''}${formatRate(f.growthPerUnit.count)} ${what}/${unit}`;
}

/** The retainer a heap-snapshot diagnosis named (its top finding), or why there is none. */
export function retainedBy(e: AuditEntry): string {
  const d = e.diagnosis;
  if (!d && e.verdict === 'error') {
    return `not diagnosed: an audit that errored (${e.error?.kind ?? 'error'}) is never diagnosed; fix that first`;
  }
  if (!d && e.memory === 'rss')
    return 'not diagnosed: a command that is not Node is watched from outside, with no heap to walk';
  if (!d) return NOT_DIAGNOSED;
  const top = d.findings[0];
  if (top) {
    return `${top.what} at \`${top.retainerPath}\`, ${countGrowth(top, e.slope.unit)} (${formatRate(top.growthPerUnit.bytes)} B/${e.slope.unit})`;
  }
  if (d.status === 'done')
    return d.unretained
      ? `the diagnosis found ${d.unretained} (${d.snapshots.length} heap snapshots)`
      : `the diagnosis found nothing growing in proportion to the ${e.slope.unit}s run (${d.snapshots.length} heap snapshots)`;
  return `diagnosis ${d.status}: ${d.note ?? 'no findings'}`;
}

/** The diagnosis's own advice when it named the retainer, else the rule's. */
function adviceFor(e: AuditEntry, fallback: string): string {
  return e.diagnosis?.findings[0]?.suggestion ?? fallback;
}

/** The resource types whose count fails as a series (none in reports written before they were judged). */
function growingResources(e: AuditEntry) {
  return (e.resources ?? []).filter((r) => r.verdict === 'fail');
}

/**
 * The report's findings (type Advice, so as not to be confused with a diagnosis Finding) as small
 * rules over one audit's measured facts, each naming what grows and what to do. The
 * rules only read the report; adding one does not touch the engine.
 */
const RULES: readonly ((e: AuditEntry, floor: NoiseFloor | null) => Advice | null)[] = [
  (e) =>
    e.slope.verdict === 'fail'
      ? {
          priority: 'P0',
          auditId: e.id,
          what: `${memoryLabel(e)} grows ${formatRate(e.slope.bytesPerUnit)} B/${e.slope.unit} ${formatInterval(e.slope.ci)}, ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}`,
          retainedBy: retainedBy(e),
          suggestion: adviceFor(
            e,
            e.workload === 'churn'
              ? 'something global keeps every instance: remove it from registries, listeners and caches in cleanup(), or hold it through a WeakMap / WeakRef'
              : 'a per-step record is kept without bound: keep a fixed window (a RingBuffer, historyPolicy "bounded"), or evict from the cache',
          ),
        }
      : null,
  (e) =>
    e.offHeap.verdict === 'fail'
      ? {
          priority: 'P0',
          auditId: e.id,
          what: `off-heap memory (Buffers, typed arrays) grows ${formatRate(e.offHeap.bytesPerUnit)} B/${e.offHeap.unit}, ${formatBytes(e.projection.offHeapBytes, true)} over ${e.projection.horizon}`,
          retainedBy: retainedBy(e),
          suggestion: adviceFor(
            e,
            'buffers are kept after use: reuse a fixed set, or drop the references so their ArrayBuffers can be freed',
          ),
        }
      : null,
  (e) =>
    e.collection && !e.collection.ok
      ? {
          priority: 'P0',
          auditId: e.id,
          what: `only ${e.collection.collected} of ${e.collection.probed} dropped instances were collected after cleanup()`,
          retainedBy: retainedBy(e),
          suggestion:
            'cleanup() must release what holds the instance: listeners (emitter.off), timers (clearInterval), registries',
        }
      : null,
  (e) => {
    const growing = growingResources(e);
    return growing.length > 0
      ? {
          priority: 'P0',
          auditId: e.id,
          what: `resources grow: ${growing
            .map((r) => `${r.type} ${formatRate(r.perUnit)}/${e.slope.unit} (${r.first} → ${r.last})`)
            .join(', ')}`,
          retainedBy:
            'the event loop or the process (active handles keep their callbacks, and what those close over, alive)',
          suggestion:
            'a timer, socket, file or child process is opened and never closed: clear or close it when its work is done, or reuse one',
        }
      : null;
  },
  (e) =>
    e.handles && e.handles.total > 0 && growingResources(e).length === 0
      ? {
          priority: 'P1',
          auditId: e.id,
          what: `${e.handles.total} handles left behind (${Object.entries(e.handles.leftBehind)
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')})`,
          retainedBy: 'the event loop (active handles keep their callbacks, and what those close over, alive)',
          suggestion: 'clear timers and close sockets and watchers in cleanup()',
        }
      : null,
  (e, floor) =>
    establishedGrowth(e, floor)
      ? {
          priority: 'P1',
          auditId: e.id,
          what: `${memoryLabel(e)} grows ${formatRate(e.slope.bytesPerUnit)} B/${e.slope.unit}, within the budget of ${formatRate(e.budget.bytesPerUnit)} B/${e.slope.unit}: ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}`,
          retainedBy: retainedBy(e),
          suggestion: 'within budget, but not flat: check it is bounded before longer or larger runs',
        }
      : null,
  (e) =>
    e.warmup.bytes >= LARGE_WARMUP_BYTES && !e.warmup.throughout
      ? {
          priority: 'P2',
          auditId: e.id,
          what: `large one-time warm-up: ${formatBytes(e.warmup.bytes)} by step ${Math.round(e.warmup.steps).toLocaleString('en')}${e.plateau ? ', then flat' : ''}`,
          retainedBy: 'built once (tables, caches filled to a bound, JIT): not a leak',
          suggestion: 'fine for one instance; multiply by instances alive at once before a Monte Carlo batch',
        }
      : null,
  // The same off the heap: buffers and typed arrays allocated once (a 2 GiB pool showed in no finding).
  (e) =>
    e.offHeap.warmupBytes >= LARGE_WARMUP_BYTES
      ? {
          priority: 'P2',
          auditId: e.id,
          what: `large one-time off-heap warm-up: ${formatBytes(e.offHeap.warmupBytes)} (external: Buffers, typed arrays)`,
          retainedBy: 'allocated once, outside the V8 heap: not a leak',
          suggestion: 'fine for one instance; multiply by instances alive at once before a Monte Carlo batch',
        }
      : null,
  (e) =>
    e.verdict === 'inconclusive'
      ? {
          priority: 'P2',
          auditId: e.id,
          what: `no verdict: ${e.reasons.join('; ')}`,
          retainedBy: '-',
          suggestion: 'run more steps (--steps) so the interval narrows, or set a budget the run can resolve',
        }
      : null,
];

const ORDER: Record<Priority, number> = { P0: 0, P1: 1, P2: 2 };

/**
 * The noise floor of an audit's workload, per unit of its slope: the no-op step audit's for soak (per
 * instance for batch, whose unit is an instance-step), the no-op cycle audit's for churn; 0 when the
 * run measured none (a shard without the no-op audits).
 */
function floorPerUnit(e: AuditEntry, floor: NoiseFloor | null): number {
  if (!floor) return 0;
  if (e.workload === 'churn') return floor.cycle?.heapBytesPerCycle ?? 0;
  return floor.heapBytesPerStep / instanceUnits(e);
}

/**
 * Growth within budget that is worth a P1 finding: it must be established, not the tail of a warm-up
 * or the harness's own noise. Its interval's lower end lies above the noise floor of its workload; over
 * the steady span, that lower end adds up to at least the one-time rise the run began with (a subject
 * still settling after its warm-up adds a fraction of that rise, and less the longer the run); and it
 * projects to at least MIN_REPORTED_GROWTH_BYTES over the horizon. Measured on clean subjects before
 * these conditions: an async step settling by 12 KB over 1 M steps after a 130 KB warm-up read 0.012
 * B/step [0.0116, 0.0131], 2.2 MB over the horizon, and was reported.
 */
export function establishedGrowth(e: AuditEntry, floor: NoiseFloor | null): boolean {
  if (e.verdict === 'fail' || e.verdict === 'error' || e.plateau) return false;
  const low = e.slope.ci[0];
  const scale = instanceUnits(e);
  const steadyUnits = (e.steps - e.warmup.steps) * scale;
  return (
    low > floorPerUnit(e, floor) &&
    low * steadyUnits >= e.warmup.bytes &&
    low * e.projection.units >= MIN_REPORTED_GROWTH_BYTES
  );
}

/** The report's findings (P0–P2 advice) for the audited subjects (not the calibration or noise-floor audits), most urgent first. */
export function reportAdvice(entries: readonly AuditEntry[], floor: NoiseFloor | null): Advice[] {
  return entries
    .filter((e) => e.role === 'subject' && e.verdict !== 'error')
    .flatMap((e) => RULES.map((rule) => rule(e, floor)).filter((f): f is Advice => f !== null))
    .sort((a, b) => ORDER[a.priority] - ORDER[b.priority] || a.auditId.localeCompare(b.auditId));
}
