import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, MerkleFrontier, rootFromLeafHashes, treeRootNodes } from '../../src/ledger/index.js';
import { LedgerWriter } from '../../src/server/ledger/ledger-writer.js';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';

// The writer's sequencing under test, not the platform's record kinds: any kind may be appended.
const ANY_KIND = { has: () => true };

const bytes = (s: string) => new TextEncoder().encode(s);

describe(`ledger writer: group commit, savepoints, gapless indices (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
    await t.db.query('CREATE TABLE probe_records (id text PRIMARY KEY, ledger_index bigint NOT NULL)');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('commits many concurrent units of work with gapless indices; a refused one leaves no trace', async () => {
    const writer = new LedgerWriter(t.db, { recordKinds: ANY_KIND });
    const units = Array.from({ length: 200 }, (_, i) =>
      writer.run(async (tx, ledger) => {
        if (i % 17 === 5) {
          // Writes, then fails: its row and its leaf must both vanish, the others stay.
          await tx.query('INSERT INTO probe_records VALUES ($1, $2)', [`bad-${i}`, ledger.nextIndex]);
          ledger.append({ kind: 'probe', id: `bad-${i}` }, bytes(`bad ${i}`));
          throw new Error(`refused ${i}`);
        }
        const index = ledger.nextIndex;
        await tx.query('INSERT INTO probe_records VALUES ($1, $2)', [`ok-${i}`, index]);
        return ledger.append({ kind: 'probe', id: `ok-${i}` }, bytes(`entry ${i}`));
      }),
    );
    const outcomes = await Promise.allSettled(units);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 17 === 5).length);
    const indices = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value as number] : []));
    expect([...indices].sort((a, b) => a - b)).toEqual(indices.map((_, i) => i));

    const { rows: records } = await t.db.query<{ id: string; ledger_index: number }>(
      'SELECT * FROM probe_records',
    );
    expect(records.every((r) => r.id.startsWith('ok-'))).toBe(true);
    const { rows: entries } = await t.db.query<{ idx: number; entry: Uint8Array; record_id: string }>(
      'SELECT idx, entry, record_id FROM ledger_entries ORDER BY idx',
    );
    expect(entries).toHaveLength(records.length);
    // No record without its leaf, no leaf without its record.
    const byId = new Map(records.map((r) => [r.id, r.ledger_index]));
    for (const e of entries) expect(byId.get(e.record_id)).toBe(e.idx);

    const head = await writer.head();
    expect(head.size).toBe(entries.length);
    expect(Buffer.from(head.root)).toEqual(
      Buffer.from(rootFromLeafHashes(entries.map((e) => leafHash(e.entry)))),
    );
    await writer.close();
  });

  it('a second writer (another process) continues the same tree from the stored nodes', async () => {
    const other = new LedgerWriter(t.db, { recordKinds: ANY_KIND });
    const before = await other.head();
    await other.run(async (_tx, ledger) => ledger.append({ kind: 'probe', id: 'late' }, bytes('late entry')));
    const after = await other.head();
    expect(after.size).toBe(before.size + 1);
    const { rows } = await t.db.query<{ entry: Uint8Array }>('SELECT entry FROM ledger_entries ORDER BY idx');
    expect(Buffer.from(after.root)).toEqual(
      Buffer.from(rootFromLeafHashes(rows.map((r) => leafHash(r.entry)))),
    );
    // The stored tree (interior nodes and the entries' leaf hashes) restores the same frontier.
    const { rows: nodes } = await t.db.query<{ level: number; idx: number; hash: Uint8Array }>(
      'SELECT level, idx, hash FROM ledger_tree',
    );
    const lookup = new Map(nodes.map((n) => [`${n.level}/${n.idx}`, n.hash]));
    const restored = MerkleFrontier.fromNodes(after.size, (id) => lookup.get(`${id.level}/${id.index}`));
    expect(Buffer.from(restored.root())).toEqual(Buffer.from(after.root));
    expect(treeRootNodes(after.size).length).toBeGreaterThan(0);
    await other.close();
  });

  it('refuses work after close', async () => {
    const writer = new LedgerWriter(t.db, { recordKinds: ANY_KIND });
    await writer.close();
    await expect(writer.run(async () => 1)).rejects.toThrow(/closed/);
  });
});
