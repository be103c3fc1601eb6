/**
 * Loaded into a watched Node program (`leak-audit run -- node app.js`) with `--import`, before its own
 * code. Every `intervalMs`, on the program's own event loop, it takes a reading (a forced GC, then memory,
 * heap spaces, active resources, open files, threads: worker/sampler.ts) and appends it to the sample
 * stream, synchronously, so a crash or a kill keeps what was measured.
 *
 * It changes nothing the program does: its timer is unref'd (the program ends when it would), it keeps
 * no reading in the heap it measures, and it measures only the process it was loaded into, not the
 * workers or the node processes the program starts (they inherit its options and environment).
 */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { PROGRAM_SNAPSHOTS_FILE, PROGRAM_TASK_ENV, PROGRESS_SYMBOL, type ProgramTask } from '../protocol.ts';
import { readingNow } from '../worker/sampler.ts';
import { SampleStream } from '../worker/stream.ts';

/** Set in the environment by the process that measures itself: its children see it, and do not. */
const CLAIMED_ENV = 'LEAK_AUDIT_PROGRAM_MEASURED_BY';

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

function watch(task: ProgramTask): void {
  process.env[CLAIMED_ENV] = String(process.pid);
  const startMs = performance.now();
  const gc = forcedGc();
  const progress = globalThis as { [key: symbol]: unknown };
  const key = Symbol.for(PROGRESS_SYMBOL);
  const x = (): number =>
    task.per === 'second' ? (performance.now() - startMs) / 1000 : Number(progress[key] ?? 0) || 0;
  const stream = new SampleStream(task.streamFile);
  stream.write({
    type: 'start',
    ...task.start,
    pid: process.pid,
    heapCapBytes: getHeapStatistics().heap_size_limit,
  });
  // Whoever started the watch reads the stream; if it is gone (killed), nothing will, and no one will
  // stop the program either: it ends, as an audit process does when its CLI dies.
  const watcher = process.ppid;
  const read = () => {
    if (process.ppid !== watcher) {
      stream.close();
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    stream.write({ type: 'sample', ...readingNow(gc, x(), startMs) });
  };
  read();
  setInterval(read, task.intervalMs).unref();
  if (task.snapshots) {
    const { dir, atMs } = task.snapshots;
    mkdirSync(dir, { recursive: true });
    atMs.forEach((t, i) => {
      setTimeout(() => {
        if (process.ppid !== watcher) return;
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
    if (process.ppid !== watcher) return;
    read();
    const timings = { startupMs: 0, setupMs: 0, loopMs: performance.now() - startMs, samplingMs: 0, decisionMs: 0 };
    stream.write({ type: 'end', stopReason: 'planned', collection: null, handles: null, error: null, timings });
    stream.close();
  });
}

const task = process.env[PROGRAM_TASK_ENV];
if (task && isMainThread && !process.env[CLAIMED_ENV]) watch(JSON.parse(task) as ProgramTask);
