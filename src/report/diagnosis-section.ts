import { formatBytes, formatRate } from '../format.ts';
import { countGrowth } from './advice.ts';
import type { AuditReport } from '../model/report.ts';

/** One finding of a diagnosis, as text pieces the Markdown and HTML renderers lay out alike. */
export interface DiagnosisItem {
  readonly kind: string;
  readonly what: string;
  readonly path: string;
  /** `+1.000 elements/step, 258.9 B/step (… at … → …)`. */
  readonly rate: string;
  readonly suggestion: string;
  readonly signature: string;
  /** `Accepted by the allowlist until …`, when an entry accepts it. */
  readonly accepted: string | null;
}

export interface DiagnosedAudit {
  readonly id: string;
  /** Status, note, snapshots and time, in one line. */
  readonly summary: string;
  readonly items: readonly DiagnosisItem[];
  /** Shown when the diagnosis completed and nothing grew. */
  readonly nothing: string | null;
  readonly sitesTitle: string | null;
  readonly sites: readonly { readonly fn: string; readonly text: string }[];
}

export interface DiagnosisContent {
  readonly intro: string;
  readonly audits: readonly DiagnosedAudit[];
  /** When no audit was diagnosed. */
  readonly none: string | null;
  readonly allowlist: {
    readonly file: string;
    readonly entries: readonly { readonly status: string; readonly signature: string; readonly text: string }[];
  } | null;
}

export function diagnosisContent(report: AuditReport): DiagnosisContent {
  const audits = report.audits
    .filter((e) => e.diagnosis)
    .map((e): DiagnosedAudit => {
      const d = e.diagnosis!;
      const unit = e.slope.unit;
      const snapshots = d.snapshots
        .map((s) => `${s.units.toLocaleString('en')} ${unit}s (${formatBytes(s.bytes)})`)
        .join(', ');
      return {
        id: e.id,
        summary: `${d.status}${d.note ? `: ${d.note}` : ''}; snapshots at ${snapshots || 'none'}; ${(d.ms / 1000).toFixed(1)} s`,
        items: d.findings.map((f) => ({
          kind: f.kind,
          what: f.what,
          path: f.retainerPath,
          rate:
            `${countGrowth(f, unit)}, ` +
            `${formatRate(f.growthPerUnit.bytes)} B/${unit} (${f.evidence.map((x) => `${f.kind === 'object' ? formatBytes(x.bytes) : x.count.toLocaleString('en')} at ${x.units.toLocaleString('en')}`).join(' → ')})`,
          suggestion: f.suggestion,
          signature: f.signature,
          accepted: f.accepted
            ? `Accepted by the allowlist until ${f.accepted.expires} (${f.accepted.owner}: ${f.accepted.reason}).`
            : null,
        })),
        nothing:
          d.findings.length === 0 && d.status === 'done'
            ? (d.unretained ?? `nothing grows in proportion to the ${unit}s run`)
            : null,
        sitesTitle: d.allocationSites?.length
          ? `allocated by (live bytes sampled from the first snapshot to the last; profile ${d.profileFile ?? '-'}):`
          : null,
        sites: (d.allocationSites ?? []).slice(0, 5).map((s) => ({
          fn: s.function,
          text: `at ${s.location}: ${formatBytes(s.bytes)}, ${formatRate(s.bytesPerUnit)} B/${unit}`,
        })),
      };
    });
  return {
    intro: 'What grows between heap snapshots taken in a separate run, and the shortest path that retains it.',
    audits,
    none:
      audits.length === 0
        ? 'No audit was diagnosed (only failing audits are, unless --diagnose; --no-diagnose skips it).'
        : null,
    allowlist: report.allowlist
      ? {
          file: report.allowlist.file,
          entries: report.allowlist.entries.map((e) => ({
            status: e.status,
            signature: e.signature,
            text: `${e.owner}, until ${e.expires}: ${e.reason}`,
          })),
        }
      : null,
  };
}
