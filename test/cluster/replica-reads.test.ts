// Robot data read from the streaming replica, and the freshness rule that sends a read to the
// primary (src/core/read-freshness.ts, docs/operations-runbook.md "Read replica"). A node of the
// cluster reads a robot's telemetry from the replica while the replica keeps up; with replay
// paused on the replica (pg_wal_replay_pause) and a new batch stored through the primary, the
// node, once it sees the replica lag past ROBOLEDGER_READ_MAX_LAG_MS, reads the primary and the
// new batch is there. `Cache-Control: no-cache` reads the primary whatever the lag. The answer's
// RoboLedger-Read header says which database answered. Every wait polls with a generous deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fileTelemetryFleet,
  healthySamples,
  httpCaller,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../support/telemetry-fleet.js';
import { eventually } from '../support/wait.js';
import {
  CLUSTER_HOOK_TIMEOUT_MS,
  CLUSTER_TEST_TIMEOUT_MS,
  query,
  startTestCluster,
  type TestCluster,
} from './support.js';

const JOINTS = 4;
const SAMPLES = 5;
/** The nodes' bound; far above a caught-up replica's lag (0), far below a paused one's after a while. */
const MAX_LAG_MS = 1000;
/** Bound on each wait for the replica or the node (a hang, never a measurement). */
const WAIT_MS = 3 * 60_000;

describe('robot data from the read replica', { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  let cluster: TestCluster;
  let fleet: TelemetryFleet;
  let nodeUrl: string;
  // One node is enough to show the rule, and leaves the two cores to the databases.
  beforeAll(async () => {
    cluster = await startTestCluster('replica', {
      nodes: 1,
      redis: false,
      nodeEnv: { ROBOLEDGER_READ_MAX_LAG_MS: String(MAX_LAG_MS) },
    });
    nodeUrl = cluster.node(1).url;
    fleet = await fileTelemetryFleet(httpCaller(nodeUrl), cluster.state.adminToken, { count: 1 });
  }, CLUSTER_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    // Never leave the replica paused, even when a test failed half-way.
    if (cluster) await query(cluster.state.replicaUrl, 'SELECT pg_wal_replay_resume()').catch(() => {});
    await cluster?.down();
  }, CLUSTER_HOOK_TIMEOUT_MS);

  const startMs = Date.now() - 60_000;
  /** The robot's raw telemetry as the node answers it: the samples' seqs and where they came from. */
  async function readTelemetry(headers: Record<string, string> = {}) {
    const robot = fleet.robots[0]!;
    const from = new Date(startMs - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const res = await fetch(
      `${nodeUrl}/v1/robots/${robot.robotId}/telemetry?resolution=raw&from=${from}&to=${to}`,
      { headers: { authorization: `Bearer ${fleet.manufacturer.apiKey}`, ...headers } },
    );
    const body = await res.text();
    expect(res.status, body).toBe(200);
    const { items } = JSON.parse(body) as { items: { seq: number }[] };
    return { source: res.headers.get('roboledger-read'), seqs: new Set(items.map((i) => i.seq)) };
  }

  async function send(seq: number) {
    const robot = fleet.robots[0]!;
    const jws = signBatch(robot, { seq, samples: healthySamples(JOINTS, SAMPLES, startMs + seq * 10_000) });
    const res = await postBatch(httpCaller(nodeUrl), jws);
    expect(res.statusCode, res.body).toBe(202);
  }

  it('a telemetry read through a node comes from the replica while it keeps up', async () => {
    await send(0);
    const seen = await eventually(
      'a telemetry read answered by the replica, holding the batch',
      async () => {
        const read = await readTelemetry();
        return read.source === 'replica' && read.seqs.has(0) ? read : undefined;
      },
      { deadlineMs: WAIT_MS, everyMs: 100 },
    );
    expect(seen.source).toBe('replica');
    // The robot's events are history too.
    await eventually(
      'an events read answered by the replica',
      async () => {
        const res = await fetch(`${nodeUrl}/v1/robots/${fleet.robots[0]!.robotId}/events`, {
          headers: { authorization: `Bearer ${fleet.manufacturer.apiKey}` },
        });
        expect(res.status).toBe(200);
        return res.headers.get('roboledger-read') === 'replica' ? true : undefined;
      },
      { deadlineMs: WAIT_MS, everyMs: 100 },
    );
    // Asked for fresh data, the node reads the primary even though the replica keeps up.
    const fresh = await readTelemetry({ 'cache-control': 'no-cache' });
    expect(fresh.source).toBe('primary');
    expect(fresh.seqs.has(0)).toBe(true);
  });

  it('with replay paused, a read goes to the primary once the lag passes the bound, and holds the new batch', async () => {
    const { replicaUrl } = cluster.state;
    await query(replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      await eventually(
        'the replica to pause its replay',
        async () => {
          const [row] = await query<{ state: string }>(
            replicaUrl,
            'SELECT pg_get_wal_replay_pause_state() AS state',
          );
          return row?.state === 'paused' ? true : undefined;
        },
        { deadlineMs: WAIT_MS, everyMs: 100 },
      );
      // Stored on the primary (202 once durable there); the paused replica receives it, replays nothing.
      await send(1);
      const [replayed] = await query<{ n: string }>(
        replicaUrl,
        `SELECT count(*) AS n FROM telemetry_batches b JOIN robots r ON r.id = b.robot_uuid
          WHERE r.robot_id = $1 AND b.seq = 1`,
        [fleet.robots[0]!.robotId],
      );
      expect(Number(replayed!.n)).toBe(0);

      // Fresh at once, whatever the lag.
      const fresh = await readTelemetry({ 'cache-control': 'no-cache' });
      expect(fresh).toEqual({ source: 'primary', seqs: new Set([0, 1]) });

      // Within its bound the node may still answer from the replica (without the new batch);
      // once it measures the lag past the bound, the primary answers, new batch included.
      const seen: (string | null)[] = [];
      const read = await eventually(
        'a read answered by the primary once the replica lags past the bound',
        async () => {
          const r = await readTelemetry();
          seen.push(r.source);
          if (r.source === 'replica') expect(r.seqs.has(1)).toBe(false);
          return r.source === 'primary' ? r : undefined;
        },
        { deadlineMs: WAIT_MS, everyMs: 100, seen: () => seen.slice(-5) },
      );
      expect(read.seqs).toEqual(new Set([0, 1]));
    } finally {
      await query(replicaUrl, 'SELECT pg_wal_replay_resume()');
    }

    // Replay resumed: the replica catches up, and reads go back to it, new batch included.
    await eventually(
      'a read answered by the replica again, holding the new batch',
      async () => {
        const r = await readTelemetry();
        return r.source === 'replica' && r.seqs.has(1) ? true : undefined;
      },
      { deadlineMs: WAIT_MS, everyMs: 100 },
    );
    // And no-cache still reads the primary.
    expect((await readTelemetry({ 'cache-control': 'no-cache' })).source).toBe('primary');
  });
});
