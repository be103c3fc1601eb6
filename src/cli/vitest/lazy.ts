/**
 * The vitest adapter, loaded when audit processes first run, not when the CLI starts: vitest's node API
 * (and esbuild, which the bundles need) is ~0.4 s of loading that `--help`, a usage error or
 * `--merge-reports` never uses (`node dist/cli.js --help`: 0.56 s with it loaded at start).
 */
import type { ProcessRun, ProcessSession } from './session.ts';

export async function runProcesses(run: ProcessRun): Promise<ProcessSession> {
  const { runProcesses: start } = await import('./session.ts');
  return start(run);
}
