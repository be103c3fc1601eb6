import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { SETTLE_MAX_MS, TURN_INTERVAL_MS } from '../analysis/constants.ts';
import type { ResolvedAuditOptions, Subject } from '../model/audit.ts';
import { runUnits } from './subjects.ts';

/**
 * The event loop as the subject's own program would turn it. A program turns its loop between steps (a
 * control loop's timer, a service's next request), and what the subject scheduled progresses there: its
 * timers fire, its I/O completes and the next write starts. Stepped back to back in a window, the subject
 * would get none of that until the window ended, and an output that drains one write per turn would
 * pile up in the heap as a leak.
 */

/** One turn of the event loop: due timers, ready I/O callbacks and the immediates queued before this one. */
export async function turnEventLoop(): Promise<void> {
  await nextTurn();
}

/**
 * Pending I/O requests among the active resources, by the names Node gives them: requests of the file
 * system (`FSReqCallback`, `FSReqPromise`, `FileHandleCloseReq`, `CloseReq`), of streams (`WriteWrap`,
 * `SimpleWriteWrap`, `ShutdownWrap`), of connections (`TCPConnectWrap`, `PipeConnectWrap`), of UDP
 * (`SendWrap`) and of DNS (`GetAddrInfoReqWrap`, `GetNameInfoReqWrap`, `Query…Wrap`). Handles (a socket,
 * a server, a timer) are not requests: they stay open as long as the program keeps them.
 */
const PENDING_REQUEST = /(?:Req|ReqWrap|ReqCallback|ReqPromise|(?:Write|Shutdown|Connect|Send|Query\w*)Wrap)$/;

/** How many I/O requests are in flight (`PENDING_REQUEST`), and how many timers are pending. */
export function pendingWork(): { requests: number; timers: number } {
  let requests = 0;
  let timers = 0;
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'Timeout') timers++;
    else if (PENDING_REQUEST.test(type)) requests++;
  }
  return { requests, timers };
}

/**
 * Lets the subject's pending work settle before a reading, as it would in its program's idle time
 * between steps: one turn (what the window scheduled runs), then, while I/O requests are in flight or
 * timers are firing (fewer pending after each wait), waits a millisecond at a time, for at most
 * SETTLE_MAX_MS. A write's completion can then start the next write of a backlog, and the deadlines a
 * window's last steps armed can fire. The reading sees the heap the program would hold between its
 * steps, not the work of the window's last milliseconds in flight. Timers that stay pending (a heartbeat,
 * an hourly watchdog) cost one wait.
 */
export async function settle(): Promise<void> {
  await turnEventLoop();
  const start = performance.now();
  let { requests, timers } = pendingWork();
  let firing = timers > 0;
  while ((requests > 0 || firing) && performance.now() - start < SETTLE_MAX_MS) {
    await sleep(1);
    const now = pendingWork();
    firing = now.timers > 0 && now.timers < timers;
    ({ requests, timers } = now);
  }
}

/**
 * Runs windows of units with the event loop turning about every TURN_INTERVAL_MS of stepping. The
 * stretch of units between turns follows the subject's measured speed, from its last stretch: it starts
 * at one unit, and reaches a cheap subject's million-unit stretches in a few turns. Used by the verdict
 * run and the diagnosis run alike, so that the heap a diagnosis snapshots is the heap the verdict read.
 */
export class Pacer {
  /** Units in the next stretch between two turns. */
  private stretch = 1;

  /**
   * `runStretch` runs units `from + 1` to `from + n` (`runUnits` on the subjects; the rehearsal's own).
   * `intervalMs`: stepping between two turns (0 turns after every unit, as the rehearsal does).
   */
  constructor(
    private readonly runStretch: (from: number, n: number) => Promise<void> | undefined,
    private readonly intervalMs = TURN_INTERVAL_MS,
  ) {}

  /** A pacer of the subjects' units (`runUnits`). */
  static of(subjects: readonly Subject[], workload: ResolvedAuditOptions['workload']): Pacer {
    return new Pacer((from, n) => runUnits(subjects, workload, from, n));
  }

  /**
   * Runs units `from + 1` to `from + n`, turning the loop between stretches; the turn after the last
   * one is the caller's (`settle`, before a reading). A step's error ends it.
   */
  async run(from: number, n: number): Promise<void> {
    for (let done = 0; ;) {
      const k = Math.min(this.stretch, n - done);
      const start = performance.now();
      const pending = this.runStretch(from + done, k);
      if (pending) await pending;
      const ms = performance.now() - start;
      // A stretch too short for the clock to time says only that the subject is fast: double it.
      this.stretch = Math.max(1, ms > 0 ? Math.floor((k * this.intervalMs) / ms) : 2 * k);
      done += k;
      if (done >= n) return;
      await turnEventLoop();
    }
  }
}
