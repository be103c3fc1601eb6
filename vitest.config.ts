import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The harness's own tests, in two projects. Audits (`audits/*.audit.ts`) are not tests: the CLI runs
 * them with its own configuration (src/cli/run-audits.ts).
 * - unit: in-process, seconds (`npm run test:unit`). `--expose-gc` because the measuring loop's tests
 *   run it for real.
 * - e2e: the CLI in its own process, running real audits; the HTML report in Chromium (`npm run test:e2e`).
 * - watch: `leak-audit run` on planted programs. Beside the e2e files, as projects run: a watch lasts its
 *   --duration whatever the CPU does, and its programs use little of it (a 1 kHz timer), so it costs the
 *   e2e files little and takes ~80 s off CI's wall time.
 */
const E2E = [
  'test/cli.test.ts',
  'test/shard-merge.test.ts',
  'test/html-browser.test.ts',
  'test/package.test.ts',
  'test/diagnosis-roots.test.ts',
];
/** Watched programs: their time is the watches' (a 1 kHz ticker, a Python loop), not the CPU's. */
const WATCHES = ['test/program.test.ts'];

export default defineConfig({
  // Fixtures import 'leak-audit' as a user's audit does; here that is the source (tsconfig.json's `paths`).
  resolve: { alias: { 'leak-audit': fileURLToPath(new URL('src/index.ts', import.meta.url)) } },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...E2E, ...WATCHES],
          pool: 'forks',
          execArgv: ['--expose-gc', '--no-concurrent-array-buffer-sweeping'],
        },
      },
      {
        test: {
          name: 'watch',
          include: WATCHES,
          pool: 'forks',
          fileParallelism: false,
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
          // Finds a Chromium for the HTML browser test, or says in one line why that test is skipped.
          globalSetup: ['test/support/chromium.ts'],
        },
      },
    ],
  },
});
