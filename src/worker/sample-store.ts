import { getHeapSpaceStatistics } from 'node:v8';
import { judgedHeap, type MemoryColumns } from '../analysis/judge.ts';
import type { Sample } from '../model/audit.ts';

const FIELDS = ['at', 'ms', 'heapUsed', 'heap', 'external', 'arrayBuffers', 'rss'] as const;
/** Distinct resource types a store keeps counts of; a run seldom shows more than five. */
const MAX_RESOURCE_TYPES = 16;
type Field = (typeof FIELDS)[number];

/** One reading's memory figures, as `sampler.ts` takes them. */
export interface MemoryReading {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

/**
 * Every reading of one audit, in columns allocated before the first reading; the reading itself is taken
 * by `sampler.ts` (`takeReading`). The measured process keeps its samples, so their storage must not
 * grow as they are taken: a growing array of sample objects adds a few hundred bytes per reading to the
 * very heap being measured (it showed as 0.3 B/step on a no-op).
 */
export class SampleStore implements MemoryColumns {
  readonly capacity: number;
  private readonly columns: Record<Field, Float64Array>;
  private readonly spaceNames: readonly string[];
  private readonly spaces: Float64Array;
  private size = 0;
  /** Resource types seen so far, each with its slot in `resources` (at most MAX_RESOURCE_TYPES). */
  private readonly resourceSlots = new Map<string, number>();
  private readonly resources: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.columns = Object.fromEntries(FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<
      Field,
      Float64Array
    >;
    this.spaceNames = getHeapSpaceStatistics().map((s) => s.space_name);
    this.spaces = new Float64Array(capacity * this.spaceNames.length);
    this.resources = new Float64Array(capacity * MAX_RESOURCE_TYPES);
  }

  get length(): number {
    return this.size;
  }

  get at(): Float64Array {
    return this.columns.at.subarray(0, this.size);
  }

  get heapUsed(): Float64Array {
    return this.columns.heapUsed.subarray(0, this.size);
  }

  /** heapUsed without the code spaces: what the verdict judges (analysis/judge.ts judgedHeap). */
  get heap(): Float64Array {
    return this.columns.heap.subarray(0, this.size);
  }

  get external(): Float64Array {
    return this.columns.external.subarray(0, this.size);
  }

  /**
   * Stores a reading taken `ms` after the run's start at `at` units: its memory figures and the heap
   * spaces' used sizes (in `getHeapSpaceStatistics()` order). Returns its index.
   */
  append(at: number, ms: number, memory: MemoryReading, spaces: readonly { space_used_size: number }[]): number {
    if (this.size === this.capacity) throw new RangeError(`sample store full (${this.capacity} samples)`);
    const i = this.size++;
    const c = this.columns;
    c.at[i] = at;
    c.ms[i] = ms;
    c.heapUsed[i] = memory.heapUsed;
    c.external[i] = memory.external;
    c.arrayBuffers[i] = memory.arrayBuffers;
    c.rss[i] = memory.rss;
    const base = i * this.spaceNames.length;
    for (let k = 0; k < spaces.length && k < this.spaceNames.length; k++)
      this.spaces[base + k] = spaces[k]!.space_used_size;
    c.heap[i] = judgedHeap(memory.heapUsed, this.spacesOf(i));
    return i;
  }

  /** Adds `n` resources of `type` (a handle or request type, `fd`, `thread`) to reading `i`'s counts. */
  addResource(i: number, type: string, n: number): void {
    const base = i * MAX_RESOURCE_TYPES;
    let slot = this.resourceSlots.get(type);
    if (slot === undefined) {
      if (this.resourceSlots.size === MAX_RESOURCE_TYPES) return;
      slot = this.resourceSlots.size;
      this.resourceSlots.set(type, slot);
    }
    this.resources[base + slot] = this.resources[base + slot]! + n;
  }

  /** Reading `i` as an object (for streaming and for the final record; not kept by the store). */
  sample(i: number): Sample {
    const c = this.columns;
    const spaces = this.spacesOf(i);
    const resources: Record<string, number> = {};
    for (const [type, slot] of this.resourceSlots) resources[type] = this.resources[i * MAX_RESOURCE_TYPES + slot]!;
    return {
      at: c.at[i]!,
      ms: c.ms[i]!,
      heapUsed: c.heapUsed[i]!,
      external: c.external[i]!,
      arrayBuffers: c.arrayBuffers[i]!,
      rss: c.rss[i]!,
      spaces,
      resources,
    };
  }

  /** Reading `i`'s heap spaces, by name. */
  private spacesOf(i: number): Record<string, number> {
    const spaces: Record<string, number> = {};
    const base = i * this.spaceNames.length;
    this.spaceNames.forEach((name, k) => (spaces[name] = this.spaces[base + k]!));
    return spaces;
  }

  toArray(): Sample[] {
    return Array.from({ length: this.size }, (_, i) => this.sample(i));
  }
}
