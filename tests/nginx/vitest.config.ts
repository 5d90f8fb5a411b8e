import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'nginx',
    include: ['src/**/*.test.ts'],
    // The nginx test starts gateway processes and nginx itself; one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
