// LedgerWriter.appendEntries, the SAVEPOINT-free path for pure appends, mixed with units of work
// that succeed and fail in the same group commits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes } from '../../../src/ledger/index.js';
import { LedgerWriter } from '../../../src/server/ledger/ledger-writer.js';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';
import { utf8 } from './support.js';

describe(`LedgerWriter.appendEntries (${backend})`, () => {
  let database: TestDatabase;
  let writer: LedgerWriter;
  beforeAll(async () => {
    database = await openTestDatabase();
    writer = new LedgerWriter(database.db, { maxBatch: 8, maxAppendBatch: 16 });
  });
  afterAll(async () => {
    await writer?.close();
    await database?.close();
  });

  it('gives gapless indices in order, stores exact bytes and hashes, and keeps the tree right', async () => {
    const jobs: Promise<unknown>[] = [];
    const expected = new Map<number, string>();
    for (let i = 0; i < 200; i++) {
      if (i % 7 === 3) {
        // A unit of work that writes nothing and fails: its leaf must vanish, nothing else.
        jobs.push(
          writer
            .run(async (_tx, ledger) => {
              ledger.append({ kind: 'test_entry', id: `bad-${i}` }, utf8(`bad ${i}`));
              throw new Error('refused');
            })
            .catch((e: Error) => e.message),
        );
      } else if (i % 5 === 0) {
        jobs.push(
          writer.run(async (tx, ledger) => {
            await tx.query('SELECT 1');
            const index = ledger.append({ kind: 'test_entry', id: `unit-${i}` }, utf8(`unit ${i}`));
            expected.set(index, `unit ${i}`);
            return index;
          }),
        );
      } else {
        const items = [0, 1].map((k) => ({
          record: { kind: 'test_entry', id: `a-${i}-${k}` },
          entry: utf8(`append ${i}.${k}`),
        }));
        jobs.push(
          writer.appendEntries(items).then((indices) => {
            indices.forEach((index, k) => {
              expected.set(index, `append ${i}.${k}`);
            });
            return indices;
          }),
        );
      }
    }
    const results = await Promise.all(jobs);
    expect(results.filter((r) => r === 'refused')).toHaveLength(29);
    const { rows } = await database.db.query<{ idx: number; entry: Uint8Array; leaf_hash: Uint8Array }>(
      'SELECT idx, entry, leaf_hash FROM ledger_entries ORDER BY idx',
    );
    expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      expect(Buffer.from(row.entry).toString()).toBe(expected.get(row.idx));
      expect(Buffer.from(row.leaf_hash)).toEqual(Buffer.from(leafHash(row.entry)));
    }
    const head = await writer.head();
    expect(head.size).toBe(rows.length);
    expect(Buffer.from(head.root)).toEqual(Buffer.from(rootFromLeafHashes(rows.map((r) => r.leaf_hash))));
    const nodes = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_nodes');
    // Every complete subtree: 2n - popcount(n) nodes.
    const popcount = rows.length.toString(2).replace(/0/g, '').length;
    expect(nodes.rows[0]!.n).toBe(2 * rows.length - popcount);
  });

  it('refuses an entry that is not bytes before it reaches a transaction', async () => {
    await expect(
      writer.appendEntries([
        { record: { kind: 'test_entry', id: 'x' }, entry: 'text' as unknown as Uint8Array },
      ]),
    ).rejects.toThrow();
    const before = await writer.head();
    await writer.appendEntries([]);
    expect((await writer.head()).size).toBe(before.size);
  });
});
