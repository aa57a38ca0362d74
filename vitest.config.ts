import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster's tests start PostgreSQL replicas, HAProxy and several servers: a run of their
    // own, on PostgreSQL only (`npm run test:cluster`, vitest.cluster.config.ts).
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    // Rebuilds dist/ when src/ changed, so the process tests run the code under test, not a stale build.
    globalSetup: ['test/global-setup.ts'],
    // Database tests each open their own PGlite instance or PostgreSQL database;
    // two forks keep both cores busy without starving the servers under test.
    pool: 'forks',
    maxWorkers: 2,
    // Bounds on a hang, not measurements: no test asserts how long anything took. On a machine
    // shared with other builds (seven test runs on two cores, a load average above 30), opening a
    // migrated PGlite and filing a small fleet took over two minutes, so the bounds are minutes.
    // Tests that start processes or wait on a broker set their own, larger timeouts, above the
    // deadlines of what they wait for (test/support/process.ts, wait.ts, broker-lock.ts).
    testTimeout: 5 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
