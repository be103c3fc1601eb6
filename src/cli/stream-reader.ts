import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditError, RawAuditRecord, ResolvedAuditOptions, Sample, StopReason } from '../model/audit.ts';

/**
 * The NDJSON sample streams: each audit process appends `start`, `window`, `sample` and `end` events to
 * one file per audit file, so the parent can recover what a killed or crashed audit had measured.
 */

/** The stream file for an audit file: its path made into one safe file name. */
export function streamPath(streamDir: string, auditFile: string): string {
  return join(streamDir, `${auditFile.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '')}.ndjson`);
}

export interface StreamContents {
  readonly start: {
    readonly id: string;
    readonly name: string;
    readonly file: string;
    readonly pid: number;
    readonly options: ResolvedAuditOptions;
    readonly heapCapBytes: number;
  } | null;
  readonly samples: Sample[];
  /** The last window started: where the process was when it stopped writing. */
  readonly lastWindow: { readonly from: number; readonly to: number } | null;
  readonly ended: boolean;
  readonly end: {
    readonly stopReason: StopReason | null;
    readonly error: AuditError | null;
    readonly collection: RawAuditRecord['collection'];
    readonly handles: RawAuditRecord['handles'];
    readonly timings: RawAuditRecord['timings'];
  } | null;
}

export function readStream(path: string): StreamContents {
  const contents: { -readonly [K in keyof StreamContents]: StreamContents[K] } = {
    start: null,
    samples: [],
    lastWindow: null,
    ended: false,
    end: null,
  };
  if (!existsSync(path)) return contents;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut short by a kill
    }
    const { type, ...rest } = event;
    if (type === 'start') contents.start = rest as unknown as NonNullable<StreamContents['start']>;
    else if (type === 'sample') contents.samples.push(rest as unknown as Sample);
    else if (type === 'window') contents.lastWindow = rest as { from: number; to: number };
    else if (type === 'end') {
      contents.ended = true;
      contents.end = rest as unknown as NonNullable<StreamContents['end']>;
    }
  }
  return contents;
}
