import type { CalibrationSubject, SubjectInstance } from '../../fixtures/calibration/types.ts';
import { audit } from 'leak-audit';

async function finishCycle(instance: SubjectInstance, pending: Promise<void>, steps: number) {
  await pending;
  for (let i = 0; i < steps; i++) await instance.step();
  instance.cleanup();
  return instance;
}

/**
 * Declares the audit of a calibration subject: its expectation and workload come from the subject, so
 * the audit cannot drift from the documentation it checks.
 */
export function auditCalibration(subject: CalibrationSubject): void {
  const options = {
    workload: subject.workload,
    expect: subject.expect,
    description: subject.retains.derivation,
    ...(subject.stepsPerCycle !== undefined ? { stepsPerCycle: subject.stepsPerCycle } : {}),
    ...(subject.plannedSteps !== undefined ? { steps: subject.plannedSteps } : {}),
    ...(subject.plannedCycles !== undefined ? { cycles: subject.plannedCycles } : {}),
  };
  if (subject.workload === 'churn') {
    const steps = subject.stepsPerCycle ?? 1;
    audit(`calibration: ${subject.id}`, options, () => ({
      cycle() {
        const instance = subject.create();
        for (let i = 0; i < steps; i++) {
          const pending = instance.step();
          // An async subject's cycle is async from its first pending step on.
          if (pending) return finishCycle(instance, pending, steps - i - 1);
        }
        instance.cleanup();
        return instance;
      },
    }));
    return;
  }
  // The instance itself is the subject (it has step()); its cleanup() does not matter after a soak.
  audit(`calibration: ${subject.id}`, options, () => subject.create());
}
