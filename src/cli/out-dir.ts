import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../process-tree.ts';
import { PR_COMMENT_FILE } from '../report/github.ts';
import { HTML_REPORT_FILE } from '../report/html.ts';
import { JSON_REPORT_FILE } from '../report/json.ts';
import { JUNIT_REPORT_FILE } from '../report/junit.ts';
import { MARKDOWN_REPORT_FILE } from '../report/markdown.ts';
import { fileErrorText } from '../report/write-file.ts';
import { AuditConfigError } from '../validate.ts';

/**
 * Checks before any audit runs that `--out` is a folder (creating it if needed); lockOutDir's write
 * of the lock then shows it is writable. Finding out after an hour of audits that it is read-only, a
 * file, or under one loses the hour. Throws AuditConfigError (exit 2) naming the folder and the cause.
 */
export function prepareOutDir(outDir: string, given: string): void {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new AuditConfigError(`--out ${given}: is a file, not a folder`);
  }
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new AuditConfigError(`--out ${given}: cannot create the folder: ${fileErrorText(e)}`);
  }
}

/** The lock file that says which run owns an output folder. */
export const LOCK_FILE = '.leak-audit.lock';
/** The folder of a run's audit bundles and the audit processes' result files, removed as each run ends. */
export const BUILD_DIR = '.build';
/** The folder of the subjects' stdout and stderr, one log per audit file that wrote any. */
export const LOG_DIR = 'logs';
/** What a run writes: removed when a run takes the folder, so none of it outlives its run. */
const PREVIOUS_REPORTS = [
  MARKDOWN_REPORT_FILE,
  HTML_REPORT_FILE,
  JSON_REPORT_FILE,
  JUNIT_REPORT_FILE,
  PR_COMMENT_FILE,
  LOG_DIR,
];

interface LockContents {
  readonly pid: number;
  readonly startedAt: string;
}

function readLock(path: string): LockContents | null {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContents>;
    return typeof data.pid === 'number' ? { pid: data.pid, startedAt: String(data.startedAt) } : null;
  } catch {
    return null;
  }
}

/**
 * Takes the output folder for this run, or refuses: two runs on one folder would delete each other's
 * sample streams, rebuild crashed audits from the other run's samples (and kill its pids), and leave
 * whichever reports were written last. A lock left by a run that died is taken over. Once the folder
 * is this run's, the previous run's reports are removed, so none is taken for this run's. Returns
 * the release function, which is safe to call more than once.
 */
export function lockOutDir(outDir: string, given: string): () => void {
  const path = join(outDir, LOCK_FILE);
  const mine: LockContents = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new AuditConfigError(`--out ${given}: cannot write to it: ${fileErrorText(e)}`);
      }
      const holder = readLock(path);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new AuditConfigError(
          `--out ${given}: another leak-audit run (pid ${holder.pid}, started ${holder.startedAt}) is using it; wait for it to end, or give another --out`,
        );
      }
      rmSync(path, { force: true }); // left by a run that died
    }
  }
  for (const file of PREVIOUS_REPORTS) {
    try {
      rmSync(join(outDir, file), { force: true, recursive: file === LOG_DIR });
    } catch {
      // Not a file (a folder of that name): writing that report will fail, and say so.
    }
  }
  let held = true;
  return () => {
    if (held && readLock(path)?.pid === process.pid) rmSync(path, { force: true });
    held = false;
  };
}
