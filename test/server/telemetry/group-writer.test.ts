// The group writer's two paths, on the backend under test: a group where every batch is new is
// checked and written by one optimistic statement (samples inline for small groups, by COPY for
// large ones); a group with a duplicate, a robot gone inactive or a key retired since the cache
// was filled writes nothing in that statement and then only its fresh batches. Either way each
// stored batch's row names the ledger leaf that holds its digest, and refused ones write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetrySample } from '../../../src/core/telemetry/index.js';
import { rootFromLeafHashes } from '../../../src/ledger/index.js';
import { checkBatch } from '../../../src/server/features/telemetry/batch-check.js';
import { loadIngestRobot } from '../../../src/server/features/telemetry/robot-directory.js';
import {
  INLINE_SAMPLE_BYTES,
  type VerifiedBatch,
  type WriteOutcome,
  writeCopiedGroup,
  writeGroupSamples,
  writeTelemetryGroup,
} from '../../../src/server/features/telemetry/telemetry-writer.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend, itOnBackend } from '../../support/database.js';
import { type RecordedStatement, recording } from '../../support/statements.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  newDeviceKeyPair,
  signBatch,
  type TelemetryFleet,
  type TelemetryRobot,
} from '../../support/telemetry-fleet.js';

const JOINTS = 8;

describe(`telemetry group writer (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  beforeAll(async () => {
    p = await startTestPlatform();
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 4, jointCount: JOINTS });
  });
  afterAll(async () => {
    await p?.close();
  });

  async function verified(
    robot: TelemetryRobot,
    seq: number,
    samples: number | TelemetrySample[],
    endMs = Date.now(),
    rowFormat: 'text' | 'binary' = 'text',
  ) {
    const nowMs = Date.now();
    const ingestRobot = (await loadIngestRobot(p.ctx.db, robot.robotId, nowMs))!;
    const jws = signBatch(robot, {
      seq,
      samples: Array.isArray(samples) ? samples : healthySamples(JOINTS, samples, endMs),
    });
    const checked = checkBatch({
      jws,
      kid: robot.robotId,
      robotUuid: ingestRobot.robotUuid,
      keys: ingestRobot.keys,
      jointCount: ingestRobot.jointCount,
      limits: ingestRobot.limits,
      nowMs,
      oldestMs: nowMs - 10 * 86_400_000,
      rowFormat,
      binaryFromSamples: 2,
    });
    if (!checked.ok) throw new Error(`${checked.code}: ${checked.message}`);
    await p.ctx.telemetryIngest.get().partitions.ensureRange(checked.firstMs, checked.lastMs);
    return { robot: ingestRobot, kid: robot.robotId, checked, jws } satisfies VerifiedBatch;
  }

  /** Writes a group as the ingest does; `statements`, if given, records what it sent. */
  const write = (batches: VerifiedBatch[], statements?: RecordedStatement[]) =>
    p.ctx.ledger.run((tx, ledger) =>
      writeTelemetryGroup(statements ? recording(tx, statements) : tx, ledger, batches, new Date(), {
        robotsWithActiveAlerts: new Set(),
      }),
    );

  async function stored(batches: VerifiedBatch[]) {
    const { rows } = await p.ctx.db.query<{
      seq: number;
      ledger_index: number;
      samples: number;
      leaf: string;
    }>(
      `SELECT b.seq, b.ledger_index,
              (SELECT count(*) FROM telemetry_samples s WHERE s.robot_uuid = b.robot_uuid AND s.seq = b.seq)::int AS samples,
              (SELECT e.record_id FROM ledger_entries e WHERE e.idx = b.ledger_index) AS leaf
         FROM telemetry_batches b
        WHERE (b.robot_uuid, b.seq) IN (SELECT * FROM unnest($1::uuid[], $2::bigint[]))
        ORDER BY b.ledger_index`,
      [batches.map((b) => b.robot.robotUuid), batches.map((b) => b.checked.seq)],
    );
    return rows;
  }

  function expectStored(
    outcomes: WriteOutcome[],
    batches: VerifiedBatch[],
    rows: Awaited<ReturnType<typeof stored>>,
  ) {
    const byKey = new Map(rows.map((r) => [`${r.leaf}`, r]));
    outcomes.forEach((o, i) => {
      if (o.status !== 'stored') return;
      const b = batches[i]!;
      const row = byKey.get(`${b.robot.robotUuid}:${b.checked.seq}`)!;
      expect(row).toBeDefined();
      expect(row.ledger_index).toBe(o.ledgerIndex);
      expect(row.samples).toBe(b.checked.sampleCount);
    });
  }

  it('writes an all-new small group in one statement, leaves in order', async () => {
    // The first group of these robots reads their batch-chain heads (none yet); the writer
    // knows them from then on, as long as no other process writes to the log.
    const first = await Promise.all(fleet.robots.map((r, i) => verified(r, 90 + i, 2)));
    const cold: RecordedStatement[] = [];
    await write(first, cold);
    expect(cold).toHaveLength(2);
    expect(cold.filter((s) => s.text.includes('FROM robot_chain_links'))).toHaveLength(1);

    const batches = await Promise.all(fleet.robots.map((r, i) => verified(r, 100 + i, 2)));
    const statements: RecordedStatement[] = [];
    const outcomes = await write(batches, statements);
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    // One statement: the checks, the batch rows, the rollups and the samples inline.
    expect(statements).toHaveLength(1);
    expect(statements[0]!.text).toContain('INSERT INTO telemetry_batches');
    expect(statements[0]!.text).toContain('INSERT INTO telemetry_samples');
    const indices = outcomes.map((o) => (o.status === 'stored' ? o.ledgerIndex : -1));
    expect(indices).toEqual(indices.map((_, i) => indices[0]! + i));
    const rows = await stored(batches);
    expect(rows).toHaveLength(batches.length);
    expectStored(outcomes, batches, rows);
  });

  it('writes an all-new large group with its samples by COPY', async () => {
    const batches = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        verified(fleet.robots[i % 4]!, 200 + i, 60, Date.now() - i * 61_000),
      ),
    );
    expect(batches.reduce((n, b) => n + b.checked.lines.length, 0)).toBeGreaterThan(INLINE_SAMPLE_BYTES);
    const statements: RecordedStatement[] = [];
    const outcomes = await write(batches, statements);
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    // The group's statement without the samples, then the samples by a COPY of their own
    // (SqlClient.copyFrom, on either backend), then the batches' JWS by another.
    expect(statements).toHaveLength(3);
    expect(statements[0]!.text).toContain('INSERT INTO telemetry_batches');
    expect(statements[0]!.text).not.toContain('INSERT INTO telemetry_samples');
    expect(statements[1]!.method).toBe('copyFrom');
    expect(statements[1]!.text).toMatch(/^COPY "telemetry_samples" \(.*\) FROM STDIN/);
    expect(statements[2]!.method).toBe('copyFrom');
    expect(statements[2]!.text).toMatch(/^COPY "telemetry_batch_jws" \(.*\) FROM STDIN/);
    expectStored(outcomes, batches, await stored(batches));
  });

  it('writes only the fresh batches of a group with duplicates, an inactive robot and a retired key', async () => {
    const [a, b, c, d] = fleet.robots as [TelemetryRobot, TelemetryRobot, TelemetryRobot, TelemetryRobot];
    const already = await verified(a, 300, 1);
    expect((await write([already]))[0]!.status).toBe('stored');

    // Robot c's key is retired and robot d decommissioned after their batches were checked.
    const retiredLate = await verified(c, 300, 1, Date.now() + 1000);
    const inactive = await verified(d, 300, 1);
    const rotation = await p.call('POST', `/v1/robots/${c.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'key_rotation', data: { devicePublicKey: newDeviceKeyPair().publicKey } },
    });
    expect(rotation.statusCode).toBe(201);
    const decommission = await p.call('POST', `/v1/robots/${d.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'decommission', data: { reason: 'end of life' } },
    });
    expect(decommission.statusCode).toBe(201);

    const fresh1 = await verified(a, 301, 3);
    const fresh2 = await verified(b, 300, 2);
    // The same bytes again: duplicates (other bytes under an accepted seq conflict instead).
    const twice = { ...fresh2 };
    const repeat = { ...already };
    const group = [fresh1, repeat, retiredLate, fresh2, inactive, twice];
    const before = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_samples');
    const outcomes = await write(group);
    expect(outcomes.map((o) => (o.status === 'refused' ? o.code : o.status))).toEqual([
      'stored',
      'duplicate',
      'TELEMETRY_KEY_RETIRED',
      'stored',
      'TELEMETRY_ROBOT_INACTIVE',
      'duplicate',
    ]);
    const i1 = outcomes[0]!.status === 'stored' ? outcomes[0]!.ledgerIndex : -1;
    expect(outcomes[3]).toMatchObject({ status: 'stored', ledgerIndex: i1 + 1 });
    expectStored(outcomes, group, await stored(group));
    const after = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_samples');
    expect(after.rows[0]!.n - before.rows[0]!.n).toBe(3 + 2);
    expect(await stored([retiredLate, inactive])).toHaveLength(0);
  });

  it('refuses the batches of a key retired after they were checked, however early their samples are dated', async () => {
    const [e] = (
      await fileTelemetryFleet(p, ADMIN_TOKEN, {
        count: 1,
        jointCount: JOINTS,
        manufacturer: fleet.manufacturer,
      })
    ).robots;
    const nineDaysAgo = Date.now() - 9 * 86_400_000;
    const alone = await verified(e!, 1, 2, nineDaysAgo);
    const early = await verified(e!, 2, 2, nineDaysAgo + 60_000);
    const rotation = await p.call('POST', `/v1/robots/${e!.robotId}/events`, {
      token: fleet.manufacturer.apiKey,
      body: { type: 'key_rotation', data: { devicePublicKey: newDeviceKeyPair().publicKey } },
    });
    expect(rotation.statusCode).toBe(201);
    const code = (o: WriteOutcome) => (o.status === 'refused' ? o.code : o.status);
    // Alone: the optimistic statement's own check. With a fresh batch: the careful path's.
    expect((await write([alone])).map(code)).toEqual(['TELEMETRY_KEY_RETIRED']);
    const fresh = await verified(fleet.robots[0]!, 450, 1);
    expect((await write([early, fresh])).map(code)).toEqual(['TELEMETRY_KEY_RETIRED', 'stored']);
    expect(await stored([alone, early])).toHaveLength(0);
  });

  // What TelemetryIngest does with a large group: its samples are loaded BEFORE the ledger lock
  // (LedgerWriter.runWithPrelude), then checked and logged under it.
  const writeCopied = (batches: VerifiedBatch[]) =>
    p.ctx.ledger.runWithPrelude(
      (tx) => writeGroupSamples(tx, batches),
      async (tx, ledger) => {
        const written = await writeCopiedGroup(tx, ledger, batches, new Date(), {
          robotsWithActiveAlerts: new Set(),
        });
        if (!written) throw new Error('redo');
        return written;
      },
    );
  const sampleCount = async () =>
    (await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_samples')).rows[0]!.n;

  it('a group whose samples were loaded before the lock is stored whole, leaves in order', async () => {
    const batches = await Promise.all(
      fleet.robots.slice(0, 2).map((r, i) => verified(r, 400 + i, 5, Date.now() - i * 1000)),
    );
    const before = await sampleCount();
    const outcomes = await writeCopied(batches);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
    expect(outcomes[1]).toMatchObject({
      ledgerIndex: (outcomes[0] as { ledgerIndex: number }).ledgerIndex + 1,
    });
    expectStored(outcomes, batches, await stored(batches));
    expect((await sampleCount()) - before).toBe(10);
  });

  it('with a duplicate in it, that group writes nothing at all, its loaded samples included', async () => {
    const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
    const first = await verified(a, 500, 4);
    expect((await writeCopied([first]))[0]!.status).toBe('stored');
    const before = await sampleCount();
    const head = await p.ctx.ledger.head();
    const fresh = await verified(b, 500, 3);
    const again = { ...first };
    await expect(writeCopied([fresh, again])).rejects.toThrow('redo');
    expect(await sampleCount()).toBe(before);
    expect((await p.ctx.ledger.head()).size).toBe(head.size);
    expect(await stored([fresh])).toHaveLength(0);
    // The careful way then stores the fresh batch once and reports the duplicate.
    const outcomes = await write([fresh, again]);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
    expect((await sampleCount()) - before).toBe(3);
  });

  it('checks usage counters across the batches of one group, in sample-time order', async () => {
    const [robot] = (
      await fileTelemetryFleet(p, ADMIN_TOKEN, {
        count: 1,
        jointCount: JOINTS,
        manufacturer: fleet.manufacturer,
      })
    ).robots;
    const now = Date.now();
    const at = (ms: number, hours: number) => healthySample(JOINTS, ms, { operatingHours: hours });
    // Sent in the reverse of their time order, in one group: 100 h, then 50 h an hour later.
    const later = await verified(robot!, 2, [at(now - 60_000, 50)]);
    const earlier = await verified(robot!, 1, [at(now - 3_600_000, 100)]);
    const statements: RecordedStatement[] = [];
    const outcomes = await write([later, earlier], statements);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
    const { rows } = await p.ctx.db.query<{
      seq: number;
      condition: string;
      detail: Record<string, unknown>;
    }>(
      `SELECT a.seq, a.condition, a.detail FROM telemetry_alerts a JOIN robots r ON r.id = a.robot_uuid
        WHERE r.robot_id = $1`,
      [robot!.robotId],
    );
    expect(rows).toEqual([
      {
        seq: 2,
        condition: 'usage_counter_rollback',
        detail: {
          counter: 'operatingHours',
          previous: 100,
          value: 50,
          previousSampleAt: new Date(now - 3_600_000).toISOString(),
        },
      },
    ]);
    // The last known counters are the later sample's, whatever order the batches came in.
    const counters = await p.ctx.db.query<{ seq: number; operating_hours: number }>(
      `SELECT u.seq, u.operating_hours FROM telemetry_usage_counters u JOIN robots r ON r.id = u.robot_uuid
        WHERE r.robot_id = $1`,
      [robot!.robotId],
    );
    expect(counters.rows).toEqual([{ seq: 2, operating_hours: 50 }]);
    // A group with nothing going backwards costs no query for the check (its statement only).
    const calm = await verified(robot!, 3, [at(now, 50.5)]);
    const calmStatements: RecordedStatement[] = [];
    await write([calm], calmStatements);
    expect(calmStatements).toHaveLength(1);
  });

  it('a second group in its own transaction waits for the lock and logs after the first', async () => {
    const [c, d] = fleet.robots.slice(0, 2) as [TelemetryRobot, TelemetryRobot];
    const g1 = [await verified(c, 600, 2)];
    const g2 = [await verified(d, 600, 2)];
    const [o1, o2] = await Promise.all([writeCopied(g1), writeCopied(g2)]);
    const i1 = (o1[0] as { ledgerIndex: number }).ledgerIndex;
    const i2 = (o2[0] as { ledgerIndex: number }).ledgerIndex;
    expect(Math.abs(i1 - i2)).toBe(1);
    expectStored(o1, g1, await stored(g1));
    expectStored(o2, g2, await stored(g2));
    // The head is the tree of every stored leaf (each transaction grew the tree the other left).
    const leaves = await p.ctx.db.query<{ leaf_hash: Uint8Array }>(
      'SELECT leaf_hash FROM ledger_entries ORDER BY idx',
    );
    const head = await p.ctx.ledger.head();
    expect(head.size).toBe(leaves.rows.length);
    expect(Buffer.from(head.root)).toEqual(
      Buffer.from(rootFromLeafHashes(leaves.rows.map((r) => r.leaf_hash))),
    );
  });

  itOnBackend('postgres')(
    'as the ingest checks them on PostgreSQL: binary rows, single samples as text, mixed in one group',
    async () => {
      const [a, b] = fleet.robots as [TelemetryRobot, TelemetryRobot];
      const single = await verified(a, 700, 1, Date.now(), 'binary');
      const several = await verified(b, 700, 6, Date.now(), 'binary');
      expect(single.checked.rows).toBeUndefined();
      expect(single.checked.lines).not.toBe('');
      expect(several.checked.rows?.length).toBeGreaterThan(0);
      expect(several.checked.lines).toBe('');
      const before = await sampleCount();
      const outcomes = await write([single, several]);
      expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
      expectStored(outcomes, [single, several], await stored([single, several]));
      expect((await sampleCount()) - before).toBe(7);
    },
  );
});
