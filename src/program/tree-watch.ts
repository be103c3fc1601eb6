/**
 * A watched command that is not Node (`leak-audit run -- python3 sim.py`), read from outside: every
 * interval, the resident set, open file descriptors and threads of its process tree (/proc), written to
 * the sample stream as a Node program's preload writes its readings, so the rest of the pipeline reads
 * one format. No GC can be forced in a process of another runtime, and no heap can be walked: the
 * series is what the tree holds, plus what its allocators have not given back (AUDIT.md "Watching a
 * command that is not Node").
 */
import { totalmem } from 'node:os';
import { treeReading } from '../process-tree.ts';
import type { ProgramTask } from '../protocol.ts';
import { FD_RESOURCE, THREAD_RESOURCE } from '../worker/sampler.ts';
import { SampleStream } from '../worker/stream.ts';

/** The resource type under which the tree's processes are counted (a command that forks and never reaps). */
export const PROCESS_RESOURCE = 'process';

/** Whether this machine shows other processes' memory (/proc, Linux). */
export function canWatchTrees(): boolean {
  return treeReading(process.pid) !== null;
}

/**
 * Starts reading the tree under `keeperPid` (program/keeper.ts, the command's parent, left out: it only
 * waits) into `task.streamFile`, one reading now and one every `task.intervalMs`; returns the function
 * that stops reading and closes the stream.
 */
export function watchTree(keeperPid: number, task: ProgramTask): () => void {
  const stream = new SampleStream(task.streamFile);
  const startMs = performance.now();
  // The machine's memory is the only limit a process tree's resident set has.
  stream.write({ type: 'start', ...task.start, pid: keeperPid, heapCapBytes: totalmem() });
  const read = (): void => {
    const tree = treeReading(keeperPid, false);
    if (!tree || tree.processes === 0) return;
    const ms = performance.now() - startMs;
    stream.write({
      type: 'sample',
      at: ms / 1000,
      ms,
      heapUsed: tree.rss,
      external: 0,
      arrayBuffers: 0,
      rss: tree.rss,
      spaces: {},
      resources: { [FD_RESOURCE]: tree.fds, [THREAD_RESOURCE]: tree.threads, [PROCESS_RESOURCE]: tree.processes },
    });
  };
  read();
  const timer = setInterval(read, task.intervalMs);
  return () => {
    clearInterval(timer);
    stream.close();
  };
}
