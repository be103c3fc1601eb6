import { readFileSync } from 'node:fs';
import type { SourceMap } from 'node:module';
import { bundleSourceMap, originalSourcePath } from '../source-maps.ts';

/** A module's top-level binding, where the programmer wrote it. */
export interface OriginalBinding {
  /** The source file, an absolute path. */
  readonly file: string;
  readonly name: string;
}

/** A bundle's text and its source map, once per bundle file. */
interface Bundle {
  readonly lines: readonly string[];
  readonly map: SourceMap;
}

const bundles = new Map<string, Bundle | null>();

function loadBundle(file: string): Bundle | null {
  if (!bundles.has(file)) {
    const map = bundleSourceMap(file);
    let lines: string[] | null = null;
    try {
      lines = map ? readFileSync(file, 'utf8').split('\n') : null;
    } catch {
      // A bundle gone since its snapshot: its variables are named as the snapshot names them.
    }
    bundles.set(file, map && lines ? { lines, map } : null);
  }
  return bundles.get(file)!;
}

/** Escapes a JavaScript identifier (which may hold `$`) for a regular expression. */
function escaped(name: string): string {
  return name.replace(/\$/g, '\\$');
}

/**
 * Where a top-level binding of a bundled module was declared: the audit processes load esbuild
 * bundles (cli/bundle.ts), in which every source module's top-level bindings share the bundle's
 * module scope, so a snapshot names the bundle (or its chunk) and the name esbuild gave the binding.
 * esbuild writes each top-level declaration at the start of a line; its source map leads back to the
 * file, and to the name when esbuild renamed it (two modules' `cache`). Null for a file that is not a
 * bundle with a source map beside it, or a name it does not declare at its top level.
 */
export function originalBinding(bundleFile: string, name: string): OriginalBinding | null {
  const bundle = loadBundle(bundleFile);
  if (!bundle) return null;
  const declaration = new RegExp(`^(?:var|let|const|class|function\\*?|async function\\*?) (${escaped(name)})\\b`);
  for (const [line, text] of bundle.lines.entries()) {
    const match = declaration.exec(text);
    if (!match) continue;
    const column = match[0].length - name.length;
    const entry = bundle.map.findEntry(line, column) as { originalSource?: string; name?: string };
    if (!entry.originalSource) return null;
    return { file: originalSourcePath(entry.originalSource, bundleFile), name: entry.name ?? name };
  }
  return null;
}
