// LedgerWriter.appendEntries, the SAVEPOINT-free path for pure appends, mixed with units of work
// that succeed and fail in the same group commits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes } from '../../../src/ledger/index.js';
import { LedgerWriter } from '../../../src/server/ledger/ledger-writer.js';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';
import { utf8 } from './support.js';

// The writer's sequencing under test, not the platform's record kinds: any kind may be appended.
const ANY_KIND = { has: () => true };

describe(`LedgerWriter.appendEntries (${backend})`, () => {
  let database: TestDatabase;
  let writer: LedgerWriter;
  beforeAll(async () => {
    database = await openTestDatabase();
    writer = new LedgerWriter(database.db, { recordKinds: ANY_KIND, maxBatch: 8, maxAppendBatch: 16 });
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
    // Every complete interior subtree: n - popcount(n) nodes (leaf hashes are the entries' own),
    // in runs of consecutive nodes, one row per level per commit (or per 60 nodes).
    const nodes = await database.db.query<{ n: number; runs: number }>(
      'SELECT sum(length(hashes) / 32)::int AS n, count(*)::int AS runs FROM ledger_node_runs',
    );
    const popcount = rows.length.toString(2).replace(/0/g, '').length;
    expect(nodes.rows[0]!.n).toBe(rows.length - popcount);
    expect(nodes.rows[0]!.runs).toBeLessThan(nodes.rows[0]!.n);
    expect(
      (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_nodes')).rows[0]!.n,
    ).toBe(0);
  });

  it('two writers (two processes) taking turns notice each other: nothing is written twice or lost', async () => {
    const other = new LedgerWriter(database.db, { recordKinds: ANY_KIND, maxAppendBatch: 16 });
    try {
      const entry = (who: string, i: number) => ({
        record: { kind: 'test_entry', id: `${who}-${i}` },
        entry: utf8(`turns ${who} ${i}`),
      });
      // Each writer's own frontier is stale after the other's commit: its next batch finds another
      // head, writes nothing, and goes the locked way.
      const indices: number[] = [];
      for (let round = 0; round < 6; round++) {
        const [a, b] = await Promise.all([
          writer.appendEntries([entry('a', round)]),
          other.appendEntries([entry('b', round), entry('b', round + 100)]),
        ]);
        indices.push(...a!, ...b!);
      }
      const { rows } = await database.db.query<{ idx: number; entry: Uint8Array }>(
        'SELECT idx, entry FROM ledger_entries ORDER BY idx',
      );
      expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
      expect([...indices].sort((x, y) => x - y)).toEqual(rows.slice(rows.length - 18).map((r) => r.idx));
      const head = await writer.head();
      expect(head.size).toBe(rows.length);
      const leaves = rows.map((r) => leafHash(r.entry));
      expect(Buffer.from(head.root)).toEqual(Buffer.from(rootFromLeafHashes(leaves)));
      // The stored interior nodes are the tree's: the frontier restored from them gives the root.
      const restored = new LedgerWriter(database.db, { recordKinds: ANY_KIND });
      await restored.appendEntries([entry('c', 0)]);
      leaves.push(leafHash(utf8('turns c 0')));
      expect(Buffer.from((await restored.head()).root)).toEqual(Buffer.from(rootFromLeafHashes(leaves)));
      await restored.close();
    } finally {
      await other.close();
    }
  });

  it('pipelined writes overtaken by another process go again the locked way, in order, none lost', async () => {
    // Two writes of one writer are in the database at once (the second built on the first's
    // tree) while another writer keeps appending: the overtaken writes find another head, write
    // nothing, and are retried; every promise gets the index its entry really has.
    const other = new LedgerWriter(database.db, { recordKinds: ANY_KIND, maxAppendBatch: 4 });
    try {
      const entry = (who: string, i: number) => ({
        record: { kind: 'test_entry', id: `pipe-${who}-${i}` },
        entry: utf8(`pipe ${who} ${i}`),
      });
      const promised = new Map<number, string>();
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 120; i++) {
        const [who, w] = i % 3 === 0 ? ['b', other] : ['a', writer];
        const item = entry(who as string, i);
        jobs.push(
          (w as LedgerWriter).appendEntries([item]).then(([index]) => {
            expect(promised.has(index!)).toBe(false);
            promised.set(index!, `pipe ${who} ${i}`);
          }),
        );
      }
      await Promise.all(jobs);
      const { rows } = await database.db.query<{ idx: number; entry: Uint8Array }>(
        'SELECT idx, entry FROM ledger_entries ORDER BY idx',
      );
      expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
      expect(promised.size).toBe(120);
      for (const [index, text] of promised) expect(Buffer.from(rows[index]!.entry).toString()).toBe(text);
      const head = await writer.head();
      expect(head.size).toBe(rows.length);
      expect(Buffer.from(head.root)).toEqual(
        Buffer.from(rootFromLeafHashes(rows.map((r) => leafHash(r.entry)))),
      );
    } finally {
      await other.close();
    }
  });

  it('pipelined appends and transactions of their own (runWithPrelude) interleave without a wrong node', async () => {
    // runWithPrelude holds the head lock while pipelined appends grow the frontier speculatively
    // in the same process: whichever way they interleave, the stored tree must be the tree of
    // the stored leaves, interior nodes included (a fresh writer rebuilds its frontier from them).
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 90; i++) {
      if (i % 3 === 0) {
        jobs.push(
          writer.runWithPrelude(
            async (tx) => {
              await tx.query('SELECT 1');
            },
            async (tx, ledger) => {
              await tx.query('SELECT 2');
              return ledger.append({ kind: 'test_entry', id: `solo-${i}` }, utf8(`solo ${i}`));
            },
          ),
        );
      } else {
        jobs.push(
          writer.appendEntries([{ record: { kind: 'test_entry', id: `mix-${i}` }, entry: utf8(`mix ${i}`) }]),
        );
      }
    }
    await Promise.all(jobs);
    const restored = new LedgerWriter(database.db, { recordKinds: ANY_KIND });
    try {
      await restored.appendEntries([
        { record: { kind: 'test_entry', id: 'after-mix' }, entry: utf8('after mix') },
      ]);
      const { rows } = await database.db.query<{ idx: number; entry: Uint8Array }>(
        'SELECT idx, entry FROM ledger_entries ORDER BY idx',
      );
      expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
      const head = await restored.head();
      expect(head.size).toBe(rows.length);
      expect(Buffer.from(head.root)).toEqual(
        Buffer.from(rootFromLeafHashes(rows.map((r) => leafHash(r.entry)))),
      );
    } finally {
      await restored.close();
    }
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
