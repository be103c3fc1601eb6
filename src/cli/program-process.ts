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

/** One measured process: its readings as an audit record (not yet given the watch's end), and who it is. */
export interface MeasuredProcess {
  readonly record: RawAuditRecord;
  readonly identity: ProcessIdentity;
}

/**
 * A process counts as running for the whole watch when it took at least this fraction of the readings
 * the longest-lived one took: a helper the program runs for a moment (`node build.js`, a version check)
 * is not the program, however it ends. A launcher and its child are read as often, give or take the
 * child's start.
 */
export const LONG_LIVED_FRACTION = 0.9;

const RANK: Record<Verdict, number> = { pass: 0, inconclusive: 1, fail: 2, error: 3 };

/**
 * The process to judge: among those that ran for the whole watch, the one whose readings say least in
 * its favour (a fail before an inconclusive before a pass), then the deepest (a launcher's child, a
 * cluster's worker: the launcher only waits), then the one whose heap grew fastest. A leak in any
 * long-lived process of the program is its verdict; a clean program is judged where its work runs.
 */
export function chooseProcess(processes: readonly MeasuredProcess[]): {
  readonly chosen: MeasuredProcess;
  readonly others: readonly string[];
} {
  if (processes.length === 0) throw new Error('chooseProcess: no measured process');
  const judged = processes.map((p) => ({ p, judgement: judge(p.record) }));
  const most = Math.max(...processes.map((p) => p.record.samples.length));
  const longLived = judged.filter(({ p }) => p.record.samples.length >= LONG_LIVED_FRACTION * most);
  const [best] = [...longLived].sort(
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
  return { chosen: best!.p, others };
}

/** A process as the report names it: its script (or `node -e`), pid and depth. */
export function describeProcess(p: MeasuredProcess): string {
  const depth = p.identity.depth === 0 ? 'the first' : `depth ${p.identity.depth}`;
  return `${p.identity.script ?? '(no script)'} (pid ${p.record.pid}, ${depth})`;
}
