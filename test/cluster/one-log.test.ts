// Three nodes append to one ledger at the same time and it stays one tree: robots are filed and
// deployed through every node directly and concurrently, checkpoints are collected from every
// node while that happens, and afterwards `roboledger audit` recomputes the whole log clean and
// every checkpoint, whichever node signed it, is proven consistent with the next larger one.
// The streaming replica holds the same log; with the multi-node features merged, the nodes read
// from it (DATABASE_READ_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteVerifier, openCheckpoint, verifyConsistency } from '../../src/ledger/index.js';
import { describeRun, roboledger } from '../support/process.js';
import { fileTelemetryFleet, httpCaller } from '../support/telemetry-fleet.js';
import { eventually } from '../support/wait.js';
import {
  CLUSTER_HOOK_TIMEOUT_MS,
  CLUSTER_TEST_TIMEOUT_MS,
  query,
  startExtraNode,
  startTestCluster,
  type TestCluster,
} from './support.js';

const ROBOTS_PER_NODE = 12;
const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe('one log written by three nodes', { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('log');
  }, CLUSTER_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.down();
  }, CLUSTER_HOOK_TIMEOUT_MS);

  const entryCount = async (url: string) =>
    Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM ledger_entries'))[0]!.n);

  it('appends through every node at once; the audit is clean and every checkpoint is consistent with the next', async () => {
    const { state } = cluster;
    const before = await entryCount(state.primaryUrl);
    // Checkpoints as each node serves them, collected while the three nodes append.
    const seen: { node: number; note: string }[] = [];
    let filing = true;
    const polling = Promise.all(
      state.nodes.map(async (node) => {
        while (filing) {
          const res = await fetch(`${node.url}/v1/ledger/checkpoint`);
          if (res.status === 200) seen.push({ node: node.index, note: await res.text() });
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      }),
    );
    try {
      // Each node files and deploys its own manufacturer's robots: two ledger records a robot.
      await Promise.all(
        state.nodes.map((node) =>
          fileTelemetryFleet(httpCaller(node.url), state.adminToken, {
            count: ROBOTS_PER_NODE,
            concurrency: 4,
          }),
        ),
      );
    } finally {
      filing = false;
      await polling;
    }
    const size = await entryCount(state.primaryUrl);
    expect(size - before).toBeGreaterThanOrEqual(state.nodes.length * ROBOTS_PER_NODE * 2);

    // The node that committed last signs a checkpoint of the whole tree within about a second.
    await eventually('a checkpoint of the whole tree', async () => {
      const rows = await query<{ size: string }>(
        state.primaryUrl,
        'SELECT max(size) AS size FROM ledger_checkpoints',
      );
      return Number(rows[0]!.size) === size ? true : undefined;
    });

    const audit = await roboledger(['audit'], {
      env: { DATABASE_URL: state.primaryUrl, ROBOLEDGER_LEDGER_KEY_FILE: state.ledgerKeyFile },
    });
    expect(audit.status, describeRun(audit)).toBe(0);
    expect(audit.stdout).toMatch(/everything matches/);

    // Every checkpoint: those stored, and those the nodes served while appending.
    const verifierKey = (await (await fetch(`${state.balancerUrl}/v1/ledger/key`)).text()).trim();
    const verifier = noteVerifier(verifierKey);
    const stored = await query<{ note: string }>(state.primaryUrl, 'SELECT note FROM ledger_checkpoints');
    const rootOf = new Map<number, Uint8Array>();
    for (const note of [...stored.map((r) => r.note), ...seen.map((s) => s.note)]) {
      const { checkpoint } = openCheckpoint(note, [verifier]);
      const known = rootOf.get(checkpoint.size);
      if (known)
        expect(Buffer.from(known).equals(Buffer.from(checkpoint.rootHash)), `size ${checkpoint.size}`).toBe(
          true,
        );
      else rootOf.set(checkpoint.size, checkpoint.rootHash);
    }
    expect(new Set(seen.map((s) => s.node)).size).toBe(state.nodes.length);
    const sizes = [...rootOf.keys()].filter((s) => s > 0).sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(2);
    for (let i = 0; i + 1 < sizes.length; i++) {
      const [from, to] = [sizes[i]!, sizes[i + 1]!];
      // Asked of each node in turn: every node must prove the same tree.
      const node = state.nodes[i % state.nodes.length]!;
      const res = await fetch(`${node.url}/v1/ledger/proofs/consistency?from=${from}&to=${to}`);
      expect(res.status, `consistency ${from} -> ${to} from node ${node.index}`).toBe(200);
      const { proof } = (await res.json()) as { proof: string[] };
      verifyConsistency(from, to, proof.map(fromBase64), rootOf.get(from)!, rootOf.get(to)!);
    }
  });

  it('the streaming replica holds the same log', async () => {
    const { state } = cluster;
    const size = await entryCount(state.primaryUrl);
    await eventually('the replica to replay the log', async () =>
      (await entryCount(state.replicaUrl)) === size ? true : undefined,
    );
    const [primary, replica] = await Promise.all(
      [state.primaryUrl, state.replicaUrl].map((url) =>
        query<{ size: string; note: string }>(url, 'SELECT size, note FROM ledger_checkpoints ORDER BY size'),
      ),
    );
    expect(replica).toEqual(primary);
    // And it is a standby: it refuses writes.
    await expect(query(state.replicaUrl, 'CREATE TABLE refused (x int)')).rejects.toThrow(/read-only/);
  });

  it('the nodes read from the replica (DATABASE_READ_URL)', async () => {
    const { state } = cluster;
    const size = await entryCount(state.primaryUrl);
    await eventually('the replica to replay the log', async () =>
      (await entryCount(state.replicaUrl)) === size ? true : undefined,
    );
    // Read traffic through the balancer: proofs and entries may be served from the replica.
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${state.balancerUrl}/v1/ledger/proofs/consistency?from=1&to=${size}`);
      expect(res.status).toBe(200);
      expect((await fetch(`${state.balancerUrl}/v1/ledger/entries/${i % size}`)).status).toBe(200);
    }
    // Every node holds connections to the replica's database.
    const clients = await query<{ n: string }>(
      state.replicaUrl,
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    expect(Number(clients[0]!.n)).toBeGreaterThanOrEqual(state.nodes.length);
  });

  it('holds a rate limit across nodes through Redis (REDIS_URL)', async () => {
    const { state } = cluster;
    // Two more nodes, allowing 3 requests a minute per API key: counted in Redis, the key's
    // limit is the cluster's, not each node's (each node alone would allow 3 more).
    const nodes = await Promise.all(
      [1, 2].map((n) => startExtraNode(state, n, { ROBOLEDGER_KEY_RATE_LIMIT: '3' })),
    );
    try {
      // Created through the balancer, whose nodes allow plenty; its key is new, so it has spent nothing.
      const res = await cluster.api.call('POST', '/v1/orgs', {
        token: state.adminToken,
        body: { name: 'Rate-limited operator', kind: 'operator', country: 'CN' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const { apiKey } = res.json() as { apiKey: string };
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const node = nodes[i % 2]!;
        const answer = await fetch(`${node.url}/v1/robots`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        statuses.push(answer.status);
        if (answer.status === 429)
          expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      }
      // Node 2 saw only its 2nd request when it refused: the count was the cluster's.
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('keeps only its own processes: the database and the slot are the cluster’s', async () => {
    const { state } = cluster;
    const slots = await query<{ active: boolean }>(
      state.primaryAdminUrl,
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [state.slot],
    );
    expect(slots).toEqual([{ active: true }]);
  });
});
