import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/model/report.ts';
import { parseBytes, parseDuration, parseRunArgs, scriptOf } from '../src/cli/run-program.ts';
import { CLI_ENTRY, schemaErrors } from './support/cli.ts';

/** `leak-audit run …` as a user starts it; its report, when it wrote one. */
function run(args: readonly string[]) {
  const out = mkdtempSync(join(tmpdir(), 'leak-audit-program-'));
  const result = spawnSync(process.execPath, [...CLI_ENTRY, 'run', '--out', out, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  const file = join(out, 'audit-report.json');
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AuditReport) : null;
  return { ...result, out, report };
}

describe('leak-audit run: its options', () => {
  it('reads durations, sizes and the command after --', () => {
    expect(parseDuration('--duration', '30s')).toBe(30_000);
    expect(parseDuration('--duration', '10m')).toBe(600_000);
    expect(parseDuration('--duration', '500ms')).toBe(500);
    expect(parseDuration('--duration', '2')).toBe(2000);
    expect(() => parseDuration('--duration', 'soon')).toThrow(/--duration: expected a duration such as 30s/);
    expect(parseBytes('--budget', '64MiB')).toBe(64 * 2 ** 20);
    expect(parseBytes('--budget', '500MB')).toBe(5e8);
    const o = parseRunArgs(['--duration', '30s', '--', 'node', '--max-old-space-size=64', 'app/server.js', '-p', '80']);
    expect(o).toMatchObject({ durationMs: 30_000, name: 'server', per: 'second', expect: 'clean' });
    expect(o.horizon).toEqual({ units: 36_000, label: '10 h' });
    // 120 readings over the watch, by default.
    expect(o.intervalMs).toBe(250);
    expect(o.command).toEqual(['node', '--max-old-space-size=64', 'app/server.js', '-p', '80']);
  });

  it('finds the script among node options that take a value, and names `node -e` code eval', () => {
    expect(scriptOf(['-r', 'dotenv/config', 'app.js'])).toBe('app.js');
    expect(scriptOf(['--import', 'tsx', 'src/server.ts', '--port', '80'])).toBe('src/server.ts');
    expect(scriptOf(['--inspect-port', '9229', '--env-file', '.env', 'main.mjs'])).toBe('main.mjs');
    expect(scriptOf(['-e', 'setInterval(() => {}, 10)'])).toBeNull();
    expect(parseRunArgs(['--', 'node', '-e', 'x']).name).toBe('eval');
  });

  it('refuses what it cannot watch, in one line', () => {
    expect(() => parseRunArgs(['--interval', '10ms', '--', 'node', 'a.js'])).toThrow(/--interval: at least 100ms/);
    expect(() => parseRunArgs(['--duration', '30s'])).toThrow(/give the program after --/);
    expect(() => parseRunArgs(['--', 'python3', 'sim.py'])).toThrow(/only Node programs .* got "python3"/);
    expect(() => parseRunArgs(['--per', 'request', '--', 'node', 'a.js'])).toThrow(/--per request needs --horizon N/);
  });
});

describe('leak-audit run: planted programs, judged as audits are', { timeout: 180_000 }, () => {
  it('a 1 kHz loop that keeps ~100 B per tick fails, per second, and its diagnosis names the array', () => {
    const r = run(['--duration', '8s', '--interval', '100ms', '--', 'node', 'examples/programs/ticker-leak.mjs']);
    expect(r.status).toBe(1);
    const audit = r.report!.audits[0]!;
    expect(audit).toMatchObject({ id: 'ticker-leak', verdict: 'fail', error: null });
    expect(audit.slope.unit).toBe('second');
    // ~10 records of ~100 B every 10 ms: about 100 KB per second.
    expect(audit.slope.bytesPerUnit).toBeGreaterThan(50_000);
    expect(audit.samples.length).toBeGreaterThan(20);
    expect(schemaErrors(r.report!)).toEqual([]);
    expect(r.stdout).toMatch(/^FAIL: 0\/1 audits gave the verdict expected of them; ticker-leak did not/m);
    // Watched again with heap snapshots: the array that keeps every record, by its module and name.
    expect(audit.diagnosis).toMatchObject({ status: 'done' });
    expect(audit.diagnosis!.findings[0]).toMatchObject({
      kind: 'collection',
      retainerPath: 'module examples/programs/ticker-leak.mjs › history',
    });
    expect(r.stdout).toMatch(
      /^ {2}grows: collection Array of \{label\} at module examples\/programs\/ticker-leak\.mjs › history/m,
    );
  });

  it('its fixed twin, a ring of the last 1000 records, passes over a 30 s watch', () => {
    const r = run(['--duration', '30s', '--', 'node', 'examples/programs/ticker-fixed.mjs']);
    expect(r.report!.audits[0]).toMatchObject({ id: 'ticker-fixed', verdict: 'pass' });
    expect(r.status).toBe(0);
  });

  it('a CLI killed mid-watch leaves no program behind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-program-'));
    const cli = spawn(
      process.execPath,
      [
        ...CLI_ENTRY,
        'run',
        '--out',
        out,
        '--duration',
        '60s',
        '--interval',
        '100ms',
        '--',
        'node',
        'examples/programs/ticker-leak.mjs',
      ],
      { stdio: 'ignore' },
    );
    const streams = join(out, '.build');
    for (let i = 0; i < 200 && !(existsSync(streams) && readdirSync(streams).some((f) => f.endsWith('.ndjson'))); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    cli.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const left = spawnSync('pgrep', ['-f', 'examples/programs/ticker-leak.mjs'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });
});
