// `npm run test:cluster`: the tests of test/cluster/ on a cluster on this machine (HAProxy, three
// `roboledger serve` nodes, PostgreSQL primary and streaming replica, Mosquitto:
// scripts/cluster.ts, docs/scaling.md). PostgreSQL only, so not part of `npm test`, which runs
// on PGlite too. The files run one after another: each starts its own cluster on the same ports,
// and one cluster already keeps both cores busy.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    // The nodes run bin/roboledger.js over dist/: rebuilt first when src/ changed.
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    maxWorkers: 1,
    // Bounds on a hang, never measurements (test/cluster/support.ts has the tests' own).
    testTimeout: 8 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
