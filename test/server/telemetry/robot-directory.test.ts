// The ingest robot cache: one query per load; an entry just past its TTL answers at once while
// it reloads in the background; a forced reload (after a failed signature) always waits for
// fresh facts; an entry long past its TTL waits too.
import { describe, expect, it } from 'vitest';
import type { SqlClient } from '../../../src/server/db/sql-client.js';
import { RobotDirectory } from '../../../src/server/features/telemetry/robot-directory.js';

function fakeDb() {
  let status = 'active';
  const queries: string[] = [];
  const db: SqlClient = {
    async copyFrom() {
      throw new Error('the directory never copies');
    },
    async query(sql: string | { text: string }) {
      queries.push(typeof sql === 'string' ? sql : sql.text);
      await new Promise((r) => setImmediate(r)); // answers later, like a database
      return {
        rows: [
          {
            robot_uuid: '00000000-0000-4000-8000-000000000001',
            status,
            joint_count: 6,
            min_battery_soh_pct: 80,
            max_joint_wear: 0.6,
            max_position_error_mm: 5,
            public_keys: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)],
            retired_ms: [null, 1_700_000_000_123],
          },
        ] as never[],
        rowCount: 1,
      };
    },
  };
  return { db, queries, setStatus: (s: string) => (status = s) };
}

describe('RobotDirectory', () => {
  it('loads a robot and its keys in one query, live key first', async () => {
    const { db, queries } = fakeDb();
    const directory = new RobotDirectory(db, { now: () => 0 });
    const robot = (await directory.get('R'))!;
    expect(queries).toHaveLength(1);
    expect(robot.keys).toEqual([
      { publicKey: Buffer.alloc(32, 1).toString('base64url'), retiredAtMs: null },
      { publicKey: Buffer.alloc(32, 2).toString('base64url'), retiredAtMs: 1_700_000_000_123 },
    ]);
    expect(robot.keyBytes.map((k) => k[0])).toEqual([1, 2]);
    expect(robot.jointCount).toBe(6);
  });

  it('answers a just-stale entry at once and reloads it in the background; forced reloads wait', async () => {
    const { db, queries, setStatus } = fakeDb();
    let now = 0;
    const directory = new RobotDirectory(db, { ttlMs: 1000, now: () => now });
    await directory.get('R');
    now = 500;
    expect((directory.get('R') as { status: string }).status).toBe('active'); // fresh: no query
    expect(queries).toHaveLength(1);

    setStatus('decommissioned');
    now = 1500; // past the TTL, within twice it: the cached entry, and one reload started
    const stale = directory.get('R');
    expect(stale).not.toBeInstanceOf(Promise);
    expect((stale as { status: string }).status).toBe('active');
    expect(directory.get('R')).not.toBeInstanceOf(Promise); // the reload is shared, not repeated
    // A forced read now joins the reload in flight (no third query) and settles with it.
    expect((await directory.get('R', 0))!.status).toBe('decommissioned');
    expect(queries).toHaveLength(2);
    expect((directory.get('R') as { status: string }).status).toBe('decommissioned');

    setStatus('active');
    const forced = directory.get('R', 0);
    expect(forced).toBeInstanceOf(Promise);
    expect((await forced)!.status).toBe('active');

    setStatus('recycled');
    now = 10_000; // long past the TTL: waits for the reload
    const old = directory.get('R');
    expect(old).toBeInstanceOf(Promise);
    expect((await old)!.status).toBe('recycled');
  });
});
