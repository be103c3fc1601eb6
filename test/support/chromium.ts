import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/**
 * Finds the Chromium the HTML report's browser test drives (Debian's package; npm packages that
 * download their own browser cannot, on these machines). `npm test` on a machine without one skips that
 * test with one line saying how to enable it; `.ci/run` installs Chromium and sets
 * LEAK_AUDIT_REQUIRE_BROWSER=1, so there a missing browser fails the run instead of skipping.
 */

/** Where to look, in order: an explicit path, then Debian's and other distributions' usual places. */
const CANDIDATES = [
  process.env['LEAK_AUDIT_CHROMIUM'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export const CHROMIUM_KEY = 'chromiumPath';

declare module 'vitest' {
  interface ProvidedContext {
    chromiumPath: string | null;
  }
}

export function findChromium(): string | null {
  return CANDIDATES.find((path): path is string => path !== undefined && path !== '' && existsSync(path)) ?? null;
}

/** vitest globalSetup: runs once in the main process, so the skip line is printed once. */
export default function setup(project: TestProject): void {
  const path = findChromium();
  if (path === null) {
    if (process.env['LEAK_AUDIT_REQUIRE_BROWSER'] === '1') {
      throw new Error(
        "LEAK_AUDIT_REQUIRE_BROWSER=1 but no Chromium was found (install Debian's chromium, or set LEAK_AUDIT_CHROMIUM)",
      );
    }
    process.stdout.write(
      'leak-audit: HTML browser test skipped: no Chromium found (apt-get install chromium, or set LEAK_AUDIT_CHROMIUM=/path/to/chromium)\n',
    );
  }
  project.provide(CHROMIUM_KEY, path);
}
