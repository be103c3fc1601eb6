import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StreamEvent } from '../protocol.ts';

/**
 * Appends one JSON line per event to a file, synchronously, so that whatever was measured is on disk
 * even if the process is killed (hang) or aborts (heap exhausted) a moment later. The parent reads it
 * (cli/stream-reader.ts); the events are defined in protocol.ts.
 */
export class SampleStream {
  private fd: number | null = null;

  constructor(path: string | undefined) {
    if (path) {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'w');
    }
  }

  /** Writes the string straight to the file descriptor: no Buffer from Node's pool is kept between writes. */
  write(event: StreamEvent): void {
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
