import { readdirSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { CODE_SPACES, type MemoryColumns } from '../analysis/judge.ts';
import type { Sample } from '../model/audit.ts';

const FIELDS = ['at', 'ms', 'heapUsed', 'heap', 'external', 'arrayBuffers', 'rss'] as const;
/** Distinct resource types a store keeps counts of; a run seldom shows more than five. */
const MAX_RESOURCE_TYPES = 16;
/** The resource types under which open file descriptors and the process's threads are counted. */
export const FD_RESOURCE = 'fd';
export const THREAD_RESOURCE = 'thread';
type Field = (typeof FIELDS)[number];

/**
 * Every reading of one audit, in columns allocated before the first reading. The measured process keeps
 * its samples, so their storage must not grow as they are taken: a growing array of sample objects adds
 * a few hundred bytes per reading to the very heap being measured (it showed as 0.3 B/step on a no-op).
 */
export class SampleStore implements MemoryColumns {
  readonly capacity: number;
  private readonly columns: Record<Field, Float64Array>;
  private readonly spaceNames: readonly string[];
  private readonly spaces: Float64Array;
  /** Indexes of the code spaces in `spaceNames`, which the judged heap leaves out. */
  private readonly codeSpaces: readonly number[];
  private size = 0;
  /** Resource types seen so far, each with its slot in `resources` (at most MAX_RESOURCE_TYPES). */
  private readonly resourceSlots = new Map<string, number>();
  private readonly resources: Float64Array;
  /** Whether this platform shows open file descriptors and threads (`/proc/self`): tried at the first reading. */
  private proc: boolean | null = null;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.columns = Object.fromEntries(FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<
      Field,
      Float64Array
    >;
    this.spaceNames = getHeapSpaceStatistics().map((s) => s.space_name);
    this.spaces = new Float64Array(capacity * this.spaceNames.length);
    this.codeSpaces = this.spaceNames.flatMap((name, k) => (CODE_SPACES.includes(name) ? [k] : []));
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

  /** Forced GC, then the reading, written into the preallocated columns. Returns its index. */
  record(gc: () => void, at: number, startMs: number): number {
    if (this.size === this.capacity) throw new RangeError(`sample store full (${this.capacity} samples)`);
    // A full GC after which `external` counts only live buffers (sampler.ts readingGc).
    gc();
    const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
    const i = this.size++;
    const c = this.columns;
    c.at[i] = at;
    c.ms[i] = performance.now() - startMs;
    c.heapUsed[i] = heapUsed;
    c.external[i] = external;
    c.arrayBuffers[i] = arrayBuffers;
    c.rss[i] = rss;
    const stats = getHeapSpaceStatistics();
    const base = i * this.spaceNames.length;
    for (let k = 0; k < stats.length && k < this.spaceNames.length; k++)
      this.spaces[base + k] = stats[k]!.space_used_size;
    let code = 0;
    for (const k of this.codeSpaces) code += this.spaces[base + k]!;
    c.heap[i] = heapUsed - code;
    // After the memory reading: what counting allocates is garbage for the next reading's GC.
    this.countResources(i);
    return i;
  }

  /**
   * Active handles and requests by type (timers, sockets, child processes as `ProcessWrap`, …), and,
   * where the platform shows them, open file descriptors as `fd` and the process's threads as `thread`
   * (a worker thread is not an active resource; it is at least one more thread), into reading `i`'s slots.
   */
  private countResources(i: number): void {
    const base = i * MAX_RESOURCE_TYPES;
    for (const type of process.getActiveResourcesInfo()) this.addResource(base, type, 1);
    if (this.proc === false) return;
    try {
      this.addResource(base, FD_RESOURCE, readdirSync('/proc/self/fd').length);
      const threads = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'latin1'));
      if (threads) this.addResource(base, THREAD_RESOURCE, Number(threads[1]));
      this.proc = true;
    } catch {
      this.proc = false;
    }
  }

  private addResource(base: number, type: string, n: number): void {
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
    const spaces: Record<string, number> = {};
    const base = i * this.spaceNames.length;
    this.spaceNames.forEach((name, k) => (spaces[name] = this.spaces[base + k]!));
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

  toArray(): Sample[] {
    return Array.from({ length: this.size }, (_, i) => this.sample(i));
  }
}
