import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJsonBytes,
  commitRecord,
  generateCosignerKey,
  parseNote,
} from '../../../src/ledger/index.js';
import { type AuditReport, auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { fileRobot, type OrgRef, recordEvent, SAMPLE_EVENT_DATA } from '../../support/fleet.js';
import { asAttacker, type LedgerTestPlatform, rewriteLedger, startLedgerPlatform } from './support.js';

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

  /** Entry `index`'s stored opening, forged by `edit` and committed afresh: a consistent lie. */
  async function forgeRecord(
    index: number,
    edit: (record: Record<string, unknown>) => Record<string, unknown>,
  ) {
    const { rows } = await p.ctx.db.query<{
      entry: Uint8Array;
      leaf_hash: Uint8Array;
      salt: Uint8Array;
      record: Uint8Array;
    }>('SELECT entry, leaf_hash, salt, record FROM ledger_entries WHERE idx = $1', [index]);
    const original = rows[0]!;
    // The tree as stored, to put back exactly (rewriteLedger lays the runs out afresh).
    const runs = await p.ctx.db.query<{ level: number; idx: number; hashes: Uint8Array }>(
      'SELECT * FROM ledger_node_runs',
    );
    const head = await p.ctx.ledger.head();
    const record = edit(JSON.parse(Buffer.from(original.record).toString('utf8')));
    const bytes = canonicalJsonBytes(record);
    const { entry } = commitRecord(String(record.kind), bytes, original.salt);
    await asAttacker(p.ctx.db, (tx) =>
      tx.query('UPDATE ledger_entries SET record = $2 WHERE idx = $1', [index, bytes]),
    );
    await rewriteLedger(p.ctx.db, index, entry, { keepCheckpoints: true });
    return async () => {
      await asAttacker(p.ctx.db, (tx) =>
        tx.query('UPDATE ledger_entries SET record = $2 WHERE idx = $1', [index, original.record]),
      );
      await asAttacker(p.ctx.db, async (tx) => {
        await tx.query('UPDATE ledger_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1', [
          index,
          original.entry,
          original.leaf_hash,
        ]);
        await tx.query('DELETE FROM ledger_node_runs');
        for (const run of runs.rows) {
          await tx.query('INSERT INTO ledger_node_runs (level, idx, hashes) VALUES ($1, $2, $3)', [
            run.level,
            run.idx,
            run.hashes,
          ]);
        }
        await tx.query('UPDATE ledger_head SET size = $1, root = $2', [head.size, head.root]);
      });
    };
  }

  it('names a rewritten ledger record: its record, its nodes and every checkpoint over it', async () => {
    const restore = await forgeRecord(1, (record) => ({ ...record, forged: true }));
    try {
      const report = await audit();
      const found = problems(report);
      expect(found).toContain('RECORD_MISMATCH');
      expect(found).toContain('CHECKPOINT_ROOT_MISMATCH');
      expect(report.findings.find((f) => f.problem === 'RECORD_MISMATCH')).toMatchObject({
        index: 1,
        detail: expect.stringContaining('forged'),
      });
    } finally {
      await restore();
    }
    expect((await audit()).findings).toEqual([]);
  });

  it('names an opening that no longer gives its entry, and a bare entry without one', async () => {
    const { rows } = await p.ctx.db.query<{ salt: Uint8Array; record: Uint8Array }>(
      'SELECT salt, record FROM ledger_entries WHERE idx = 2',
    );
    const { salt, record: original } = rows[0]!;
    const edited = Buffer.from(Buffer.from(original).toString('utf8').replace('"kind":', '"a":1,"kind":'));
    await asAttacker(p.ctx.db, (tx) =>
      tx.query('UPDATE ledger_entries SET record = $1 WHERE idx = 2', [edited]),
    );
    try {
      expect((await audit()).findings).toEqual([
        expect.objectContaining({ problem: 'OPENING_MISMATCH', index: 2 }),
      ]);
      await asAttacker(p.ctx.db, (tx) =>
        tx.query('UPDATE ledger_entries SET salt = NULL, record = NULL WHERE idx = 2'),
      );
      expect((await audit()).findings).toEqual([
        expect.objectContaining({ problem: 'OPENING_MISSING', index: 2 }),
      ]);
    } finally {
      await asAttacker(p.ctx.db, async (tx) => {
        await tx.query('UPDATE ledger_entries SET salt = $1, record = $2 WHERE idx = 2', [salt, original]);
      });
    }
    expect((await audit()).findings).toEqual([]);
  });

  it("names a robot's chain cut short or forked, and its link rows edited", async () => {
    const { rows } = await p.ctx.db.query<{ idx: number; seq: number }>(
      "SELECT l.idx, l.seq FROM robot_chain_links l JOIN robots r ON r.id = l.robot_uuid WHERE r.robot_id = $1 AND l.chain = 'records' ORDER BY seq",
      [robotId],
    );
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2]);
    // The deployment claims to follow the filing's predecessor: the chain breaks at seq 1.
    const restore = await forgeRecord(rows[1]!.idx, (record) => ({
      ...record,
      robotChain: { seq: 2, prev: (record.robotChain as { prev: unknown }).prev },
    }));
    try {
      const found = (await audit()).findings.filter((f) => f.problem.startsWith('CHAIN'));
      expect(found.map((f) => [f.problem, f.index])).toEqual(
        expect.arrayContaining([
          ['CHAIN_BROKEN', rows[1]!.idx],
          ['CHAIN_LINK_MISMATCH', rows[1]!.idx],
        ]),
      );
    } finally {
      await restore();
    }
    // A link row removed (the head would then stop short): named, and put back.
    const link = await p.ctx.db.query('SELECT * FROM robot_chain_links WHERE idx = $1', [rows[2]!.idx]);
    await asAttacker(p.ctx.db, (tx) =>
      tx.query('DELETE FROM robot_chain_links WHERE idx = $1', [rows[2]!.idx]),
    );
    try {
      expect((await audit()).findings).toEqual([
        expect.objectContaining({ problem: 'CHAIN_LINK_MISMATCH', index: rows[2]!.idx }),
      ]);
    } finally {
      const l = link.rows[0] as {
        robot_uuid: string;
        chain: string;
        seq: number;
        idx: number;
        leaf_hash: Uint8Array;
      };
      await asAttacker(p.ctx.db, (tx) =>
        tx.query(
          'INSERT INTO robot_chain_links (robot_uuid, chain, seq, idx, leaf_hash) VALUES ($1, $2, $3, $4, $5)',
          [l.robot_uuid, l.chain, l.seq, l.idx, l.leaf_hash],
        ),
      );
    }
    expect((await audit()).findings).toEqual([]);
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
