// The log the history benchmarks read (robot-history, report): a robot filed through the
// API, whose filing is seq 0 of its records chain, then the log grown to `size` entries by the
// writer's own group write (ledger_append: entries, openings, chain links and tree nodes), with
// `records - 1` more records of the robot spread evenly through it, each the next link of its
// chain. Building through the writer, not through 1,000,000 API calls, keeps a run to a minute.
import { randomUUID } from 'node:crypto';
import {
  canonicalJsonBytes,
  commitRecord,
  formatChainLink,
  MerkleFrontier,
  makeSalt,
  treeRootNodes,
} from '../src/ledger/index.js';
import {
  appendToFrontier,
  type PendingLeaf,
  writeLedgerGroup,
} from '../src/server/ledger/ledger-group-write.js';
import { fetchNodeHashes } from '../src/server/ledger/ledger-nodes.js';
import { benchMaker, fileBenchRobot, type InProcessPlatform, inProcessPlatform } from './in-process.js';

const CHUNK = 20_000;

export interface RobotInBigLog extends InProcessPlatform {
  maker: { id: string; apiKey: string };
  robotId: string;
  /** The robot's internal id. */
  robot: string;
  /** performance.now() when the log began to grow, for the build time. */
  built: number;
}

/** Files the robot and grows the log to `size` entries holding `records` records of the robot. */
export async function robotInBigLog(size: number, records: number): Promise<RobotInBigLog> {
  const platform = await inProcessPlatform();
  const { bench, ctx, app, call, close } = platform;
  try {
    const maker = await benchMaker(call);
    const { robotId, robot } = await fileBenchRobot(platform, maker, {
      jointCount: 2,
      maxJointWear: 0.5,
      productionDate: '2026-05-01',
    });

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
    const every = Math.floor((size - head.size) / records);
    const started = new Date();
    while (frontier.size < size) {
      const from = { size: frontier.size, root: frontier.root() };
      const pending: PendingLeaf[] = [];
      const end = Math.min(size, frontier.size + CHUNK);
      for (let index = frontier.size; index < end; index++) {
        const ours = last.seq < records - 1 && (index - head.size) % every === every - 1;
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
    if (frontier.size !== size || last.seq !== records - 1) {
      throw new Error(`built ${frontier.size} entries and ${last.seq + 1} records`);
    }
    return { bench, ctx, app, call, maker, robotId, robot, built, close };
  } catch (error) {
    await close();
    throw error;
  }
}
