import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The source map beside one of our esbuild bundles (`<file>.map`, cli/bundle.ts writes them linked),
 * or null when there is none or it cannot be read.
 */
export function bundleSourceMap(bundleFile: string): SourceMap | null {
  const path = `${bundleFile}.map`;
  try {
    return existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8'))) : null;
  } catch {
    return null;
  }
}

/** The absolute path of a source a bundle's map names (a file URL, an absolute path, or one relative to the bundle). */
export function originalSourcePath(originalSource: string, bundleFile: string): string {
  if (originalSource.startsWith('file://')) return fileURLToPath(originalSource);
  return isAbsolute(originalSource) ? originalSource : resolve(dirname(bundleFile), originalSource);
}
