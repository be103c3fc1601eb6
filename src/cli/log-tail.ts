import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes of a log's end kept for the cause of death. */
export const LOG_TAIL_BYTES = 64 * 1024;

/**
 * A log's size and its last LOG_TAIL_BYTES, read from its end: an audit's log is capped, a watched
 * program's is not, and neither need be read whole to say how its process ended.
 */
export function readLogTail(file: string): { readonly tail: string; readonly bytes: number } {
  const fd = openSync(file, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(LOG_TAIL_BYTES, bytes));
    readSync(fd, buffer, 0, buffer.length, bytes - buffer.length);
    return { tail: buffer.toString('utf8'), bytes };
  } finally {
    closeSync(fd);
  }
}
