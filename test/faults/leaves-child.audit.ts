// Fault subject: starts a child process (a simulator, say) and never ends it. Expected: the audit
// passes, and the child does not outlive the run.
import { spawn } from 'node:child_process';
import { audit } from '../../src/index.ts';

audit('fault: leaves a child process', { expect: 'clean', budgetPerUnit: 1000 }, () => {
  // A duration no other process on the machine is likely to sleep for: the test looks for it.
  spawn('sleep', ['613.25'], { stdio: 'ignore' });
  return { step: () => 0 };
});
