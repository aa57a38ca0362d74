// Telemetry messages per second through the cluster of scripts/cluster.ts: signed single-sample
// batches of a 32-joint model POSTed to HAProxy, which spreads them over three `roboledger serve`
// nodes on one PostgreSQL primary (with its streaming replica). Reported, no target: on one
// 2-core machine the three nodes, the database and the load generator share the same cores, so
// this shows the cost of the topology, not its capacity. Baseline, same run, same cluster: the
// same kind of messages sent straight to one node. Also printed: MQTT through the balancer's TCP
// frontend (the nodes share one subscription group), and the database bytes each stored batch
// takes at 1 and at 10 samples (docs/scaling.md "Capacity"). Run: npx tsx bench/cluster-ingest.ts
import pg from 'pg';
import { clusterDown, clusterUp } from '../scripts/cluster.js';
import { fileTelemetryFleet, httpCaller } from '../test/support/telemetry-fleet.js';
import { loadProcess, presignBatches, runHttpLoad } from './ingest-http.js';
import { BENCH_POSTGRES_URL, type BenchResult, isMain, printBench } from './support.js';

const ROBOTS = 100;
const JOINTS = 32;
const MESSAGES_PER_ROBOT = 50;
const CONNECTIONS = 64;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Bytes of the telemetry and ledger tables (with indexes and partitions): `raw`, what raw
 * retention drops (samples and the JWS of each batch), and `kept`, what stays for ever (batch
 * rows, ledger entries and tree, rollups); and the batches stored.
 */
async function storage(url: string): Promise<{ raw: number; kept: number; batches: number }> {
  const [row] = await query<{ raw: string; kept: string; batches: string }>(
    url,
    `WITH t AS (
       SELECT c.relname, pg_total_relation_size(c.oid) AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = 'public'
          AND (c.relname LIKE 'telemetry%' OR c.relname LIKE 'ledger%'))
     SELECT (SELECT coalesce(sum(bytes), 0) FROM t
              WHERE relname LIKE 'telemetry_samples%' OR relname LIKE 'telemetry_batch_jws%')::text AS raw,
            (SELECT coalesce(sum(bytes), 0) FROM t
              WHERE NOT (relname LIKE 'telemetry_samples%' OR relname LIKE 'telemetry_batch_jws%'))::text AS kept,
            (SELECT count(*) FROM telemetry_batches)::text AS batches`,
  );
  return { raw: Number(row!.raw), kept: Number(row!.kept), batches: Number(row!.batches) };
}

/** Bytes per batch stored between two measurements, raw and kept. */
function perBatch(before: Awaited<ReturnType<typeof storage>>, after: Awaited<ReturnType<typeof storage>>) {
  const n = after.batches - before.batches;
  return { raw: Math.round((after.raw - before.raw) / n), kept: Math.round((after.kept - before.kept) / n) };
}

export async function run(): Promise<BenchResult> {
  const state = await clusterUp({
    name: 'bench',
    primaryAdminUrl: BENCH_POSTGRES_URL,
    basePort: 38080,
    replicaPort: 5435,
    nodeEnv: {
      ROBOLEDGER_TELEMETRY_RATE_LIMIT: '10000000',
      ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
      // About as many connections in the share group, over three nodes, as one platform's default 16.
      ROBOLEDGER_MQTT_CONNECTIONS: '22',
    },
  });
  try {
    const fleet = await fileTelemetryFleet(httpCaller(state.balancerUrl), state.adminToken, {
      count: ROBOTS,
      jointCount: JOINTS,
      limits: { minBatterySohPct: 50, maxJointWear: 0.9, maxPositionErrorMm: 50 },
      concurrency: 16,
    });
    const send = async (url: string, bodies: string[]) => {
      const load = await runHttpLoad(url, bodies, CONNECTIONS);
      if (load.ok !== bodies.length) throw new Error(`${url}: ${JSON.stringify(load.errors)}`);
      return load.ok / load.seconds;
    };
    // Warm-up of every node through the balancer.
    await send(state.balancerUrl, presignBatches(fleet, 3, 1, 7).bodies);

    const oneNode = await send(
      state.nodes[0]!.url,
      presignBatches(fleet, MESSAGES_PER_ROBOT, 1, 42, 1000).bodies,
    );
    const before = await storage(state.primaryUrl);
    const cluster = await send(
      state.balancerUrl,
      presignBatches(fleet, MESSAGES_PER_ROBOT, 1, 43, 2000).bodies,
    );
    const after = await storage(state.primaryUrl);
    const bytes1 = perBatch(before, after);

    // Ten-sample batches: what a robot sampling at 1 Hz sends every 10 s.
    const ten = presignBatches(fleet, 10, 10, 44, 3000).bodies;
    const beforeTen = await storage(state.primaryUrl);
    const clusterTen = await send(state.balancerUrl, ten);
    const afterTen = await storage(state.primaryUrl);
    const bytes10 = perBatch(beforeTen, afterTen);

    // MQTT: robots publish through HAProxy's TCP frontend; the clock stops at the last commit.
    const { bodies } = presignBatches(fleet, MESSAGES_PER_ROBOT, 1, 45, 4000);
    const messages = bodies.map(
      (b, i) =>
        [`roboledger/v1/robots/${fleet.robots[i % ROBOTS]!.robotId}/telemetry`, b] as [string, string],
    );
    const target = (await storage(state.primaryUrl)).batches + messages.length;
    const started = performance.now();
    const publishing = loadProcess<number>(
      'mqtt-publish',
      { messages, clients: 16, window: 32, url: state.mqttUrl },
      new URL('./ingest-mqtt.ts', import.meta.url).href,
    );
    const deadline = Date.now() + 300_000;
    const stored = async () =>
      Number(
        (
          await query<{ n: string }>(state.primaryUrl, 'SELECT count(*)::text AS n FROM telemetry_batches')
        )[0]!.n,
      );
    while ((await stored()) < target && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mqttSeconds = (performance.now() - started) / 1000;
    await publishing;
    const mqttStored = (await stored()) - (target - messages.length);
    process.stdout.write(
      `cluster-ingest: HTTP ${Math.round(cluster)} msg/s through the balancer (3 nodes), ${Math.round(oneNode)} msg/s one node direct; ` +
        `10-sample batches ${Math.round(clusterTen)} batches/s; MQTT ${Math.round(mqttStored / mqttSeconds)} msg/s (${mqttStored}/${messages.length} stored); ` +
        `database per 1-sample batch ${JSON.stringify(bytes1)} B, per 10-sample batch ${JSON.stringify(bytes10)} B (32 joints; raw = dropped by retention)\n`,
    );
    return {
      name: 'cluster-ingest',
      value: Math.round(cluster),
      unit: 'messages/s',
      baseline: Math.round(oneNode),
      ratio: Math.round((cluster / oneNode) * 1000) / 1000,
    };
  } finally {
    await clusterDown(state);
  }
}

if (isMain(import.meta.url)) printBench(await run());
