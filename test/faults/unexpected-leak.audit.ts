// Fault subject: a "clean" controller that keeps one record per step. Expected: verdict `fail`, the
// expectation unmet, and a diagnosis naming `subject.log`; an allowlist entry can accept it.
import { audit } from '../../src/index.ts';

class RecordingController {
  readonly log: { step: number; u: number }[] = [];
  private k = 0;

  step(): number {
    const u = Math.sin(++this.k * 1e-3);
    this.log.push({ step: this.k, u });
    return u;
  }
}

audit('fault: unexpected leak', { expect: 'clean', steps: 200_000 }, () => new RecordingController());
