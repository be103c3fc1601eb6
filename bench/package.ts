/**
 * What a user of the published package pays, measured (prints numbers, asserts nothing).
 *   npm run bench:package [-- --repo DIR] [--runs N]
 * Packs the repository (`npm pack`, which builds it), installs the tarball into an empty project as a
 * user would, writes one audit of a 10-line PID controller that keeps its saturated outputs, then times:
 *  - the install, and the installed size (node_modules, bytes on disk);
 *  - `npx leak-audit --help`, and the installed bin's `--help` without npx;
 *  - `npx leak-audit --no-calibration` (the user's audit and the noise floor alone);
 *  - the first `npx leak-audit` on this machine (nothing recorded: calibration in full), then the next
 *    ones (what every edit-and-rerun costs).
 * `--repo` measures another checkout (a worktree of an older commit, for the before figure).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { repo: { type: 'string', default: '.' }, runs: { type: 'string', default: '3' } },
});
const REPO = resolve(args.repo);
const RUNS = Number(args.runs);

const PID_AUDIT = `import { audit } from 'leak-audit';

class Pid {
  private integral = 0;
  private previous = 0;
  readonly saturated: number[] = [];
  step(error: number): number {
    this.integral += error * 0.01;
    const u = 2 * error + 0.5 * this.integral + 0.1 * (error - this.previous);
    this.previous = error;
    if (Math.abs(u) > 1) this.saturated.push(u);
    return Math.max(-1, Math.min(1, u));
  }
}

audit('pid-controller', { expect: 'clean' }, () => {
  const pid = new Pid();
  let t = 0;
  return { step: () => pid.step(Math.sin((t += 0.01)) * 3) };
});
`;

const scratch = mkdtempSync(join(tmpdir(), 'leak-audit-package-'));
// The user's caches (calibration's record among them) start empty, as on a machine that never ran it.
const env = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(scratch, 'cache') };

function timed(command: string, argv: string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(command, argv, { cwd, env, stdio: 'ignore' });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${argv.join(' ')}: exit ${r.status}`);
  return ms;
}

function spread(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const f = (x: number) => `${(x / 1000).toFixed(2)} s`;
  console.log(
    `${label.padEnd(44)} min ${f(sorted[0]!)}  median ${f(sorted[Math.floor(sorted.length / 2)]!)}  max ${f(sorted.at(-1)!)}  (n=${ms.length})`,
  );
}

try {
  execFileSync('npm', ['pack', '--pack-destination', scratch], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(
    scratch,
    readdirSync(scratch).find((f) => f.endsWith('.tgz'))!,
  );
  const project = join(scratch, 'project');
  mkdirSync(join(project, 'audits'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pid-project', private: true, type: 'module' }));
  writeFileSync(join(project, 'audits', 'pid.audit.ts'), PID_AUDIT);
  const installMs = timed('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
  const du = execFileSync('du', ['-sb', join(project, 'node_modules')], { encoding: 'utf8' });
  console.log(`repository ${REPO}`);
  console.log(
    `install ${(installMs / 1000).toFixed(1)} s, node_modules ${(Number(du.split('\t')[0]) / 1e6).toFixed(1)} MB`,
  );

  spread(
    'npx leak-audit --help',
    Array.from({ length: 5 }, () => timed('npx', ['leak-audit', '--help'], project)),
  );
  // Without npx's own start (~0.5 s of npm): what a package.json script or a shell alias runs.
  const bin = join(project, 'node_modules', '.bin', 'leak-audit');
  spread(
    'node_modules/.bin/leak-audit --help',
    Array.from({ length: 5 }, () => timed(bin, ['--help'], project)),
  );
  const runs = (extra: string[]) =>
    Array.from({ length: RUNS }, () => timed('npx', ['leak-audit', '--out', join(scratch, 'out'), ...extra], project));
  spread('npx leak-audit --no-calibration', runs(['--no-calibration']));
  spread('npx leak-audit (first on this machine)', [
    timed('npx', ['leak-audit', '--out', join(scratch, 'out')], project),
  ]);
  spread('npx leak-audit (the next ones)', runs([]));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
