// A slow but healthy subject: 2 ms a step (a blocking sensor read, say), so each window takes longer
// than a short --hang-timeout. Expected: clean, and never killed as hung (the watchdog's patience
// follows the window).
import { audit } from '../../src/index.ts';

// Its test runs it for 6000 steps only, where the harness's own first kilobytes weigh more than the
// default budget allows: a generous budget keeps the test about the watchdog.
audit('millisecond steps', { expect: 'clean', budgetPerUnit: 1000 }, () => ({
  step() {
    const until = performance.now() + 2;
    while (performance.now() < until);
    return 0;
  },
}));
