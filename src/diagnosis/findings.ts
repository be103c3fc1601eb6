import type { Finding, FindingKind } from '../model/diagnosis.ts';
import type { SnapshotSummary } from './summary.ts';

/**
 * Growth between consecutive snapshots counts as "in proportion to the units run" when the fastest
 * interval's rate is at most this multiple of the slowest's. An array's store grows by half its size at
 * a time, so the capacity an array of numbers shows can move 1.5x unevenly; a one-time fill (a cache
 * warming up) grows in one interval and not the next.
 */
export const PROPORTION_TOLERANCE = 3;
/**
 * The same for an array of numbers, whose count is its store's capacity: with snapshots at W, 2W and 4W
 * each interval's capacity gain is between 0.5 and 2 elements per element added.
 */
export const ESTIMATED_PROPORTION_TOLERANCE = 4;
/** Elements (or instances) a collection (or class) must gain between the first and last snapshot. */
export const MIN_ELEMENT_GROWTH = 32;
/** Or bytes: a few large elements (1 MiB buffers) matter as much as many small ones. */
export const MIN_BYTES_GROWTH = 1 << 20;
/** Findings kept per audit, the largest growth first. */
export const MAX_FINDINGS = 5;

/** ArrayBuffer backing stores: the bytes `external` counts, outside the V8 heap. */
const OFF_HEAP_CLASSES = new Set(['system / JSArrayBufferData']);

/** Whether per-interval gains are all positive and even enough to be proportional to the units. */
export function proportional(
  units: readonly number[],
  counts: readonly number[],
  tolerance = PROPORTION_TOLERANCE,
): boolean {
  const rates: number[] = [];
  for (let i = 1; i < counts.length; i++) {
    const gain = counts[i]! - counts[i - 1]!;
    if (gain <= 0) return false;
    rates.push(gain / (units[i]! - units[i - 1]!));
  }
  return rates.length > 0 && Math.max(...rates) <= tolerance * Math.min(...rates);
}

/** Growth that counts: enough elements or bytes, gained in proportion to the units run. */
function grewSteadily(
  units: readonly number[],
  counts: readonly number[],
  bytes: readonly number[],
  estimated: boolean,
): boolean {
  const tolerance = estimated ? ESTIMATED_PROPORTION_TOLERANCE : PROPORTION_TOLERANCE;
  // The count must grow steadily: bytes alone also grow in every object that merely holds the leak.
  if (!proportional(units, counts, tolerance)) return false;
  return counts.at(-1)! - counts[0]! >= MIN_ELEMENT_GROWTH || bytes.at(-1)! - bytes[0]! >= MIN_BYTES_GROWTH;
}

/** Whether `path` continues `ancestor` (an element, property or captured variable below it). */
function isBelow(path: string, ancestor: string): boolean {
  return path.length > ancestor.length && path.startsWith(ancestor) && '[.→'.includes(path[ancestor.length]!);
}

/**
 * A signature's length at most: an allowlist entry is written by hand and read in reviews. A longer one
 * keeps its start (where the path is anchored) and its end (what grows), and drops the middle.
 */
export const MAX_SIGNATURE_CHARS = 240;

/**
 * A signature that survives re-runs: names only (element indexes and repeat counts dropped, so a chain
 * reads the same at any depth), at most MAX_SIGNATURE_CHARS long.
 */
export function signatureOf(kind: FindingKind, what: string, path: string): string {
  const signature = `${kind}:${what}@${path.replace(/\[\d+\]/g, '[]').replace(/×\d+/g, '×')}`;
  if (signature.length <= MAX_SIGNATURE_CHARS) return signature;
  const tail = Math.floor(MAX_SIGNATURE_CHARS / 3);
  return `${signature.slice(0, MAX_SIGNATURE_CHARS - tail - 1)}…${signature.slice(-tail)}`;
}

const STRING_CLASSES = ['(string)', '(concatenated string)', '(sliced string)'];
/** Bytes per element above which a collection of buffers is counted as off-heap growth. */
const OFF_HEAP_ELEMENT_BYTES = 1024;
const TYPED_OR_BUFFER =
  /^(?:ArrayBuffer|SharedArrayBuffer|Buffer|(?:Big)?(?:Int|Uint|Float)(?:8|16|32|64)(?:Clamped)?Array)$/;

/** What to do about it, by what grows, where it is held, and whether it grows per instance (churn). */
export function suggestionFor(
  kind: FindingKind,
  what: string,
  path: string,
  holds: string | null,
  perInstance: boolean,
): string {
  if (what === 'Timeout' || holds === 'Timeout') {
    return 'A timer started per instance is never cleared: keep its handle and clearInterval / clearTimeout it in cleanup().';
  }
  if (path.includes('._events') || holds === 'Function' || holds === '(closure)') {
    return 'A listener added per instance is never removed: remove it (emitter.off / removeListener) in cleanup().';
  }
  if (kind === 'off-heap') {
    return 'Buffers are kept for good: keep a fixed number of them (a ring of preallocated buffers) or release them once used.';
  }
  if (perInstance) {
    return 'A collection gains an entry per instance and never loses it: delete the entry in cleanup(), or hold instances weakly (WeakSet, WeakRef).';
  }
  if (what === 'Map' || what === 'Set') {
    return 'An unbounded cache: bound it (evict the oldest entries, a fixed-size LRU), or use a WeakMap when the keys are objects that die.';
  }
  if (what === 'Array') {
    return 'Appended to every step and never trimmed: keep the last N entries in a fixed-size ring buffer (a preallocated Float64Array), or stop recording.';
  }
  return 'Instances accumulate: find where they are created and make sure each is released (cleanup(), a bound, or weak references).';
}

function collectionWhat(className: string, holds: string | null): string {
  return holds ? `${className} of ${holds}` : className;
}

/**
 * Findings from snapshots taken at increasing unit counts (the last one read against the first):
 * collections whose element count, and classes whose instance count, grew in every interval in
 * proportion to the units run. Collections come first (the strongest tell of a leak), then classes
 * not already explained by a collection holding them; each by bytes per unit. `perInstance`: the units
 * are create/drop cycles (churn), which changes the advice.
 */
export function findGrowth(summaries: readonly SnapshotSummary[], perInstance = false): Finding[] {
  if (summaries.length < 2) return [];
  const first = summaries[0]!;
  const last = summaries.at(-1)!;
  const units = summaries.map((s) => s.units);
  const span = last.units - first.units;
  const collections: Finding[] = [];
  const explained = new Set<string>();
  for (const [id, size] of last.collections) {
    const sizes = summaries.map((s) => s.collections.get(id));
    const counts = sizes.map((s) => s?.count ?? 0);
    const bytes = sizes.map((s) => Math.max(s?.retainedBytes ?? 0, s?.selfBytes ?? 0));
    if (!grewSteadily(units, counts, bytes, size.estimated)) continue;
    const holds = last.holds.get(id) ?? null;
    const path = last.paths.get(String(id)) ?? '(path not rendered)';
    const gained = counts.at(-1)! - counts[0]!;
    // Typed arrays and Buffers over 64 bytes keep their data outside the V8 heap.
    const offHeap =
      holds !== null && TYPED_OR_BUFFER.test(holds) && (bytes.at(-1)! - bytes[0]!) / gained > OFF_HEAP_ELEMENT_BYTES;
    const kind: FindingKind = offHeap ? 'off-heap' : 'collection';
    const what = collectionWhat(size.className, holds);
    explained.add(size.className);
    if (holds) explained.add(holds);
    if (holds && TYPED_OR_BUFFER.test(holds)) for (const c of ['ArrayBuffer', ...OFF_HEAP_CLASSES]) explained.add(c);
    // A string built by concatenation is a tree of smaller strings: they are its detail too.
    if (holds?.endsWith('string)')) for (const c of STRING_CLASSES) explained.add(c);
    collections.push({
      signature: signatureOf(kind, what, path),
      kind,
      what,
      retainerPath: path,
      growthPerUnit: {
        count: gained / span,
        countEstimated: size.estimated,
        bytes: (bytes.at(-1)! - bytes[0]!) / span,
      },
      evidence: summaries.map((s, i) => ({ units: s.units, count: counts[i]!, bytes: bytes[i]! })),
      suggestion: suggestionFor(kind, size.className, path, holds, perInstance),
    });
  }
  // A collection whose bytes grew but not its count holds a growing collection: name only the latter.
  const holders = collections.filter(
    (c) =>
      c.evidence.at(-1)!.count === c.evidence[0]!.count &&
      collections.some((d) => d !== c && isBelow(d.retainerPath, c.retainerPath)),
  );
  for (const holder of holders) collections.splice(collections.indexOf(holder), 1);
  const constructors: Finding[] = [];
  for (const [key, path] of last.paths) {
    if (!key.startsWith('class:')) continue;
    const className = key.slice('class:'.length);
    // Instances a found collection holds, directly or below its elements, are that finding's detail.
    // Heap numbers are always some object's detail; a path from a GC root's internals names nothing.
    if (className === '(number)' || path.startsWith('(GC roots)')) continue;
    if (explained.has(className) || collections.some((c) => path === c.retainerPath || isBelow(path, c.retainerPath)))
      continue;
    const counts = summaries.map((s) => s.classes.get(className)?.count ?? 0);
    const bytes = summaries.map((s) => s.classes.get(className)?.bytes ?? 0);
    if (!grewSteadily(units, counts, bytes, false)) continue;
    const kind: FindingKind = OFF_HEAP_CLASSES.has(className) ? 'off-heap' : 'constructor';
    constructors.push({
      signature: signatureOf(kind, className, path),
      kind,
      what: className,
      retainerPath: path,
      growthPerUnit: {
        count: (counts.at(-1)! - counts[0]!) / span,
        countEstimated: false,
        bytes: (bytes.at(-1)! - bytes[0]!) / span,
      },
      evidence: summaries.map((s, i) => ({ units: s.units, count: counts[i]!, bytes: bytes[i]! })),
      suggestion: suggestionFor(kind, className, path, null, perInstance),
    });
  }
  const byBytes = (a: Finding, b: Finding) => b.growthPerUnit.bytes - a.growthPerUnit.bytes;
  return [...collections.sort(byBytes), ...constructors.sort(byBytes)].slice(0, MAX_FINDINGS);
}
