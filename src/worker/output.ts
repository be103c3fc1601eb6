import { writeSync } from 'node:fs';
import type { OutputCount } from '../protocol.ts';

/**
 * Sends the subject's stdout and stderr to the log file the parent opened on fds 1 and 2, synchronously,
 * so nothing it prints waits in the measured heap (a pipe would: Node writes to pipes asynchronously on
 * POSIX). Past `capBytes` the output is counted and dropped, so a subject printing 1 MB a step cannot
 * fill the disk. Returns the running count.
 */
export function capOutput(capBytes: number): OutputCount {
  const count = { bytes: 0, droppedBytes: 0 };
  for (const [stream, fd] of [
    [process.stdout, 1],
    [process.stderr, 2],
  ] as const) {
    stream.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : String(chunk);
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      const before = count.bytes;
      count.bytes += size;
      if (count.bytes <= capBytes) {
        if (typeof data === 'string') writeSync(fd, data);
        else writeSync(fd, data);
      } else {
        if (before <= capBytes)
          writeSync(fd, `\n[leak-audit: output past ${Math.round(capBytes / 2 ** 20)} MiB is not kept]\n`);
        count.droppedBytes += size;
      }
      // Called at once, not deferred as a stream defers it: console.log passes a callback on every call,
      // and deferred callbacks wait in the queue until a synchronous window ends (measured: clean-logger
      // failed when they were queued with queueMicrotask).
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    } as typeof stream.write;
  }
  return count;
}
