// Fault subject: retains 1 MiB per step, so a 64 MB heap cap is exhausted inside one window and V8
// aborts the process. Expected: `error` (heap-exhausted), the samples before the abort kept.
import { audit } from '../../src/index.ts';

audit('fault: exhausts heap', () => {
  const kept: number[][] = [];
  return {
    step() {
      kept.push(new Array<number>(131_072).fill(1.5));
    },
  };
});
