import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { openFds, statusNumber } from '../process-tree.ts';
import { SYNC_ARRAY_BUFFER_SWEEPING } from '../protocol.ts';
import type { Sample } from '../model/audit.ts';
import type { SampleStore } from './sample-store.ts';
type GC = () => void;

/** The resource types under which open file descriptors and the process's threads are counted. */
export const FD_RESOURCE = 'fd';
export const THREAD_RESOURCE = 'thread';

/**
 * Takes one reading into `store`: the forced GC (`gc`, from `readingGc`), then `process.memoryUsage()`
 * and the heap spaces, then the active resources, open file descriptors and threads. The one place a
 * reading is taken. `at`: units done; `startMs`: the run's start, for the reading's time. Returns its
 * index in the store.
 */
export function takeReading(store: SampleStore, gc: GC, at: number, startMs: number): number {
  // A full GC after which `external` counts only live buffers (readingGc).
  gc();
  const i = store.append(at, performance.now() - startMs, process.memoryUsage(), getHeapSpaceStatistics());
  // After the memory reading: what counting allocates is garbage for the next reading's GC.
  countResources((type, n) => store.addResource(i, type, n));
  return i;
}

/**
 * The same reading as one Sample, kept nowhere: for a watched program (program/preload.ts), which
 * writes each reading to its stream and holds none of them in the heap it measures.
 */
export function readingNow(gc: GC, at: number, startMs: number): Sample {
  gc();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  const ms = performance.now() - startMs;
  const spaces: Record<string, number> = {};
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = space.space_used_size;
  const resources: Record<string, number> = {};
  countResources((type, n) => (resources[type] = n));
  return { at, ms, heapUsed, external, arrayBuffers, rss, spaces, resources };
}

/** Whether this platform shows open file descriptors and threads (`/proc/self`): tried at the first reading. */
let procReadable: boolean | null = null;

/**
 * Active handles and requests by type (timers, sockets, child processes as `ProcessWrap`, …), and, where
 * the platform shows them, open file descriptors as `fd` and the process's threads as `thread` (a worker
 * thread is not an active resource; it is at least one more thread), each handed to `add`.
 */
function countResources(add: (type: string, n: number) => void): void {
  for (const [type, n] of Object.entries(activeResources())) add(type, n);
  if (procReadable === false) return;
  try {
    add(FD_RESOURCE, openFds('self'));
    const threads = statusNumber(readFileSync('/proc/self/status', 'latin1'), 'Threads');
    if (threads !== null) add(THREAD_RESOURCE, threads);
    procReadable = true;
  } catch {
    procReadable = false;
  }
}

/**
 * The collection a reading is taken after. V8 sweeps dead ArrayBuffers' backing stores concurrently,
 * after the GC that found them dead, so one `gc()` leaves them counted in `external`. Audit processes run
 * with SYNC_ARRAY_BUFFER_SWEEPING, and one full GC then is enough (measured: 200 dropped 64 KiB
 * Buffers read 13.9 MiB of external after one GC without the flag, 1.4 MiB with it or after a second
 * GC). Elsewhere (the unit tests, the benches) the second GC waits for the sweep instead.
 */
export function readingGc(): GC {
  const gc = requireGc();
  if (process.execArgv.includes(SYNC_ARRAY_BUFFER_SWEEPING)) return gc;
  return () => {
    gc();
    gc();
  };
}

/** The forced full GC `--expose-gc` provides; a clear error without it. */
export function requireGc(): GC {
  const gc = (globalThis as { gc?: GC }).gc;
  if (typeof gc !== 'function') {
    throw new Error('leak-audit needs a forced GC: run audits through `npm run audit` (or node --expose-gc)');
  }
  return gc;
}

/** Active handles by type (`Timeout`, `TCPSocketWrap`, …), as `process.getActiveResourcesInfo()` lists them. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
