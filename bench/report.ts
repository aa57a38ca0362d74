// report: latency of a robot's buyer-tier history report, p95 (target <= 300 ms), for a robot
// with 1,000 records and a year of hourly telemetry rollups in a 1,000,000-entry log on
// PostgreSQL; report-verify (bench/report-verify.ts) times its offline verification.
//
// The log is built as bench/robot-history.ts builds it (the writer's own group write, the
// robot's records spread evenly through it), then a year of hourly rollups and one signed
// batch an hour are stored for the robot, and the robot is offered to a buyer, whose key reads
// the report. Timed: GET /v1/robots/{robotId}/report as the buyer (authentication, tier, the
// chain's 1,000 openings and inclusion proofs, the health assessment, coverage, sections,
// signing, JSON). Baseline, same run: reading the same 1,000 entries by primary key.
import { randomUUID } from 'node:crypto';
import {
  canonicalJsonBytes,
  commitRecord,
  formatChainLink,
  MerkleFrontier,
  makeSalt,
  treeRootNodes,
} from '../src/ledger/index.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { closeAppContext, createAppContext } from '../src/server/context.js';
import {
  appendToFrontier,
  type PendingLeaf,
  writeLedgerGroup,
} from '../src/server/ledger/ledger-group-write.js';
import { fetchNodeHashes } from '../src/server/ledger/ledger-nodes.js';
import { freshPostgres, isMain, percentile, printBench, timeEach } from './support.js';

const SIZE = Number(process.env.BENCH_SIZE ?? 1_000_000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const HOURS = 365 * 24;
const HOUR_MS = 3_600_000;
const CHUNK = 20_000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface ReportBench {
  /** The buyer-tier report, as the platform answered it. */
  report: () => Promise<string>;
  /** The same ledger rows by primary key. */
  byKey: () => Promise<unknown>;
  verifierKey: string;
  buildSeconds: number;
  close: () => Promise<void>;
}

/** Builds the log, the robot's telemetry and the pending sale; the caller times and closes. */
export async function buildReportBench(): Promise<ReportBench> {
  const bench = await freshPostgres(8);
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  });
  const ctx = await createAppContext(bench.db, config);
  const app = await buildApp(ctx);
  await app.ready();
  try {
    const call = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res;
    };
    const maker = (
      await call('POST', '/v1/orgs', ADMIN_TOKEN, {
        name: 'Bench Robotics',
        kind: 'manufacturer',
        country: 'CN',
      })
    ).json();
    const model = (
      await call('POST', '/v1/models', maker.apiKey, {
        modelCode: '0A',
        category: 'B',
        name: 'Walker A',
        jointCount: 2,
        hardwareRevisions: [{ code: '1', params: {} }],
        limits: { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 },
      })
    ).json();
    await call('POST', '/v1/sites', maker.apiKey, { code: '1', name: 'Wuhan plant', region: '420100' });
    const { generateKeyPairSync } = await import('node:crypto');
    const device = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
    const filed = (
      await call('POST', '/v1/robots', maker.apiKey, {
        modelId: model.id,
        hardwareRevision: '1',
        siteCode: '1',
        productionDate: '2026-05-01',
        intelligenceLevel: 3,
        devicePublicKey: device,
      })
    ).json();
    const robotId = filed.robotId as string;
    const robot = (
      await bench.db.query<{ id: string }>('SELECT id FROM robots WHERE robot_id = $1', [robotId])
    ).rows[0]!.id;

    // Grow the log with the writer's group write, the robot's records spread through it.
    const built = performance.now();
    const head = (
      await bench.db.query<{ size: number; root: Uint8Array }>('SELECT size, root FROM ledger_head')
    ).rows[0]!;
    const frontier = MerkleFrontier.fromHashes(
      head.size,
      await fetchNodeHashes(bench.db, treeRootNodes(head.size)),
    );
    const filing = (
      await bench.db.query<{ seq: number; idx: number; leaf_hash: Uint8Array }>(
        "SELECT seq, idx, leaf_hash FROM robot_chain_links WHERE robot_uuid = $1 AND chain = 'records'",
        [robot],
      )
    ).rows[0]!;
    let last = { seq: filing.seq, index: filing.idx, leafHash: filing.leaf_hash };
    const every = Math.floor((SIZE - head.size) / RECORDS);
    const started = new Date();
    while (frontier.size < SIZE) {
      const from = { size: frontier.size, root: frontier.root() };
      const pending: PendingLeaf[] = [];
      const end = Math.min(SIZE, frontier.size + CHUNK);
      for (let index = frontier.size; index < end; index++) {
        const ours = last.seq < RECORDS - 1 && (index - head.size) % every === every - 1;
        const salt = makeSalt();
        const record = ours
          ? {
              kind: 'robot_event',
              id: randomUUID(),
              robot,
              robotId,
              type: 'maintenance',
              occurredAt: started.toISOString(),
              recordedAt: started.toISOString(),
              actorOrgId: maker.id,
              fromStatus: null,
              toStatus: null,
              data: { phase: 'performed', description: `inspection ${index}` },
              robotChain: formatChainLink({
                seq: last.seq + 1,
                prev: { index: last.index, leafHash: last.leafHash },
              }),
            }
          : { kind: 'bench_filler', id: String(index), n: index };
        const bytes = canonicalJsonBytes(record);
        const committed = commitRecord(record.kind, bytes, salt);
        pending.push({
          record: { kind: record.kind, id: String(record.id) },
          entry: committed.entry,
          leafHash: committed.leafHash,
          opening: { salt, record: bytes },
          chain: ours ? { robot, chain: 'records', seq: last.seq + 1 } : undefined,
        });
        if (ours) last = { seq: last.seq + 1, index, leafHash: committed.leafHash };
      }
      const nodes = appendToFrontier(frontier, pending);
      const to = { size: frontier.size, root: frontier.root() };
      if (!(await writeLedgerGroup(bench.db, from, pending, nodes, to, new Date()))) {
        throw new Error('the head moved while the log was being built');
      }
    }
    if (frontier.size !== SIZE || last.seq !== RECORDS - 1) {
      throw new Error(`built ${frontier.size} entries and ${last.seq + 1} records`);
    }

    // A year of hourly rollups and one stored batch an hour (the rows the health assessment,
    // its sources and the coverage read; the batches' leaves are not needed for that).
    const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    await bench.db.query(
      `INSERT INTO telemetry_rollup_1h
       SELECT $1::uuid, $2::timestamptz - make_interval(hours => $3 - h), 60,
              40, 95, 60 * 70, s - 0.1, s + 0.1, 60 * s, 30, 35, 60 * 32,
              w - 0.01, w, 60 * (w - 0.005), 40, 50, 60 * 45, e - 0.2, e + 0.3, 60 * e,
              0.97, 1, 60 * 0.99, (h / 5)::int, 0.8 * h, 0
         FROM generate_series(1, $3) h,
              LATERAL (SELECT 97 - 0.0015 * h AS s, 0.1 + 0.00004 * h AS w, 1.2 + 0.00002 * h AS e) v`,
      [robot, new Date(endMs), HOURS],
    );
    await bench.db.query(
      `INSERT INTO telemetry_batches
       SELECT $1::uuid, b, $3, decode(repeat('00', 32), 'hex'), t, t + interval '59 minutes', 60, t,
              decode(repeat('00', 32), 'hex'), b * 100
         FROM generate_series(1, $2) b, LATERAL (SELECT $4::timestamptz - make_interval(hours => $2 - b) AS t) v`,
      [robot, HOURS, robotId, new Date(endMs)],
    );
    const buyer = (
      await call('POST', '/v1/orgs', ADMIN_TOKEN, { name: 'Bench Buyer', kind: 'operator', country: 'CN' })
    ).json();
    await call('POST', `/v1/robots/${robotId}/transfers`, maker.apiKey, { toOrgId: buyer.id });
    await ctx.checkpointer.checkpointNow();
    await bench.db.query('ANALYZE');
    const buildSeconds = (performance.now() - built) / 1000;
    const url = `/v1/robots/${robotId}/report`;
    const indices = (
      await bench.db.query<{ idx: number }>(
        "SELECT idx FROM robot_chain_links WHERE robot_uuid = $1 AND chain = 'records'",
        [robot],
      )
    ).rows.map((r) => r.idx);
    return {
      report: async () => (await call('GET', url, buyer.apiKey)).body,
      byKey: () =>
        bench.db.query(
          'SELECT idx, entry, leaf_hash, salt, record FROM ledger_entries WHERE idx = ANY($1::bigint[])',
          [indices],
        ),
      verifierKey: ctx.checkpointer.key.verifierKey,
      buildSeconds,
      async close() {
        await app.close();
        await closeAppContext(ctx);
        await bench.drop();
      },
    };
  } catch (error) {
    await app.close();
    await closeAppContext(ctx);
    await bench.drop();
    throw error;
  }
}

export async function run(): Promise<void> {
  const bench = await buildReportBench();
  try {
    const answer = JSON.parse(await bench.report());
    if (answer.tier !== 'buyer' || answer.proof.records.length !== RECORDS + 1) {
      throw new Error(`the report is ${answer.tier} with ${answer.proof.records.length} records`);
    }
    for (let i = 0; i < 10; i++) {
      await bench.report();
      await bench.byKey();
    }
    const times = await timeEach(SAMPLES, bench.report);
    const keyTimes = await timeEach(SAMPLES, bench.byKey);
    const p95 = percentile(times, 95);
    const baseline = percentile(keyTimes, 95);
    process.stdout.write(
      `report: log of ${SIZE} entries built in ${bench.buildSeconds.toFixed(1)} s, robot with ${RECORDS + 1} records and ` +
        `${HOURS} hourly rollups; buyer report p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${SAMPLES}; ` +
        `the same rows by primary key p95 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'report',
      value: Number(p95.toFixed(2)),
      unit: 'ms p95',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p95 / baseline).toFixed(3)),
    });
  } finally {
    await bench.close();
  }
}

if (isMain(import.meta.url)) await run();
