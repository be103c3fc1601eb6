/**
 * Loaded into a watched Node program (`leak-audit run -- node app.js`) with `--import`, before its own
 * code. Every `intervalMs`, on the program's own event loop, it takes a reading (a forced GC, then memory,
 * heap spaces, active resources, open files, threads: worker/sampler.ts) and appends it to the sample
 * stream, synchronously, so a crash or a kill keeps what was measured.
 *
 * It changes as little of the program as it can: its timer is unref'd (the program ends when it would),
 * and it keeps no reading in the heap it measures. Every Node process of the program's tree loads it (its
 * children inherit its options and environment) and measures itself into a stream of its own, but for a
 * package manager that starts the program (`npm start`), and worker threads: the CLI judges the one that
 * is the program (a launcher such as tsx runs it in a child; cluster workers run under their primary).
 * Each checks that the CLI that watches it is still there. What it does change: `--expose-gc` is set
 * process-wide (a `gc` global appears in new contexts and workers), and one environment variable
 * (PROGRAM_MEASURED_ENV) is set for the program's children.
 */
import { appendFileSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import {
  processStreamFile,
  PROGRAM_MEASURED_ENV,
  PROGRAM_SNAPSHOTS_FILE,
  PROGRAM_TASK_ENV,
  PROGRESS_SYMBOL,
  type ProcessIdentity,
  type ProgramTask,
} from '../protocol.ts';
import { isAlive } from '../process-tree.ts';
import { readingNow } from '../worker/sampler.ts';
import { SampleStream } from '../worker/stream.ts';

/** How long a program whose watcher died has, after SIGTERM, before it exits anyway. */
const ORPHAN_GRACE_MS = 5000;

/** `gc()` without `--expose-gc` on the program's command line: exposed in a fresh context, then taken. */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Two collections: V8 sweeps dead ArrayBuffers after the GC that found them (worker/sampler.ts readingGc).
  return () => {
    gc();
    gc();
  };
}

/**
 * A package manager's own process (`npm start` is node running npm's CLI, which starts a shell, which
 * starts the program): not the program, and not measured; its children inherit the preload through
 * NODE_OPTIONS.
 */
const PACKAGE_MANAGER_SCRIPT = /[\\/]node_modules[\\/](npm|pnpm|yarn|corepack)[\\/]/;

/** Whether this process runs a package manager (`/usr/bin/npm` links to `…/node_modules/npm/bin/npm-cli.js`). */
function isPackageManager(): boolean {
  try {
    return PACKAGE_MANAGER_SCRIPT.test(realpathSync(process.argv[1] ?? ''));
  } catch {
    return false;
  }
}

/** The measured process above this one, from the environment it inherited: its pid and depth. */
function measuredParent(): { readonly pid: number; readonly depth: number } | null {
  try {
    const parent = JSON.parse(process.env[PROGRAM_MEASURED_ENV] ?? 'null') as { pid?: unknown; depth?: unknown };
    return typeof parent?.pid === 'number' && typeof parent.depth === 'number'
      ? { pid: parent.pid, depth: parent.depth }
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether this process is the one whose snapshots a diagnosis watch asks for, and the first of its kind
 * to claim them (cluster workers share a script and a depth): the claim is a folder only one can create.
 */
function claimsSnapshots(dir: string, wanted: ProcessIdentity, self: ProcessIdentity): boolean {
  if (wanted.script !== self.script || wanted.depth !== self.depth) return false;
  mkdirSync(dir, { recursive: true });
  try {
    mkdirSync(join(dir, 'claimed'));
    return true;
  } catch {
    return false;
  }
}

function watch(task: ProgramTask): void {
  const parent = measuredParent();
  const self: ProcessIdentity = { script: process.argv[1] ?? null, depth: parent ? parent.depth + 1 : 0 };
  process.env[PROGRAM_MEASURED_ENV] = JSON.stringify({ pid: process.pid, depth: self.depth });
  const startMs = performance.now();
  const gc = forcedGc();
  const progress = globalThis as { [key: symbol]: unknown };
  const key = Symbol.for(PROGRESS_SYMBOL);
  const x = (): number =>
    task.per === 'second' ? (performance.now() - startMs) / 1000 : Number(progress[key] ?? 0) || 0;
  const stream = new SampleStream(processStreamFile(task.streamFile, process.pid));
  stream.write({
    type: 'start',
    ...task.start,
    pid: process.pid,
    heapCapBytes: getHeapStatistics().heap_size_limit,
    process: { ...self, parentPid: parent?.pid ?? null, startedAt: Date.now() - (performance.now() - startMs) },
  });
  // Whoever started the watch reads the stream; if it is gone (killed), nothing will, and no one will
  // stop the program either: it ends, with what it started (it leads its own process group), as an
  // audit process does when its CLI dies; if it ignores SIGTERM, it exits after a grace.
  const watched = () => isAlive(task.watcherPid);
  let orphaned = false;
  const end = () => {
    orphaned = true;
    clearInterval(timer);
    stream.close();
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
    try {
      process.kill(-process.pid, 'SIGTERM');
    } catch {
      // Not leading a process group of its own (not started by leak-audit run): itself alone.
      process.kill(process.pid, 'SIGTERM');
    }
  };
  const read = () => {
    if (orphaned) return;
    if (!watched()) return end();
    stream.write({ type: 'sample', ...readingNow(gc, x(), startMs) });
  };
  const timer = setInterval(read, task.intervalMs).unref();
  read();
  if (task.snapshots && claimsSnapshots(task.snapshots.dir, task.snapshots.process, self)) {
    const { dir, atMs } = task.snapshots;
    atMs.forEach((t, i) => {
      setTimeout(() => {
        if (!watched()) return;
        gc();
        const heapUsed = process.memoryUsage().heapUsed;
        const units = x();
        const file = writeHeapSnapshot(join(dir, `${i}.heapsnapshot`));
        const taken = { file, units, bytes: statSync(file).size, heapUsed, ms: performance.now() - startMs };
        appendFileSync(join(dir, PROGRAM_SNAPSHOTS_FILE), `${JSON.stringify(taken)}\n`);
      }, t).unref();
    });
  }
  process.on('exit', () => {
    if (orphaned || !watched()) return;
    read();
    const timings = { startupMs: 0, setupMs: 0, loopMs: performance.now() - startMs, samplingMs: 0, decisionMs: 0 };
    stream.write({ type: 'end', stopReason: 'planned', collection: null, handles: null, error: null, timings });
    stream.close();
  });
}

const task = process.env[PROGRAM_TASK_ENV];
if (task && isMainThread && !isPackageManager()) watch(JSON.parse(task) as ProgramTask);
