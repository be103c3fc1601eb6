import { SUBJECT_GLOBAL } from '../protocol.ts';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { originalBinding, type OriginalBinding } from './bundle-bindings.ts';
import type { HeapEdge, HeapGraph } from './heap-graph.ts';

/** One hop of a retainer path: the edge taken and the node it leads to. */
export interface PathHop {
  readonly edgeType: string;
  readonly edgeName: string;
  readonly node: number;
}

/** Paths longer than this are cut (a linked list of thousands of nodes, say). */
const MAX_HOPS = 100;

/** Edges whose names mean something to a programmer rank first when two retainers are equally near. */
const EDGE_PREFERENCE: Readonly<Record<string, number>> = {
  property: 0,
  context: 1,
  element: 2,
  internal: 3,
  hidden: 4,
  shortcut: 5,
};

/** The names along a node's own shortest path, root side first: what tells two equal retainers apart. */
function pathKey(graph: HeapGraph, ordinal: number): string {
  return shortestRetainerPath(graph, ordinal)
    .map((hop) => `${hop.edgeType}:${hop.edgeName}:${graph.name(hop.node)}`)
    .join('/');
}

/**
 * Orders two retainers equally near the root: named edges first, then by edge name, then by the
 * retainer's name, then by the names on the retainers' own paths. The snapshot lists retainers in heap
 * order, which changes from run to run; without this a closure's context came out as `subject.step→…`
 * in one run and `subject.cleanup→…` in the next (two anonymous closures, told apart only by the
 * property that holds each), and a finding's signature must not change between runs.
 */
function compareTies(graph: HeapGraph, a: HeapEdge, b: HeapEdge): number {
  const preference = (EDGE_PREFERENCE[a.type] ?? 9) - (EDGE_PREFERENCE[b.type] ?? 9);
  if (preference !== 0) return preference;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const [na, nb] = [graph.name(a.node), graph.name(b.node)];
  if (na !== nb) return na < nb ? -1 : 1;
  // Both retainers are nearer the root than the node they hold: this recursion ends.
  const [ka, kb] = [pathKey(graph, a.node), pathKey(graph, b.node)];
  return ka === kb ? 0 : ka < kb ? -1 : 1;
}

/**
 * The shortest retainer path from the root to `ordinal`, root side first: at each node, the retainer
 * nearest the root (breadth-first distances, weak edges excluded), ties broken by `compareTies`.
 * Ends early (root side) at a node no retainer is nearer to the root than.
 */
export function shortestRetainerPath(graph: HeapGraph, ordinal: number): PathHop[] {
  const hops: PathHop[] = [];
  let current = ordinal;
  while (current !== graph.rootOrdinal && hops.length < MAX_HOPS) {
    const distance = graph.distance(current);
    let best: HeapEdge | null = null;
    let bestDistance = Infinity;
    for (const edge of graph.retainers(current)) {
      if (edge.type === 'weak') continue;
      const d = graph.distance(edge.node);
      if (d < 0 || d >= distance) continue;
      const better = d < bestDistance || (d === bestDistance && compareTies(graph, edge, best!) < 0);
      if (better) {
        best = edge;
        bestDistance = d;
      }
    }
    if (!best) break;
    hops.push({ edgeType: best.type, edgeName: best.name, node: current });
    current = best.node;
  }
  hops.push({ edgeType: 'root', edgeName: '', node: current });
  return hops.reverse();
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function propertySegment(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** How far below a module record its script's name is looked for (Generator → function → shared → script). */
const MODULE_SCRIPT_DEPTH = 4;

/**
 * The file an ES module record (`system / SourceTextModule`) was loaded from: its body's script, found
 * a few internal hops below it, as an absolute path.
 */
function moduleFile(graph: HeapGraph, moduleRecord: number): string | null {
  const seen = new Set<number>([moduleRecord]);
  let frontier = [moduleRecord];
  for (let depth = 0; depth < MODULE_SCRIPT_DEPTH && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const node of frontier) {
      for (const edge of graph.edges(node)) {
        if (edge.name === 'script_or_debug_info' && graph.name(edge.node).startsWith('file://')) {
          return fileURLToPath(graph.name(edge.node));
        }
        if (!seen.has(edge.node) && graph.type(edge.node) !== 'string') {
          seen.add(edge.node);
          next.push(edge.node);
        }
      }
    }
    frontier = next;
  }
  return null;
}

/** A file as paths name it: relative to the working directory when it lies below it, else absolute. */
function shownPath(file: string, cwd: string): string {
  const below = relative(cwd, file);
  return below.startsWith('..') || isAbsolute(below) ? file : below;
}

function shownModuleFile(graph: HeapGraph, moduleRecord: number, cwd: string): string {
  const file = moduleFile(graph, moduleRecord);
  return file === null ? '(unknown module)' : shownPath(file, cwd);
}

/**
 * The module-level variable a closure captured, when `context` is a module's own scope (V8 links that
 * context to its module record as `extension`): the module's file and the variable's name, mapped back
 * through the source map when the module is a bundle (the audit processes load esbuild bundles, in which
 * every source module's top-level variables share one module scope). Null for a function's context.
 */
function moduleVariable(graph: HeapGraph, context: number, name: string, cwd: string): OriginalBinding | null {
  const record = graph
    .edges(context)
    .find((e) => e.name === 'extension' && graph.name(e.node) === 'system / SourceTextModule');
  if (!record) return null;
  const file = moduleFile(graph, record.node);
  if (file === null) return null;
  const binding = originalBinding(file, name) ?? { file, name };
  return { file: shownPath(binding.file, cwd), name: binding.name };
}

/** The name of a module's top-level binding: its record lists [… name, cell, …] pairs. */
function bindingName(graph: HeapGraph, moduleRecord: number, cell: number): string | null {
  for (const list of graph.edges(moduleRecord)) {
    if (graph.type(list.node) !== 'array') continue;
    const entries = graph.edges(list.node);
    const at = entries.findIndex((e) => e.node === cell);
    if (at > 0 && graph.type(entries[at - 1]!.node) === 'string') return graph.name(entries[at - 1]!.node);
  }
  return null;
}

/** Collapses runs like `._idleNext._idleNext._idleNext` (linked lists) into `._idleNext×3`. */
function collapseRepeats(segments: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < segments.length;) {
    let j = i + 1;
    while (j < segments.length && segments[j] === segments[i]) j++;
    out.push(j - i >= 3 ? `${segments[i]}×${j - i}` : segments.slice(i, j).join(''));
    i = j;
  }
  return out;
}

/**
 * Renders a retainer path for people: from its most meaningful anchor, with property names.
 *   - through the diagnosis worker's subject: `subject.controller.history.sigma`
 *   - through a module's top-level binding: `module fixtures/calibration/lifecycle.ts › instanceRegistry`
 *   - a closure's captured variable is written `→name`: `subject.step→controller.stateHistory`
 *   - V8's internal hops (a Map's table, a module's cells) are left out.
 */
export function renderPath(graph: HeapGraph, hops: readonly PathHop[], cwd = process.cwd()): string {
  let anchor = 0;
  let label = hops.length > 1 ? graph.name(hops[1]!.node) : graph.name(hops[0]!.node);
  let moduleRecord: number | null = null;
  if (hops.length > 1) anchor = 1;
  for (let i = 1; i < hops.length; i++) {
    const hop = hops[i]!;
    const variable = hop.edgeType === 'context' ? moduleVariable(graph, hops[i - 1]!.node, hop.edgeName, cwd) : null;
    if (hop.edgeType === 'property' && hop.edgeName === SUBJECT_GLOBAL) {
      [anchor, label, moduleRecord] = [i, 'subject', null];
    } else if (graph.name(hop.node) === 'system / SourceTextModule') {
      [anchor, label, moduleRecord] = [i, `module ${shownModuleFile(graph, hop.node, cwd)} ›`, hop.node];
    } else if (variable) {
      [anchor, label, moduleRecord] = [i, `module ${variable.file} › ${variable.name}`, null];
    }
  }
  const segments: string[] = [];
  for (let i = anchor + 1; i < hops.length; i++) {
    const hop = hops[i]!;
    if (moduleRecord !== null && graph.name(hop.node) === 'system / Cell') {
      const name = bindingName(graph, moduleRecord, hop.node);
      if (name) segments.push(`.${name}`);
    } else if (hop.edgeType === 'property') segments.push(propertySegment(hop.edgeName));
    else if (hop.edgeType === 'element') segments.push(`[${hop.edgeName}]`);
    else if (hop.edgeType === 'context') segments.push(`→${hop.edgeName}`);
    // internal, hidden and shortcut hops carry V8's names, not the program's.
  }
  const body = collapseRepeats(segments).join('');
  if (label.endsWith('›')) return `${label} ${body.replace(/^[.→]/, '')}`.trimEnd();
  return `${label}${body}`;
}
