import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR } from '../cli/out-dir.ts';

/**
 * Files as findings name them. A finding's signature is what an allowlist entry matches, so it must be
 * the same in every run, in every clone and on every machine: no absolute path, no temporary folder,
 * no build hash. Measured before: a package's binding read `$Module._cache["/…/node_modules/<pkg>/lib/
 * registry.js"]…` on one machine and another path on the next, and a binding read through a bundle's
 * chunk carried the chunk's content hash (`.build/chunks/…-YJRBBVA7.mjs`), new in every build.
 */

const NODE_MODULES = `${sep}node_modules${sep}`;
/** esbuild's chunk names: `[name]-[hash]`, the hash 8 characters of base 32. */
const CHUNK_HASH = /-[A-Z0-9]{8}(\.[cm]?js)$/;

/** The nearest folder at or above `dir` with a package.json (a project's or a package's root), by folder. */
const roots = new Map<string, string | null>();

function projectRoot(dir: string): string | null {
  const known = roots.get(dir);
  if (known !== undefined) return known;
  const parent = dirname(dir);
  const root = existsSync(join(dir, 'package.json')) ? dir : parent === dir ? null : projectRoot(parent);
  roots.set(dir, root);
  return root;
}

/** A script's extension: what a module cache's key or a script's name ends with. */
const SCRIPT = /\.(?:[cm]?[jt]sx?|json|node)$/;

/**
 * Whether `name` is a script's absolute path or file URL (a module cache's key, a script's name), not
 * any key that starts with a slash (a route cache's `/api/users`).
 */
export function isFileName(name: string): boolean {
  return (name.startsWith('file://') || isAbsolute(name)) && SCRIPT.test(name);
}

/**
 * `file` (a path or a file URL) as a finding names it: a package's file as the package and its path in
 * it (`pino/lib/tools.js`, `@scope/pkg/index.js`); a bundle chunk of this harness as its name without
 * the build's hash; any other file relative to its project (the nearest folder above it with a
 * package.json), else to the working directory `cwd` when it lies below it, else by its name alone.
 */
export function stableFileName(file: string, cwd = process.cwd()): string {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file;
  const inPackages = path.lastIndexOf(NODE_MODULES);
  if (inPackages >= 0)
    return path
      .slice(inPackages + NODE_MODULES.length)
      .split(sep)
      .join('/');
  if (path.includes(`${sep}${BUILD_DIR}${sep}`)) return basename(path).replace(CHUNK_HASH, '$1');
  const root = projectRoot(dirname(path));
  const base = root ?? cwd;
  const below = relative(base, path);
  if (below.startsWith('..') || isAbsolute(below)) return basename(path);
  return below.split(sep).join('/');
}
