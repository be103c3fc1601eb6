import { PROGRESS_SYMBOL } from '../protocol.ts';

/**
 * Reports a watched program's progress (steps, requests, messages done so far), for
 * `leak-audit run --per <unit>`, whose readings then count growth per unit of it rather than per second.
 * Outside such a run it only sets a number.
 */
export function progress(done: number): void {
  (globalThis as { [key: symbol]: unknown })[Symbol.for(PROGRESS_SYMBOL)] = done;
}
