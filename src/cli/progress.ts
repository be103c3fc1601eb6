import type { RunningAudit } from './monitor.ts';
import { formatCount } from '../format.ts';

/** Without a terminal (CI logs), one plain line at most this often. */
export const PROGRESS_LOG_INTERVAL_MS = 10_000;

/** Before the first uniform window the rate is mostly forced GCs of the warm-up readings: no estimate. */
const ESTIMATE_AFTER_FRACTION = 0.01;

function describe(a: RunningAudit, withPid: boolean): string {
  const id = withPid ? `${a.id} (pid ${a.pid})` : a.id;
  if (a.rate <= 0 || a.done < a.planned * ESTIMATE_AFTER_FRACTION) return `${id}: warming up`;
  // A run may end before its plan (a slowdown, the heap guard), and an uncertain one runs past it.
  const eta = a.done < a.planned ? `, at most ${((a.planned - a.done) / a.rate).toFixed(0)} s to plan` : ', past plan';
  return `${id}: ${formatCount(a.done)}/${formatCount(a.planned)} ${a.unit} (${formatCount(Math.round(a.rate))} ${a.unit}/s${eta})`;
}

/**
 * Progress of the running audits on stderr: on a terminal, a block of lines redrawn in place each
 * second; elsewhere (CI logs), a plain line every ten seconds instead of redraw escape codes.
 */
export function progressReporter(
  stream: NodeJS.WriteStream = process.stderr,
  clock: () => number = Date.now,
  /** Show each audit's pid (with --heapsnapshot-signal, where the pid is what `kill` needs). */
  withPid = false,
): {
  update(running: readonly RunningAudit[]): void;
  done(): void;
} {
  const start = clock();
  let drawn = 0;
  let lastLog = start;
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  return {
    update(running) {
      if (stream.isTTY) {
        clear();
        const lines = running.map((a) => `  running ${describe(a, withPid)}`);
        if (lines.length) stream.write(`${lines.join('\n')}\n`);
        drawn = lines.length;
        return;
      }
      const now = clock();
      if (running.length === 0 || now - lastLog < PROGRESS_LOG_INTERVAL_MS) return;
      lastLog = now;
      stream.write(
        `[leak-audit ${((now - start) / 1000).toFixed(0)} s] running: ${running.map((a) => describe(a, withPid)).join('; ')}\n`,
      );
    },
    done() {
      if (stream.isTTY) clear();
    },
  };
}
