// Reading what version 2 keeps private: the openings of entries (salt and record) and the
// robots' chain links. Nothing here is served by a public route; the callers decide who may
// see which record (the robot access policy) before they read.
import type { ChainHeadLine, ChainName, Opening } from '../../ledger/index.js';
import type { SqlClient } from '../db/sql-client.js';

/** An opening with what the log holds for it: the leaf hash and the record's stored id. */
export interface StoredOpening extends Opening {
  leafHash: Uint8Array;
  recordId: string;
}

/** The openings of entries `indices`, by index (entries without one are left out). */
export async function loadOpenings(
  client: SqlClient,
  indices: readonly number[],
): Promise<Map<number, StoredOpening>> {
  if (indices.length === 0) return new Map();
  const { rows } = await client.query<{
    idx: number;
    record_kind: string;
    record_id: string;
    leaf_hash: Uint8Array;
    salt: Uint8Array;
    record: Uint8Array;
  }>(
    `SELECT idx, record_kind, record_id, leaf_hash, salt, record
       FROM ledger_entries WHERE idx = ANY($1::bigint[]) AND salt IS NOT NULL`,
    [indices],
  );
  return new Map(
    rows.map((r) => [
      r.idx,
      {
        index: r.idx,
        kind: r.record_kind,
        salt: r.salt,
        record: r.record,
        leafHash: r.leaf_hash,
        recordId: r.record_id,
      },
    ]),
  );
}

/** The last link of a robot's chain among the first `treeSize` leaves; undefined if none. */
export async function chainHeadAt(
  client: SqlClient,
  robotUuid: string,
  chain: ChainName,
  treeSize: number,
): Promise<ChainHeadLine | undefined> {
  const { rows } = await client.query<{ seq: number; idx: number; leaf_hash: Uint8Array }>(
    `SELECT seq, idx, leaf_hash FROM robot_chain_links
      WHERE robot_uuid = $1 AND chain = $2 AND idx < $3 ORDER BY seq DESC LIMIT 1`,
    [robotUuid, chain, treeSize],
  );
  const row = rows[0];
  return row ? { seq: row.seq, index: row.idx, leafHash: row.leaf_hash } : undefined;
}

/** The links of a robot's chain (among the first `treeSize` leaves, if given), in seq order. */
export async function chainLinks(
  client: SqlClient,
  robotUuid: string,
  chain: ChainName,
  treeSize: number = Number.MAX_SAFE_INTEGER,
): Promise<ChainHeadLine[]> {
  const { rows } = await client.query<{ seq: number; idx: number; leaf_hash: Uint8Array }>(
    `SELECT seq, idx, leaf_hash FROM robot_chain_links
      WHERE robot_uuid = $1 AND chain = $2 AND idx < $3 ORDER BY seq`,
    [robotUuid, chain, treeSize],
  );
  return rows.map((row) => ({ seq: row.seq, index: row.idx, leafHash: row.leaf_hash }));
}
