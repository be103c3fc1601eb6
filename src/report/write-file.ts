import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes a report file atomically: a temporary file beside it, then a rename, so a reader (a CI
 * step, a browser) never sees half a report. A failed write (a full disk) leaves no temporary file.
 */
export function writeAtomically(path: string, text: string): string {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
  return path;
}

/** A file-system error in one short phrase: `ENOSPC: no space left on device`. */
export function fileErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(', ')[0] ?? message;
}
