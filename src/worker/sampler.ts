type GC = () => void;

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
