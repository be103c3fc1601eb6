import { LARGE_WARMUP_BYTES, MIN_REPORTED_GROWTH_BYTES } from '../analysis/constants.ts';
import { formatBytes, formatInterval, formatRate } from '../format.ts';
import type { Finding } from '../diagnosis/types.ts';
import type { AuditEntry } from '../model/report.ts';

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
  return `+${f.growthPerUnit.countEstimated ? '~' : ''}${formatRate(f.growthPerUnit.count)} ${f.kind === 'constructor' ? 'instances' : 'elements'}/${unit}`;
}

/** The retainer a heap-snapshot diagnosis named (its top finding), or why there is none. */
export function retainedBy(e: AuditEntry): string {
  const d = e.diagnosis;
  if (!d && e.verdict === 'error') {
    return `not diagnosed: an audit that errored (${e.error?.kind ?? 'error'}) is never diagnosed; fix that first`;
  }
  if (!d) return NOT_DIAGNOSED;
  const top = d.findings[0];
  if (top) {
    return `${top.what} at \`${top.retainerPath}\`, ${countGrowth(top, e.slope.unit)} (${formatRate(top.growthPerUnit.bytes)} B/${e.slope.unit})`;
  }
  if (d.status === 'done')
    return `the diagnosis found nothing growing in proportion to the ${e.slope.unit}s run (${d.snapshots.length} heap snapshots)`;
  return `diagnosis ${d.status}: ${d.note ?? 'no findings'}`;
}

/** The diagnosis's own advice when it named the retainer, else the rule's. */
function adviceFor(e: AuditEntry, fallback: string): string {
  return e.diagnosis?.findings[0]?.suggestion ?? fallback;
}

/**
 * The report's findings (type Advice, so as not to be confused with a diagnosis Finding) as small
 * rules over one audit's measured facts, each naming what grows and what to do. The
 * rules only read the report; adding one does not touch the engine.
 */
const RULES: readonly ((e: AuditEntry) => Advice | null)[] = [
  (e) =>
    e.slope.verdict === 'fail'
      ? {
          priority: 'P0',
          auditId: e.id,
          what: `heap grows ${formatRate(e.slope.bytesPerUnit)} B/${e.slope.unit} ${formatInterval(e.slope.ci)}, ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}`,
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
  (e) =>
    e.handles && e.handles.total > 0
      ? {
          priority: e.handles.ok ? 'P1' : 'P0',
          auditId: e.id,
          what: `${e.handles.total} handles left behind (${Object.entries(e.handles.leftBehind)
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')})`,
          retainedBy: 'the event loop (active handles keep their callbacks, and what those close over, alive)',
          suggestion: 'clear timers and close sockets and watchers in cleanup()',
        }
      : null,
  (e) =>
    e.verdict !== 'fail' &&
    e.verdict !== 'error' &&
    e.slope.ci[0] > 0 &&
    !e.plateau &&
    e.projection.heapBytes >= MIN_REPORTED_GROWTH_BYTES
      ? {
          priority: 'P1',
          auditId: e.id,
          what: `heap grows ${formatRate(e.slope.bytesPerUnit)} B/${e.slope.unit}, within the budget of ${formatRate(e.budget.bytesPerUnit)} B/${e.slope.unit}: ${formatBytes(e.projection.heapBytes, true)} over ${e.projection.horizon}`,
          retainedBy: retainedBy(e),
          suggestion: 'within budget, but not flat: check it is bounded before longer or larger runs',
        }
      : null,
  (e) =>
    e.warmup.bytes >= LARGE_WARMUP_BYTES
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

/** The report's findings (P0–P2 advice) for the audited subjects (not the calibration or noise-floor audits), most urgent first. */
export function reportAdvice(entries: readonly AuditEntry[]): Advice[] {
  return entries
    .filter((e) => e.role === 'subject' && e.verdict !== 'error')
    .flatMap((e) => RULES.map((rule) => rule(e)).filter((f): f is Advice => f !== null))
    .sort((a, b) => ORDER[a.priority] - ORDER[b.priority] || a.auditId.localeCompare(b.auditId));
}
