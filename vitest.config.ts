import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when src/ changed, so the process tests run the code under test, not a stale build.
    globalSetup: ['test/global-setup.ts'],
    // Database tests each open their own PGlite instance or PostgreSQL database;
    // two forks keep both cores busy without starving the servers under test.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Defaults for in-process tests on a loaded machine. Tests that start processes set their own,
    // larger timeouts (test/support/process.ts), above the deadlines of the processes they wait for.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
