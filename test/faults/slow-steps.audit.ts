// A slow subject (~20 µs a step: 20 s for the default plan, ~6 s at --steps 300000): long enough to
// signal, or to start a second run, while it runs.
import { audit } from '../../src/index.ts';

audit('slow steps', { expect: 'clean' }, () => ({
  step() {
    const until = performance.now() + 0.02;
    while (performance.now() < until);
    return 0;
  },
}));
