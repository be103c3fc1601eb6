import { formatMegabytes, formatRate } from '../format.ts';
import {
  ENDED_RUN_KINDS,
  horizonUnits,
  instanceUnits,
  memoryLabel,
  type RawAuditRecord,
  type ResolvedAuditOptions,
  type Sample,
  type SeriesVerdict,
  type Verdict,
} from '../model/audit.ts';
import type { CollectionCheck, HandleCheck, ResourceSeries } from '../model/report.ts';
import {
  MIN_GUARD_STEADY_SAMPLES,
  MIN_STEADY_SAMPLES,
  RESOURCE_HORIZON_BUDGET,
  RESOURCE_MIN_STEADY_SAMPLES,
} from './constants.ts';
import { analyseSeries, median, type ReadingsEnd, type SeriesAnalysis } from './series.ts';

export interface Projection {
  /** Units x instances of the horizon the growth is projected over. */
  readonly units: number;
  readonly label: string;
  /** Projected growth over the horizon from the slope, and from its interval's ends, bytes. */
  readonly bytes: number;
  readonly ci: readonly [number, number];
}

export interface Judgement {
  readonly verdict: Verdict;
  /** Every resource type the readings counted. */
  readonly resources: readonly ResourceSeries[];
  readonly heap: SeriesAnalysis;
  readonly offHeap: SeriesAnalysis;
  /** Heap and off-heap together: what the budget bounds. */
  readonly total: SeriesAnalysis;
  readonly projection: { readonly heap: Projection; readonly offHeap: Projection };
  readonly collection: CollectionCheck | null;
  readonly handles: HandleCheck | null;
  /** One line per reason the verdict is what it is. */
  readonly reasons: readonly string[];
}

export function unitName(options: ResolvedAuditOptions): string {
  if (options.unit) return options.unit;
  return options.workload === 'churn' ? 'cycle' : options.workload === 'batch' ? 'instance-step' : 'step';
}

export interface MemoryColumns {
  /** Units done at each sample. */
  readonly at: ArrayLike<number>;
  /** The judged heap at each sample (`judgedHeap`). */
  readonly heap: ArrayLike<number>;
  readonly external: ArrayLike<number>;
}

/** The heap spaces that hold V8's machine code: compiled, replaced and flushed on V8's own schedule. */
export const CODE_SPACES: readonly string[] = ['code_space', 'code_large_object_space'];

/**
 * The heap a verdict judges: heapUsed without V8's machine code (CODE_SPACES). A subject's code is
 * compiled, re-compiled after a deoptimisation and flushed when V8 chooses, in steps of tens to hundreds
 * of KB (measured: +250 KB of code space for two readings of a clean subject that logs, at 180 000
 * steps, then back), and no leak of data lives there: objects, closures, their bytecode and feedback are
 * in the other spaces, which are judged. The samples keep heapUsed and every space, so the judged value
 * can be recomputed from the JSON.
 */
export function judgedHeap(heapUsed: number, spaces: Readonly<Record<string, number>>): number {
  let code = 0;
  for (const name of CODE_SPACES) code += spaces[name] ?? 0;
  return heapUsed - code;
}

export interface ColumnsAnalysis {
  readonly heap: SeriesAnalysis;
  readonly offHeap: SeriesAnalysis;
  /** Heap and off-heap together: what the budget bounds. */
  readonly total: SeriesAnalysis;
  readonly verdict: SeriesVerdict;
}

/**
 * Heap, off-heap and total verdicts from the readings alone: what the stop decision needs while
 * measuring, and what the verdict is judged on. The budget bounds the total, what the subject may cost
 * over its horizon: a churn that kept 549 B/cycle on the heap and 512 B/cycle off it (a listener on a
 * process-wide emitter that its cleanup never removed) passed with each series under its 671 B/cycle
 * budget, in 5 runs of 5, at 1 061 B/cycle in all. Each series is still judged on its own, for the
 * report's advice, and a fail of either alone is a fail.
 */
export function analyseColumns(
  columns: MemoryColumns,
  options: ResolvedAuditOptions,
  minSteady = MIN_STEADY_SAMPLES,
  end: ReadingsEnd = 'open',
): ColumnsAnalysis {
  const scale = instanceUnits(options);
  const xs = Float64Array.from(columns.at, (at) => at * scale);
  const heap = analyseSeries(xs, columns.heap, options.budgetPerUnit, minSteady, end);
  const offHeap = analyseSeries(xs, columns.external, options.budgetPerUnit, minSteady, end);
  const sum = Float64Array.from(xs, (_, i) => columns.heap[i]! + columns.external[i]!);
  const total = analyseSeries(xs, sum, options.budgetPerUnit, minSteady, end);
  return { heap, offHeap, total, verdict: combine(heap.verdict, offHeap.verdict, total.verdict) };
}

export function analyseSamples(
  samples: readonly Sample[],
  options: ResolvedAuditOptions,
  minSteady = MIN_STEADY_SAMPLES,
  end: ReadingsEnd = 'open',
) {
  return analyseColumns(
    {
      at: samples.map((s) => s.at),
      heap: samples.map((s) => judgedHeap(s.heapUsed, s.spaces)),
      external: samples.map((s) => s.external),
    },
    options,
    minSteady,
    end,
  );
}

/**
 * The analysis of a run whose heap reached its limit (the heap guard, or V8's abort). That is growth
 * that went on, whatever its last readings show: a leaking array grows in steps of half its size, and
 * the limit is reached on a step, after a flat tread as long as a third of the run. So a failing slope
 * held back only for a flat last third (`levelling`) fails: the step that filled the heap is the riser
 * that would have followed. The legacy controller at --steps 36e6 died between 18 M and 27 M steps at
 * 1 GB with flat last readings, and was an error in 3 runs of 4.
 */
export function atHeapLimit(analysis: ColumnsAnalysis): ColumnsAnalysis {
  const judged = (series: SeriesAnalysis): SeriesAnalysis =>
    series.verdict === 'inconclusive' && series.levelling ? { ...series, verdict: 'fail' } : series;
  const heap = judged(analysis.heap);
  const offHeap = judged(analysis.offHeap);
  const total = judged(analysis.total);
  return { heap, offHeap, total, verdict: combine(heap.verdict, offHeap.verdict, total.verdict) };
}

/** A fail of any series fails; all must pass to pass; otherwise the data cannot tell yet. */
function combine(...verdicts: SeriesVerdict[]): SeriesVerdict {
  if (verdicts.includes('fail')) return 'fail';
  return verdicts.every((v) => v === 'pass') ? 'pass' : 'inconclusive';
}

function project(series: SeriesAnalysis, options: ResolvedAuditOptions): Projection {
  const { horizon } = options;
  const units = horizonUnits(options.workload, horizon);
  const [low, high] = series.slope.ci;
  return {
    units,
    label: horizon.label ?? `${units.toLocaleString('en')} ${unitName(options)}s`,
    bytes: series.slope.bytesPerUnit * units,
    ci: [low * units, high * units],
  };
}

function leftBehind(handles: NonNullable<RawAuditRecord['handles']>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, after] of Object.entries(handles.after)) {
    const grew = after - (handles.before[type] ?? 0);
    if (grew > 0) out[type] = grew;
  }
  return out;
}

/**
 * Each resource type's count series against RESOURCE_HORIZON_BUDGET over the horizon's units, with the
 * heap's statistics (warm-up cut, Theil–Sen interval, the level rule), on as few as
 * RESOURCE_MIN_STEADY_SAMPLES steady readings, and its level over the steady state. A count that moves
 * about a level (`atLevel`) passes. Only a fail changes the audit's verdict: a count that straddles says
 * nothing the memory series do not.
 */
export function analyseResources(
  samples: readonly Sample[],
  options: ResolvedAuditOptions,
  end: ReadingsEnd = 'open',
): ResourceSeries[] {
  const types = new Set<string>();
  for (const s of samples) for (const type of Object.keys(s.resources ?? {})) types.add(type);
  const scale = instanceUnits(options);
  const xs = samples.map((s) => s.at * scale);
  const budgetPerUnit = RESOURCE_HORIZON_BUDGET / horizonUnits(options.workload, options.horizon);
  return [...types].sort().map((type) => {
    const counts = samples.map((s) => s.resources?.[type] ?? 0);
    const series = analyseSeries(xs, counts, budgetPerUnit, RESOURCE_MIN_STEADY_SAMPLES, end);
    const steady = counts.slice(series.warmup.index);
    return {
      type,
      perUnit: series.slope.bytesPerUnit,
      ci: series.slope.ci,
      budgetPerUnit,
      first: counts[0] ?? 0,
      last: counts.at(-1) ?? 0,
      level: { median: median(steady, 0), highest: Math.max(0, ...steady) },
      // At a level even in a run that had to end (where a heap's fail is not held back): a count has no limit to fill.
      verdict: series.atLevel ? 'pass' : series.verdict,
    };
  });
}

/**
 * Samples a steady state needs for a verdict: fewer when the heap cap ended the run, which is then the
 * only way a `fail` can still be reached (the worker stops there with that decision or an error).
 */
export function minSteadyFor(record: Pick<RawAuditRecord, 'stopReason' | 'error'>): number {
  return (record.stopReason === 'heap-guard' && !record.error) || endedRun(record)
    ? MIN_GUARD_STEADY_SAMPLES
    : MIN_STEADY_SAMPLES;
}

/**
 * Whether more readings could follow a record's (series.ts ReadingsEnd): none after the heap guard or a
 * run that had to be ended; none beyond its --duration, or its own end, for a watched program (the only
 * record whose x axis has a unit of its own); an audit's run could have gone on.
 */
export function readingsEnd(record: Pick<RawAuditRecord, 'stopReason' | 'error' | 'options'>): ReadingsEnd {
  if (minSteadyFor(record) === MIN_GUARD_STEADY_SAMPLES) return 'final';
  return record.options.unit ? 'fixed' : 'open';
}

/** A run that had to be ended (hung, out of heap, slowed down): its readings are all the evidence there is. */
function endedRun(record: Pick<RawAuditRecord, 'error'>): boolean {
  return record.error !== null && ENDED_RUN_KINDS.includes(record.error.kind);
}

const bytes = (b: number) => `${formatRate(b)} B`;

/**
 * The verdict of one audit from its raw record: heap and off-heap slopes against the budget, plus, for
 * churn, proof that dropped instances were collected and that no handles were left behind.
 */
export function judge(record: RawAuditRecord): Judgement {
  const { options } = record;
  const end = readingsEnd(record);
  const analysed = analyseSamples(record.samples, options, minSteadyFor(record), end);
  const outOfHeap = record.error?.kind === 'heap-exhausted' || record.stopReason === 'heap-guard';
  const { heap, offHeap, total, verdict: memoryVerdict } = outOfHeap ? atHeapLimit(analysed) : analysed;
  const unit = unitName(options);
  const reasons: string[] = [];
  // The total's own reason only when it says more than its parts': each under budget, together not.
  const rank = { pass: 0, inconclusive: 1, fail: 2 } as const;
  const totalSaysMore = rank[total.verdict] > rank[combine(heap.verdict, offHeap.verdict)];
  const series: (readonly [string, SeriesAnalysis])[] =
    options.memory === 'rss'
      ? [[memoryLabel(options), heap]]
      : [
          ['heap', heap],
          ['off-heap', offHeap],
          ...(totalSaysMore ? ([['the total (heap and off-heap)', total]] as const) : []),
        ];
  // An uncertain watch has been watched on as long as it may be (4x its --duration): only its user can give more.
  const longerWatch = options.unit ? '; a longer watch (--duration) would tell' : '';
  for (const [label, s] of series) {
    const [low, high] = s.slope.ci;
    const range = `${bytes(s.slope.bytesPerUnit)}/${unit} [${bytes(low)}, ${bytes(high)}]`;
    const cutAt = `${formatRate(s.warmup.until / instanceUnits(options))} ${unit}s`;
    if (s.verdict === 'fail')
      reasons.push(
        `${label} grows ${range}, above the budget of ${bytes(s.budgetPerUnit)}/${unit}${s.throughout ? `, from its first readings to its last with no warm-up ending (measured from ${cutAt} on)` : ''}`,
      );
    else if (s.verdict === 'inconclusive') {
      reasons.push(
        !s.warmup.settled
          ? `${label}: ${range} after ${cutAt}, with no warm-up end yet, so no steady state to judge (more ${unit}s, ${options.unit ? 'a longer --duration' : options.workload === 'churn' ? 'the audit’s `cycles`' : '--steps'}, would show whether it levels off)`
          : s.levelling
            ? `${label} grew ${range} but its last third is flat: a bound being reached, or a pause`
            : s.atLevel
              ? `${label} ${range} moves about a level: its last readings are not above its earlier highs (what it holds depends on the moment of the reading, as pending timers do); more readings tell a level from growth`
              : s.growingLate
                ? `${label} ${range} is within budget over the run, but its recent part grows: growth that started late`
                : s.shortPlateau
                  ? `${label} rose ${bytes(s.warmup.bytes)} by ${cutAt}, then was flat for less than that: a plateau must last as long as the rise before it (growth in doublings looks like this)`
                  : s.steadySamples < minSteadyFor(record)
                    ? `${label}: only ${s.steadySamples} steady-state samples (need ${minSteadyFor(record)})${longerWatch}`
                    : `${label} slope ${range} straddles the budget of ${bytes(s.budgetPerUnit)}/${unit}${longerWatch}`,
      );
    }
  }
  const collection = record.collection
    ? { ...record.collection, ok: record.collection.collected >= record.collection.probed }
    : null;
  if (collection && !collection.ok) {
    reasons.push(`only ${collection.collected} of ${collection.probed} dropped instances were collected`);
  }
  const resources = analyseResources(record.samples, options, end);
  const growing = resources.filter((r) => r.verdict === 'fail');
  for (const r of growing) {
    const every = r.perUnit > 0 ? `, one every ${formatRate(1 / r.perUnit)} ${unit}s` : '';
    reasons.push(
      `${r.type} resources grow ${formatRate(r.perUnit)}/${unit} [${formatRate(r.ci[0])}, ${formatRate(r.ci[1])}]${every} (${r.first} at the first reading, ${r.last} at the last)`,
    );
  }
  // A count whose slope alone would fail, passed for moving about its level: say so, with the level.
  for (const r of resources) {
    if (r.verdict !== 'pass' || r.ci[0] <= r.budgetPerUnit || !r.level) continue;
    reasons.push(
      `${r.type} resources move about a level (median ${r.level.median}, highest ${r.level.highest} over the steady state) and reached no new high: not growth`,
    );
  }
  // Churn: what was left behind after the last cycle, by type; a leak when a resource series grows.
  let handles: HandleCheck | null = null;
  if (record.handles) {
    const left = leftBehind(record.handles);
    const total = Object.values(left).reduce((a, b) => a + b, 0);
    handles = { leftBehind: left, total, ok: growing.length === 0 };
  }
  let verdict: Verdict = memoryVerdict;
  if ((collection && !collection.ok) || growing.length > 0) verdict = 'fail';
  const last = record.samples.at(-1);
  if (record.stopReason === 'heap-guard' && !record.error && last) {
    reasons.push(
      `the heap reached ${formatMegabytes(last.heapUsed)} of its ${formatMegabytes(record.heapCapBytes)} limit (the heap guard) after ${last.at} ${unit}s: the growth filled it, and the run was judged on its readings`,
    );
  }
  if (record.error) {
    // A run that had to be ended is a fail when its readings show growth that was still going on: the
    // leak is why it could not finish. Otherwise (a fault, or readings that cannot tell) it is an error.
    // A heap that ran out: the growth went on (above).
    const growing = heap.stillGrowing || offHeap.stillGrowing || total.stillGrowing || outOfHeap;
    if (endedRun(record) && verdict === 'fail' && growing) {
      reasons.push(`the run was ended before its plan (${record.error.kind}): ${record.error.message}`);
    } else {
      verdict = 'error';
      reasons.unshift(`${record.error.kind}: ${record.error.message}`);
    }
  }
  return {
    verdict,
    resources,
    heap,
    offHeap,
    total,
    projection: { heap: project(heap, options), offHeap: project(offHeap, options) },
    collection,
    handles,
    reasons,
  };
}
