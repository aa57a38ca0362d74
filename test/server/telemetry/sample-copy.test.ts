// Bulk sample writes (sample-copy.ts) on the backend under test: a refused COPY (here a sample
// outside every partition) must fail the statement, roll its transaction back and leave the
// connection usable. On PostgreSQL the COPY runs as a pg Submittable of our own; one that only
// settled on ReadyForQuery never settled at all (pg drops its active query on an error), and a
// group commit holding the ledger lock would have waited forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSampleLines } from '../../../src/server/features/telemetry/sample-copy.js';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';

const ROBOT = '00000000-0000-4000-8000-000000000001';

function line(at: string, seq: number): string {
  return `${ROBOT}\t${seq}\t${at}\t55.5\t91.25\t300\t31.5\t{0.1,0.2}\t{30.5,31.5}\t1.25\t0.985\t1234.5\t{}\n`;
}

describe(`sample COPY (${backend})`, () => {
  let database: TestDatabase;
  const day = '2031-01-02';
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.db.query(
      `CREATE TABLE telemetry_samples_20310102 PARTITION OF telemetry_samples
         FOR VALUES FROM ('${day}T00:00:00Z') TO ('2031-01-03T00:00:00Z')`,
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  const count = async () =>
    (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_samples')).rows[0]!.n;

  it('writes the lines of a group in one statement', async () => {
    const rows = await database.db.transaction((tx) =>
      insertSampleLines(tx, database.db.dialect, line(`${day}T10:00:00Z`, 1) + line(`${day}T10:00:01Z`, 2)),
    );
    expect(rows).toBe(2);
    expect(await count()).toBe(2);
  });

  it('a refused line fails the statement promptly, writes nothing, and the connection goes on', async () => {
    const lines = line(`${day}T11:00:00Z`, 3) + line('2001-01-01T00:00:00Z', 4);
    const attempt = database.db.transaction((tx) => insertSampleLines(tx, database.db.dialect, lines));
    const settled = await Promise.race([
      attempt.then(
        () => 'resolved',
        (error: Error) => `rejected: ${error.message}`,
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5000)),
    ]);
    expect(settled).toMatch(/^rejected: .*partition/);
    expect(await count()).toBe(2);
    // Every pooled connection still answers (the failed one was rolled back, not left hanging).
    await Promise.all(Array.from({ length: 4 }, () => database.db.query('SELECT 1')));
  });
});
