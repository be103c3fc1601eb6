import { defineConfig } from 'vitest/config';

/**
 * The harness's own tests, in two projects. Audits (`audits/*.audit.ts`) are not tests: the CLI runs
 * them with its own configuration (src/cli/run-audits.ts).
 * - unit: in-process, seconds (`npm run test:unit`). `--expose-gc` because the measuring loop's tests
 *   run it for real.
 * - e2e: the CLI in its own process, running real audits; the HTML report in Chromium (`npm run test:e2e`).
 */
const E2E = ['test/cli.test.ts', 'test/shard-merge.test.ts', 'test/html-browser.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: E2E,
          pool: 'forks',
          execArgv: ['--expose-gc'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: E2E,
          pool: 'forks',
          // One file at a time: each CLI run already uses every core for its audits. Side by side, the
          // runs starve each other, an audit's first window then takes over MIN_WINDOW_MS and is not
          // widened, and a bound reached at 10 % of the plan (fill-to-capacity) was judged a leak at
          // 180 000 steps: the sequential rule's known weakness (issue 11), not the code under test.
          fileParallelism: false,
          // Finds a Chromium for the HTML browser test, or says in one line why that test is skipped.
          globalSetup: ['test/support/chromium.ts'],
        },
      },
    ],
  },
});
