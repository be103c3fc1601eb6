import { defineConfig } from 'vitest/config';

// Unit tests of the harness and fixtures. Audits (`audits/*.audit.ts`) have their own runner config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Finds a Chromium for the HTML browser test, or says in one line why that test is skipped.
    globalSetup: ['test/support/chromium.ts'],
  },
});
