import { SYNC_ARRAY_BUFFER_SWEEPING } from '../protocol.ts';
type GC = () => void;

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

/**
 * One turn of the event loop: queued microtasks, then the timers that are due, ready I/O callbacks and
 * the immediates queued before this one. What those schedule in turn waits for the next turn.
 */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Active handles by type (`Timeout`, `TCPSocketWrap`, …), as `process.getActiveResourcesInfo()` lists them. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
