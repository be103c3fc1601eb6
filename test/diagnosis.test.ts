import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findGrowth,
  MAX_SIGNATURE_CHARS,
  proportional,
  signatureOf,
  suggestionFor,
  unretainedGrowth,
  unretainedSentence,
} from '../src/diagnosis/findings.ts';
import type { HeapEdge, HeapGraph } from '../src/diagnosis/heap-graph.ts';
import { renderPath, shortestRetainerPath } from '../src/diagnosis/retainer-path.ts';
import { isFileName, stableFileName } from '../src/diagnosis/file-names.ts';
import { SUBJECT_GLOBAL } from '../src/protocol.ts';
import { collectionSize, summariseSnapshot } from '../src/diagnosis/summary.ts';
import { planDiagnosis, toDiagnose } from '../src/cli/run-diagnoses.ts';
import type { AuditEntry } from '../src/model/report.ts';

interface FakeNode {
  id: number;
  type: string;
  name: string;
  className?: string;
  selfSize?: number;
  retained?: number;
}

/**
 * A small heap built by hand: nodes by ordinal (0 is the root), edges as [from, type, name, to].
 * Distances are breadth-first from the root without weak edges, as the real graph computes them.
 */
class FakeHeap implements HeapGraph {
  readonly rootOrdinal = 0;
  private readonly out: HeapEdge[][];
  private readonly into: HeapEdge[][];
  private readonly dist: number[];

  constructor(
    private readonly nodes: FakeNode[],
    edges: [number, string, string, number][],
  ) {
    this.out = nodes.map(() => []);
    this.into = nodes.map(() => []);
    for (const [from, type, name, to] of edges) {
      this.out[from]!.push({ type, name, node: to });
      this.into[to]!.push({ type, name, node: from });
    }
    this.dist = nodes.map(() => -1);
    this.dist[0] = 0;
    const queue = [0];
    while (queue.length) {
      const n = queue.shift()!;
      for (const e of this.out[n]!) {
        if (e.type === 'weak' || this.dist[e.node] !== -1) continue;
        this.dist[e.node] = this.dist[n]! + 1;
        queue.push(e.node);
      }
    }
  }
  get nodeCount() {
    return this.nodes.length;
  }
  id(o: number) {
    return this.nodes[o]!.id;
  }
  type(o: number) {
    return this.nodes[o]!.type;
  }
  name(o: number) {
    return this.nodes[o]!.name;
  }
  className(o: number) {
    return this.nodes[o]!.className ?? this.nodes[o]!.name;
  }
  selfSize(o: number) {
    return this.nodes[o]!.selfSize ?? 16;
  }
  edgeCount(o: number) {
    return this.out[o]!.length;
  }
  retainedSize(o: number) {
    return this.nodes[o]!.retained ?? this.selfSize(o);
  }
  distance(o: number) {
    return this.dist[o]!;
  }
  edges(o: number) {
    return this.out[o]!;
  }
  retainers(o: number) {
    return this.into[o]!;
  }
  ordinalOf(id: number) {
    const o = this.nodes.findIndex((n) => n.id === id);
    return o < 0 ? undefined : o;
  }
}

/**
 * The heap of a subject whose controller appends one Float64Array per step to `history.states`, after
 * `steps` steps: root → global → subject (via the worker's global) → controller → history → states.
 * `clutter` unrelated arrays that do not grow sit beside it.
 */
function leakyHeap(steps: number): FakeHeap {
  const nodes: FakeNode[] = [
    { id: 1, type: 'synthetic', name: '' },
    { id: 3, type: 'object', name: 'global' },
    { id: 5, type: 'object', name: 'ClosedLoop' },
    { id: 7, type: 'object', name: 'ClassicalSMC' },
    { id: 9, type: 'object', name: 'History' },
    { id: 11, type: 'object', name: 'Array', selfSize: 32 + 8 * steps, retained: 32 + 8 * steps + 96 * steps },
    { id: 13, type: 'object', name: 'Array', selfSize: 32 + 8 * 100 },
  ];
  const edges: [number, string, string, number][] = [
    [0, 'element', '1', 1],
    [1, 'property', SUBJECT_GLOBAL, 2],
    [2, 'property', 'controller', 3],
    [3, 'property', 'history', 4],
    [4, 'property', 'states', 5],
    [4, 'property', 'fixed', 6],
  ];
  for (let i = 0; i < steps; i++) {
    nodes.push({ id: 1001 + 2 * i, type: 'object', name: 'Float64Array', selfSize: 96 });
    edges.push([5, 'element', String(i), nodes.length - 1]);
  }
  return new FakeHeap(nodes, edges);
}

describe('retainer paths', () => {
  it('renders the shortest path from the subject with property names', () => {
    const heap = leakyHeap(3);
    expect(renderPath(heap, shortestRetainerPath(heap, 5))).toBe('subject.controller.history.states');
    expect(renderPath(heap, shortestRetainerPath(heap, 8))).toBe('subject.controller.history.states[1]');
  });

  it('ignores weak edges, and writes captured variables and repeated links compactly', () => {
    const heap = new FakeHeap(
      [
        { id: 1, type: 'synthetic', name: '' },
        { id: 3, type: 'object', name: 'global' },
        { id: 5, type: 'closure', name: 'step' },
        { id: 7, type: 'object', name: 'system / Context' },
        { id: 9, type: 'object', name: 'List' },
        { id: 11, type: 'object', name: 'Node' },
        { id: 13, type: 'object', name: 'Node' },
        { id: 15, type: 'object', name: 'Node' },
      ],
      [
        [0, 'element', '1', 1],
        [1, 'property', SUBJECT_GLOBAL, 2],
        [1, 'weak', 'shortcut', 7],
        [2, 'internal', 'context', 3],
        [3, 'context', 'log', 4],
        [4, 'property', 'next', 5],
        [5, 'property', 'next', 6],
        [6, 'property', 'next', 7],
      ],
    );
    expect(renderPath(heap, shortestRetainerPath(heap, 7))).toBe('subject→log.next×3');
  });

  it('reads a chain once, with its depth, and keeps its signature the same at any depth', () => {
    // Closures that each capture the last state: object -someMethod-> closure -context-> scope
    // -originalThing-> object …, 12 links below the subject.
    const nodes: FakeNode[] = [
      { id: 1, type: 'synthetic', name: '' },
      { id: 3, type: 'object', name: 'global' },
    ];
    const edges: [number, string, string, number][] = [
      [0, 'element', '1', 1],
      [1, 'property', SUBJECT_GLOBAL, 2],
    ];
    let holder = 1;
    let edge: [string, string] = ['property', SUBJECT_GLOBAL];
    for (let link = 0; link < 12; link++) {
      const [object, closure, scope] = [nodes.length, nodes.length + 1, nodes.length + 2];
      nodes.push(
        { id: 2 * object + 1, type: 'object', name: 'Object', className: '{gain, someMethod}' },
        { id: 2 * closure + 1, type: 'closure', name: 'someMethod' },
        { id: 2 * scope + 1, type: 'object', name: 'system / Context' },
      );
      edges.push([holder, edge[0], edge[1], object]);
      edges.push([object, 'property', 'someMethod', closure], [closure, 'internal', 'context', scope]);
      [holder, edge] = [scope, ['context', 'originalThing']];
    }
    edges.splice(1, 1);
    const heap = new FakeHeap(nodes, edges);
    const deepest = nodes.length - 3;
    const path = renderPath(heap, shortestRetainerPath(heap, deepest));
    expect(path).toBe('subject(.someMethod→originalThing)×11');
    const shallower = renderPath(heap, shortestRetainerPath(heap, deepest - 9));
    expect(signatureOf('constructor', 'Object', shallower)).toBe(signatureOf('constructor', 'Object', path));
  });

  it('bounds a signature, keeping where its path starts and what grows', () => {
    const path = `subject${'.child'.repeat(100)}.leaf`;
    const signature = signatureOf('constructor', 'Leaf', path);
    expect(signature.length).toBe(MAX_SIGNATURE_CHARS);
    expect(signature.startsWith('constructor:Leaf@subject.child')).toBe(true);
    expect(signature.endsWith('.child.leaf')).toBe(true);
  });

  it('names a CommonJS package’s top-level variable by the package and its file, on any machine', () => {
    // getLogger (from node_modules/fake-registry/lib/registry.js) captured the module's `registry`: its
    // scope is Node's module wrapper's, enclosed by no other function.
    const heap = (root: string) =>
      new FakeHeap(
        [
          { id: 1, type: 'synthetic', name: '' },
          { id: 3, type: 'object', name: 'global' },
          { id: 5, type: 'closure', name: 'getLogger' },
          { id: 7, type: 'object', name: 'system / Context' },
          { id: 9, type: 'object', name: 'Array' },
          { id: 11, type: 'object', name: 'system / NativeContext' },
          { id: 13, type: 'code', name: 'getLogger' },
          { id: 15, type: 'string', name: join(root, 'node_modules', 'fake-registry', 'lib', 'registry.js') },
        ],
        [
          [0, 'element', '1', 1],
          [1, 'property', SUBJECT_GLOBAL, 2],
          [2, 'internal', 'context', 3],
          [3, 'context', 'registry', 4],
          [3, 'internal', 'previous', 5],
          [2, 'internal', 'shared', 6],
          [6, 'internal', 'script_or_debug_info', 7],
        ],
      );
    for (const root of ['/home/a/project', '/srv/ci/build-17/checkout']) {
      const graph = heap(root);
      expect(renderPath(graph, shortestRetainerPath(graph, 4))).toBe('module fake-registry/lib/registry.js › registry');
    }
  });

  it('breaks ties between equally near retainers by name, so the path is the same whatever the heap order', () => {
    // Two anonymous closures sharing one context, told apart only by the property holding each.
    const heap = (order: [string, string]) =>
      new FakeHeap(
        [
          { id: 1, type: 'synthetic', name: '' },
          { id: 3, type: 'object', name: 'global' },
          { id: 5, type: 'object', name: 'Subject' },
          { id: 7, type: 'closure', name: '' },
          { id: 9, type: 'closure', name: '' },
          { id: 11, type: 'object', name: 'system / Context' },
          { id: 13, type: 'object', name: 'Controller' },
        ],
        [
          [0, 'element', '1', 1],
          [1, 'property', SUBJECT_GLOBAL, 2],
          [2, 'property', order[0], 3],
          [2, 'property', order[1], 4],
          [3, 'internal', 'context', 5],
          [4, 'internal', 'context', 5],
          [5, 'context', 'controller', 6],
        ],
      );
    const [a, b] = [heap(['step', 'cleanup']), heap(['cleanup', 'step'])];
    expect(renderPath(a, shortestRetainerPath(a, 6))).toBe('subject.cleanup→controller');
    expect(renderPath(b, shortestRetainerPath(b, 6))).toBe('subject.cleanup→controller');
  });

  it('names a module-level variable of a bundle by its source file and name, through the source map', async () => {
    // Two modules with a top-level `cache` each: in the bundle esbuild renames one `cache2`.
    const dir = mkdtempSync(join(tmpdir(), 'leak-audit-bindings-'));
    try {
      writeFileSync(join(dir, 'a.ts'), 'export const cache: number[] = [];\nexport const a = () => cache.length;\n');
      writeFileSync(
        join(dir, 'b.ts'),
        'const cache = new Map<string, number>();\nexport const b = () => cache.size;\n',
      );
      writeFileSync(
        join(dir, 'entry.ts'),
        "import { a } from './a.ts';\nimport { b } from './b.ts';\nconsole.log(a(), b());\n",
      );
      const outfile = join(dir, 'out', 'entry.mjs');
      await build({
        entryPoints: [join(dir, 'entry.ts')],
        bundle: true,
        format: 'esm',
        outfile,
        sourcemap: 'linked',
        logLevel: 'silent',
      });
      const renamed = /^var (cache\d+) = .*new Map/m.exec(readFileSync(outfile, 'utf8'))?.[1];
      expect(renamed).toBeDefined();
      // The closure `b` captured the module scope's `cache2`; V8 links that scope to its module record.
      const heap = new FakeHeap(
        [
          { id: 1, type: 'synthetic', name: '' },
          { id: 3, type: 'object', name: 'global' },
          { id: 5, type: 'closure', name: 'b' },
          { id: 7, type: 'object', name: 'system / Context' },
          { id: 9, type: 'object', name: 'Map' },
          { id: 11, type: 'hidden', name: 'system / SourceTextModule' },
          { id: 13, type: 'code', name: 'system / Script' },
          { id: 15, type: 'string', name: pathToFileURL(outfile).href },
        ],
        [
          [0, 'element', '1', 1],
          [1, 'property', SUBJECT_GLOBAL, 2],
          [2, 'internal', 'context', 3],
          [3, 'context', renamed!, 4],
          [3, 'internal', 'extension', 5],
          [5, 'internal', 'code', 6],
          [6, 'internal', 'script_or_debug_info', 7],
        ],
      );
      expect(renderPath(heap, shortestRetainerPath(heap, 4), dir)).toBe('module b.ts › cache');
      // A function's own context (no module record) stays a captured variable.
      const plain = new FakeHeap(
        [
          { id: 1, type: 'synthetic', name: '' },
          { id: 3, type: 'object', name: 'global' },
          { id: 5, type: 'closure', name: 'b' },
          { id: 7, type: 'object', name: 'system / Context' },
          { id: 9, type: 'object', name: 'Map' },
        ],
        [
          [0, 'element', '1', 1],
          [1, 'property', SUBJECT_GLOBAL, 2],
          [2, 'internal', 'context', 3],
          [3, 'context', 'cache', 4],
        ],
      );
      expect(renderPath(plain, shortestRetainerPath(plain, 4), dir)).toBe('subject→cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('growth between snapshots', () => {
  it('calls growth proportional only when every interval gains at a similar rate', () => {
    expect(proportional([1000, 2000, 4000], [1000, 2000, 4000])).toBe(true);
    expect(proportional([1000, 2000, 4000], [1000, 2000, 2000])).toBe(false);
    expect(proportional([1000, 2000, 4000], [1000, 5000, 5200])).toBe(false);
  });

  it('names the collection that grows with the steps, its path and its rate, and not its holders', () => {
    const [a, b, c] = [leakyHeap(100), leakyHeap(200), leakyHeap(400)];
    const first = summariseSnapshot(a, 100);
    const findings = findGrowth([first, summariseSnapshot(b, 200), summariseSnapshot(c, 400, first)]);
    expect(findings).toHaveLength(1);
    const [top] = findings;
    expect(top).toMatchObject({
      kind: 'collection',
      what: 'Array of Float64Array',
      retainerPath: 'subject.controller.history.states',
    });
    expect(top!.growthPerUnit.count).toBe(1);
    expect(top!.growthPerUnit.bytes).toBe(8 + 96);
    expect(top!.evidence.map((e) => e.count)).toEqual([100, 200, 400]);
    expect(top!.signature).toBe(
      signatureOf('collection', 'Array of Float64Array', 'subject.controller.history.states'),
    );
  });

  it('finds nothing in a heap that does not grow', () => {
    const [a, b, c] = [leakyHeap(300), leakyHeap(300), leakyHeap(300)];
    const first = summariseSnapshot(a, 100);
    expect(findGrowth([first, summariseSnapshot(b, 200), summariseSnapshot(c, 400, first)])).toEqual([]);
  });

  it('does not call a one-time fill a leak', () => {
    const [a, b, c] = [leakyHeap(100), leakyHeap(400), leakyHeap(410)];
    const first = summariseSnapshot(a, 100);
    expect(findGrowth([first, summariseSnapshot(b, 200), summariseSnapshot(c, 400, first)])).toEqual([]);
  });

  it('names one object that grows, a buffer replaced by a copy twice its size, by its path', () => {
    // subject.log holds one ArrayBuffer whose data is replaced when full: a new node (and id) each time.
    const heap = (units: number, bytes: number) =>
      new FakeHeap(
        [
          { id: 1, type: 'synthetic', name: '' },
          { id: 3, type: 'object', name: 'global' },
          { id: 5, type: 'object', name: 'Log' },
          { id: 7, type: 'object', name: 'ArrayBuffer' },
          { id: 100 + units, type: 'native', name: 'system / JSArrayBufferData', selfSize: bytes },
        ],
        [
          [0, 'element', '1', 1],
          [1, 'property', SUBJECT_GLOBAL, 2],
          [2, 'property', 'log', 3],
          [3, 'internal', 'backing_store', 4],
        ],
      );
    const first = summariseSnapshot(heap(100_000, 1 << 20), 100_000);
    const findings = findGrowth([
      first,
      summariseSnapshot(heap(200_000, 2 << 20), 200_000),
      summariseSnapshot(heap(400_000, 4 << 20), 400_000, first),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'object',
      what: 'ArrayBuffer data (off the heap)',
      retainerPath: 'subject.log',
    });
    expect(findings[0]!.growthPerUnit.bytes).toBeCloseTo((3 << 20) / 300_000, 6);
  });

  it('names growth that V8’s own tables hold by the table, and says so when nothing the program holds grew', () => {
    // Symbol.for with a new key each unit: the symbols hang off V8's strong roots, not the program's objects.
    const heap = (symbols: number, system: number) => {
      const nodes: FakeNode[] = [
        { id: 1, type: 'synthetic', name: '' },
        { id: 3, type: 'synthetic', name: '(GC roots)' },
        { id: 5, type: 'synthetic', name: '(Strong roots)' },
        { id: 7, type: 'array', name: '', className: '(array)', selfSize: system },
      ];
      const edges: [number, string, string, number][] = [
        [0, 'element', '1', 1],
        [1, 'element', '4', 2],
        [2, 'internal', 'public_symbol_table', 3],
      ];
      for (let k = 0; k < symbols; k++) {
        nodes.push({ id: 11 + 2 * k, type: 'symbol', name: 'symbol', className: '(symbol)', selfSize: 24 });
        edges.push([3, 'internal', String(k), nodes.length - 1]);
      }
      return new FakeHeap(nodes, edges);
    };
    const first = summariseSnapshot(heap(100, 1 << 20), 100);
    const findings = findGrowth([
      first,
      summariseSnapshot(heap(200, 2 << 20), 200),
      summariseSnapshot(heap(400, 4 << 20), 400, first),
    ]);
    expect(findings[0]).toMatchObject({
      kind: 'internal',
      what: '(symbol)',
      retainerPath: '(GC roots) › (Strong roots) › public_symbol_table',
    });
    expect(findings[0]!.suggestion).toMatch(/Symbol\.for/);
    // With nothing the program holds growing, where the growth was: V8's own memory, or off the heap.
    const machinery = [heap(0, 1 << 20), heap(0, 4 << 20)].map((h, i) => summariseSnapshot(h, 100 * (i + 1)));
    expect(unretainedSentence(unretainedGrowth(machinery), false)).toMatch(
      /no object of the program holds what grew: .*\(array\) \+3\.00 MiB/,
    );
    const flat = [heap(0, 1 << 20), heap(0, 1 << 20)].map((h, i) => summariseSnapshot(h, 100 * (i + 1)));
    expect(unretainedSentence(unretainedGrowth(flat), true)).toMatch(
      /the growth is off the heap, in memory no object on it owns/,
    );
    expect(unretainedSentence(unretainedGrowth(flat), false)).toMatch(/did not recur in the diagnosis run/);
    // The program's own memory grew, but in no proportion a finding needs (it started late).
    const late = [heap(0, 1 << 20), heap(200, 1 << 20)].map((h, i) => summariseSnapshot(h, 100 * (i + 1)));
    const grew = unretainedGrowth(late)!;
    expect(
      unretainedSentence({ ...grew, heapBytes: [grew.heapBytes[0], grew.heapBytes[0] + (2 << 20)] }, false),
    ).toMatch(/nothing in it grew in every interval in proportion to the units run/);
  });

  it('keeps signatures free of element indexes and repeat counts', () => {
    expect(signatureOf('constructor', 'Timeout', 'subject[3].timers.next×12')).toBe(
      'constructor:Timeout@subject[].timers.next×',
    );
  });
});

describe('how many entries a collection holds', () => {
  /** A Map or Set whose table holds these slots (index → class), as Node 20's snapshots show them. */
  function collection(className: string, slots: [number, string][]): FakeHeap {
    const nodes: FakeNode[] = [
      { id: 1, type: 'synthetic', name: '' },
      { id: 3, type: 'object', name: className },
      { id: 5, type: 'array', name: 'system / OrderedHashTable' },
      ...slots.map(([, name], i) => ({ id: 7 + 2 * i, type: name === '(string)' ? 'string' : 'object', name })),
    ];
    const edges: [number, string, string, number][] = [
      [0, 'element', '1', 1],
      [1, 'internal', 'table', 2],
      ...slots.map(([index], i): [number, string, string, number] => [2, 'internal', String(index), 3 + i]),
    ];
    return new FakeHeap(nodes, edges);
  }
  const pairs = (first: number, n: number) =>
    Array.from({ length: n }, (_, i): [number, string][] => [
      [first + 3 * i, '(string)'],
      [first + 3 * i + 1, 'Object'],
    ]).flat();

  it('a Map’s entries, not its keys and values: each run of adjacent table slots is one entry', () => {
    expect(collectionSize(collection('Map', pairs(7, 5)), 1)!.count).toBe(5);
    // Small-integer keys have no slot edge: one slot an entry.
    const values = Array.from({ length: 5 }, (_, i): [number, string] => [8 + 3 * i, 'Object']);
    expect(collectionSize(collection('Map', values), 1)!.count).toBe(5);
    // A Set's members are one slot each.
    const members = Array.from({ length: 5 }, (_, i): [number, string] => [7 + 2 * i, 'Object']);
    expect(collectionSize(collection('Set', members), 1)!.count).toBe(5);
  });
});

describe('what a finding suggests', () => {
  it('unsubscribing for a subject’s subscribers, removing for an emitter’s listeners, a ring for a log', () => {
    // As found on an rxjs Subject whose subscriptions were never ended (a trial on code written elsewhere).
    const observers = suggestionFor(
      'collection',
      'Array',
      'module a.mjs › prices$.observers',
      'OperatorSubscriber',
      false,
    );
    expect(observers).toMatch(/^Subscribers are added and never removed: unsubscribe/);
    expect(suggestionFor('collection', 'Array', 'module a.mjs › feed.subscribers', 'Object', false)).toBe(observers);
    expect(suggestionFor('collection', 'Array', 'module a.mjs › bus._events["tick"]', 'Function', false)).toMatch(
      /emitter\.off/,
    );
    expect(suggestionFor('collection', 'Array', 'module a.mjs › history', 'Object', false)).toMatch(/ring buffer/);
  });
});

describe('which audits are diagnosed', () => {
  const audit = (
    id: string,
    role: AuditEntry['role'],
    verdict: AuditEntry['verdict'],
    expectationMet: boolean,
  ): AuditEntry => ({ id, role, verdict, expectationMet }) as AuditEntry;
  const audits = [
    audit('legacy', 'subject', 'fail', true),
    audit('bounded', 'subject', 'pass', true),
    audit('planted-leak', 'calibration', 'fail', true),
    audit('false-alarm', 'calibration', 'fail', false),
    audit('crashed', 'subject', 'error', false),
    audit('noise-floor-no-op', 'noise-floor', 'pass', true),
  ];
  const ids = (diagnose: 'failing' | 'all' | 'none'): string[] => toDiagnose(audits, { diagnose }).map((a) => a.id);

  it('by default the failing ones, but not a planted leak caught as planted', () => {
    expect(ids('failing')).toEqual(['legacy', 'false-alarm']);
  });

  it('every audit that ran with --diagnose, none with --no-diagnose', () => {
    expect(ids('all')).toEqual(['legacy', 'bounded', 'planted-leak', 'false-alarm']);
    expect(ids('none')).toEqual([]);
  });
});

describe('stableFileName', () => {
  it('names a package’s file by the package, a build chunk without its hash, a project’s file from its root', () => {
    expect(stableFileName('/home/a/app/node_modules/pino/lib/tools.js')).toBe('pino/lib/tools.js');
    expect(stableFileName('file:///srv/x/node_modules/a/node_modules/@scope/b/index.js')).toBe('@scope/b/index.js');
    expect(stableFileName('/tmp/run-1/.build/chunks/chunk-YJRBBVA7.mjs')).toBe('chunk.mjs');
    // A module cache's key is a script's path; a route cache's key that starts with a slash is not.
    expect([isFileName('/srv/app/lib/registry.js'), isFileName('/api/users')]).toEqual([true, false]);
    const root = mkdtempSync(join(tmpdir(), 'leak-audit-names-'));
    try {
      mkdirSync(join(root, 'src', 'lib'), { recursive: true });
      writeFileSync(join(root, 'package.json'), '{}');
      expect(stableFileName(join(root, 'src', 'lib', 'registry.ts'), '/elsewhere')).toBe('src/lib/registry.ts');
      expect(stableFileName(pathToFileURL(join(root, 'src', 'a.ts')).href, '/elsewhere')).toBe('src/a.ts');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('where a diagnosis takes its snapshots', () => {
  /** A soak whose verdict run read `heap(at)` every 10 000 steps to `steps`, its warm-up ending at `warmup`. */
  const entry = (steps: number, warmup: number, perStep: number, heap: (at: number) => number): AuditEntry =>
    ({
      id: 'leak',
      workload: 'soak',
      verdict: perStep > 1 ? 'fail' : 'pass',
      instances: 1,
      steps,
      warmup: { steps: warmup, bytes: 0, settled: true },
      slope: { bytesPerUnit: perStep, bytesPerStep: perStep, ci: [perStep, perStep], unit: 'step', verdict: 'fail' },
      offHeap: { bytesPerUnit: 0, bytesPerStep: 0, ci: [0, 0], unit: 'step', verdict: 'pass', warmupBytes: 0 },
      samples: Array.from({ length: steps / 10_000 + 1 }, (_, i) => ({
        at: i * 10_000,
        heapUsed: heap(i * 10_000),
        external: 0,
      })),
    }) as unknown as AuditEntry;
  const plan = (e: AuditEntry) =>
    planDiagnosis(e, '/tmp/s', { snapshotCapMb: 100, profile: false }, '/tmp/p').snapshotUnits;

  it('takes them at W, 2W and 4W past the warm-up, W enough to grow 4 MiB', () => {
    expect(plan(entry(1_000_000, 0, 100, (at) => 4e6 + 100 * at))).toEqual([41_944, 83_888, 167_776]);
  });

  it('steps no further than the verdict run did, and only as far as its heap made a snapshot under the cap', () => {
    // A leak that starts at 590 000 steps: 4W would be 2.36 M steps, past the run, and a 240 MB snapshot.
    const late = entry(1_000_000, 590_000, 65, (at) => 4e6 + 65 * Math.max(0, at - 590_000));
    expect(plan(late)).toEqual([590_000, 795_000, 1_000_000]);
    // The same leak as its verdict judged it, one slope over the whole run (no warm-up cut, 26 B/step on
    // average): the snapshots still begin where it starts to grow, and plan on its rate from there.
    const judgedWhole = entry(1_000_000, 0, 26, (at) => 4e6 + 65 * Math.max(0, at - 590_000));
    expect(plan(judgedWhole)).toEqual([590_000, 795_000, 1_000_000]);
    // A clean subject has no onset, however late its readings come back to their lowest (a buffer that
    // drains): its plan is the warm-up's, as before.
    const wobble = entry(1_000_000, 90_000, 0.01, (at) => 5e6 + (at % 200_000 === 0 ? 0 : 2e6));
    expect(plan(wobble)[0]).toBeLessThanOrEqual(250_000);
    // 400 B/step from the start: at 2.5 bytes of snapshot per byte of heap, 100 MiB is reached near 94 000 steps.
    const big = plan(entry(1_000_000, 0, 400, (at) => 4e6 + 400 * at));
    expect(big.at(-1)).toBeLessThanOrEqual(100_000);
    expect(big).toEqual([big[0], 2 * big[0]!, 4 * big[0]!]);
  });
});

describe('the path a class of growing instances is shown by', () => {
  /**
   * A chain of `links` objects, each holding the last through a closure's scope (three hops a link),
   * the newest at the head: subject → head → someMethod → scope → originalThing → … Ids grow towards
   * the head, as later snapshots number new objects.
   */
  const chain = (links: number): FakeHeap => {
    const nodes: FakeNode[] = [
      { id: 1, type: 'synthetic', name: '' },
      { id: 3, type: 'object', name: 'global' },
    ];
    const edges: [number, string, string, number][] = [[0, 'element', '1', 1]];
    let holder = 1;
    let edge: [string, string] = ['property', SUBJECT_GLOBAL];
    for (let link = 0; link < links; link++) {
      const id = 10 * (links - link);
      const [object, closure, scope] = [nodes.length, nodes.length + 1, nodes.length + 2];
      nodes.push(
        { id, type: 'object', name: 'Object', className: '{gain, someMethod}' },
        { id: id + 2, type: 'closure', name: 'someMethod' },
        { id: id + 4, type: 'object', name: 'system / Context' },
      );
      edges.push([holder, edge[0], edge[1], object]);
      edges.push([object, 'property', 'someMethod', closure], [closure, 'internal', 'context', scope]);
      [holder, edge] = [scope, ['context', 'originalThing']];
    }
    return new FakeHeap(nodes, edges);
  };

  it('reads a chain once, with its count, from the root that holds it, the same at any depth', () => {
    const first = summariseSnapshot(chain(10), 100);
    const path = (links: number) =>
      summariseSnapshot(chain(links), 100 * links, first).paths.get('class:{gain, someMethod}');
    // 80 links is 240 hops, past the hops whose ties are broken by name: the walk goes on to the root.
    expect(path(80)).toBe('subject(.someMethod→originalThing)×69');
    const signature = (links: number) => signatureOf('constructor', '{gain, someMethod}', path(links)!);
    expect(signature(80)).toBe(signature(120));
  });
});
