import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditConfigError } from '../validate.ts';
import type { AuditReport } from '../model/report.ts';
import { reportSchemaErrors } from './schema.ts';
import { writeAtomically } from './write-file.ts';

/** audit-report.json: writing it, and reading a previous run's (a baseline, a shard to merge). */

/** Bump on any change that breaks a reader of the report. */
export const SCHEMA_VERSION = 1;
export const JSON_REPORT_FILE = 'audit-report.json';

/** Writes the report atomically (temporary file, then rename): a reader never sees half a report. */
export function writeJsonReport(report: AuditReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  return writeAtomically(join(outDir, JSON_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * Reads a previous run's audit-report.json (a baseline, a shard to merge). A file that is not JSON, not
 * a report of this schema version, or not valid against the schema is a configuration error named after
 * the option that gave it (`option`), raised before any audit runs.
 */
export function readJsonReport(file: string, option: string): AuditReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AuditConfigError(`${option} ${file}: ${(e as Error).message}`);
  }
  const report = data as Partial<AuditReport> | null;
  if (typeof report?.schemaVersion !== 'number' || !Array.isArray(report.audits)) {
    throw new AuditConfigError(`${option} ${file}: not an audit-report.json (no schemaVersion or audits)`);
  }
  if (report.schemaVersion !== SCHEMA_VERSION) {
    throw new AuditConfigError(
      `${option} ${file}: schema version ${report.schemaVersion}, this leak-audit reads ${SCHEMA_VERSION}`,
    );
  }
  // A report of the right version but another shape would crash the comparison or the merge after
  // the whole run, or (a noise floor that is not a number) quietly turn the regression gate off.
  const problems = reportSchemaErrors(report);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new AuditConfigError(`${option} ${file}: not a valid audit-report.json: ${problems[0]}${more}`);
  }
  return report as AuditReport;
}
