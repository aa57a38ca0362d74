// Helpers for the ledger's server tests: a platform with a known log key, raw appends, and the
// tampering an attacker with database access would do (triggers switched off).
import {
  generateSignerKey,
  leafHash,
  MerkleFrontier,
  type NodeRecord,
  verifierKeyOf,
} from '../../../src/ledger/index.js';
import type { SqlClient, SqlTransaction } from '../../../src/server/db/sql-client.js';
import { INSERT_NODE_RUNS, nodeRuns } from '../../../src/server/ledger/ledger-nodes.js';
import { LedgerWriter } from '../../../src/server/ledger/ledger-writer.js';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from '../../support/app.js';

export const ORIGIN = 'test.roboledger.example/ledger';

export interface LedgerTestPlatform extends TestPlatform {
  signerKey: string;
  verifierKey: string;
}

/** A test platform whose log key the test knows (passed as ROBOLEDGER_LEDGER_KEY). */
export async function startLedgerPlatform(
  options: Omit<TestPlatformOptions, 'env'> = {},
): Promise<LedgerTestPlatform> {
  const { signerKey } = generateSignerKey(ORIGIN);
  const p = await startTestPlatform({
    ...options,
    env: { ROBOLEDGER_LEDGER_KEY: signerKey, ROBOLEDGER_LEDGER_ORIGIN: ORIGIN },
  });
  return Object.assign(p, { signerKey, verifierKey: verifierKeyOf(signerKey) });
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
export const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
export const toB64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * A second writer on the platform's database for entries of a test kind, which the platform's
 * own writer refuses (it appends only kinds audit knows; audit names these). Its commits are
 * checkpointed like the platform's; the platform's writer finds the head moved and reloads.
 */
const testWriters = new WeakMap<TestPlatform, LedgerWriter>();

function testWriter(p: TestPlatform): LedgerWriter {
  let writer = testWriters.get(p);
  if (!writer) {
    writer = new LedgerWriter(p.ctx.db, {
      recordKinds: { has: (kind) => kind === 'test_entry' },
      onCommit: (tree) => p.ctx.checkpointer.notify(tree),
    });
    testWriters.set(p, writer);
  }
  return writer;
}

/** Appends `count` entries of a test kind (not records: audit would name them) in one commit. */
export async function appendTestEntries(p: TestPlatform, count: number, tag = 'e'): Promise<number[]> {
  const items = Array.from({ length: count }, (_, i) => {
    const id = `${tag}-${i}-${Math.random().toString(36).slice(2, 8)}`;
    return { record: { kind: 'test_entry', id }, entry: utf8(JSON.stringify({ id, kind: 'test_entry' })) };
  });
  return testWriter(p).appendEntries(items);
}

/** Runs `work` in a transaction with every trigger off: what an attacker with the owner role can do. */
export async function asAttacker<T>(
  client: { transaction<R>(w: (tx: SqlTransaction) => Promise<R>): Promise<R> },
  work: (tx: SqlClient) => Promise<T>,
): Promise<T> {
  return client.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    return work(tx);
  });
}

/**
 * Rewrites entry `index` to `entry` and recomputes everything a careless check would look at:
 * the leaf hash, every stored node, and the head. Checkpoints after `index` are deleted too
 * unless `keepCheckpoints`.
 */
export async function rewriteLedger(
  client: Parameters<typeof asAttacker>[0],
  index: number,
  entry: Uint8Array,
  options: { keepCheckpoints?: boolean } = {},
): Promise<void> {
  await asAttacker(client, async (tx) => {
    await tx.query('UPDATE ledger_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1', [
      index,
      entry,
      leafHash(entry),
    ]);
    const { rows } = await tx.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM ledger_entries ORDER BY idx',
    );
    const frontier = new MerkleFrontier();
    const nodes: NodeRecord[] = [];
    // Interior nodes only: the leaf hashes are the entries' own (migration 0006).
    for (const row of rows) nodes.push(...frontier.append(row.leaf_hash).slice(1));
    await tx.query('DELETE FROM ledger_node_runs');
    const runs = nodeRuns(nodes);
    await tx.query(INSERT_NODE_RUNS, [runs.levels, runs.firsts, runs.counts, runs.starts, runs.hashes]);
    await tx.query('UPDATE ledger_head SET size = $1, root = $2', [frontier.size, frontier.root()]);
    if (options.keepCheckpoints) return;
    await tx.query('DELETE FROM witness_cosignatures WHERE checkpoint_size > $1', [index]);
    await tx.query('DELETE FROM ledger_checkpoints WHERE size > $1', [index]);
  });
}
