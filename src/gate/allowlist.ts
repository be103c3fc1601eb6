import { existsSync, readFileSync } from 'node:fs';
import type { Finding } from '../model/diagnosis.ts';
import { DEFAULT_ALLOWLIST } from '../model/defaults.ts';
import type { AllowlistEntry, EntryStatus, AuditEntry } from '../model/report.ts';
import { AuditConfigError } from '../validate.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads and checks an allowlist: `{ "accepted": [{ signature, owner, reason, expires }] }`. A wrong file
 * is a configuration error naming the entry and field.
 */
export function loadAllowlist(file: string): AllowlistEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AuditConfigError(`allowlist ${file}: ${(e as Error).message}`);
  }
  const accepted = (data as { accepted?: unknown } | null)?.accepted;
  if (!Array.isArray(accepted)) throw new AuditConfigError(`allowlist ${file}: expected { "accepted": [ … ] }`);
  return accepted.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    for (const field of ['signature', 'owner', 'reason', 'expires']) {
      if (typeof e[field] !== 'string' || (e[field] as string).trim() === '') {
        throw new AuditConfigError(`allowlist ${file}: entry ${i + 1} needs a non-empty "${field}"`);
      }
    }
    const expires = e['expires'] as string;
    if (!ISO_DATE.test(expires) || Number.isNaN(Date.parse(expires))) {
      throw new AuditConfigError(
        `allowlist ${file}: entry ${i + 1} "expires" must be a date like 2027-01-31, got ${JSON.stringify(expires)}`,
      );
    }
    return { signature: e['signature'] as string, owner: e['owner'] as string, reason: e['reason'] as string, expires };
  });
}

/** The allowlist the run uses: the given file (which must exist), or the default one if present. */
export function resolveAllowlist(given: string | undefined): { file: string; entries: AllowlistEntry[] } | null {
  if (given !== undefined) {
    if (!existsSync(given)) throw new AuditConfigError(`--allowlist: no such file ${given}`);
    return { file: given, entries: loadAllowlist(given) };
  }
  return existsSync(DEFAULT_ALLOWLIST) ? { file: DEFAULT_ALLOWLIST, entries: loadAllowlist(DEFAULT_ALLOWLIST) } : null;
}

/** Whether an entry still accepts findings on `today` (YYYY-MM-DD): through its expiry day. */
export function isActive(entry: AllowlistEntry, today: string): boolean {
  return entry.expires >= today;
}

/**
 * Marks the diagnosis findings an active entry accepts, and says of each entry whether it matched a
 * finding in this run, has expired, or matched nothing.
 */
export function applyAllowlist(
  audits: readonly AuditEntry[],
  entries: readonly AllowlistEntry[],
  today: string,
): { audits: AuditEntry[]; statuses: EntryStatus[] } {
  const matched = new Set<number>();
  const accept = (f: Finding): Finding => {
    const i = entries.findIndex((e) => e.signature === f.signature && isActive(e, today));
    if (i < 0) {
      // Accepted by an earlier pass (a shard's, before the merge) that this allowlist does not repeat.
      const { accepted: _, ...unaccepted } = f;
      return unaccepted;
    }
    matched.add(i);
    const { owner, reason, expires } = entries[i]!;
    return { ...f, accepted: { owner, reason, expires } };
  };
  const marked = audits.map((a) =>
    a.diagnosis ? { ...a, diagnosis: { ...a.diagnosis, findings: a.diagnosis.findings.map(accept) } } : a,
  );
  const statuses = entries.map((e, i): EntryStatus =>
    !isActive(e, today) ? 'expired' : matched.has(i) ? 'matched' : 'unmatched',
  );
  return { audits: marked, statuses };
}

/** A failing audit the allowlist accepts: diagnosed, with findings, every one of them accepted. */
export function acceptedByAllowlist(audit: AuditEntry): boolean {
  const findings = audit.diagnosis?.findings ?? [];
  return findings.length > 0 && findings.every((f) => f.accepted);
}
