/**
 * Which of a watched Node program's processes is the program. Every Node process of its tree measures
 * itself (program/preload.ts): a launcher (tsx, nodemon) runs the program in a child and only waits;
 * a cluster's primary hands the work to its workers; a program may also run short Node helpers. One
 * process is judged and reported, as an audit's subject is, and the report names the others.
 */
import { judge } from '../analysis/judge.ts';
import { formatRate } from '../format.ts';
import type { RawAuditRecord, Verdict } from '../model/audit.ts';
import type { ProcessIdentity } from '../protocol.ts';

/**
 * One measured process: its readings as an audit record (not yet given the watch's end), who it is, and
 * when its readings' clock started (epoch ms), which places them in the watch.
 */
export interface MeasuredProcess {
  readonly record: RawAuditRecord;
  readonly identity: ProcessIdentity;
  readonly startedAt: number;
}

/**
 * A process is a candidate for the program when its readings began within this fraction of the watch
 * (all processes' readings, first to last) and went on into its last tenth (`STILL_READING_FRACTION`):
 * a helper the program runs for a moment (`node build.js`, a version check), or a process started at
 * the end, is not the program, however it grew. A launcher's child starts after the launcher, by seconds
 * on a busy machine: counted by readings instead (at least 0.9 of the launcher's), tsx's child of an
 * 8 s watch beside three others was left out, and the launcher's flat heap passed the leak.
 */
export const STARTED_WITHIN_FRACTION = 0.5;
export const STILL_READING_FRACTION = 0.9;

const RANK: Record<Verdict, number> = { pass: 0, inconclusive: 1, fail: 2, error: 3 };

/** The other measured processes a report names, at most (a program may run many short Node helpers). */
const LISTED_PROCESSES = 5;

/**
 * The process to judge: among those that ran through the watch, the one whose readings say least in
 * its favour (a fail before an inconclusive before a pass), then the deepest (a launcher's child, a
 * cluster's worker: the launcher only waits), then the one whose heap grew fastest. A leak in any
 * long-lived process of the program is its verdict; a clean program is judged where its work runs.
 * `description` says which it is and what the others were, when there were others (`measured`: every
 * process that measured itself, some of them perhaps not candidates, as those with no progress to
 * judge along under --per).
 */
export function chooseProcess(
  processes: readonly MeasuredProcess[],
  measured = processes.length,
): { readonly chosen: MeasuredProcess; readonly description: string | null } {
  if (processes.length === 0) throw new Error('chooseProcess: no measured process');
  if (processes.length === 1 && measured === 1) return { chosen: processes[0]!, description: null };
  const judged = processes.map((p) => ({ p, judgement: judge(p.record) }));
  const spans = processes.map((p) => readingSpan(p));
  const first = Math.min(...spans.map((s) => s.from));
  const last = Math.max(...spans.map((s) => s.to));
  const within = (fraction: number) => first + fraction * (last - first);
  const longLived = judged.filter(
    (_, i) => spans[i]!.from <= within(STARTED_WITHIN_FRACTION) && spans[i]!.to >= within(STILL_READING_FRACTION),
  );
  const [best] = [...(longLived.length > 0 ? longLived : judged)].sort(
    (a, b) =>
      RANK[b.judgement.verdict] - RANK[a.judgement.verdict] ||
      b.p.identity.depth - a.p.identity.depth ||
      b.judgement.heap.slope.bytesPerUnit - a.judgement.heap.slope.bytesPerUnit,
  );
  const unit = best!.p.record.options.unit ?? 'step';
  const others = judged
    .filter((j) => j !== best)
    .map(
      ({ p, judgement }) =>
        `${describeProcess(p)}: ${judgement.verdict}, heap ${formatRate(judgement.heap.slope.bytesPerUnit)} B/${unit}, ${p.record.samples.length} readings`,
    );
  const listed = others.slice(0, LISTED_PROCESSES);
  const more = others.length > listed.length ? `; and ${others.length - listed.length} more` : '';
  const rest = listed.length > 0 ? `; the others: ${listed.join('; ')}${more}` : '';
  return {
    chosen: best!.p,
    description: `Judged: ${describeProcess(best!.p)}, one of ${measured} Node processes of the program that measured themselves${rest}.`,
  };
}

/** When a process's readings began and ended, epoch ms (none: from its clock's start to then). */
function readingSpan(p: MeasuredProcess): { readonly from: number; readonly to: number } {
  const { samples } = p.record;
  return {
    from: p.startedAt + (samples[0]?.ms ?? 0),
    to: p.startedAt + (samples.at(-1)?.ms ?? 0),
  };
}

/** A process as the report names it: its script (or `node -e`), pid and depth. */
function describeProcess(p: MeasuredProcess): string {
  const depth = p.identity.depth === 0 ? 'the first' : `depth ${p.identity.depth}`;
  return `${p.identity.script ?? '(no script)'} (pid ${p.record.pid}, ${depth})`;
}
