// The cluster of scripts/cluster.ts started and stopped by a test file: its own name, database,
// replication slot, ports and directory, so a developer's `npm run cluster -- up` keeps running
// beside it. The files of test/cluster/ run one after another (vitest.cluster.config.ts), so
// they reuse one set of ports. Every wait has an explicit, generous deadline (a loaded machine
// can stall for seconds); no test asserts how long anything took.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  type ClusterNode,
  type ClusterState,
  clusterDown,
  clusterUp,
  nodeEnvironment,
} from '../../scripts/cluster.js';
import { spawnRoboledger } from '../support/process.js';
import { type ApiCaller, httpCaller } from '../support/telemetry-fleet.js';
import { eventually } from '../support/wait.js';

/** The primary the cluster replicates: CI's PostgreSQL run sets DATABASE_URL; else the machine's. */
export const PRIMARY_ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Not the script's defaults (18080…, 5433): a cluster a developer started keeps its ports. */
export const TEST_BASE_PORT = 28080;
export const TEST_REPLICA_PORT = 5434;

/** Bound on starting or stopping the whole cluster (basebackup, three nodes, HAProxy). */
export const CLUSTER_HOOK_TIMEOUT_MS = 10 * 60_000;
/** Bound on one test on the cluster. */
export const CLUSTER_TEST_TIMEOUT_MS = 8 * 60_000;

/** Limits out of the way: the tests drive thousands of requests from one address. */
export const UNLIMITED = {
  ROBOLEDGER_PUBLIC_RATE_LIMIT: '10000000',
  ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
};

export interface TestCluster {
  state: ClusterState;
  api: ApiCaller;
  node(index: number): ClusterNode;
  down(): Promise<void>;
}

export async function startTestCluster(
  name: string,
  options: { nodes?: number; nodeEnv?: Record<string, string>; redis?: boolean } = {},
): Promise<TestCluster> {
  const lines: string[] = [];
  const state = await clusterUp({
    name: `test_${name}`,
    primaryAdminUrl: PRIMARY_ADMIN_URL,
    basePort: TEST_BASE_PORT,
    replicaPort: TEST_REPLICA_PORT,
    nodes: options.nodes ?? 3,
    redisUrl: options.redis === false ? undefined : REDIS_URL,
    nodeEnv: { ...UNLIMITED, ...options.nodeEnv },
    log: (line) => lines.push(line),
  });
  return {
    state,
    api: httpCaller(state.balancerUrl),
    node: (index) => state.nodes.find((n) => n.index === index)!,
    down: () => clusterDown(state, { log: (line) => lines.push(line) }),
  };
}

/** 1 when the node says it leads the periodic work, 0 when it says it does not, undefined if it says nothing. */
export async function leaderFlag(state: ClusterState, node: ClusterNode): Promise<0 | 1 | undefined> {
  try {
    const metrics = await fetch(`${node.url}/metrics`, {
      headers: { authorization: `Bearer ${state.metricsToken}` },
    });
    if (metrics.ok) {
      const match = /^roboledger_leader(?:\{[^}]*\})?\s+([01])\b/m.exec(await metrics.text());
      if (match) return Number(match[1]) as 0 | 1;
    }
    const health = (await (await fetch(`${node.url}/healthz`)).json()) as { leader?: unknown };
    if (typeof health.leader === 'boolean') return health.leader ? 1 : 0;
  } catch {
    // a node that does not answer leads nothing
  }
  return undefined;
}

export interface ExtraNode {
  url: string;
  child: ChildProcessWithoutNullStreams;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * One more `roboledger serve` on the cluster's database and broker, outside the balancer, started
 * by the test itself (so that its exit status can be read) with `env` on top of the nodes' own.
 */
export async function startExtraNode(
  state: ClusterState,
  n: number,
  env: Record<string, string> = {},
): Promise<ExtraNode> {
  const port = TEST_BASE_PORT + 3 + n;
  const url = `http://127.0.0.1:${port}`;
  const like = { ...state.nodes[0]!, index: 3 + n, port, url, dataDir: join(state.dir, `extra${n}`) };
  mkdirSync(like.dataDir, { recursive: true, mode: 0o700 });
  const { child, output } = spawnRoboledger(['serve'], { ...nodeEnvironment(state, like), ...env });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await eventually(
      `extra node ${n} on ${url}/healthz`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`extra node ${n} exited ${child.exitCode}: ${output.stderr}`);
        try {
          return (await fetch(`${url}/healthz`)).status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      { deadlineMs: 180_000, everyMs: 100, seen: () => output.stderr.slice(-2000) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, output, exited, stop };
}

/** One query on a connection of its own (the primary or the replica by URL); its rows. */
export async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
