import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineProject({
  test: {
    ...sharedTestOptions,
    name: 'cluster',
    include: ['src/**/*.test.ts'],
    // Each file starts its own gateway processes; keep the 2-core machine from thrashing.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
