import { COLLECTION_PROBE_CYCLES } from '../analysis/constants.ts';
import type { CycleSubject } from '../model/audit.ts';

/**
 * After a churn run: proves the dropped instances are collected. COLLECTION_PROBE_CYCLES more cycles
 * whose returned instances are registered with a FinalizationRegistry, then forced GCs until the
 * finalisers have run (a few turns of the event loop at most).
 */
export async function proveCollection(
  subject: CycleSubject,
  gc: () => void,
): Promise<{ probed: number; collected: number }> {
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => {
    collected++;
  });
  const probed = probeCycles(subject, registry);
  // Finalisers run as tasks after a GC: yield to let them, a few times.
  for (let attempt = 0; attempt < 10 && collected < probed; attempt++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { probed, collected };
}

/** Creates and drops instances that are registered; returns how many were. */
function probeCycles(subject: CycleSubject, registry: FinalizationRegistry<number>): number {
  let probed = 0;
  for (let k = 0; k < COLLECTION_PROBE_CYCLES; k++) {
    const dropped = subject.cycle();
    if (dropped !== null && typeof dropped === 'object') {
      registry.register(dropped, k);
      probed++;
    }
  }
  return probed;
}
