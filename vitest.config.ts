import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global state: each test file gets its own fork.
    pool: 'forks',
    // Test files already run in parallel forks that fill the cores; a second OpenBLAS thread per fork
    // would only wait for a core (and spin). The default (2 on two cores) is tested by its own unit test.
    env: { GAN_AUGMENT_BLAS_THREADS: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
