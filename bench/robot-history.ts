// robot-history: latency of a robot's history proof with openings, p99 (target < 50 ms), for a
// robot with 1,000 records in a 1,000,000-entry log on PostgreSQL.
//
// The robot is filed through the API (its filing is seq 0 of its records chain); the log is then
// grown to 1,000,000 entries by the writer's own group write (ledger_append: entries, openings,
// chain links and tree nodes), with 999 more records of the robot spread evenly through it, each
// the next link of its chain. Timed: GET /v1/robots/{robotId}/history-proof?treeSize=1000000
// through the platform (authentication, access decision, the chain's links, 1,000 openings and
// 1,000 inclusion proofs, the signed robot head, JSON), and one answer is verified with the pure
// verifier. Baseline, same run: reading the same 1,000 entries and openings by primary key.
import { randomUUID } from 'node:crypto';
import {
  canonicalJsonBytes,
  commitRecord,
  formatChainLink,
  MerkleFrontier,
  makeSalt,
  openCheckpoint,
  openRobotHead,
  treeRootNodes,
  verifyRobotHistory,
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
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const CHUNK = 20_000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export async function run(): Promise<void> {
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
    await bench.db.query('ANALYZE');
    const checkpoint = await ctx.checkpointer.checkpointNow();
    const buildSeconds = (performance.now() - built) / 1000;
    if (checkpoint.size !== SIZE || last.seq !== RECORDS - 1) {
      throw new Error(`built ${checkpoint.size} entries and ${last.seq + 1} records`);
    }

    const url = `/v1/robots/${robotId}/history-proof?treeSize=${SIZE}`;
    const history = async () => (await call('GET', url, maker.apiKey)).json();
    // Not timed: the answer is a complete history that verifies.
    const answer = await history();
    const key = ctx.checkpointer.key;
    const opened = openCheckpoint(answer.checkpoint, [key.verifier], { origin: key.name }).checkpoint;
    const robotHead = openRobotHead(answer.head, [key.verifier], { origin: key.name }).head;
    const verified = verifyRobotHistory({
      head: robotHead,
      checkpoint: opened,
      records: answer.records.map((r: { opening: never; proof: string[] }) => ({
        opening: r.opening,
        proof: r.proof.map((p) => new Uint8Array(Buffer.from(p, 'base64'))),
      })),
    });
    if (verified.records.length !== RECORDS)
      throw new Error(`the history has ${verified.records.length} records`);
    const indices = verified.records.map((r) => r.index);
    const byKey = () =>
      bench.db.query(
        'SELECT idx, entry, leaf_hash, salt, record FROM ledger_entries WHERE idx = ANY($1::bigint[])',
        [indices],
      );

    for (let i = 0; i < 20; i++) {
      await history();
      await byKey();
    }
    const historyTimes = await timeEach(SAMPLES, history);
    const keyTimes = await timeEach(SAMPLES, byKey);
    const p99 = percentile(historyTimes, 99);
    const baseline = percentile(keyTimes, 99);
    process.stdout.write(
      `robot-history: log of ${SIZE} entries built in ${buildSeconds.toFixed(1)} s, robot with ${RECORDS} records; ` +
        `history proof p50 ${percentile(historyTimes, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${SAMPLES} ` +
        `(${(JSON.stringify(answer).length / 1024).toFixed(0)} KB each); the same rows by primary key p50 ` +
        `${percentile(keyTimes, 50).toFixed(2)} ms, p99 ${baseline.toFixed(2)} ms\n`,
    );
    printBench({
      name: 'robot-history',
      value: Number(p99.toFixed(2)),
      unit: 'ms p99',
      baseline: Number(baseline.toFixed(2)),
      ratio: Number((p99 / baseline).toFixed(3)),
    });
  } finally {
    await app.close();
    await closeAppContext(ctx);
    await bench.drop();
  }
}

if (isMain(import.meta.url)) await run();
