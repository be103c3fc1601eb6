import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The files `npm pack` would put in the package another repository installs. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe('the installable package', { timeout: 60_000 }, () => {
  const files = packedFiles();
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    bin: Record<string, string>;
    exports: Record<string, string>;
    dependencies: Record<string, string>;
  };

  it('holds its CLI, its public API, the noise floor and the calibration audits', () => {
    for (const path of [...Object.values(manifest.bin), ...Object.values(manifest.exports)])
      expect(files).toContain(normalize(path));
    expect(files).toContain('src/builtin/noise-floor.audit.ts');
    expect(files.filter((f) => f.startsWith('audits/calibration/') && f.endsWith('.audit.ts')).length).toBeGreaterThan(
      5,
    );
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('audits/controllers/'))).toBe(false);
  });

  it('is whole: every relative import of a packed file is packed, every package it imports is a dependency', () => {
    const packed = new Set(files);
    const missing: string[] = [];
    const undeclared = new Set<string>();
    for (const file of files.filter((f) => /\.[cm]?[jt]s$/.test(f))) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      )) {
        if (!specifier) continue;
        if (specifier.startsWith('.')) {
          const target = normalize(join(dirname(file), specifier));
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
});
