// Fault subject: a controller that throws mid-run. Expected: verdict `error` (threw), samples kept.
import { audit } from '../../src/index.ts';

audit('fault: throws', () => {
  let k = 0;
  return {
    step() {
      if (++k === 5_000) throw new RangeError('gain matrix became singular');
      return k;
    },
  };
});
