// The stored tree: every complete subtree (level, idx), the hash of leaves
// [idx·2^level, (idx+1)·2^level). Level 0, the leaf hashes, is ledger_entries.leaf_hash. Levels
// >= 1 are in ledger_node_runs: one row per run of consecutive nodes of a level that one group
// commit completed, at most MAX_RUN_NODES (migration 0006; ledger_nodes, one row per node, is
// retired). A proof, a root or a frontier is a handful of node ids (src/ledger:
// inclusionProofNodes, consistencyProofNodes, treeRootNodes), fetched here in ONE query, one
// primary-key probe per id.
import { PlatformError } from '../../core/errors.js';
import { LedgerError, type NodeId, type NodeRecord } from '../../ledger/index.js';
import type { SqlClient } from '../db/sql-client.js';

/** Most nodes in one ledger_node_runs row: 60 hashes keep a row under the 2 kB TOAST threshold. */
export const MAX_RUN_NODES = 60;

const key = (level: number, index: number) => `${level}/${index}`;

/** The hashes of `ids`, in the same order; undefined where a node is not stored. */
export async function lookupNodeHashes(
  client: SqlClient,
  ids: readonly NodeId[],
): Promise<(Uint8Array | undefined)[]> {
  if (ids.length === 0) return [];
  // One primary-key probe per id, as a scalar subquery (plans faster than a lateral join or
  // `(level, idx) IN (...)`, which at a fraction of a millisecond per proof is most of the
  // cost): a leaf in ledger_entries; an interior node in the run of its level that starts last
  // at or before it (a backward probe), if that run reaches it.
  const { rows } = await client.query<{ level: number; idx: number; hash: Uint8Array | null }>(
    `SELECT k.level, k.idx, CASE WHEN k.level = 0
              THEN (SELECT leaf_hash FROM ledger_entries WHERE idx = k.idx)
              ELSE (SELECT CASE WHEN k.idx < r.idx + length(r.hashes) / 32
                                THEN substr(r.hashes, (k.idx - r.idx)::int * 32 + 1, 32) END
                      FROM ledger_node_runs r WHERE level = k.level AND idx <= k.idx
                     ORDER BY level DESC, idx DESC LIMIT 1)
            END AS hash
       FROM unnest($1::smallint[], $2::bigint[]) AS k(level, idx)`,
    [ids.map((n) => n.level), ids.map((n) => n.index)],
  );
  const found = new Map<string, Uint8Array>();
  for (const row of rows) if (row.hash) found.set(key(row.level, row.idx), row.hash);
  return ids.map((id) => found.get(key(id.level, id.index)));
}

/** The hashes of `ids`, in the same order; NODE_MISSING if one is not stored. */
export async function fetchNodeHashes(client: SqlClient, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  const hashes = await lookupNodeHashes(client, ids);
  return ids.map((id, i) => {
    const hash = hashes[i];
    if (!hash) {
      throw new LedgerError(
        'NODE_MISSING',
        `ledger node (level ${id.level}, index ${id.index}) is not stored`,
      );
    }
    return hash;
  });
}

/** The hashes of nodes [begin, end) of `level`, in order; undefined where one is missing. */
export async function nodeRange(
  client: SqlClient,
  level: number,
  begin: number,
  end: number,
): Promise<(Uint8Array | undefined)[]> {
  const out: (Uint8Array | undefined)[] = new Array(end - begin).fill(undefined);
  if (level === 0) {
    const { rows } = await client.query<{ idx: number; leaf_hash: Uint8Array }>(
      'SELECT idx, leaf_hash FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [begin, end],
    );
    for (const row of rows) out[row.idx - begin] = row.leaf_hash;
    return out;
  }
  const { rows } = await client.query<{ idx: number; hashes: Uint8Array }>(
    `SELECT idx, hashes FROM ledger_node_runs
      WHERE level = $1 AND idx > $2::bigint - ${MAX_RUN_NODES} AND idx < $3 ORDER BY idx`,
    [level, begin, end],
  );
  // In start order, as lookupNodeHashes reads them: the run that starts last wins a node.
  for (const run of rows) {
    for (let i = Math.max(begin, run.idx); i < Math.min(end, run.idx + run.hashes.length / 32); i++) {
      const at = (i - run.idx) * 32;
      out[i - begin] = run.hashes.subarray(at, at + 32);
    }
  }
  return out;
}

/**
 * Interior nodes as ledger_node_runs rows: runs of consecutive indices of one level, cut every
 * MAX_RUN_NODES, as arrays for one INSERT (hashes as one byte string; `starts` counts hashes).
 */
export function nodeRuns(nodes: readonly NodeRecord[]): {
  levels: number[];
  firsts: number[];
  counts: number[];
  starts: number[];
  hashes: Uint8Array;
} {
  const sorted = [...nodes].sort((a, b) => a.level - b.level || a.index - b.index);
  const levels: number[] = [];
  const firsts: number[] = [];
  const counts: number[] = [];
  const starts: number[] = [];
  const hashes = new Uint8Array(sorted.length * 32);
  sorted.forEach((node, i) => {
    if (node.level < 1)
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `node (level ${node.level}, index ${node.index}) is a leaf`,
      );
    hashes.set(node.hash, i * 32);
    const last = levels.length - 1;
    if (
      last >= 0 &&
      levels[last] === node.level &&
      firsts[last]! + counts[last]! === node.index &&
      counts[last]! < MAX_RUN_NODES
    ) {
      counts[last]!++;
    } else {
      levels.push(node.level);
      firsts.push(node.index);
      counts.push(1);
      starts.push(i);
    }
  });
  return { levels, firsts, counts, starts, hashes };
}

/** The INSERT of nodeRuns' arrays as $1..$5 (levels, firsts, counts, starts, hashes). */
export const INSERT_NODE_RUNS = `INSERT INTO ledger_node_runs (level, idx, hashes)
  SELECT r.level, r.first, substr($5::bytea, r.start * 32 + 1, r.count * 32)
    FROM unnest($1::smallint[], $2::bigint[], $3::int[], $4::int[]) AS r(level, first, count, start)`;

/** The tree head as of the last commit: size and root from ledger_head. */
export async function readHead(client: SqlClient): Promise<{ size: number; root: Uint8Array }> {
  const { rows } = await client.query<{ size: number; root: Uint8Array }>(
    'SELECT size, root FROM ledger_head',
  );
  const row = rows[0];
  if (!row)
    throw new PlatformError('INTERNAL_INVARIANT', 'ledger_head is missing: were the migrations applied?');
  return { size: row.size, root: row.root };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
