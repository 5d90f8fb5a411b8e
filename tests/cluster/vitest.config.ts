import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cluster',
    include: ['src/**/*.test.ts'],
    // Each file starts its own gateway processes; keep the 2-core machine from thrashing.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
