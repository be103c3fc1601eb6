import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The harness's own tests, in two projects. Audits (`audits/*.audit.ts`) are not tests: the CLI runs
 * them with its own configuration (src/cli/run-audits.ts).
 * - unit: in-process, seconds (`npm run test:unit`). `--expose-gc` because the measuring loop's tests
 *   run it for real.
 * - e2e: the CLI in its own process, running real audits; the HTML report in Chromium; watched programs
 *   (`npm run test:e2e`).
 */
const E2E = [
  'test/cli.test.ts',
  'test/shard-merge.test.ts',
  'test/html-browser.test.ts',
  'test/package.test.ts',
  'test/diagnosis-roots.test.ts',
  'test/program.test.ts',
];

export default defineConfig({
  // Fixtures import 'leak-audit' as a user's audit does; here that is the source (tsconfig.json's `paths`).
  resolve: { alias: { 'leak-audit': fileURLToPath(new URL('src/index.ts', import.meta.url)) } },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: E2E,
          pool: 'forks',
          execArgv: ['--expose-gc', '--no-concurrent-array-buffer-sweeping'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: E2E,
          pool: 'forks',
          // One file at a time: each CLI run already uses every core for its audits, and the harness
          // sizes an audit's windows from how long its first one took; side by side the runs starve
          // each other, and their verdicts are not those of the machine a user has.
          fileParallelism: false,
          // Within a file, at most this many tests side by side: the watched programs' (program.test.ts),
          // which last their --duration whatever the CPU does, and whose programs use little of it (a
          // 1 kHz timer). One after the other they took ~150 s of CI; side by side ~50.
          maxConcurrency: 4,
          // Finds a Chromium for the HTML browser test, or says in one line why that test is skipped.
          globalSetup: ['test/support/chromium.ts'],
        },
      },
    ],
  },
});
