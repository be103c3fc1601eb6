import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * The processes a process started, and theirs: an audit's subject may start a child (a simulator, a
 * serial bridge) that would outlive the audit and the run, and a watched command's memory is its whole
 * tree's. Read from Linux's /proc; elsewhere none are found, and such children are the subject's to end
 * in its teardown.
 */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** A number field of a process's /proc status (`Threads`, `VmRSS` in kB); null when it has none. */
export function statusNumber(status: string, field: 'Threads' | 'VmRSS'): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

/** How many file descriptors a process has open (/proc/<pid>/fd); throws when they cannot be read. */
export function openFds(pid: number | 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** What a process tree holds at one moment, summed over its processes (Linux /proc). */
export interface TreeReading {
  /** Resident set sizes, bytes (pages two processes share count in each). */
  readonly rss: number;
  readonly fds: number;
  readonly threads: number;
  readonly processes: number;
}

/**
 * The resident set, open file descriptors and threads of every process `pid` started, and of `pid`
 * itself unless `withRoot` is false (a keeper that only waits for them), read from /proc (`VmRSS`,
 * `Threads`, the entries of `fd/`); null when `pid` is gone. A process that ends while it is read counts
 * for what was read of it.
 */
export function treeReading(pid: number, withRoot = true): TreeReading | null {
  let rss = 0;
  let fds = 0;
  let threads = 0;
  let processes = 0;
  if (!existsSync(`/proc/${pid}/status`)) return null;
  for (const member of withRoot ? [pid, ...descendants(pid)] : descendants(pid)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${member}/status`, 'latin1');
    } catch {
      continue;
    }
    processes++;
    rss += (statusNumber(status, 'VmRSS') ?? 0) * 1024;
    threads += statusNumber(status, 'Threads') ?? 0;
    try {
      fds += openFds(member);
    } catch {
      // Ended, or not ours to read.
    }
  }
  return { rss, fds, threads, processes };
}

/** Whether a process is still there (one of another user's counts: signalling it is refused, EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs the given processes, ignoring those already gone; returns how many were signalled. */
export function killProcesses(pids: readonly number[]): number {
  let killed = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}
