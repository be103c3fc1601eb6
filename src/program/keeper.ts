/**
 * The parent of a watched command that is not Node (`leak-audit run -- python3 sim.py`), started by the
 * CLI as `node keeper.mjs <cli pid> <command> [args]`. It leads the command's process group and waits
 * for the command, then exits as it did (its code, or its signal). Its one job beside that: a command
 * has no preload to notice that the CLI watching it was killed, so the keeper checks, and ends the group
 * (SIGTERM, then SIGKILL after a grace) once the CLI is gone. A Node program's preload does the same.
 */
import { spawn } from 'node:child_process';
import { isAlive } from '../process-tree.ts';

/** How often the keeper checks that the CLI is still there. */
const CHECK_MS = 500;
/** How long the group has, after SIGTERM, before it is killed. */
const GRACE_MS = 5000;

function signalGroup(signal: NodeJS.Signals): void {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // Not leading a group (not started by leak-audit run): nothing else to end.
  }
}

const [watcher, program, ...args] = process.argv.slice(2);
const child = spawn(program!, args, { stdio: 'inherit' });
// The CLI stops a watch by signalling the whole group: the signal is the command's to act on, and the
// keeper waits for it to end, to exit as it did.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
const check = setInterval(() => {
  if (isAlive(Number(watcher))) return;
  clearInterval(check);
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), GRACE_MS).unref();
}, CHECK_MS);
child.on('error', (e) => {
  console.error(`leak-audit: ${program} could not be started: ${e.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearInterval(check);
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
