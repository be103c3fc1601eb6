import { SYSTEM_DISTANCE, type HeapEdge, type HeapGraph } from './heap-graph.ts';
import { REPEAT_MARK, renderPath, shortestRetainerPath } from './retainer-path.ts';

/** How many elements a collection holds, as far as a snapshot shows it. */
export interface CollectionSize {
  readonly count: number;
  /** True when counted from the size of an unboxed store (an array of numbers has no element edges). */
  readonly estimated: boolean;
  readonly selfBytes: number;
  readonly retainedBytes: number;
}

export interface ClassTotals {
  readonly count: number;
  readonly bytes: number;
}

/** What the growth analysis needs from one snapshot; the snapshot itself can then be dropped. */
export interface SnapshotSummary {
  readonly units: number;
  /** Instances and shallow bytes per class (DevTools' class name). */
  readonly classes: ReadonlyMap<string, ClassTotals>;
  /** Collections by V8 object id (stable between snapshots of one process). */
  readonly collections: ReadonlyMap<number, CollectionSize & { readonly className: string }>;
  /** Rendered retainer paths, by object id (collections) or `class:` + name (see `summariseSnapshot`). */
  readonly paths: ReadonlyMap<string, string>;
  /** What the new elements of a collection are, by object id, when one class dominates. */
  readonly holds: ReadonlyMap<number, string>;
  /**
   * The largest single objects (LARGEST_OBJECTS, at least LARGE_OBJECT_BYTES each), by rendered path:
   * an object replaced by a larger copy (a string rebuilt, a buffer doubled) has a new id in every
   * snapshot, but the same path.
   */
  readonly largest: ReadonlyMap<string, { readonly className: string; readonly bytes: number }>;
  /** Instances and shallow bytes of V8's and Node's own classes (`(array)`, `(system)`, …), which no path names. */
  readonly machinery: ReadonlyMap<string, ClassTotals>;
  /** The highest object id: an object first seen in a later snapshot has a higher one. */
  readonly maxId: number;
}

/** V8's string classes: a string built by concatenation is a rope of them, retained by its top one. */
export const STRING_CLASSES: readonly string[] = ['(string)', '(concatenated string)', '(sliced string)'];

/** How many of the largest objects each snapshot records with their paths. */
export const LARGEST_OBJECTS = 10;
/** A single object smaller than this is not followed for growth of its own. */
export const LARGE_OBJECT_BYTES = 64 * 1024;

/**
 * Elements (or instances) a collection (or class) must gain between the first and last snapshot to be
 * a finding; the last snapshot follows (renders the path of) no collection or class that gained less.
 */
export const MIN_ELEMENT_GROWTH = 32;
/** Or bytes: a few large elements (1 MiB buffers) matter as much as many small ones. */
export const MIN_BYTES_GROWTH = 1 << 20;

/** An object with at least this many properties is read as a dictionary (a collection). */
export const MIN_DICTIONARY_PROPERTIES = 64;
/** At most this many grown classes get a rendered path (the most grown first). */
const MAX_CLASSES_WITH_PATHS = 40;
/** JSArray header plus its elements store's header, bytes (8-byte pointers). */
const ARRAY_OVERHEAD_BYTES = 32;
const SLOT_BYTES = 8;
const COLLECTION_CLASSES = new Set(['Array', 'Map', 'Set', 'WeakMap', 'WeakSet']);

/** Classes that are V8's machinery, not the program's objects. */
export function isProgramClass(className: string): boolean {
  if (className === 'system / JSArrayBufferData') return true;
  if (className.startsWith('system / ')) return false;
  return ![
    '(array)',
    '(compiled code)',
    '(system)',
    '(hidden)',
    '(object shape)',
    '(code)',
    '(synthetic)',
    '(GC roots)',
  ].includes(className);
}

/** A property an object holds as data (its prototype link is not one). */
const isMember = (e: HeapEdge) => e.type === 'property' && e.name !== '__proto__';

/**
 * The entries of a Map's or Set's hash table: its references to each key and value that is a heap
 * object (its map, V8's type descriptor, left out); null when the object has no table.
 */
function tableSlots(graph: HeapGraph, edges: readonly HeapEdge[]): HeapEdge[] | null {
  const table = edges.find((e) => e.type === 'internal' && e.name === 'table');
  return table ? graph.edges(table.node).filter((e) => e.name !== 'map') : null;
}

/** Slots an entry of a Map's hash table takes: its key, its value and its chain link (V8's OrderedHashMap). */
const MAP_ENTRY_SLOTS = 3;

/**
 * A Map's entries, from its table's slots: how many, and the slots that hold its values. Only keys and
 * values that are heap objects have a slot edge (a small integer has none), and an entry's key and value
 * are adjacent slots, its chain link (never an edge) after them: each run of adjacent slots is one
 * entry. Read from Node 20's snapshots: a Map of 5 string keys to objects has slots 7 8, 10 11, …,
 * 19 20 (10 edges, 5 entries); of 5 small-integer keys, slots 8, 11, …, 20. Counting slots read a
 * response cache of ~300 entries a second as +552 elements a second, "Map of (string)".
 */
function mapEntries(slots: readonly HeapEdge[]): { readonly count: number; readonly values: HeapEdge[] } {
  const indexed = slots.map((e) => ({ e, i: Number(e.name) })).sort((a, b) => a.i - b.i);
  const runs: { e: HeapEdge; i: number }[][] = [];
  for (const slot of indexed) {
    const run = runs.at(-1);
    if (run && slot.i === run.at(-1)!.i + 1) run.push(slot);
    else runs.push([slot]);
  }
  // A run of two is a key and its value: it shows where in its entry a lone slot sits.
  const pair = runs.find((r) => r.length === 2);
  const keyPosition = pair ? pair[0]!.i % MAP_ENTRY_SLOTS : null;
  const values = runs.flatMap((r) =>
    r.length === 2 ? [r[1]!.e] : keyPosition !== null && r[0]!.i % MAP_ENTRY_SLOTS !== keyPosition ? [r[0]!.e] : [],
  );
  return { count: runs.length, values: values.length > 0 ? values : slots.slice() };
}

/** The element count of an Array, Map, Set or dictionary-like object; null for anything else. */
export function collectionSize(graph: HeapGraph, ordinal: number): CollectionSize | null {
  if (graph.type(ordinal) !== 'object') return null;
  const className = graph.className(ordinal);
  // Cheap test first: most objects are neither collections nor dictionaries.
  if (!COLLECTION_CLASSES.has(className) && graph.edgeCount(ordinal) < MIN_DICTIONARY_PROPERTIES) return null;
  const edges = graph.edges(ordinal);
  const selfBytes = graph.selfSize(ordinal);
  const retainedBytes = graph.retainedSize(ordinal);
  if (className === 'Array') {
    const elements = edges.filter((e) => e.type === 'element').length;
    if (elements > 0) return { count: elements, estimated: false, selfBytes, retainedBytes };
    // Numbers are stored unboxed: the store's capacity (≥ length, < 1.5 x length + 16) is what shows.
    return {
      count: Math.max(0, Math.round((selfBytes - ARRAY_OVERHEAD_BYTES) / SLOT_BYTES)),
      estimated: true,
      selfBytes,
      retainedBytes,
    };
  }
  if (COLLECTION_CLASSES.has(className)) {
    const slots = tableSlots(graph, edges);
    if (!slots) return null;
    const count = className === 'Map' ? mapEntries(slots).count : slots.length;
    return { count, estimated: false, selfBytes, retainedBytes };
  }
  // Any other object with many properties is used as a dictionary.
  const properties = edges.filter(isMember).length;
  return properties >= MIN_DICTIONARY_PROPERTIES
    ? { count: properties, estimated: false, selfBytes, retainedBytes }
    : null;
}

/** The class that most of a collection's element targets belong to, when it is at least half of them. */
function dominantElementClass(graph: HeapGraph, ordinal: number): string | null {
  const counts = new Map<string, number>();
  let total = 0;
  const edges = graph.edges(ordinal);
  let targets = edges.filter((e) => e.type === 'element' || isMember(e));
  if (targets.length === 0) {
    // What a Map holds is its values (its keys say how it is looked up); a Set's, its members.
    const slots = tableSlots(graph, edges) ?? [];
    targets = graph.className(ordinal) === 'Map' ? mapEntries(slots).values : slots;
  }
  for (const edge of targets) {
    const name = graph.className(edge.node);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    total++;
  }
  let best: string | null = null;
  let bestCount = 0;
  for (const [name, count] of counts) {
    if (count > bestCount) {
      best = name;
      bestCount = count;
    }
  }
  return best !== null && bestCount * 2 >= total ? best : null;
}

/**
 * An object's own size, as `largest` follows it: its shallow size, but for a string the size of all it
 * retains when no other string holds it (the top of a rope built by concatenation, whose own node is a
 * few bytes), and nothing for a string inside a rope.
 */
function objectSize(graph: HeapGraph, ordinal: number, className: string): number {
  const self = graph.selfSize(ordinal);
  if (!STRING_CLASSES.includes(className) || graph.retainedSize(ordinal) < LARGE_OBJECT_BYTES) return self;
  const inRope = graph.retainers(ordinal).some((e) => STRING_CLASSES.includes(graph.className(e.node)));
  return inRope ? 0 : graph.retainedSize(ordinal);
}

/**
 * Reads what the growth analysis needs from one snapshot. Earlier snapshots record every collection's
 * size; the last one is read against the first (`reference`): it keeps the collections and classes
 * that grew, and renders their retainer paths. For a class, the path of its newest instance; but when the
 * farthest of its instances new since the reference is reached through a chain (each new instance
 * holding the last, or a long linked list), the newest is any link (V8 numbers new objects in heap
 * order): the head in one run, a middle link in the next. The farthest's path then reads the chain once,
 * from the root that holds it, the same in every run: `subject.schedule(.describe→previous)×29117.describe`.
 * Objects only V8's own roots reach are left out.
 */
export function summariseSnapshot(graph: HeapGraph, units: number, reference?: SnapshotSummary): SnapshotSummary {
  const classes = new Map<string, { count: number; bytes: number }>();
  const farthest = new Map<string, { id: number; distance: number; ordinal: number }>();
  const newest = new Map<string, { id: number; ordinal: number }>();
  let maxId = 0;
  const collections = new Map<number, CollectionSize & { className: string }>();
  const machinery = new Map<string, { count: number; bytes: number }>();
  const large: { ordinal: number; bytes: number }[] = [];
  for (let o = 0; o < graph.nodeCount; o++) {
    const className = graph.className(o);
    if (!isProgramClass(className)) {
      const totals = machinery.get(className) ?? { count: 0, bytes: 0 };
      totals.count++;
      totals.bytes += graph.selfSize(o);
      machinery.set(className, totals);
      continue;
    }
    const own = objectSize(graph, o, className);
    if (own >= LARGE_OBJECT_BYTES && graph.distance(o) >= 0) large.push({ ordinal: o, bytes: own });
    const totals = classes.get(className) ?? { count: 0, bytes: 0 };
    totals.count++;
    totals.bytes += graph.selfSize(o);
    classes.set(className, totals);
    const id = graph.id(o);
    // Native nodes (an ArrayBuffer's data) are numbered apart, from far above the heap's objects.
    if (id > maxId && graph.type(o) !== 'native') maxId = id;
    const distance = graph.distance(o);
    // The newest instance of any, as V8's tables may hold it (a Symbol.for key); for a chain, the
    // farthest of those new since the reference that the program's roots reach.
    if (reference && distance >= 0 && (newest.get(className)?.id ?? -1) < id) newest.set(className, { id, ordinal: o });
    if (reference && id > reference.maxId && distance >= 0 && distance < SYSTEM_DISTANCE) {
      const far = farthest.get(className);
      if (!far || distance > far.distance || (distance === far.distance && id > far.id))
        farthest.set(className, { id, distance, ordinal: o });
    }
    const size = collectionSize(graph, o);
    if (!size) continue;
    // In the last snapshot only what grew since the first by as much as a finding needs matters. Each
    // one kept gets a path: a subject that makes small arrays as it goes (a subscriber's own lists) has
    // tens of thousands, and rendering them all took 200 s of a diagnosis.
    const before = reference?.collections.get(id);
    const gained = size.count - (before?.count ?? 0);
    const bytesNow = Math.max(size.retainedBytes, size.selfBytes);
    const grewBytes = bytesNow - Math.max(before?.retainedBytes ?? 0, before?.selfBytes ?? 0);
    if (reference && gained < MIN_ELEMENT_GROWTH && grewBytes < MIN_BYTES_GROWTH) continue;
    collections.set(id, { ...size, className });
  }
  const paths = new Map<string, string>();
  const holds = new Map<number, string>();
  const largest = new Map<string, { className: string; bytes: number }>();
  for (const { ordinal, bytes } of large.sort((a, b) => b.bytes - a.bytes).slice(0, LARGEST_OBJECTS)) {
    const path = renderPath(graph, shortestRetainerPath(graph, ordinal));
    if (!largest.has(path)) largest.set(path, { className: graph.className(ordinal), bytes });
  }
  if (reference) {
    for (const id of collections.keys()) {
      const ordinal = graph.ordinalOf(id)!;
      paths.set(String(id), renderPath(graph, shortestRetainerPath(graph, ordinal)));
      const held = dominantElementClass(graph, ordinal);
      if (held) holds.set(id, held);
    }
    const grown = [...classes]
      .map(
        ([name, t]) =>
          [
            name,
            t.count - (reference.classes.get(name)?.count ?? 0),
            t.bytes - (reference.classes.get(name)?.bytes ?? 0),
          ] as const,
      )
      .filter(([, count, bytes]) => count >= MIN_ELEMENT_GROWTH || bytes >= MIN_BYTES_GROWTH)
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_CLASSES_WITH_PATHS);
    for (const [className] of grown) {
      const [far, last] = [farthest.get(className), newest.get(className)];
      if (!last) continue;
      // The newest new instance's path, unless the farthest's goes through a chain (a linked list, closures
      // that each hold the last state), which it reads once with its count, from the root that holds the
      // chain: `subject.run["#signal"]["<symbol kEvents>"].next×48993`. Of the newest, any link may be.
      const farPath = far ? renderPath(graph, shortestRetainerPath(graph, far.ordinal)) : '';
      paths.set(
        `class:${className}`,
        far && far.ordinal !== last.ordinal && farPath.includes(REPEAT_MARK)
          ? farPath
          : renderPath(graph, shortestRetainerPath(graph, last.ordinal)),
      );
    }
  }
  return { units, classes, collections, paths, holds, largest, machinery, maxId };
}
