import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditReport } from '../../src/model/report.ts';
import { reportSchemaErrors } from '../../src/report/schema.ts';
import { CACHE_DIR_ENV } from '../../src/cli/calibration.ts';

/** One run of the CLI: how it exited, what it printed, and the reports it wrote to `out`. */
export interface CliRun {
  readonly out: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  report(): AuditReport;
  markdown(): string;
  junit(): string;
}

const CLI_TIMEOUT_MS = 240_000;
/** For a beforeAll that runs the CLI: hooks do not take their describe's timeout. */
export const RUN_TIMEOUT_MS = CLI_TIMEOUT_MS + 10_000;

/** The CLI as `npm run audit` starts it (node's arguments before the CLI's own). */
export const CLI_ENTRY: readonly string[] = ['scripts/leak-audit-from-source.js'];

function command(args: readonly string[], out: string): string[] {
  return [...CLI_ENTRY, '--out', out, ...args];
}

function cliRun(out: string, status: number | null, stdout: string, stderr: string): CliRun {
  return {
    out,
    status,
    stdout,
    stderr,
    report: () => JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport,
    markdown: () => readFileSync(join(out, 'audit-report.md'), 'utf8'),
    junit: () => readFileSync(join(out, 'junit.xml'), 'utf8'),
  };
}

/**
 * A run's environment: no colour, and a calibration cache of its own (a fresh one unless given), so no
 * test reuses a record another run, or the developer's, left in the user's cache folder.
 */
function environment(cacheDir = mkdtempSync(join(tmpdir(), 'leak-audit-cache-'))): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', [CACHE_DIR_ENV]: cacheDir };
}

/** Runs the CLI as a user would, in its own process (each audit then forks its own). */
export function cli(args: readonly string[], options: { cacheDir?: string } = {}): CliRun {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-'));
  const env = environment(options.cacheDir);
  const result = spawnSync(process.execPath, command(args, out), { encoding: 'utf8', env, timeout: CLI_TIMEOUT_MS });
  return cliRun(out, result.status, result.stdout, result.stderr);
}

/** The same, without blocking: for runs that go side by side (the shards of one run). */
export function cliAsync(args: readonly string[]): Promise<CliRun> {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-'));
  const child = spawn(process.execPath, command(args, out), { env: environment(), timeout: CLI_TIMEOUT_MS });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', (status) => resolve(cliRun(out, status, stdout, stderr))));
}

/** Checks a report against schema/audit-report.schema.json: the errors, none when valid. */
export function schemaErrors(report: AuditReport): string[] {
  return reportSchemaErrors(report);
}
