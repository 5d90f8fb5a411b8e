/**
 * Test options every project applies: a project's own config file does not inherit the root
 * config's test options. Generous, because the system tests start processes on a busy machine.
 */
export const sharedTestOptions = { testTimeout: 30_000, hookTimeout: 60_000 } as const;
