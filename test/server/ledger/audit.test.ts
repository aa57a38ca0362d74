import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCosignerKey, leafHash, parseNote } from '../../../src/ledger/index.js';
import { type AuditReport, auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { fileRobot, type OrgRef, recordEvent, SAMPLE_EVENT_DATA } from '../../support/fleet.js';
import { asAttacker, type LedgerTestPlatform, startLedgerPlatform, utf8 } from './support.js';

describe(`roboledger audit, in process (${backend})`, () => {
  let p: LedgerTestPlatform;
  let maker: OrgRef;
  let robotId: string;
  const witness = generateCosignerKey('witness.example/audit');

  const audit = (chunkSize = 5) =>
    auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds, verifierKey: p.verifierKey, chunkSize });
  const problems = (report: AuditReport) => report.findings.map((f) => f.problem);

  beforeAll(async () => {
    p = await startLedgerPlatform();
    maker = await createOrg(p, 'manufacturer');
    await createOrg(p, 'operator');
    robotId = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, robotId, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    await p.ctx.checkpointer.checkpointNow();
    await recordEvent(p, robotId, maker, 'maintenance', SAMPLE_EVENT_DATA.maintenance);
    const registered = await p.call('POST', '/v1/ledger/witnesses', {
      token: ADMIN_TOKEN,
      body: { verifierKey: witness.verifierKey },
    });
    expect(registered.statusCode).toBe(201);
    const checkpoint = await p.ctx.checkpointer.checkpointNow();
    const { cosignCheckpoint } = await import('../../../src/ledger/index.js');
    const text = parseNote(checkpoint.note).text;
    const res = await p.call('POST', '/v1/ledger/witnesses/witness.example%2Faudit/cosignatures', {
      body: {
        checkpoint: text,
        cosignature: cosignCheckpoint(text, witness.signerKey, Math.floor(Date.now() / 1000)),
      },
    });
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('finds nothing wrong with an untouched ledger, whatever the chunk size', async () => {
    for (const chunk of [1, 3, 1000]) {
      const report = await audit(chunk);
      expect(report.findings).toEqual([]);
      expect(report.entries).toBe(report.treeSize);
      expect(report.treeSize).toBeGreaterThan(8);
      expect(report.checkpoints).toBeGreaterThanOrEqual(2);
      expect(report.cosignatures).toBe(1);
      expect(report.signaturesChecked).toBe(true);
      // Every table with a ledger index: organisations, keys, models, sites, events, witnesses...
      expect(report.recordRows).toBeGreaterThanOrEqual(report.treeSize - 1);
    }
  });

  it('names a lifecycle event edited directly in the database: index, kind, id and the field', async () => {
    const { rows } = await p.ctx.db.query<{ id: string; ledger_index: number; data: unknown }>(
      "SELECT id, ledger_index, data FROM robot_events WHERE type = 'maintenance'",
    );
    const event = rows[0]!;
    await asAttacker(p.ctx.db, (tx) =>
      tx.query(`UPDATE robot_events SET data = data || '{"description": "nothing to see"}' WHERE id = $1`, [
        event.id,
      ]),
    );
    try {
      const report = await audit();
      expect(report.findings).toEqual([
        expect.objectContaining({
          problem: 'RECORD_MISMATCH',
          index: event.ledger_index,
          kind: 'robot_event',
          recordId: event.id,
          detail: expect.stringContaining('data.description'),
        }),
      ]);
    } finally {
      await asAttacker(p.ctx.db, (tx) =>
        tx.query('UPDATE robot_events SET data = $2 WHERE id = $1', [event.id, event.data]),
      );
    }
    expect((await audit()).findings).toEqual([]);
  });

  it('names an organisation renamed behind the platform, and a deleted record', async () => {
    const { rows } = await p.ctx.db.query<{ id: string; name: string; ledger_index: number }>(
      "SELECT id, name, ledger_index FROM organisations WHERE kind = 'operator'",
    );
    const org = rows[0]!;
    await asAttacker(p.ctx.db, (tx) =>
      tx.query("UPDATE organisations SET name = 'Someone else' WHERE id = $1", [org.id]),
    );
    const witnessRow = (await p.ctx.db.query('SELECT * FROM ledger_witnesses')).rows[0] as Record<
      string,
      unknown
    >;
    await asAttacker(p.ctx.db, (tx) => tx.query('DELETE FROM ledger_witnesses'));
    try {
      const report = await audit();
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          problem: 'RECORD_MISMATCH',
          kind: 'organisation',
          recordId: org.id,
          index: org.ledger_index,
        }),
      );
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          problem: 'RECORD_MISSING',
          kind: 'ledger_witness',
          recordId: 'witness.example/audit',
        }),
      );
      // The witness is gone, so its stored cosignature can no longer be checked either.
      expect(problems(report).sort()).toEqual(['COSIGNATURE_INVALID', 'RECORD_MISMATCH', 'RECORD_MISSING']);
    } finally {
      await asAttacker(p.ctx.db, async (tx) => {
        await tx.query('UPDATE organisations SET name = $2 WHERE id = $1', [org.id, org.name]);
        await tx.query(
          'INSERT INTO ledger_witnesses (name, verifier_key, key_hash, added_by, added_at, ledger_index) VALUES ($1, $2, $3, $4, $5, $6)',
          [
            witnessRow.name,
            witnessRow.verifier_key,
            witnessRow.key_hash,
            witnessRow.added_by,
            witnessRow.added_at,
            witnessRow.ledger_index,
          ],
        );
      });
    }
    expect((await audit()).findings).toEqual([]);
  });

  it('names a rewritten ledger entry: its record, its nodes and every checkpoint over it', async () => {
    const { rows } = await p.ctx.db.query<{ entry: Uint8Array; leaf_hash: Uint8Array }>(
      'SELECT entry, leaf_hash FROM ledger_entries WHERE idx = 1',
    );
    const original = rows[0]!;
    const forged = utf8(
      Buffer.from(original.entry).toString('utf8').replace('"kind":', '"forged":true,"kind":'),
    );
    await asAttacker(p.ctx.db, (tx) =>
      tx.query('UPDATE ledger_entries SET entry = $1, leaf_hash = $2 WHERE idx = 1', [
        forged,
        leafHash(forged),
      ]),
    );
    try {
      const report = await audit();
      const found = problems(report);
      expect(found).toContain('RECORD_MISMATCH');
      expect(found).toContain('NODE_MISMATCH');
      expect(found).toContain('CHECKPOINT_ROOT_MISMATCH');
      expect(found).toContain('HEAD_MISMATCH');
      expect(report.findings.find((f) => f.problem === 'RECORD_MISMATCH')).toMatchObject({
        index: 1,
        detail: expect.stringContaining('forged'),
      });
    } finally {
      await asAttacker(p.ctx.db, (tx) =>
        tx.query('UPDATE ledger_entries SET entry = $1, leaf_hash = $2 WHERE idx = 1', [
          original.entry,
          original.leaf_hash,
        ]),
      );
    }
  });

  it('names a forged node, a record pointing at another leaf, a bad checkpoint signature and debris beyond the head', async () => {
    const size = (await p.ctx.ledger.head()).size;
    const event = (
      await p.ctx.db.query<{ id: string; ledger_index: number }>(
        "SELECT id, ledger_index FROM robot_events WHERE type = 'deployment'",
      )
    ).rows[0]!;
    const checkpoint = (await p.ctx.checkpointer.latest())!;
    let overlapped = '';
    await asAttacker(p.ctx.db, async (tx) => {
      // Node (1, 1) inside whichever run holds it.
      await tx.query(
        `UPDATE ledger_node_runs SET hashes = overlay(hashes PLACING sha256('x') FROM (1 - idx)::int * 32 + 1)
          WHERE level = 1 AND idx <= 1 AND idx + length(hashes) / 32 > 1`,
      );
      await tx.query('UPDATE robot_events SET ledger_index = $2 WHERE id = $1', [event.id, size + 50]);
      await tx.query('UPDATE ledger_checkpoints SET note = $2 WHERE size = $1', [
        checkpoint.size,
        checkpoint.note.replace(/ [A-Za-z0-9+/]{20}/, ' AAAAAAAAAAAAAAAAAAAA'),
      ]);
      await tx.query("INSERT INTO ledger_node_runs (level, idx, hashes) VALUES (1, $1, sha256('y'))", [
        Math.floor(size / 2) + 3,
      ]);
      // A run made one node longer, over the first node of the next run: a second copy that
      // readers never see (they take the next run's), still named.
      const { rows } = await tx.query<{ level: number; idx: number; hashes: Uint8Array }>(
        `SELECT r.level, r.idx, r.hashes FROM ledger_node_runs r
           JOIN ledger_node_runs n ON n.level = r.level AND n.idx = r.idx + length(r.hashes) / 32
          WHERE length(r.hashes) < 60 * 32 ORDER BY r.level, r.idx LIMIT 1`,
      );
      const run = rows[0]!;
      await tx.query('DELETE FROM ledger_node_runs WHERE level = $1 AND idx = $2', [run.level, run.idx]);
      await tx.query("INSERT INTO ledger_node_runs (level, idx, hashes) VALUES ($1, $2, $3 || sha256('z'))", [
        run.level,
        run.idx,
        run.hashes,
      ]);
      overlapped = `level ${run.level} nodes ${run.idx + run.hashes.length / 32}`;
    });
    const report = await audit();
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        problem: 'NODE_MISMATCH',
        detail: expect.stringContaining('level 1, index 1'),
      }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        problem: 'RECORD_WITHOUT_LEAF',
        table: 'robot_events.ledger_index',
        recordId: event.id,
      }),
    );
    // ... and the event's real leaf is now a leaf whose record no longer says it is there: the
    // entry still loads the event, which still makes the same bytes, so only the pointer is named.
    expect(problems(report)).toContain('CHECKPOINT_SIGNATURE_INVALID');
    expect(problems(report)).toContain('NODE_BEYOND_HEAD');
    expect(report.findings).toContainEqual(
      expect.objectContaining({ problem: 'NODE_DUPLICATE', detail: expect.stringContaining(overlapped) }),
    );
  });
});
