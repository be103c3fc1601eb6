import { createReadStream } from 'node:fs';
import { parse } from 'heap-snapshot-toolkit';

/** The parsed snapshot as heap-snapshot-toolkit returns it (Chrome DevTools' own model). */
type JSHeapSnapshot = Awaited<ReturnType<typeof parse>>;
type ToolkitNode = ReturnType<JSHeapSnapshot['createNode']>;
type EdgeIterator = ReturnType<ToolkitNode['edges']> | ReturnType<ToolkitNode['retainers']>;

export interface HeapEdge {
  /** V8's edge type: property, element, context, internal, hidden, shortcut, weak. */
  readonly type: string;
  /** The property or variable name, or the element index as text. */
  readonly name: string;
  /** The ordinal of the node the edge points to (from `edges`) or comes from (from `retainers`). */
  readonly node: number;
}

/**
 * One heap snapshot, read through a small typed surface: nodes by ordinal (0 … nodeCount − 1), their
 * outgoing edges and retainers, distances from the GC roots and retained sizes (both computed by the
 * toolkit). Only this module knows the toolkit's model; the diagnosis works on this interface.
 */
export interface HeapGraph {
  readonly nodeCount: number;
  readonly rootOrdinal: number;
  id(ordinal: number): number;
  type(ordinal: number): string;
  /** The constructor or class name for objects, the text for strings, `system / …` for V8 internals. */
  name(ordinal: number): string;
  /** Shallow size, with an array's elements store counted in the array (as DevTools shows it). */
  selfSize(ordinal: number): number;
  /** DevTools' grouping: the constructor for objects, `(string)`, `(array)`, `(system)`, … otherwise. */
  className(ordinal: number): string;
  edgeCount(ordinal: number): number;
  retainedSize(ordinal: number): number;
  /** Edges from the root on the shortest path (DevTools' measure, see `distance`); -1 when unreachable. */
  distance(ordinal: number): number;
  edges(ordinal: number): HeapEdge[];
  retainers(ordinal: number): HeapEdge[];
  /** The ordinal of the node with this V8 object id (ids are stable between snapshots of one process). */
  ordinalOf(id: number): number | undefined;
}

/** DevTools' offset for nodes reached only through V8's own roots, so user objects sort first. */
export const SYSTEM_DISTANCE = 100_000_000;

/**
 * Distances from the root as DevTools computes them (breadth-first, weak edges skipped, first from the
 * user roots such as the global object, then from the rest), but also skipping the references that
 * compiled code embeds (constants, module cells): those are the JIT's. Through them, the shortest path
 * to a module-level Map was `subject.__proto__.step` (step's optimised code) instead of its module.
 */
function programDistances(snapshot: JSHeapSnapshot): Int32Array {
  const {
    nodeFieldCount,
    edgeFieldsCount,
    edgeToNodeOffset,
    edgeTypeOffset,
    edgeWeakType,
    nodeTypeOffset,
    nodeCodeType,
  } = snapshot;
  const edges = snapshot.containmentEdges;
  const firstEdge = snapshot.firstEdgeIndexes;
  const distances = new Int32Array(snapshot.nodeCount).fill(-1);
  const queue = new Uint32Array(snapshot.nodeCount);
  const bfs = (head: number, tail: number): void => {
    while (head < tail) {
      const ordinal = queue[head++]!;
      if (snapshot.nodes.getValue(ordinal * nodeFieldCount + nodeTypeOffset) === nodeCodeType) continue;
      const next = distances[ordinal]! + 1;
      for (let e = firstEdge[ordinal]!; e < firstEdge[ordinal + 1]!; e += edgeFieldsCount) {
        if (edges.getValue(e + edgeTypeOffset) === edgeWeakType) continue;
        const child = edges.getValue(e + edgeToNodeOffset) / nodeFieldCount;
        if (distances[child] !== -1) continue;
        distances[child] = next;
        queue[tail++] = child;
      }
    }
  };
  const root = snapshot.rootNodeIndex / nodeFieldCount;
  let tail = 0;
  for (let it = snapshot.rootNode().edges(); it.hasNext(); it.next()) {
    const child = it.item().node();
    if (snapshot.isUserRoot(child) && distances[child.ordinal()] === -1) {
      distances[child.ordinal()] = 1;
      queue[tail++] = child.ordinal();
    }
  }
  bfs(0, tail);
  distances[root] = tail > 0 ? SYSTEM_DISTANCE : 0;
  queue[0] = root;
  bfs(0, 1);
  return distances;
}

class ToolkitHeapGraph implements HeapGraph {
  readonly nodeCount: number;
  readonly rootOrdinal: number;
  private readonly cursor: ToolkitNode;
  private idIndex: Map<number, number> | null = null;
  private readonly distances: Int32Array;

  constructor(private readonly snapshot: JSHeapSnapshot) {
    this.nodeCount = snapshot.nodeCount;
    this.cursor = snapshot.createNode(0);
    this.rootOrdinal = snapshot.rootNodeIndex / snapshot.nodeFieldCount;
    this.distances = programDistances(snapshot);
  }

  private at(ordinal: number): ToolkitNode {
    this.cursor.nodeIndex = ordinal * this.snapshot.nodeFieldCount;
    return this.cursor;
  }

  id(ordinal: number): number {
    return this.at(ordinal).id();
  }
  type(ordinal: number): string {
    return this.at(ordinal).type();
  }
  name(ordinal: number): string {
    return this.at(ordinal).name();
  }
  selfSize(ordinal: number): number {
    return this.at(ordinal).selfSize();
  }
  className(ordinal: number): string {
    return this.at(ordinal).className();
  }
  edgeCount(ordinal: number): number {
    return this.at(ordinal).edgesCount();
  }
  retainedSize(ordinal: number): number {
    return this.snapshot.retainedSizes[ordinal] ?? 0;
  }
  distance(ordinal: number): number {
    return this.distances[ordinal] ?? -1;
  }

  edges(ordinal: number): HeapEdge[] {
    return this.copy(this.at(ordinal).edges());
  }

  retainers(ordinal: number): HeapEdge[] {
    return this.copy(this.at(ordinal).retainers());
  }

  /** The toolkit's iterators reuse their item: copy what is needed at once. */
  private copy(it: EdgeIterator): HeapEdge[] {
    const out: HeapEdge[] = [];
    const fieldCount = this.snapshot.nodeFieldCount;
    for (; it.hasNext(); it.next()) {
      const edge = it.item();
      out.push({ type: edge.type(), name: String(edge.name()), node: edge.nodeIndex() / fieldCount });
    }
    return out;
  }

  ordinalOf(id: number): number | undefined {
    if (!this.idIndex) {
      this.idIndex = new Map();
      for (let i = 0; i < this.nodeCount; i++) this.idIndex.set(this.id(i), i);
    }
    return this.idIndex.get(id);
  }
}

/** Parses a `.heapsnapshot` file, streaming it from disk. */
export async function loadHeapGraph(file: string): Promise<HeapGraph> {
  return new ToolkitHeapGraph(await parse(createReadStream(file, 'utf-8')));
}
