import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global state: each test file gets its own fork.
    pool: 'forks',
    // One fork per core (vitest's own default is cores − 1: a single fork on a 2-core machine, which left
    // one core idle through the whole suite). Each fork then gets one native thread: a second OpenBLAS
    // or image thread per fork would only wait for a core. The default (2 on two cores) is tested by its
    // own unit test.
    maxWorkers: os.availableParallelism(),
    env: { GAN_AUGMENT_BLAS_THREADS: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
