import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../vitest.shared.js';

export default defineProject({
  test: {
    ...sharedTestOptions,
    name: 'bench',
    include: ['src/**/*.test.ts'],
    // Each smoke test starts a cluster and a baseline, and runs load through both.
    testTimeout: 120_000,
  },
});
