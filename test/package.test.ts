import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/model/report.ts';

/**
 * The package as another repository gets it: `npm pack` (which builds dist/), installed into an empty
 * project with npm, one audit of the user's and one shipped calibration audit run by `npx leak-audit`.
 */
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  dependencies: Record<string, string>;
  private?: boolean;
};

/** A PID controller that keeps every saturated output: ~8 B/step, a leak the user expects to be found. */
const USER_AUDIT = `import { audit } from 'leak-audit';

class Pid {
  private integral = 0;
  readonly saturated: number[] = [];
  step(error: number): number {
    this.integral += error * 0.01;
    const u = 2 * error + 0.5 * this.integral;
    if (Math.abs(u) > 1) this.saturated.push(u);
    return Math.max(-1, Math.min(1, u));
  }
}

audit('pid-keeps-saturated', { expect: 'leak' }, () => {
  const pid = new Pid();
  return { step: () => pid.step(5) };
});
`;

describe('the published package', { timeout: 240_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'leak-audit-package-test-'));
  const project = join(scratch, 'project');
  const unpacked = join(scratch, 'unpacked');
  let files: string[] = [];

  beforeAll(() => {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { stdio: ['ignore', 'ignore', 'pipe'] });
    const tarball = join(
      scratch,
      readdirSync(scratch).find((f) => f.endsWith('.tgz'))!,
    );
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1']);
    files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
    mkdirSync(join(project, 'audits'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    writeFileSync(join(project, 'audits', 'pid.audit.ts'), USER_AUDIT);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: project,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }, 240_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is publishable: compiled JavaScript with its declarations, no TypeScript of the harness, no tests', () => {
    expect(manifest.private).toBeUndefined();
    expect(files).toContain(normalize(manifest.bin['leak-audit']!));
    expect(files).toContain(normalize(manifest.exports['.']!.default!));
    expect(files).toContain(normalize(manifest.exports['.']!.types!));
    expect(files).toContain('audits/noise-floor/noise-floor.audit.ts');
    expect(files.filter((f) => f.startsWith('audits/calibration/') && f.endsWith('.audit.ts')).length).toBeGreaterThan(
      5,
    );
    expect(files.filter((f) => /^(src|test|bench|scripts|audits\/controllers)\//.test(f))).toEqual([]);
  });

  it('is whole: every relative import of a packed file is packed, every package it imports is a dependency', () => {
    const packed = new Set(files);
    const missing: string[] = [];
    const undeclared = new Set<string>();
    for (const file of files.filter((f) => /\.[cm]?[jt]s$/.test(f))) {
      for (const [, from, dynamic] of readFileSync(join(unpacked, file), 'utf8').matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      )) {
        const specifier = from ?? dynamic;
        if (!specifier || specifier === 'leak-audit') continue;
        if (specifier.startsWith('.')) {
          // A declaration's import keeps its source's extension: TypeScript reads `./x.ts` there as `./x.d.ts`.
          const declared = file.endsWith('.d.ts') ? specifier.replace(/\.ts$/, '.d.ts') : specifier;
          const target = normalize(join(dirname(file), declared));
          if (!packed.has(target)) missing.push(`${file} → ${specifier}`);
        } else if (!specifier.startsWith('node:')) {
          const name = specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : specifier.split('/')[0]!;
          if (!(name in manifest.dependencies)) undeclared.add(`${file} → ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect([...undeclared]).toEqual([]);
  });

  it("types a user's audit file: its options are checked against the shipped declarations", () => {
    const typed = join(project, 'typed');
    mkdirSync(typed);
    writeFileSync(
      join(typed, 'wrong.audit.ts'),
      "import { audit } from 'leak-audit';\naudit('x', { steps: 'many' }, () => ({ step: () => 1 }));\n",
    );
    // A user's settings, not ours: NodeNext as tsc --init writes it, nothing that would excuse our declarations.
    const compilerOptions = { module: 'NodeNext', strict: true, noEmit: true };
    writeFileSync(join(typed, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    const tsc = spawnSync(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-p', typed], {
      encoding: 'utf8',
    });
    // The one error is the user's: the declarations themselves resolve and check.
    expect(tsc.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /typed\/wrong\.audit\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
      ),
    ]);
  });

  it("runs a user's audit and a shipped calibration audit, from the installed package, with their verdicts", () => {
    const out = join(scratch, 'reports');
    const calibrationAudit = join(project, 'node_modules', 'leak-audit', 'audits', 'calibration', 'slow-leak.audit.ts');
    const run = spawnSync('npx', ['leak-audit', '--no-calibration', '--out', out, 'audits', calibrationAudit], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', LEAK_AUDIT_CACHE_DIR: join(scratch, 'cache') },
    });
    expect(run.stderr).not.toMatch(/tsx|ERR_/);
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport;
    const byId = Object.fromEntries(report.audits.map((a) => [a.id, a]));
    expect(byId['pid-keeps-saturated']).toMatchObject({ verdict: 'fail', role: 'subject' });
    expect(byId['calibration-slow-leak']).toMatchObject({ verdict: 'fail', role: 'calibration' });
    expect(byId['noise-floor-no-op']).toMatchObject({ verdict: 'pass', role: 'noise-floor' });
  });
});
