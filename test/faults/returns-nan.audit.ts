// Fault subject: a controller whose output turns NaN. Expected: verdict `error` (non-finite).
import { audit } from '../../src/index.ts';

audit('fault: returns NaN', () => {
  let k = 0;
  return { step: () => (++k === 7_777 ? Number.NaN : 0.5) };
});
