import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileErrorText } from '../report/write-file.ts';
import { AuditConfigError } from '../validate.ts';

/**
 * Checks before any audit runs that `--out` is a folder this process can write to (creating it if
 * needed): finding out after an hour of audits that it is read-only, a file, or under one loses the
 * hour. Throws AuditConfigError (exit 2) naming the folder and the cause.
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
  const probe = join(outDir, `.leak-audit-write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new AuditConfigError(`--out ${given}: cannot write to it: ${fileErrorText(e)}`);
  }
}
