// Where the tree lives (migration 0006): leaf hashes only in ledger_entries, interior nodes in
// ledger_node_runs. A database written before 0006 holds every node, leaves too, one row each in
// ledger_nodes: the migration copies its interior nodes into runs, the log goes on with the same
// proofs and tiles, nothing new goes into ledger_nodes, and audit still compares what it holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  leafHash,
  MerkleFrontier,
  type NodeRecord,
  rootFromLeafHashes,
  tileHashesFromBytes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/index.js';
import { loadMigrations, migrate } from '../../../src/server/db/migrate.js';
import { SQLSTATE, sqlState } from '../../../src/server/db/sql-client.js';
import { platformRecordKinds } from '../../../src/server/features/ledgered-records.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { LedgerReader } from '../../../src/server/ledger/ledger-reader.js';
import { LedgerWriter } from '../../../src/server/ledger/ledger-writer.js';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';
import { asAttacker, utf8 } from './support.js';

// The writer's sequencing under test, not the platform's record kinds: any kind may be appended.
const ANY_KIND = { has: () => true };

const entry = (i: number) => utf8(JSON.stringify({ id: `old-${i}`, kind: 'test_entry' }));

describe(`ledger tree storage, and a database from before migration 0006 (${backend})`, () => {
  let t: TestDatabase;
  let writer: LedgerWriter;
  const OLD = 300;
  const NEW = 77;

  beforeAll(async () => {
    t = await openTestDatabase({ migrate: false });
    const all = await loadMigrations();
    await migrate(
      t.db,
      all.filter((m) => m.version < 6),
    );
    // What the writer stored before 0006: entries, and every node, level 0 included.
    const frontier = new MerkleFrontier();
    const nodes: NodeRecord[] = [];
    for (let i = 0; i < OLD; i++) {
      const hash = leafHash(entry(i));
      nodes.push(...frontier.append(hash));
      await t.db.query(
        `INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
         VALUES ($1, $2, $3, 'test_entry', $4, now())`,
        [i, entry(i), hash, `old-${i}`],
      );
    }
    await t.db.query(
      'INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])',
      [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash)],
    );
    await t.db.query('UPDATE ledger_head SET size = $1, root = $2', [OLD, frontier.root()]);
    await migrate(t.db, all);
    writer = new LedgerWriter(t.db, { recordKinds: ANY_KIND, maxAppendBatch: 10 });
    await Promise.all(
      Array.from({ length: NEW }, (_, i) =>
        writer.appendEntries([
          { record: { kind: 'test_entry', id: `new-${i}` }, entry: utf8(`{"id":"new-${i}"}`) },
        ]),
      ),
    );
  });
  afterAll(async () => {
    await writer?.close();
    await t?.close();
  });

  it('continues the old tree, in runs, and adds nothing to ledger_nodes', async () => {
    const head = await writer.head();
    expect(head.size).toBe(OLD + NEW);
    const popOld = OLD.toString(2).replace(/0/g, '').length;
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_nodes');
    expect(rows[0]!.n).toBe(2 * OLD - popOld);
    const runs = await t.db.query<{ n: number; longest: number }>(
      'SELECT count(*)::int AS n, max(length(hashes) / 32)::int AS longest FROM ledger_node_runs',
    );
    expect(runs.rows[0]!.longest).toBe(60);
    expect(runs.rows[0]!.n).toBeLessThan(OLD / 4);
    // ledger_tree has every complete subtree exactly once: 2n - popcount(n) nodes.
    const tree = await t.db.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT (level, idx))::int AS distinct FROM ledger_tree',
    );
    const popcount = head.size.toString(2).replace(/0/g, '').length;
    expect(tree.rows[0]).toEqual({ n: 2 * head.size - popcount, distinct: 2 * head.size - popcount });
  });

  it('refuses any new row in the retired ledger_nodes, even with the triggers off', async () => {
    for (const level of [0, 1]) {
      const refused = await asAttacker(t.db, (tx) =>
        tx.query("INSERT INTO ledger_nodes (level, idx, hash) VALUES ($1, 100000, sha256('x'))", [level]),
      ).catch((error: unknown) => error);
      expect(sqlState(refused)).toBe(SQLSTATE.checkViolation);
    }
  });

  it('serves proofs and tiles across old and new storage', async () => {
    const head = await writer.head();
    const reader = new LedgerReader(t.db);
    for (let index = 0; index < head.size; index += 7) {
      const proof = await reader.inclusionProof(index, head.size);
      verifyInclusion(proof.leafHash, index, head.size, proof.proof, head.root);
    }
    const many = await reader.inclusionProofs([0, 1, OLD - 1, OLD, head.size - 1], head.size);
    for (const proof of many) verifyInclusion(proof.leafHash, proof.index, head.size, proof.proof, head.root);
    const consistency = await reader.consistencyProof(OLD - 3, head.size);
    const oldRoot = rootFromLeafHashes(Array.from({ length: OLD - 3 }, (_, i) => leafHash(entry(i))));
    verifyConsistency(OLD - 3, head.size, consistency.proof, oldRoot, head.root);
    // Level-0 tiles come from the entries (old and new alike), level-1 tiles (nodes of level 8)
    // from ledger_nodes.
    const { rows } = await t.db.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM ledger_entries ORDER BY idx',
    );
    const hex = (hashes: readonly Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));
    const full = tileHashesFromBytes(await reader.tile({ level: 0, index: 0, width: 256 }));
    expect(hex(full)).toEqual(hex(rows.slice(0, 256).map((r) => r.leaf_hash)));
    const partial = tileHashesFromBytes(await reader.tile({ level: 0, index: 1, width: head.size - 256 }));
    expect(hex(partial)).toEqual(hex(rows.slice(256).map((r) => r.leaf_hash)));
    const upper = tileHashesFromBytes(await reader.tile({ level: 1, index: 0, width: 1 }));
    expect(hex(upper)).toEqual(hex([rootFromLeafHashes(rows.slice(0, 256).map((r) => r.leaf_hash))]));
  });

  it('audits the retired copies too: a tampered one is named', async () => {
    const nodeProblems = async () =>
      (await auditLedger(t.db, { recordKinds: platformRecordKinds(), chunkSize: 64 })).findings
        .filter((f) => f.problem.startsWith('NODE_') || f.problem === 'HEAD_MISMATCH')
        .map((f) => `${f.problem} ${f.detail}`);
    expect(await nodeProblems()).toEqual([]);
    // The CHECK constraint covers updates of the old rows too: the owner has to drop it first.
    const refused = await asAttacker(t.db, (tx) =>
      tx.query("UPDATE ledger_nodes SET hash = sha256('x') WHERE level = 0 AND idx = 5"),
    ).catch((error: unknown) => error);
    expect(sqlState(refused)).toBe(SQLSTATE.checkViolation);
    await asAttacker(t.db, async (tx) => {
      await tx.query('ALTER TABLE ledger_nodes DROP CONSTRAINT ledger_nodes_retired');
      await tx.query("UPDATE ledger_nodes SET hash = sha256('x') WHERE (level, idx) IN ((0, 5), (3, 7))");
    });
    expect(await nodeProblems()).toEqual([
      expect.stringMatching(/^NODE_MISMATCH node \(level 0, index 5\), .* in ledger_nodes \(retired\)/),
      expect.stringMatching(/^NODE_MISMATCH node \(level 3, index 7\), .* in ledger_nodes \(retired\)/),
    ]);
  });
});
