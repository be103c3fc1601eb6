import { SUBJECT_GLOBAL } from '../protocol.ts';
import { fileURLToPath } from 'node:url';
import { originalBinding, type OriginalBinding } from './bundle-bindings.ts';
import { isFileName, stableFileName } from './file-names.ts';
import type { HeapEdge, HeapGraph } from './heap-graph.ts';

/** One hop of a retainer path: the edge taken and the node it leads to. */
export interface PathHop {
  readonly edgeType: string;
  readonly edgeName: string;
  readonly node: number;
}

/**
 * Hops, from the object, whose ties between equally near retainers are broken by name (compareTies, which
 * reads each candidate's own path: quadratic along a chain). Past them a path goes on to its root through
 * the first nearest retainer: a linked list of 50 000 listeners on one AbortSignal was cut at 100 hops,
 * and its finding read `….next×100`, with no word of the signal that holds the list.
 */
const TIE_BROKEN_HOPS = 100;
/** Paths longer than this are cut: a bound on the walk, far past any chain a snapshot under the cap holds. */
const MAX_HOPS = 2_000_000;
/** The first hop of a path cut at MAX_HOPS (its root side is missing), and how a rendered one begins. */
const CUT_EDGE = 'cut';
export const CUT_MARK = '…';
/** The node V8's own roots hang from, as a path from them begins. */
export const GC_ROOTS = '(GC roots)';

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
 * nearest the root (breadth-first distances, weak edges excluded), ties broken by `compareTies` for the
 * first TIE_BROKEN_HOPS hops.
 * Ends early (root side) at a node no retainer is nearer to the root than.
 */
export function shortestRetainerPath(graph: HeapGraph, ordinal: number): PathHop[] {
  const hops: PathHop[] = [];
  let current = ordinal;
  let cut = false;
  while (current !== graph.rootOrdinal) {
    if (hops.length >= MAX_HOPS) {
      cut = true;
      break;
    }
    const distance = graph.distance(current);
    let best: HeapEdge | null = null;
    let bestDistance = Infinity;
    for (const edge of graph.retainers(current)) {
      if (edge.type === 'weak') continue;
      const d = graph.distance(edge.node);
      if (d < 0 || d >= distance) continue;
      const better =
        d < bestDistance ||
        (d === bestDistance && hops.length < TIE_BROKEN_HOPS && compareTies(graph, edge, best!) < 0);
      if (better) {
        best = edge;
        bestDistance = d;
      }
    }
    if (!best) break;
    hops.push({ edgeType: best.type, edgeName: best.name, node: current });
    current = best.node;
  }
  hops.push({ edgeType: cut ? CUT_EDGE : 'root', edgeName: '', node: current });
  return hops.reverse();
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A property as a path shows it; a file's path as a key (a module cache's) as `stableFileName` names it. */
function propertySegment(name: string): string {
  if (IDENTIFIER.test(name)) return `.${name}`;
  return `[${JSON.stringify(isFileName(name) ? stableFileName(name) : name)}]`;
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

function shownModuleFile(graph: HeapGraph, moduleRecord: number, cwd: string): string {
  const file = moduleFile(graph, moduleRecord);
  return file === null ? '(unknown module)' : stableFileName(file, cwd);
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
  return { file: stableFileName(binding.file, cwd), name: binding.name };
}

/**
 * The top-level variable of a CommonJS module that a closure captured: `context` is the scope of a
 * function that no other function encloses (V8 links it straight to the native context), which in a
 * CommonJS file is Node's module wrapper, and `closure`, which holds it, was compiled from a file (its
 * script is named by the file's path). Null otherwise (a nested function's scope, a script's).
 */
function commonJsVariable(graph: HeapGraph, closure: number, context: number, name: string, cwd: string) {
  const previous = graph.edges(context).find((e) => e.name === 'previous');
  if (!previous || graph.name(previous.node) !== 'system / NativeContext') return null;
  const shared = graph.edges(closure).find((e) => e.name === 'shared');
  const script = shared && graph.edges(shared.node).find((e) => e.name === 'script_or_debug_info');
  const file = script ? graph.name(script.node) : '';
  return isFileName(file) ? { file: stableFileName(file, cwd), name } : null;
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

/** The longest unit of segments a repetition is collapsed by (`→originalThing.gain` is two). */
const MAX_REPEAT_UNIT = 4;
/** A unit is collapsed when it repeats at least this many times in a row. */
const MIN_REPEATS = 3;
/** How a collapsed repetition shows its count: `.next×49854`. */
export const REPEAT_MARK = '×';

/**
 * One edge as a path shows it: `.name` for a property, `[i]` for an element, `→name` for a variable a
 * closure captured; null for internal, hidden and shortcut edges, which carry V8's names, not the
 * program's.
 */
function edgeSegment(type: string, name: string): string | null {
  if (type === 'property') return propertySegment(name);
  if (type === 'element') return `[${name}]`;
  if (type === 'context') return `→${name}`;
  return null;
}

/** Whether the `unit` segments from `a` equal those from `b`. */
function sameUnit(segments: readonly string[], a: number, b: number, unit: number): boolean {
  for (let k = 0; k < unit; k++) if (segments[a + k] !== segments[b + k]) return false;
  return true;
}

/**
 * Collapses repetitions, a chain read once with its count: a linked list's `._idleNext._idleNext
 * ._idleNext` into `._idleNext×3`, a chain of closures that each capture the last one's state,
 * `→originalThing.gain→originalThing.gain…`, into `(→originalThing.gain)×2400`. At each place the unit
 * (up to MAX_REPEAT_UNIT segments) that covers the most segments wins, the shorter on a tie.
 */
function collapseRepeats(segments: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < segments.length;) {
    let best = { unit: 1, count: 1 };
    for (let unit = 1; unit <= MAX_REPEAT_UNIT; unit++) {
      let count = 1;
      while (i + (count + 1) * unit <= segments.length && sameUnit(segments, i, i + count * unit, unit)) count++;
      if (count >= MIN_REPEATS && count * unit > best.count * best.unit) best = { unit, count };
    }
    if (best.count < MIN_REPEATS) {
      out.push(segments[i]!);
      i++;
      continue;
    }
    const unit = segments.slice(i, i + best.unit).join('');
    out.push(best.unit === 1 ? `${unit}${REPEAT_MARK}${best.count}` : `(${unit})${REPEAT_MARK}${best.count}`);
    i += best.unit * best.count;
  }
  return out;
}

/**
 * A path from V8's own roots, named by the root and the tables below it, whose names are V8's:
 * `(GC roots) › (Strong roots) › public_symbol_table`. Element indexes of a table say nothing.
 */
function rootTablePath(graph: HeapGraph, hops: readonly PathHop[]): string {
  const names = [graph.name(hops[1]!.node), graph.name(hops[2]!.node)];
  for (const hop of hops.slice(3)) {
    if (hop.edgeType === 'internal' && !/^\d+$/.test(hop.edgeName)) names.push(hop.edgeName);
    else if (hop.edgeType === 'property' || hop.edgeType === 'context') names.push(hop.edgeName);
  }
  return names.join(' › ');
}

/**
 * Renders a retainer path for people: from its most meaningful anchor, with property names.
 *   - through the diagnosis worker's subject: `subject.controller.history.sigma`
 *   - through a module's top-level binding: `module fixtures/calibration/lifecycle.ts › instanceRegistry`
 *   - a closure's captured variable is written `→name`: `subject.step→controller.stateHistory`
 *   - V8's internal hops (a Map's table, a module's cells) are left out.
 */
export function renderPath(graph: HeapGraph, hops: readonly PathHop[], cwd = process.cwd()): string {
  if (hops.length > 2 && graph.name(hops[1]!.node) === GC_ROOTS) return rootTablePath(graph, hops);
  let anchor = 0;
  // A path cut at MAX_HOPS starts inside a chain, at no root: it is labelled so, never by the name of
  // the node it was cut at (a string's name is its text).
  const cut = hops[0]!.edgeType === CUT_EDGE;
  let label = cut ? CUT_MARK : hops.length > 1 ? graph.name(hops[1]!.node) : graph.name(hops[0]!.node);
  let moduleRecord: number | null = null;
  if (hops.length > 1 && !cut) anchor = 1;
  for (let i = 1; i < hops.length; i++) {
    const hop = hops[i]!;
    const variable =
      hop.edgeType === 'context'
        ? (moduleVariable(graph, hops[i - 1]!.node, hop.edgeName, cwd) ??
          (i >= 2 ? commonJsVariable(graph, hops[i - 2]!.node, hops[i - 1]!.node, hop.edgeName, cwd) : null))
        : null;
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
    } else {
      const segment = edgeSegment(hop.edgeType, hop.edgeName);
      if (segment) segments.push(segment);
    }
  }
  const body = collapseRepeats(segments).join('');
  if (label.endsWith('›')) return `${label} ${body.replace(/^[.→]/, '')}`.trimEnd();
  return `${label}${body}`;
}
