import { EXIT_INTERRUPTED } from '../gate/outcome.ts';
import type { InterruptSignal } from '../model/report.ts';

/**
 * Catches Ctrl-C and SIGTERM while audits run. The first signal calls `onFirst` (stop the audits, so
 * the run can report what they had measured); a second one exits at once, after `onSecond` (kill
 * whatever is left). Without this the CLI died at once and left its audit processes running.
 */
export function catchInterrupts(
  onFirst: (signal: InterruptSignal) => void,
  onSecond: () => void,
): { readonly signal: () => InterruptSignal | null; stop(): void } {
  let caught: InterruptSignal | null = null;
  const handler = (signal: InterruptSignal) => {
    if (caught) {
      onSecond();
      process.exit(EXIT_INTERRUPTED);
    }
    caught = signal;
    process.stderr.write(
      `\nleak-audit: ${signal}: stopping the audits and writing the reports of what was measured (again to exit at once)\n`,
    );
    onFirst(signal);
  };
  const signals: InterruptSignal[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, handler);
  return {
    signal: () => caught,
    stop() {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}
