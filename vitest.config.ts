import { defineConfig } from 'vitest/config';

// Unit tests of the harness and fixtures. Audits (`audits/*.audit.ts`) have their own runner config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
  },
});
