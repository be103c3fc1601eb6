import { fileURLToPath } from 'node:url';

/**
 * Where the harness's own files are. In this repository it runs from its TypeScript source (through tsx);
 * installed, from the JavaScript that `npm run build` compiled into dist/, beside the same folders of
 * audits, fixtures and schema. The one difference between the two is the extension of its modules.
 */
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The path of one of the harness's modules, named without its extension, relative to `base` (a module's URL). */
export function ownModule(relativePath: string, base: string): URL {
  return new URL(`${relativePath}${OWN_EXTENSION}`, base);
}

/** The folder leak-audit is installed in (this repository, or node_modules/leak-audit). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The folder its running code is in: src/ here, dist/ installed. */
export const OWN_CODE_DIR = fileURLToPath(new URL('./', import.meta.url));
