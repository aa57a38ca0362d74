// Bulk sample writes (sample-copy.ts) on the backend under test: a refused COPY (here a sample
// outside every partition) must fail the statement, roll its transaction back and leave the
// connection usable. On PostgreSQL the COPY runs as a pg Submittable of our own; one that only
// settled on ReadyForQuery never settled at all (pg drops its active query on an error), and a
// group commit holding the ledger lock would have waited forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binarySampleRows, uuidBytes } from '../../../src/server/features/telemetry/sample-binary.js';
import {
  copyBinarySampleRows,
  insertSampleLines,
} from '../../../src/server/features/telemetry/sample-copy.js';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';
import { type RecordedStatement, recording } from '../../support/statements.js';
import { EFFECT_DEADLINE_MS } from '../../support/wait.js';

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
    const statements: RecordedStatement[] = [];
    const rows = await database.db.transaction((tx) =>
      insertSampleLines(recording(tx, statements), line(`${day}T10:00:00Z`, 1) + line(`${day}T10:00:01Z`, 2)),
    );
    expect(rows).toBe(2);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.method).toBe('copyFrom');
    expect(statements[0]!.text).toMatch(/^COPY "telemetry_samples" \(.*\) FROM STDIN$/);
    expect(await count()).toBe(2);
  });

  // A COPY that never settles would hold the ledger lock forever: the deadline bounds that hang
  // (generously, for a loaded machine), and the test's timeout is above it.
  it(
    'a refused line fails the statement (settles, never hangs), writes nothing, and the connection goes on',
    async () => {
      const lines = line(`${day}T11:00:00Z`, 3) + line('2001-01-01T00:00:00Z', 4);
      const attempt = database.db.transaction((tx) => insertSampleLines(tx, lines));
      const settled = await Promise.race([
        attempt.then(
          () => 'resolved',
          (error: Error) => `rejected: ${error.message}`,
        ),
        new Promise<string>((resolve) =>
          setTimeout(
            () => resolve(`still pending after ${EFFECT_DEADLINE_MS} ms`),
            EFFECT_DEADLINE_MS,
          ).unref(),
        ),
      ]);
      expect(settled).toMatch(/^rejected: .*partition/);
      expect(await count()).toBe(2);
      // Every pooled connection still answers (the failed one was rolled back, not left hanging).
      await Promise.all(Array.from({ length: 4 }, () => database.db.query('SELECT 1')));
    },
    EFFECT_DEADLINE_MS + 60_000,
  );

  // The binary rows must store exactly what the text of the same values stores: float4 columns
  // rounded the same way, times to the microsecond, arrays and fault lists alike.
  const samples = [
    {
      atMs: Date.parse(`${day}T12:00:00.123Z`),
      socPct: 55.123456789,
      sohPct: 91.25,
      cycles: 300,
      batteryTempC: -12.3456789,
      jointWear: [0.1234567890123, 0.5, 1e-7, 0.999999999],
      jointTempC: [30.5, -4.125, 80.0001, 31.337],
      positionErrorMm: 1.25,
      taskSuccessRate: 0.985,
      operatingHours: 123456.789012345,
      faults: ['E_OVERHEAT', 'W_LOW_GRIP'],
    },
    {
      atMs: Date.parse(`${day}T23:59:59.999Z`),
      socPct: 0,
      sohPct: 100,
      cycles: 0,
      batteryTempC: 0.1,
      jointWear: [0, 0, 0, 0],
      jointTempC: [20, 20, 20, 20],
      positionErrorMm: 0,
      taskSuccessRate: 1,
      operatingHours: 0,
      faults: [],
    },
  ];
  const text = (seq: number) =>
    samples
      .map(
        (s) =>
          `${ROBOT}\t${seq}\t${new Date(s.atMs).toISOString()}\t${s.socPct}\t${s.sohPct}\t${s.cycles}\t${s.batteryTempC}\t{${s.jointWear.join(',')}}\t{${s.jointTempC.join(',')}}\t${s.positionErrorMm}\t${s.taskSuccessRate}\t${s.operatingHours}\t{${s.faults.join(',')}}\n`,
      )
      .join('');

  it('binary COPY rows store exactly what their text stores (SqlClient.copyFrom on both adapters)', async () => {
    await database.db.transaction(async (tx) => {
      await insertSampleLines(tx, text(10));
      expect(await copyBinarySampleRows(tx, [binarySampleRows(uuidBytes(ROBOT), 11, samples)])).toBe(2);
    });
    const { rows } = await database.db.query<{ seq: number; row: string }>(
      `SELECT seq, (t, soc_pct, soh_pct, cycles, battery_temp_c, joint_wear, joint_temp_c, position_error_mm,
                    task_success_rate, operating_hours, faults)::text AS row
         FROM telemetry_samples WHERE seq IN (10, 11) ORDER BY seq, t`,
    );
    expect(rows).toHaveLength(4);
    expect(rows.slice(2).map((r) => r.row)).toEqual(rows.slice(0, 2).map((r) => r.row));
    expect(rows[0]!.row).toContain('{E_OVERHEAT,W_LOW_GRIP}');
  });
});
