import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global state: each test file gets its own fork.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
