import { defineProject } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

export default defineProject({
  test: {
    ...sharedTestOptions,
    name: 'browser',
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/build-web.ts'],
    // Real Chromium and two server nodes per file: one file at a time on the 2-core machine.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
