/**
 * What an audit's process left, turned into its record or its load error: the parent's half of the
 * verdict. A process that reported gives its record (or says its audit did not load); one that never
 * reported (killed by the watchdog or an interrupt, out of heap, crashed) is judged on the sample stream
 * it left on disk, with an error naming what ended it. Pure: the caller reads the stream.
 */
import { relative } from 'node:path';
import { formatMegabytes } from '../format.ts';
import type { AuditError, RawAuditRecord, SubjectOutput } from '../model/audit.ts';
import type { InterruptSignal } from '../model/report.ts';
import type { ChildEnd } from './child-end.ts';
import type { StreamContents } from './stream-reader.ts';

/** An audit file that could not be loaded (bad options, a syntax error): a configuration error. */
export interface LoadError {
  readonly file: string;
  readonly message: string;
}

/** What became of one audit file: a record to judge, or why it has none. */
export type AuditOutcome = { readonly record: RawAuditRecord } | { readonly loadError: LoadError };

/** What the parent knows of an audit process that never reported, besides its stream. */
export interface Death {
  /** The signal that interrupted the run, if one did. */
  readonly interrupted: InterruptSignal | null;
  /** How long the watchdog waited before it killed the process, if it did. */
  readonly hungAfterMs: number | undefined;
  /** The run's --heap-cap, MB, to name it when the heap ran out. */
  readonly heapCapMb: number;
}

/** V8's words when it aborts for lack of heap, as its process's stderr (the log) ends with them (an audit's or a watched program's). */
export const OUT_OF_HEAP = /heap out of memory|Last few GCs/;

/** What the process's end says by itself: its record, or that its audit did not load. Null if it never reported. */
export function reportedOutcome(file: string, end: ChildEnd | undefined): AuditOutcome | null {
  const result = end?.result;
  if (result?.kind === 'measured') return { record: withOutput(result.record, end!, result.output) };
  if (end?.buildError !== undefined) return { loadError: { file, message: end.buildError } };
  if (result?.kind === 'load-error') return { loadError: { file, message: result.message } };
  return null;
}

/** For an audit whose process never reported: its record rebuilt from its stream, or why it did not run. */
export function recoveredOutcome(
  file: string,
  end: ChildEnd | undefined,
  stream: StreamContents,
  death: Death,
): AuditOutcome {
  const { start } = stream;
  if (!start && death.interrupted) {
    return {
      loadError: { file, message: `not run: the run was interrupted (${death.interrupted}) before it started` },
    };
  }
  // Never reached its measurement: it died loading the audit file.
  if (!start) return { loadError: { file, message: end ? `${exitText(end)} before its audit started` : 'not run' } };
  const record: RawAuditRecord = {
    id: start.id,
    name: start.name,
    file,
    options: start.options,
    pid: start.pid,
    node: process.version,
    heapCapBytes: start.heapCapBytes,
    samples: stream.samples,
    stopReason: 'error',
    collection: stream.end?.collection ?? null,
    handles: stream.end?.handles ?? null,
    error: causeOfDeath(stream, end, death),
    timings: stream.end?.timings ?? { startupMs: 0, setupMs: 0, loopMs: 0, samplingMs: 0, decisionMs: 0 },
  };
  return { record: end ? withOutput(record, end, { bytes: end.logBytes, droppedBytes: 0 }) : record };
}

/** What ended it, where it was and the units done, in the order the causes are believed. */
function causeOfDeath(stream: StreamContents, end: ChildEnd | undefined, death: Death): AuditError {
  const at = stream.lastWindow?.from ?? stream.samples.at(-1)?.at;
  const during = stream.lastWindow ? ` during units ${stream.lastWindow.from}–${stream.lastWindow.to}` : '';
  const cause = (kind: AuditError['kind'], message: string): AuditError => ({
    kind,
    message,
    ...(at !== undefined ? { at } : {}),
  });
  const where = during || ' before its first reading';
  if (death.interrupted) {
    return cause(
      'interrupted',
      `the run was interrupted (${death.interrupted})${during}; the samples before it are kept`,
    );
  }
  if (death.hungAfterMs !== undefined) {
    return cause('hung', `no reading for ${formatSeconds(death.hungAfterMs)}${where}; the process was killed`);
  }
  if (OUT_OF_HEAP.test(end?.logTail ?? '')) {
    const limit = stream.start ? `, V8 heap limit ${formatMegabytes(stream.start.heapCapBytes)}` : '';
    return cause('heap-exhausted', `V8 ran out of heap (--heap-cap ${death.heapCapMb} MB${limit})${where}`);
  }
  return cause('crashed', `${end ? exitText(end) : 'the audit process died'}${where}, without reporting`);
}

/** `4 s`, `2.5 s`, `1.2e+5 s`. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** The last line of an audit process's output that looks like an error, to say how it died. */
export function lastErrorLine(logTail: string): string | null {
  const lines = logTail.split('\n').map((l) => l.trim());
  const line = lines.reverse().find((l) => /^(\w*Error|Uncaught|FATAL)\b|Error:/.test(l));
  return line ? line.slice(0, 300) : null;
}

/** How an audit process that wrote no result ended: exit code or signal, and its last error line. */
function exitText(end: ChildEnd): string {
  const how = end.signal ? `was ended by ${end.signal}` : `exited with code ${end.exitCode}`;
  const line = lastErrorLine(end.logTail);
  return `the audit process ${how}${line ? ` (${line})` : ''}`;
}

/** The record with where its subject's output went, when it wrote any. */
function withOutput(record: RawAuditRecord, end: ChildEnd, output: Omit<SubjectOutput, 'log'>): RawAuditRecord {
  if (!end.logFile || output.bytes === 0) return record;
  return { ...record, output: { log: relative(process.cwd(), end.logFile), ...output } };
}
