// Fault subject: a clean controller that writes 1 MiB to stdout on every step (a debug dump left on).
// Expected: the audit passes (the output is not kept in the measured heap), its log keeps the first
// 16 MiB and the rest is counted, not written.
import { audit } from '../../src/index.ts';

audit('fault: floods stdout', { expect: 'clean' }, () => {
  const dump = `${'x'.repeat(2 ** 20 - 1)}\n`;
  return {
    step() {
      process.stdout.write(dump);
    },
  };
});
