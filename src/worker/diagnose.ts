import { mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { formatMegabytes } from '../format.ts';
import { SUBJECT_GLOBAL, type DiagnosisPlan, type RawDiagnosisRecord } from '../protocol.ts';
import type { SnapshotTaken } from '../model/diagnosis.ts';
import type { ResolvedAuditOptions, Setup, Subject } from '../model/audit.ts';
import { descendants, killProcesses } from '../process-tree.ts';
import { Pacer, settle } from './event-loop.ts';
import { buildSubjects, describeError, teardownAll } from './subjects.ts';
import { HeapProfile } from './heap-profile.ts';
import { requireGc } from './sampler.ts';

export interface DiagnoseInput {
  readonly id: string;
  readonly file: string;
  readonly options: ResolvedAuditOptions;
  readonly setup: Setup;
  readonly plan: DiagnosisPlan;
}

/**
 * The diagnosis run of one audit, in a fresh process of its own: the subject runs past its warm-up,
 * and a heap snapshot is written at each of the plan's unit counts (`v8.writeHeapSnapshot`, which
 * collects garbage first). Stops early when a snapshot exceeds the size cap or the next one would.
 */
export async function diagnose(input: DiagnoseInput): Promise<RawDiagnosisRecord> {
  const { plan, options } = input;
  const start = performance.now();
  const gc = requireGc();
  const snapshots: SnapshotTaken[] = [];
  let cutShort: string | null = null;
  let error: string | null = null;
  let allocationSites: RawDiagnosisRecord['allocationSites'] = null;
  const profile = plan.profileFile ? new HeapProfile() : null;
  const globals = globalThis as Record<string, unknown>;
  let subjects: readonly Subject[] = [];
  try {
    subjects = buildSubjects(input);
    // On the global object, the shortest retainer path to anything a subject holds starts
    // `global.leakAuditSubject…`, which the path renderer turns into `subject…`.
    globals[SUBJECT_GLOBAL] = subjects.length === 1 ? subjects[0] : subjects;
    mkdirSync(plan.dir, { recursive: true });
    // Stepped as the verdict run steps it, so the snapshots show the heap its readings saw.
    const pacer = Pacer.of(subjects, options.workload);
    let done = 0;
    for (const [k, target] of plan.snapshotUnits.entries()) {
      await pacer.run(done, target - done);
      await settle();
      done = target;
      gc();
      const heapUsed = process.memoryUsage().heapUsed;
      const file = writeHeapSnapshot(join(plan.dir, `${input.id}-${k}-${done}.heapsnapshot`));
      const bytes = statSync(file).size;
      snapshots.push({ file, units: done, bytes, heapUsed, ms: performance.now() - start });
      if (k === 0) profile?.start();
      if (k === plan.snapshotUnits.length - 1) break;
      const previous = snapshots.at(-2);
      // Snapshots grow with the heap: extrapolate the next one from the last two.
      const next = previous ? bytes + (bytes - previous.bytes) : bytes;
      if (bytes > plan.maxSnapshotBytes || next > plan.maxSnapshotBytes) {
        cutShort = `stopped after ${snapshots.length} of ${plan.snapshotUnits.length} snapshots: the ${bytes > plan.maxSnapshotBytes ? 'last' : 'next'} one ${bytes > plan.maxSnapshotBytes ? 'is' : 'would be'} over the ${formatMegabytes(plan.maxSnapshotBytes)} cap`;
        break;
      }
    }
    if (profile && plan.profileFile)
      allocationSites = profile.stop(plan.profileFile, done - (snapshots[0]?.units ?? 0));
  } catch (e) {
    error = describeError(e);
  } finally {
    delete globals[SUBJECT_GLOBAL];
    // The verdict run reports teardown errors; a diagnosis has nothing to add.
    await teardownAll(subjects);
    killProcesses(descendants(process.pid));
  }
  return {
    id: input.id,
    file: input.file,
    plan,
    snapshots,
    cutShort,
    error,
    ms: performance.now() - start,
    allocationSites,
    profileFile: allocationSites && plan.profileFile ? relative(process.cwd(), plan.profileFile) : null,
  };
}
