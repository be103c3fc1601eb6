import { POST_GC_SETTLE_MS } from '../analysis/constants.ts';
type GC = () => void;

/** The forced full GC `--expose-gc` provides; a clear error without it. */
export function requireGc(): GC {
  const gc = (globalThis as { gc?: GC }).gc;
  if (typeof gc !== 'function') {
    throw new Error('leak-audit needs a forced GC: run audits through `npm run audit` (or node --expose-gc)');
  }
  return gc;
}

/**
 * Spins POST_GC_SETTLE_MS after a reading, before the subject's next window: stepping right after the
 * forced GCs runs slower for a few ms, and that time is the harness's, not the window's. Sleeping does
 * not do it; the time has to pass with the thread running.
 */
export function settleAfterGc(): void {
  const settled = performance.now() + POST_GC_SETTLE_MS;
  while (performance.now() < settled);
}

/** Active handles by type (`Timeout`, `TCPSocketWrap`, …), as `process.getActiveResourcesInfo()` lists them. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
