import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptedByAllowlist, applyAllowlist, loadAllowlist } from '../src/gate/allowlist.ts';
import { type AllowlistEntry, type AuditEntry } from '../src/model/report.ts';
import type { Diagnosis, Finding } from '../src/model/diagnosis.ts';

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'allowlist-')), 'allowlist.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const finding = (signature: string): Finding => ({
  signature,
  kind: 'collection',
  what: 'Array',
  retainerPath: 'subject.history.sigma',
  growthPerUnit: { count: 1, countEstimated: false, bytes: 8 },
  evidence: [
    { units: 1, count: 1, bytes: 8 },
    { units: 2, count: 2, bytes: 16 },
  ],
  suggestion: '',
});

/** Only the fields the allowlist reads: an audit and its diagnosis. */
const audit = (id: string, findings: Finding[]): AuditEntry => {
  const diagnosis: Diagnosis = {
    status: 'done',
    note: null,
    snapshots: [],
    findings,
    ms: 0,
    keptSnapshots: [],
    allocationSites: null,
    profileFile: null,
  };
  return { id, diagnosis } as unknown as AuditEntry;
};

const entry = (signature: string, expires: string): AllowlistEntry => ({
  signature,
  owner: 'controls team',
  reason: 'ticket CTL-12',
  expires,
});

describe('allowlist', () => {
  it('reads entries and names the entry and field that is wrong', () => {
    expect(loadAllowlist(file({ accepted: [entry('a', '2027-01-31')] }))).toHaveLength(1);
    expect(() => loadAllowlist(file({ accepted: [{ signature: 'a', owner: 'x', reason: 'y' }] }))).toThrow(
      /entry 1 needs a non-empty "expires"/,
    );
    expect(() => loadAllowlist(file({ accepted: [{ ...entry('a', 'next week') }] }))).toThrow(
      /entry 1 "expires" must be a date like 2027-01-31/,
    );
    expect(() => loadAllowlist(file({ entries: [] }))).toThrow(/expected \{ "accepted"/);
    expect(() => loadAllowlist(file('{ not json'))).toThrow(/allowlist .*allowlist\.json/);
  });

  it('accepts findings by signature until the expiry day, and reports expired and unmatched entries', () => {
    const audits = [audit('a', [finding('sig-1')]), audit('b', [finding('sig-2'), finding('sig-3')])];
    const entries = [entry('sig-1', '2026-11-25'), entry('sig-2', '2026-11-24'), entry('sig-9', '2027-01-01')];
    const { audits: marked, statuses } = applyAllowlist(audits, entries, '2026-11-25');
    expect(statuses).toEqual(['matched', 'expired', 'unmatched']);
    expect(marked[0]!.diagnosis!.findings[0]!.accepted).toEqual({
      owner: 'controls team',
      reason: 'ticket CTL-12',
      expires: '2026-11-25',
    });
    expect(marked[1]!.diagnosis!.findings[0]!.accepted).toBeUndefined();
    expect(acceptedByAllowlist(marked[0]!)).toBe(true);
    expect(acceptedByAllowlist(marked[1]!)).toBe(false);
  });

  it('accepts only what this allowlist accepts, when a report already went through another (a shard, then the merge)', () => {
    const once = applyAllowlist([audit('a', [finding('sig-1')])], [entry('sig-1', '2027-01-01')], '2026-11-25').audits;
    const again = applyAllowlist(once, [entry('sig-1', '2026-01-01')], '2026-11-25');
    expect(again.audits[0]!.diagnosis!.findings[0]!.accepted).toBeUndefined();
    expect(again.statuses).toEqual(['expired']);
  });

  it('never accepts an audit that has no findings to accept', () => {
    expect(acceptedByAllowlist(audit('a', []))).toBe(false);
    expect(acceptedByAllowlist({ id: 'b', diagnosis: null } as unknown as AuditEntry)).toBe(false);
  });
});
