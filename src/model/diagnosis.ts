/**
 * What a diagnosis finds, as the report publishes it: shared by the worker, the snapshot analysis and the
 * reports. What crosses between the processes to get it (the plan, the raw record) is in protocol.ts.
 */

/** Where live memory was allocated (from the sampling heap profile), summed by source line. */
export interface AllocationSite {
  readonly function: string;
  /** `file:line`, the file relative to the working directory. */
  readonly location: string;
  /** Sampled bytes still alive at the end of the profile. */
  readonly bytes: number;
  readonly bytesPerUnit: number;
}

export interface SnapshotTaken {
  readonly file: string;
  /** Units done when it was taken. */
  readonly units: number;
  readonly bytes: number;
  /** Post-GC heapUsed just before the snapshot. */
  readonly heapUsed: number;
  readonly ms: number;
}

/**
 * `collection`: an Array, Map, Set or dictionary that gains elements; `constructor`: instances of a class
 * that accumulate; `off-heap`: buffers kept outside the V8 heap; `object`: one object that grows (a
 * string rebuilt longer, a buffer replaced by a larger copy); `internal`: growth that V8's or Node's own
 * tables hold, which no object of the program retains (a `Symbol.for` key per step).
 */
export type FindingKind = 'collection' | 'constructor' | 'off-heap' | 'object' | 'internal';

/** One thing that grows in proportion to the units run, and who holds it. */
export interface Finding {
  /** Stable across runs: built from the kind, the type and the retainer path's names, not addresses. */
  readonly signature: string;
  readonly kind: FindingKind;
  /** `Array`, `Map`, `Float64Array`, `Timeout`, …; for collections, what they hold when one type dominates. */
  readonly what: string;
  /**
   * The shortest retainer path from a GC root, e.g. `subject.controller.history.sigma`; for a chain
   * deeper than a path may be, the path to where it begins, then the chain read from its far end:
   * `subject.step→theThing …(→originalThing.someMethod)×33→originalThing`. `object` findings count no
   * elements (`growthPerUnit.count` is 0): one object's bytes grow.
   */
  readonly retainerPath: string;
  readonly growthPerUnit: {
    /** Elements (collections) or instances (constructors) per unit. */
    readonly count: number;
    /** Whether `count` is estimated from the size of an unboxed store (arrays of numbers). */
    readonly countEstimated: boolean;
    readonly bytes: number;
  };
  /** Units and counts / bytes at each snapshot: the data the rates come from. */
  readonly evidence: readonly { readonly units: number; readonly count: number; readonly bytes: number }[];
  readonly suggestion: string;
  /** Set when an active allowlist entry accepts this finding (by signature). */
  readonly accepted?: { readonly owner: string; readonly reason: string; readonly expires: string };
}

/** The diagnosis of one audit, as the reports carry it. */
export interface Diagnosis {
  readonly status: 'done' | 'cut-short' | 'failed';
  /** Why the diagnosis was cut short or failed. */
  readonly note: string | null;
  readonly snapshots: readonly { readonly units: number; readonly bytes: number }[];
  readonly findings: readonly Finding[];
  /**
   * When the diagnosis found nothing the program holds growing: where the growth was instead (V8's own
   * classes that grew, or none on the heap at all), and so that none of the program's objects retains it.
   */
  readonly unretained?: string | null;
  readonly ms: number;
  /** Snapshot files kept on disk (`--keep-snapshots`). */
  readonly keptSnapshots: readonly string[];
  /** With --profile: where live memory was allocated, the largest first, and the profile's file. */
  readonly allocationSites: readonly AllocationSite[] | null;
  readonly profileFile: string | null;
}

/** A node of V8's sampling heap profile (`HeapProfiler.stopSampling`, the `.heapprofile` file's tree). */
export interface ProfileNode {
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  /** Bytes allocated by this function itself, still alive when sampling stopped. */
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

/** The `.heapprofile` file a diagnosis with --profile writes. */
export interface SamplingHeapProfile {
  readonly head: ProfileNode;
}
