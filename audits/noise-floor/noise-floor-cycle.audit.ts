/**
 * The no-op churn audit: the harness measuring its own churn loop (a cycle that creates an empty object
 * and drops it). Every run includes it; its slope is the churn workload's noise floor, per cycle: no
 * churn budget may be set below it, and a churn's growth within budget is a finding only above it.
 */
import { audit } from 'leak-audit';

export const NOISE_FLOOR_CYCLE_AUDIT_NAME = 'noise floor (no-op cycle)';

audit(
  NOISE_FLOOR_CYCLE_AUDIT_NAME,
  {
    workload: 'churn',
    expect: 'clean',
    description: 'Each cycle creates an empty object and drops it; nothing is kept.',
  },
  () => ({ cycle: () => ({}) }),
);
