// A slow subject (~20 µs a step, so ~6 s to its verdict): long enough to signal while it runs.
import { audit } from '../../src/index.ts';

audit('slow steps', { expect: 'clean' }, () => ({
  step() {
    const until = performance.now() + 0.02;
    while (performance.now() < until);
    return 0;
  },
}));
