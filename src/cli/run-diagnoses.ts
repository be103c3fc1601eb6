import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DIAGNOSIS_GROWTH_BYTES,
  GROWTH_ONSET_BYTES,
  MIN_DIAGNOSIS_CYCLES,
  MIN_DIAGNOSIS_STEPS,
  SNAPSHOT_BYTES_PER_HEAP_BYTE,
} from '../analysis/constants.ts';
import type { Diagnosis } from '../model/diagnosis.ts';
import { unretainedSentence } from '../diagnosis/findings.ts';
import type { AnalysisInput, AnalysisOutput, DiagnosisPlan, RawDiagnosisRecord } from '../protocol.ts';
import { instanceUnits } from '../model/audit.ts';
import { settingsFor } from './discover.ts';
import type { AuditEntry } from '../model/report.ts';
import { OUTPUT_CAP_BYTES } from '../model/defaults.ts';
import type { CliOptions } from './args.ts';
import { BUILD_DIR, LOG_DIR } from './out-dir.ts';
import { ownModule } from '../own-files.ts';
import { runProcesses } from './vitest/lazy.ts';

const run = promisify(execFile);
const ANALYSE_SCRIPT = fileURLToPath(ownModule('../diagnosis/analyse-main', import.meta.url));
/** The analysis process's script, bundled into `workDir` (esbuild loaded only then). */
function analysisScript(workDir: string): Promise<string> {
  return import('./bundle.ts').then(({ bundleScript }) => bundleScript(ANALYSE_SCRIPT, join(workDir, 'analyse.mjs')));
}

/** Heap of the analysis process: a parsed snapshot takes ~5x its file size. */
const ANALYSIS_HEAP_MB = 4096;

/**
 * Which audits to diagnose: by default the failing ones, except planted calibration leaks caught as
 * planted (what grows and who holds it is documented with each; diagnosing all seven would double the
 * default run); every audit with --diagnose; never errored ones or the noise floor.
 */
export function toDiagnose(entries: readonly AuditEntry[], cli: Pick<CliOptions, 'diagnose'>): AuditEntry[] {
  if (cli.diagnose === 'none') return [];
  const caughtAsPlanted = (e: AuditEntry): boolean => e.role === 'calibration' && e.expectationMet;
  return entries.filter(
    (e) =>
      e.role !== 'noise-floor' &&
      e.verdict !== 'error' &&
      (cli.diagnose === 'all' || (e.verdict === 'fail' && !caughtAsPlanted(e))),
  );
}

/**
 * Where to take the snapshots: W units past the warm-up, where W is what the subject needs to grow by
 * DIAGNOSIS_GROWTH_BYTES at its measured rate, then 2W and 4W. A subject that does not grow runs as
 * many units as its verdict run did (4W = its units). The verdict run's readings bound the plan
 * (`reachable`): the last snapshot is at most where that run went, so the diagnosis steps no longer than
 * it did, and where its heap, at SNAPSHOT_BYTES_PER_HEAP_BYTE, still made a snapshot under the cap. When
 * 4W is beyond that, the snapshots are at a quarter, half and all of it, or, when the warm-up ends too
 * late for that, at the warm-up's end, the end of what is reachable, and halfway, if the subject still
 * grows DIAGNOSIS_GROWTH_BYTES over the two spans (a finding needs 1 MiB or 32 elements in each);
 * otherwise as before, and the snapshot cap ends it. Measured on `--diagnose` over the default run: the
 * late-onset leak was cut short over the cap at 1.18 M steps (13.1 s), and is now done at 1.17 M
 * within its verdict's run; a leak that slows quadratically (signal-listener) stepped to 57 800 steps
 * where its verdict stopped at ~45 000.
 */
export function planDiagnosis(
  entry: AuditEntry,
  dir: string,
  cli: Pick<CliOptions, 'snapshotCapMb' | 'profile'>,
  profileDir: string,
): DiagnosisPlan {
  // Only a failing audit's growth has an onset: a clean subject's readings come back near their lowest
  // at any time (an async log's buffer, drained and filled), and its snapshots at 1, 2 and 4 M steps of a
  // 1 M-step run read a buffer's wobble as a string that grows.
  const onset = entry.verdict === 'fail' ? growthOnset(entry) : { at: 0, perUnit: 0 };
  const perUnit = Math.max(entry.slope.bytesPerUnit, entry.offHeap.bytesPerUnit, onset.perUnit) * instanceUnits(entry);
  const min = entry.workload === 'churn' ? MIN_DIAGNOSIS_CYCLES : MIN_DIAGNOSIS_STEPS;
  const forGrowth = perUnit > 0 ? DIAGNOSIS_GROWTH_BYTES / perUnit : Infinity;
  const first = Math.ceil(Math.max(min, entry.warmup.steps, onset.at));
  const w = Math.ceil(Math.max(first, Math.min(forGrowth, entry.steps / 4)));
  const maxSnapshotBytes = cli.snapshotCapMb * 2 ** 20;
  const reach = reachable(entry, maxSnapshotBytes);
  let snapshotUnits = [w, 2 * w, 4 * w];
  if (4 * w > reach && reach >= 4 * first) {
    const quarter = Math.floor(reach / 4);
    snapshotUnits = [quarter, 2 * quarter, 4 * quarter];
  } else if (4 * w > reach && perUnit > 0 && reach > first && (reach - first) * perUnit >= DIAGNOSIS_GROWTH_BYTES) {
    snapshotUnits = [first, Math.round((first + reach) / 2), reach];
  }
  return {
    snapshotUnits,
    dir,
    maxSnapshotBytes,
    profileFile: cli.profile ? join(profileDir, `${entry.id}.heapprofile`) : null,
  };
}

/**
 * Where the growth the verdict run read begins (GROWTH_ONSET_BYTES), and its rate per unit from there
 * to the run's last reading, heap and off-heap together.
 */
function growthOnset(entry: AuditEntry): { at: number; perUnit: number } {
  const after = entry.samples.filter((s) => s.at >= entry.warmup.steps);
  if (after.length < 2) return { at: 0, perUnit: 0 };
  const total = (s: (typeof after)[number]) => s.heapUsed + s.external;
  const lowest = Math.min(...after.map(total));
  let onset = after[0]!;
  for (const s of after) if (total(s) <= lowest + GROWTH_ONSET_BYTES) onset = s;
  const last = after.at(-1)!;
  const perUnit = last.at > onset.at ? (total(last) - total(onset)) / (last.at - onset.at) : 0;
  return { at: onset.at, perUnit: Math.max(0, perUnit) };
}

/**
 * How far a diagnosis may step, from the verdict run's readings: no further than that run's units, and
 * only as far as its heap, at SNAPSHOT_BYTES_PER_HEAP_BYTE, stayed under `maxSnapshotBytes`.
 */
function reachable(entry: AuditEntry, maxSnapshotBytes: number): number {
  let reach = 0;
  for (const sample of entry.samples) {
    if (sample.heapUsed * SNAPSHOT_BYTES_PER_HEAP_BYTE > maxSnapshotBytes) break;
    reach = sample.at;
  }
  return Math.min(reach, entry.steps);
}

/**
 * Runs the diagnosis processes: one per audit file, through vitest and the audit pool like the audits,
 * in the same lean process (the bundle; the snapshots' module-level variables are named from its
 * source maps, diagnosis/bundle-bindings.ts). Each record is handed to `onRecord` as its process ends.
 */
async function takeSnapshots(
  plans: ReadonlyMap<string, DiagnosisPlan>,
  cli: CliOptions,
  outDir: string,
  onRecord: (record: RawDiagnosisRecord) => void,
): Promise<void> {
  const { run } = await runProcesses({
    files: [...plans.keys()],
    cli,
    dirs: { buildDir: join(outDir, BUILD_DIR), logDir: join(outDir, LOG_DIR, 'diagnosis') },
    task: (file) => ({
      file,
      settings: settingsFor(file, cli),
      diagnosis: plans.get(file)!,
      outputCapBytes: OUTPUT_CAP_BYTES,
    }),
    // Source maps let the heap profile name TypeScript lines.
    execArgv: ['--enable-source-maps', '--no-turbo-inlining'],
    onEnd: (end) => {
      if (end.result?.kind === 'diagnosed') onRecord(end.result.record);
    },
  });
  await run();
}

/** Parses and compares one audit's snapshots in a process of its own (see src/diagnosis/analyse.ts). */
type Analysed = AnalysisOutput & { ms?: number };

/** What a diagnosis took, whoever took it: an audit's diagnosis process, or a watched program. */
type Taken = Pick<
  RawDiagnosisRecord,
  'id' | 'snapshots' | 'cutShort' | 'error' | 'ms' | 'allocationSites' | 'profileFile'
>;

async function analyse(
  record: Taken,
  perInstance: boolean,
  workDir: string,
  script: Promise<string>,
): Promise<Analysed> {
  const start = performance.now();
  const input = join(workDir, `${record.id}.input.json`);
  const output = join(workDir, `${record.id}.findings.json`);
  const task: AnalysisInput = {
    snapshots: record.snapshots.map((s) => ({ file: s.file, units: s.units })),
    perInstance,
  };
  writeFileSync(input, JSON.stringify(task));
  try {
    await run(process.execPath, [`--max-old-space-size=${ANALYSIS_HEAP_MB}`, await script, input, output], {
      maxBuffer: 16 * 2 ** 20,
    });
    return { ...(JSON.parse(readFileSync(output, 'utf8')) as AnalysisOutput), ms: performance.now() - start };
  } catch (e) {
    return { error: `the snapshot analysis failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Runs at most `jobs` of the work given to it at once, in the order given. */
function limited(jobs: number): <R>(work: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= jobs) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** A diagnosis that produced nothing, and why. */
export function failedDiagnosis(note: string): Diagnosis {
  return {
    status: 'failed',
    note,
    snapshots: [],
    findings: [],
    ms: 0,
    keptSnapshots: [],
    allocationSites: null,
    profileFile: null,
  };
}

function diagnosisOf(
  entry: AuditEntry,
  record: Taken | undefined,
  analysed: Analysed | null,
  kept: boolean,
): Diagnosis {
  if (!record) return failedDiagnosis('the diagnosis process did not report (it crashed or could not load the audit)');
  const base = {
    snapshots: record.snapshots.map((s) => ({ units: s.units, bytes: s.bytes })),
    ms: record.ms + (analysed?.ms ?? 0),
    keptSnapshots: kept ? record.snapshots.map((s) => relative(process.cwd(), s.file)) : [],
    allocationSites: record.allocationSites,
    profileFile: record.profileFile,
    findings: [],
  };
  if (record.error)
    return { ...base, status: 'failed', note: `the subject failed during the diagnosis: ${record.error}` };
  if (record.snapshots.length < 2)
    return { ...base, status: 'cut-short', note: record.cutShort ?? 'fewer than two snapshots: nothing to compare' };
  if (!analysed || 'error' in analysed)
    return { ...base, status: 'failed', note: analysed && 'error' in analysed ? analysed.error : 'not analysed' };
  return {
    ...base,
    status: record.cutShort ? 'cut-short' : 'done',
    note: record.cutShort,
    findings: analysed.findings,
    unretained:
      entry.verdict === 'fail' && analysed.findings.length === 0
        ? // Failed, but not on the heap: on the off-heap series or the total.
          unretainedSentence(analysed.unretained, entry.slope.verdict !== 'fail')
        : null,
  };
}

/**
 * Diagnoses the given audits: plans the snapshots from each verdict, takes them in fresh processes,
 * analyses them apart from those (and from this one), deletes them unless `--keep-snapshots`.
 * Returns each audit's diagnosis by audit id.
 */
export async function runDiagnoses(
  entries: readonly AuditEntry[],
  cli: CliOptions,
  outDir: string,
): Promise<Map<string, Diagnosis>> {
  const result = new Map<string, Diagnosis>();
  if (entries.length === 0) return result;
  const snapshotDir = join(outDir, 'snapshots');
  const workDir = join(outDir, '.diagnosis');
  rmSync(snapshotDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const profileDir = join(outDir, 'profiles');
  if (cli.profile) mkdirSync(profileDir, { recursive: true });
  const plans = new Map(entries.map((e) => [e.file, planDiagnosis(e, snapshotDir, cli, profileDir)]));
  const script = analysisScript(workDir);
  // Should it fail, each analysis that needs it says so; with none, nothing waits for it.
  script.catch(() => undefined);
  // Each audit's snapshots are analysed as soon as its diagnosis process has taken them, beside the
  // diagnosis processes still running, at most --jobs analyses at once.
  const inTurn = limited(cli.jobs);
  const records = new Map<string, RawDiagnosisRecord>();
  const analyses = new Map<string, Promise<Analysed>>();
  const perInstance = new Map(entries.map((e) => [e.file, e.workload === 'churn']));
  try {
    await takeSnapshots(plans, cli, outDir, (record) => {
      records.set(record.file, record);
      if (record.error || record.snapshots.length < 2) return;
      analyses.set(
        record.file,
        inTurn(() => analyse(record, perInstance.get(record.file) ?? false, workDir, script)),
      );
    });
    const analysed = new Map<string, Analysed>();
    for (const [file, analysis] of analyses) analysed.set(file, await analysis);
    for (const entry of entries)
      result.set(
        entry.id,
        diagnosisOf(entry, records.get(entry.file), analysed.get(entry.file) ?? null, cli.keepSnapshots),
      );
  } finally {
    // The bundles' source maps name module-level variables in the analysis: removed after it.
    await Promise.allSettled(analyses.values());
    rmSync(join(outDir, BUILD_DIR), { recursive: true, force: true });
  }
  rmSync(workDir, { recursive: true, force: true });
  if (!cli.keepSnapshots) rmSync(snapshotDir, { recursive: true, force: true });
  return result;
}

/**
 * The diagnosis of `entry` from snapshots taken elsewhere (by a watched program's preload, at the times
 * its runner chose): analysed in a process of their own as an audit's are, and deleted unless `keep`.
 */
export async function diagnoseSnapshots(
  entry: AuditEntry,
  taken: Taken,
  outDir: string,
  keep: boolean,
): Promise<Diagnosis> {
  const workDir = join(outDir, '.diagnosis');
  mkdirSync(workDir, { recursive: true });
  const script = analysisScript(workDir);
  try {
    const analysed = taken.error || taken.snapshots.length < 2 ? null : await analyse(taken, false, workDir, script);
    return diagnosisOf(entry, taken, analysed, keep);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    if (!keep) for (const s of taken.snapshots) rmSync(s.file, { force: true });
  }
}
