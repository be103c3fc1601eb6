import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonReport } from '../src/report/json.ts';
import { reportSchemaErrors } from '../src/report/schema.ts';
import { entry, reportOf } from './support/report.ts';

/**
 * A previous run's report read back (--baseline, --merge-reports) is refused, with the file and the
 * field, unless it is a valid report of this schema version (issue 14, case 5: on acaaa68 each of
 * these crashed after the whole run, or turned the regression gate off).
 */

function file(data: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'leak-audit-read-')), 'audit-report.json');
  writeFileSync(path, JSON.stringify(data));
  return path;
}
const refusal = (data: unknown): string => {
  try {
    readJsonReport(file(data), '--baseline');
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};
const valid = reportOf([entry('pid')]);

describe('reading a previous report', () => {
  it('accepts a valid report (the test builders make one)', () => {
    expect(reportSchemaErrors(valid)).toEqual([]);
    expect(readJsonReport(file(valid), '--baseline').audits[0]?.id).toBe('pid');
  });

  it('refuses another schema version, saying which', () => {
    expect(refusal({ schemaVersion: 99, audits: [{ id: 'x', verdict: 'pass' }] })).toMatch(
      /^--baseline .*audit-report\.json: schema version 99, this leak-audit reads 1$/,
    );
  });

  it('refuses a report of this version with another shape, naming the field', () => {
    expect(refusal({ schemaVersion: 1, audits: [{ id: 'x', verdict: 'pass' }] })).toMatch(
      /not a valid audit-report\.json: .* must have required property/,
    );
  });

  it('refuses a noise floor that is not a number, which would make every comparison "unchanged"', () => {
    const floor = { auditId: 'noise-floor-no-op', heapBytesPerStep: 'low', offHeapBytesPerStep: 0, heapCi: [0, 0] };
    expect(refusal({ ...valid, noiseFloor: floor })).toMatch(/\/noiseFloor\/heapBytesPerStep must be number/);
  });

  it('refuses null slopes', () => {
    const audits = valid.audits.map((a) => ({ ...a, slope: { ...a.slope, bytesPerUnit: null } }));
    expect(refusal({ ...valid, audits })).toMatch(/\/audits\/0\/slope\/bytesPerUnit must be number/);
  });
});
