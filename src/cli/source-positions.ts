import type { SourceMap } from 'node:module';
import { relative, resolve } from 'node:path';
import { bundleSourceMap, originalSourcePath } from '../source-maps.ts';

/** `file:///…/x.mjs:12:30` or `/…/x.mjs:12:30`, as V8 writes a position in a stack frame. */
const POSITION = /(file:\/\/)?(\/[^\s():]+\.mjs):(\d+):(\d+)/g;

/**
 * Rewrites positions in the bundles of `buildDir` (an audit process runs one) as the source positions
 * they came from, through the bundles' source maps: `fixtures/controller.ts:41:11` in place of
 * `reports/.build/chunks/x-AB12.mjs:12:30`. The audit process itself runs without
 * `--enable-source-maps`, which would keep every map in the measured heap. Other text is kept as is.
 */
export function sourcePositions(text: string, buildDir: string): string {
  const maps = new Map<string, SourceMap | null>();
  return text.replace(POSITION, (match, _scheme: string | undefined, file: string, line: string, column: string) => {
    if (!file.startsWith(resolve(buildDir))) return match;
    if (!maps.has(file)) maps.set(file, bundleSourceMap(file));
    const entry = maps.get(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return match;
    const source = originalSourcePath(entry.originalSource, file);
    return `${relative(process.cwd(), source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
