import type { ChildResult } from '../protocol.ts';

/** How an audit process ended, as the pool saw it. */
export interface ChildEnd {
  readonly file: string;
  /** What the process reported; null if it died first (killed, out of heap, crashed). */
  readonly result: ChildResult | null;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its stdout and stderr, when it wrote any. */
  readonly logFile: string | null;
  /** The log's last few KB: V8 prints why it aborted there. */
  readonly logTail: string;
  readonly logBytes: number;
  /** The audit file did not build: the process never started. */
  readonly buildError?: string;
}
