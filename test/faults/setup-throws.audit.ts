// Fault subject: setup itself throws (bad gains). Expected: verdict `error` (setup), no samples.
import { ClassicalSMC } from '../../fixtures/controllers/index.ts';
import { audit } from '../../src/index.ts';

audit('fault: setup throws', () => {
  const controller = new ClassicalSMC({ gains: [1, 2, 3] });
  return { step: () => controller.maxForce };
});
