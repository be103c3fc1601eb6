// Fault subject: a controller stuck in a synchronous loop. Expected: killed by the watchdog, `error` (hung).
import { audit } from '../../src/index.ts';

audit('fault: hangs', () => {
  let k = 0;
  return {
    step() {
      if (++k === 3_000) for (;;);
    },
  };
});
