// Reads of the public log: entries, RFC 9162 inclusion and consistency proofs, and C2SP
// tlog-tiles (hash tiles and entry bundles). Each proof is O(log n) stored nodes fetched in
// one query; sizes beyond the committed tree are coded 4xx answers, never 500s.
import { PlatformError } from '../../core/errors.js';
import {
  consistencyProofNodes,
  formatEntryBundle,
  inclusionProofNodes,
  MAX_BUNDLED_ENTRY_SIZE,
  type NodeId,
  type ProofNodes,
  rehashProof,
  type TileId,
  tileHashesToBytes,
  tileNodeRange,
  tileWidth,
} from '../../ledger/index.js';
import type { SqlClient } from '../db/sql-client.js';
import { fetchNodeHashes, nodeRange, readHead } from './ledger-nodes.js';

export interface LedgerEntryRecord {
  index: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
  recordKind: string;
  recordId: string;
  appendedAt: Date;
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: Uint8Array[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: Uint8Array[];
}

export class LedgerReader {
  readonly #client: SqlClient;
  /**
   * A lower bound of the committed size: the tree only grows, so a size at or below it needs no
   * query; a larger one re-reads the head.
   */
  #knownSize = 0;

  constructor(client: SqlClient) {
    this.#client = client;
  }

  /** Tells the reader the tree has reached `size` (from LedgerWriter's onCommit). */
  observeSize(size: number): void {
    if (size > this.#knownSize) this.#knownSize = size;
  }

  /** The committed size, re-read from the database. */
  async size(): Promise<number> {
    const { size } = await readHead(this.#client);
    this.observeSize(size);
    return size;
  }

  /** Checks that the tree has reached `size`; LEDGER_TREE_SIZE_UNKNOWN otherwise. */
  async requireSize(size: number): Promise<void> {
    if (size <= this.#knownSize) return;
    const current = await this.size();
    if (size > current) {
      throw new PlatformError('LEDGER_TREE_SIZE_UNKNOWN', `the log has ${current} entries, not ${size}`, {
        treeSize: current,
      });
    }
  }

  async entry(index: number): Promise<LedgerEntryRecord> {
    const { rows } = await this.#client.query<{
      idx: number;
      entry: Uint8Array;
      leaf_hash: Uint8Array;
      record_kind: string;
      record_id: string;
      appended_at: Date;
    }>(
      'SELECT idx, entry, leaf_hash, record_kind, record_id, appended_at FROM ledger_entries WHERE idx = $1',
      [index],
    );
    const row = rows[0];
    if (!row) throw new PlatformError('LEDGER_ENTRY_NOT_FOUND', `the log has no entry ${index}`);
    this.observeSize(row.idx + 1);
    return {
      index: row.idx,
      entry: row.entry,
      leafHash: row.leaf_hash,
      recordKind: row.record_kind,
      recordId: row.record_id,
      appendedAt: row.appended_at,
    };
  }

  /** RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `treeSize`. */
  async inclusionProof(index: number, treeSize: number): Promise<InclusionProof> {
    checkLeafIndex(index, treeSize);
    await this.requireSize(treeSize);
    const nodes = inclusionProofNodes(index, treeSize);
    // The leaf hash is node (0, index): one query brings it with the proof's nodes.
    const hashes = await fetchNodeHashes(this.#client, [{ level: 0, index }, ...nodes.ids]);
    return { index, treeSize, leafHash: hashes[0]!, proof: rehashProof(nodes, hashes.slice(1)) };
  }

  /**
   * Inclusion proofs of several leaves in one tree (a robot's history: a thousand records
   * spread over the log need some ten thousand distinct nodes), the nodes not in the node
   * cache fetched in one query.
   */
  async inclusionProofs(indices: readonly number[], treeSize: number): Promise<InclusionProof[]> {
    for (const index of indices) checkLeafIndex(index, treeSize);
    await this.requireSize(treeSize);
    const plans = indices.map((index) => ({ index, nodes: inclusionProofNodes(index, treeSize) }));
    const cache = nodeCacheOf(this.#client);
    const byKey = new Map<string, Uint8Array>();
    const missing = new Map<string, NodeId>();
    const want = (id: NodeId) => {
      const key = `${id.level}/${id.index}`;
      if (byKey.has(key) || missing.has(key)) return;
      const cached = cache.get(key);
      if (cached) byKey.set(key, cached);
      else missing.set(key, id);
    };
    for (const { index, nodes } of plans) {
      want({ level: 0, index });
      for (const id of nodes.ids) want(id);
    }
    const list = [...missing.values()];
    const hashes = list.length > 0 ? await fetchNodeHashes(this.#client, list) : [];
    list.forEach((id, i) => {
      const key = `${id.level}/${id.index}`;
      byKey.set(key, hashes[i]!);
      cache.set(key, hashes[i]!);
    });
    const pick = (nodes: ProofNodes) => nodes.ids.map((id) => byKey.get(`${id.level}/${id.index}`)!);
    return plans.map(({ index, nodes }) => ({
      index,
      treeSize,
      leafHash: byKey.get(`0/${index}`)!,
      proof: rehashProof(nodes, pick(nodes)),
    }));
  }

  /** RFC 9162 §2.1.4 consistency proof from the tree of `from` to the tree of `to`. */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    checkCounts({ from, to });
    if (from === 0 || from > to) {
      throw new PlatformError(
        'LEDGER_PROOF_REQUEST_INVALID',
        from === 0
          ? 'a consistency proof from the empty tree proves nothing (RFC 9162 §2.1.4: 0 < from)'
          : `from ${from} is larger than to ${to}`,
      );
    }
    await this.requireSize(to);
    const nodes = consistencyProofNodes(from, to);
    return { from, to, proof: rehashProof(nodes, await fetchNodeHashes(this.#client, nodes.ids)) };
  }

  /** A C2SP tlog-tiles hash tile: the hashes of nodes (8·L, N·256 + i), i < width. */
  async tile(tile: TileId): Promise<Uint8Array> {
    if (tile.level === 'entries')
      throw new PlatformError('INTERNAL_INVARIANT', 'use entryBundle for entry bundles');
    await this.#requireTile(tile);
    const { level, begin, end } = tileNodeRange(tile);
    const hashes = await nodeRange(this.#client, level, begin, end);
    if (hashes.some((h) => h === undefined)) {
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `the ledger is missing nodes of level ${level} in [${begin}, ${end})`,
      );
    }
    return tileHashesToBytes(hashes as Uint8Array[]);
  }

  /** A C2SP tlog-tiles entry bundle: entries N·256 .. N·256 + width - 1, uint16-length-prefixed. */
  async entryBundle(tile: TileId): Promise<Uint8Array> {
    await this.#requireTile(tile);
    const { begin, end } = tileNodeRange(tile);
    const { rows } = await this.#client.query<{ idx: number; entry: Uint8Array }>(
      'SELECT idx, entry FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [begin, end],
    );
    if (rows.length !== end - begin)
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `ledger_entries is missing entries in [${begin}, ${end})`,
      );
    const large = rows.find((r) => r.entry.length > MAX_BUNDLED_ENTRY_SIZE);
    if (large) {
      throw new PlatformError(
        'LEDGER_BUNDLE_UNAVAILABLE',
        `entry ${large.idx} has ${large.entry.length} bytes, more than a tlog-tiles bundle holds`,
        { index: large.idx },
      );
    }
    return formatEntryBundle(rows.map((r) => r.entry));
  }

  async #requireTile(tile: TileId): Promise<void> {
    const widthAt = (size: number) => tileWidth(tile.level, tile.index, size);
    if (widthAt(this.#knownSize) >= tile.width) return;
    if (widthAt(await this.size()) < tile.width) {
      throw new PlatformError('LEDGER_TILE_NOT_FOUND', 'the tree does not reach this tile yet');
    }
  }
}

function checkCounts(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new PlatformError('VALIDATION_FAILED', `${name} must be a non-negative integer`, { field: name });
    }
  }
}

/** A leaf index a proof can be asked for: a count, and inside the tree of `treeSize`. */
function checkLeafIndex(index: number, treeSize: number): void {
  checkCounts({ index, treeSize });
  if (index >= treeSize) {
    throw new PlatformError(
      'LEDGER_PROOF_REQUEST_INVALID',
      `index ${index} is not below treeSize ${treeSize}`,
    );
  }
}

/**
 * Tree nodes already read, by `level/index`. A stored node never changes (the tables are
 * append-only and a node exists only once its subtree is complete), so a node read once is
 * good for every later proof: a robot's history asked again, by its owner, a buyer and a
 * regulator, reads from the database only the nodes new leaves completed. Bounded: past
 * MAX_CACHED_NODES (about 100 bytes each) it starts afresh. One cache per database handle.
 */
class NodeCache {
  #nodes = new Map<string, Uint8Array>();

  get(key: string): Uint8Array | undefined {
    return this.#nodes.get(key);
  }

  set(key: string, hash: Uint8Array): void {
    if (this.#nodes.size >= MAX_CACHED_NODES) this.#nodes = new Map();
    this.#nodes.set(key, hash);
  }
}

const MAX_CACHED_NODES = 250_000;
const nodeCaches = new WeakMap<object, NodeCache>();

function nodeCacheOf(client: object): NodeCache {
  let cache = nodeCaches.get(client);
  if (!cache) {
    cache = new NodeCache();
    nodeCaches.set(client, cache);
  }
  return cache;
}
