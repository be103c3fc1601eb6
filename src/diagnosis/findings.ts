import type { Finding, FindingKind } from '../model/diagnosis.ts';
import { formatBytes } from '../format.ts';
import { MIN_BYTES_GROWTH, MIN_ELEMENT_GROWTH, STRING_CLASSES, type SnapshotSummary } from './summary.ts';
import type { UnretainedGrowth } from '../protocol.ts';
import { GC_ROOTS } from './retainer-path.ts';

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

/** Whether a found collection holds what `path` leads to: that collection itself, or below it. */
function heldByCollection(path: string, collections: readonly Finding[]): boolean {
  return collections.some((c) => path === c.retainerPath || isBelow(path, c.retainerPath));
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

/** Bytes per element above which a collection of buffers is counted as off-heap growth. */
const OFF_HEAP_ELEMENT_BYTES = 1024;
const TYPED_OR_BUFFER =
  /^(?:ArrayBuffer|SharedArrayBuffer|Buffer|(?:Big)?(?:Int|Uint|Float)(?:8|16|32|64)(?:Clamped)?Array)$/;

/**
 * A list of subscribers that only grows (a reactive subject's `observers` of `OperatorSubscriber`s, found
 * on an rxjs Subject whose subscriptions were never ended, in a trial on code written elsewhere): by what
 * it holds, or by its name.
 */
const SUBSCRIBER_CLASS = /(?:Subscriber|Subscription|Observer)$/;
const SUBSCRIBER_LIST = /[.›] ?_?(?:observers|subscribers|subscriptions)$/i;

/** What to do about it, by what grows, where it is held, and whether it grows per instance (churn). */
export function suggestionFor(
  kind: FindingKind,
  what: string,
  path: string,
  holds: string | null,
  perInstance: boolean,
): string {
  if (what === 'Timeout' || holds === 'Timeout') {
    return 'A timer is started again and again and never cleared: keep its handle and clearInterval / clearTimeout it when its work is done (in an audit, in cleanup()).';
  }
  if (kind === 'internal') return internalSuggestion(what);
  if (kind === 'object') {
    if (STRING_CLASSES.includes(what)) {
      return 'One string grows: it is rebuilt with more appended every time. Keep the last N entries (a ring of lines) or write it out and start over.';
    }
    if (what === OFF_HEAP_OBJECT) {
      return 'One buffer is replaced by a larger copy whenever it fills: give it a fixed capacity (a ring buffer) or drop what was read.';
    }
    return 'One object grows for good: bound it, or release it once used.';
  }
  if (path.includes('._events') || holds === 'Function' || holds === '(closure)') {
    return 'A listener is added again and again and never removed: remove it (emitter.off / removeListener) when its work is done (in an audit, in cleanup()), or add it once.';
  }
  if ((holds !== null && SUBSCRIBER_CLASS.test(holds)) || SUBSCRIBER_LIST.test(path)) {
    return 'Subscribers are added and never removed: unsubscribe each when its work is done (subscription.unsubscribe(), take(1), takeUntil), or subscribe once.';
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

/** What to do about growth that V8's or Node's own tables hold, by what grows. */
function internalSuggestion(what: string): string {
  if (what === '(symbol)') {
    return 'Symbols registered with Symbol.for() are kept for the life of the process: use a fixed set of keys, or an unregistered Symbol() or a Map you can bound.';
  }
  if (what === '(compiled code)' || what === 'Function') {
    return 'Code compiled per step (new Function, eval, vm.Script, a regular expression built from data) is kept by V8: compile once and reuse it.';
  }
  return 'None of the program’s objects holds it: look for an API that registers something with V8 or Node on every call (Symbol.for, new Function or eval, vm contexts, process-wide listeners, a native addon).';
}

/** A single object's backing store outside the heap, as `what` names it. */
const OFF_HEAP_OBJECT = 'ArrayBuffer data (off the heap)';

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
  const objects = growingObjects(summaries, span).filter((o) => !heldByCollection(o.retainerPath, collections));
  // A growing string's rope, and a growing buffer's store, are that object's detail.
  for (const o of objects) {
    if (o.what === OFF_HEAP_OBJECT) for (const c of ['ArrayBuffer', ...OFF_HEAP_CLASSES]) explained.add(c);
    else if (STRING_CLASSES.includes(o.what)) for (const c of STRING_CLASSES) explained.add(c);
  }
  const constructors: Finding[] = [];
  for (const [key, path] of last.paths) {
    if (!key.startsWith('class:')) continue;
    const className = key.slice('class:'.length);
    // Instances a found collection holds, directly or below its elements, are that finding's detail.
    // Heap numbers are always some object's detail; an instance a stack or handle scope holds is one
    // caught in use, not kept. Held by V8's own tables (its symbol registry), it is `internal` growth.
    if (className === '(number)' || TRANSIENT_ROOTS.some((root) => path.startsWith(root))) continue;
    const internal = path.startsWith(GC_ROOTS);
    if (explained.has(className) || heldByCollection(path, collections)) continue;
    const counts = summaries.map((s) => s.classes.get(className)?.count ?? 0);
    const bytes = summaries.map((s) => s.classes.get(className)?.bytes ?? 0);
    if (!grewSteadily(units, counts, bytes, false)) continue;
    const kind: FindingKind = internal ? 'internal' : OFF_HEAP_CLASSES.has(className) ? 'off-heap' : 'constructor';
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
  // Equal growth (a history's arrays, each a number per step) is ordered by signature, not heap order,
  // so that the same findings come first in every run.
  const byBytes = (a: Finding, b: Finding) =>
    b.growthPerUnit.bytes - a.growthPerUnit.bytes ||
    (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0);
  return [...collections.sort(byBytes), ...objects.sort(byBytes), ...constructors.sort(byBytes)].slice(0, MAX_FINDINGS);
}

/**
 * Single objects that grew: among each snapshot's largest objects (`SnapshotSummary.largest`), one at
 * the same path in every snapshot, never smaller than before, and at least MIN_BYTES_GROWTH larger at
 * the last. Its count does not grow (a string rebuilt longer, a buffer replaced by a copy twice its size
 * when full, growing in steps), so the collections and classes above cannot see it.
 */
function growingObjects(summaries: readonly SnapshotSummary[], span: number): Finding[] {
  const found: Finding[] = [];
  for (const [path, object] of summaries.at(-1)!.largest) {
    const bytes = summaries.map((s) => s.largest.get(path)?.bytes ?? 0);
    if (bytes.some((b, i) => b === 0 || (i > 0 && b < bytes[i - 1]!))) continue;
    if (bytes.at(-1)! - bytes[0]! < MIN_BYTES_GROWTH) continue;
    const offHeap = OFF_HEAP_CLASSES.has(object.className);
    const what = offHeap ? OFF_HEAP_OBJECT : object.className;
    found.push({
      signature: signatureOf('object', what, path),
      kind: 'object',
      what,
      retainerPath: path,
      growthPerUnit: { count: 0, countEstimated: false, bytes: (bytes.at(-1)! - bytes[0]!) / span },
      evidence: summaries.map((s, i) => ({ units: s.units, count: 1, bytes: bytes[i]! })),
      suggestion: suggestionFor('object', what, path, null, false),
    });
  }
  return found;
}

/** Paths from V8's roots begin so; the stack's and the handle scopes' hold what is in use at the moment. */
const TRANSIENT_ROOTS = ['(Stack roots)', '(Handle scope)'].map((root) => `${GC_ROOTS} › ${root}`);
/** V8's and Node's own classes reported when nothing the program holds grew, the largest first. */
const UNRETAINED_CLASSES = 3;

/**
 * Where the growth was when no finding names it (`UnretainedGrowth`): V8's and Node's own classes that
 * grew by at least MIN_BYTES_GROWTH between the first snapshot and the last, and the heap at each.
 */
export function unretainedGrowth(summaries: readonly SnapshotSummary[]): UnretainedGrowth | null {
  if (summaries.length < 2) return null;
  const [first, last] = [summaries[0]!, summaries.at(-1)!];
  const machinery = [...last.machinery]
    .map(([className, t]) => ({ className, bytes: t.bytes - (first.machinery.get(className)?.bytes ?? 0) }))
    .filter((c) => c.bytes >= MIN_BYTES_GROWTH)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, UNRETAINED_CLASSES);
  const total = (s: SnapshotSummary) =>
    [...s.classes.values(), ...s.machinery.values()].reduce((sum, t) => sum + t.bytes, 0);
  return { machinery, heapBytes: [total(first), total(last)] };
}

/**
 * What a failing audit's report says when its diagnosis named nothing the program holds: where the
 * growth was instead, so that none of the program's objects retains it. Null for an audit that did not
 * fail (nothing grew), or with nothing to say.
 */
export function unretainedSentence(u: UnretainedGrowth | null, failedOffHeap: boolean): string | null {
  if (!u) return null;
  const [from, to] = u.heapBytes.map((b) => formatBytes(b));
  if (u.machinery.length > 0) {
    const list = u.machinery.map((c) => `${c.className} ${formatBytes(c.bytes, true)}`).join(', ');
    return `no object of the program holds what grew: between the first snapshot and the last only V8’s and Node’s own memory grew (${list}): their tables (symbols, compiled code, interned strings) or a native addon’s objects`;
  }
  if (failedOffHeap) {
    return `no object of the program holds what grew: the heap went from ${from} to ${to} between the first snapshot and the last, so the growth is off the heap, in memory no object on it owns (a native addon’s, or a library’s outside V8)`;
  }
  if (u.heapBytes[1] - u.heapBytes[0] >= MIN_BYTES_GROWTH) {
    return `the heap grew from ${from} to ${to} between the first snapshot and the last, but nothing in it grew in every interval in proportion to the units run (growth that started late, or came in one step): keep the snapshots (--keep-snapshots) and compare the last two in DevTools' Comparison view`;
  }
  return `no object of the program grew between the snapshots (the heap went from ${from} to ${to}): the growth the verdict measured did not recur in the diagnosis run`;
}
