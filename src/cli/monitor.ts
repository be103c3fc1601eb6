import { existsSync, statSync } from 'node:fs';
import { HANG_WINDOW_FACTOR } from '../analysis/constants.ts';
import { descendants, killProcesses } from '../process-tree.ts';
import { readStream, type StreamContents } from './stream-reader.ts';
import { streamPath } from '../protocol.ts';

/** How often the monitor looks at the sample streams, ms. */
const MONITOR_INTERVAL_MS = 1000;

/**
 * How long an audit may go without a reading before it counts as hung: the hang timeout, or
 * HANG_WINDOW_FACTOR times what its current window should take at the rate of the window before it,
 * whichever is longer. A window of 10 000 one-millisecond steps is then not called hung after 4 s.
 */
export function patienceMs(stream: StreamContents, hangTimeoutMs: number): number {
  const window = stream.lastWindow;
  const [before, last] = stream.samples.slice(-2);
  if (!window || !before || !last || last.at <= before.at || last.ms <= before.ms) return hangTimeoutMs;
  const msPerUnit = (last.ms - before.ms) / (last.at - before.at);
  return Math.max(hangTimeoutMs, HANG_WINDOW_FACTOR * msPerUnit * (window.to - window.from));
}

/** One running audit, as its sample stream shows it. */
export interface RunningAudit {
  readonly id: string;
  /** The audit's process (for `kill -USR2` with --heapsnapshot-signal). */
  readonly pid: number;
  /** Units done at the last reading, and planned. */
  readonly done: number;
  readonly planned: number;
  readonly unit: 'steps' | 'cycles';
  /** Units per second so far, readings included. */
  readonly rate: number;
}

/**
 * Watches every audit's sample stream once a second, for two jobs: an audit that has written nothing for
 * its patience (`patienceMs`; and has not ended) is killed, so a subject stuck in a synchronous loop ends as `hung`
 * instead of stalling the run; and the audits still running are handed to `onProgress`.
 */
export function startMonitor(
  files: readonly string[],
  streamDir: string,
  hangTimeoutMs: number,
  onProgress: (running: readonly RunningAudit[]) => void,
): { stop(): Map<string, number>; killAll(): void } {
  /** Audit files whose process the watchdog killed, and how long it had waited. */
  const killed = new Map<string, number>();
  const parsed = new Map<string, { mtimeMs: number; stream: StreamContents }>();
  const timer = setInterval(() => {
    const now = Date.now();
    const running: RunningAudit[] = [];
    for (const file of files) {
      const path = streamPath(streamDir, file);
      if (killed.has(file) || !existsSync(path)) continue;
      const { mtimeMs } = statSync(path);
      let entry = parsed.get(file);
      if (!entry || entry.mtimeMs !== mtimeMs) {
        entry = { mtimeMs, stream: readStream(path) };
        parsed.set(file, entry);
      }
      const { stream } = entry;
      if (stream.ended || !stream.start) continue;
      const patience = patienceMs(stream, hangTimeoutMs);
      if (now - mtimeMs >= patience) {
        try {
          // Its children first: once it is gone they belong to init, and nothing knows them.
          killProcesses(descendants(stream.start.pid));
          process.kill(stream.start.pid, 'SIGKILL');
          killed.set(file, patience);
        } catch {
          // Already gone: the crash path reports it.
        }
        continue;
      }
      const last = stream.samples.at(-1);
      const { options } = stream.start;
      running.push({
        id: stream.start.id,
        pid: stream.start.pid,
        done: last?.at ?? 0,
        planned: options.units,
        unit: options.workload === 'churn' ? 'cycles' : 'steps',
        rate: last && last.ms > 0 ? last.at / (last.ms / 1000) : 0,
      });
    }
    onProgress(running);
  }, MONITOR_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      return killed;
    },
    /** Kills every audit that has started and not ended (the run is being interrupted). */
    killAll() {
      for (const file of files) {
        const stream = readStream(streamPath(streamDir, file));
        if (!stream.start || stream.ended) continue;
        killProcesses([...descendants(stream.start.pid), stream.start.pid]);
      }
    },
  };
}
