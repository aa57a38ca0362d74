import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/server/db/migrate.js';
import { SQLSTATE, sqlState } from '../../src/server/db/sql-client.js';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';

describe(`database adapter and migrations (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('talks to the backend under test', async () => {
    expect(t.db.dialect).toBe(backend);
    const { rows } = await t.db.query<{ v: string }>('SELECT version() AS v');
    expect(rows[0]?.v).toMatch(/PostgreSQL/);
  });

  it('returns int8 as number, bytea as Uint8Array, timestamptz as Date on both backends', async () => {
    const { rows } = await t.db.query<{ n: number; b: Uint8Array; at: Date; j: unknown }>(
      `SELECT $1::bigint AS n, $2::bytea AS b, $3::timestamptz AS at, $4::jsonb AS j`,
      [9007199254740991, new Uint8Array([0, 1, 255]), new Date('2026-11-26T08:00:00.123Z'), { a: [1] }],
    );
    const row = rows[0]!;
    expect(row.n).toBe(9007199254740991);
    expect(row.b).toBeInstanceOf(Uint8Array);
    expect([...row.b]).toEqual([0, 1, 255]);
    expect(row.at.toISOString()).toBe('2026-11-26T08:00:00.123Z');
    expect(row.j).toEqual({ a: [1] });
  });

  it('passes arrays of bytea and bigint', async () => {
    const { rows } = await t.db.query<{ n: number; b: Uint8Array }>(
      'SELECT * FROM unnest($1::bigint[], $2::bytea[]) AS x(n, b)',
      [
        [1, 2],
        [new Uint8Array([7]), new Uint8Array([8, 9])],
      ],
    );
    expect(rows.map((r) => [r.n, [...r.b]])).toEqual([
      [1, [7]],
      [2, [8, 9]],
    ]);
  });

  it('rolls a failed transaction back whole', async () => {
    await t.db.query('CREATE TABLE tx_probe (k int PRIMARY KEY)');
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (1)');
        await tx.query('INSERT INTO tx_probe VALUES (1)');
      }),
    ).rejects.toSatisfy((e) => sqlState(e) === SQLSTATE.uniqueViolation);
    const { rows } = await t.db.query('SELECT * FROM tx_probe');
    expect(rows).toHaveLength(0);
  });

  it('applies migrations once and refuses one edited after it was applied', async () => {
    expect(await migrate(t.db)).toEqual([]);
    const edited = (await loadMigrations()).map((m, i) => (i === 0 ? { ...m, checksum: 'x'.repeat(64) } : m));
    await expect(migrate(t.db, edited)).rejects.toMatchObject({ code: 'MIGRATION_CHECKSUM_MISMATCH' });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of ledger rows', async () => {
    await t.db.query(
      `INSERT INTO ledger_entries (idx, entry, leaf_hash, record_kind, record_id, appended_at)
       VALUES (0, '\\x00', $1, 'probe', 'p', now())`,
      [new Uint8Array(32)],
    );
    for (const sql of [
      'UPDATE ledger_entries SET entry = $1',
      'DELETE FROM ledger_entries',
      'TRUNCATE ledger_entries',
    ]) {
      await expect(t.db.query(sql, sql.includes('$1') ? [new Uint8Array([1])] : [])).rejects.toThrow(
        /append-only/,
      );
    }
    await expect(t.db.query('UPDATE ledger_head SET size = -1')).rejects.toThrow(/only grow/);
  });
});
