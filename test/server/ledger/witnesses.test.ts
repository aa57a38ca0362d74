import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosignatureVerifier,
  cosignCheckpoint,
  formatCheckpoint,
  generateCosignerKey,
  noteVerifier,
  openCheckpoint,
  parseNote,
} from '../../../src/ledger/index.js';
import { ADMIN_TOKEN, createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';
import { appendTestEntries, type LedgerTestPlatform, ORIGIN, startLedgerPlatform } from './support.js';

describe(`witness cosignatures (${backend})`, () => {
  let p: LedgerTestPlatform;
  const witness = generateCosignerKey('witness.example/w1');
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    p = await startLedgerPlatform();
    await appendTestEntries(p, 10);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('only the registry or a regulator registers a witness; the registration is a ledger record', async () => {
    const operator = await createOrg(p, 'operator');
    const refused = await p.call('POST', '/v1/ledger/witnesses', {
      token: operator.apiKey,
      body: { verifierKey: witness.verifierKey },
    });
    expect(refused.statusCode).toBe(403);
    const bad = await p.call('POST', '/v1/ledger/witnesses', {
      token: ADMIN_TOKEN,
      body: { verifierKey: 'nope' },
    });
    expect(bad.json().error.code).toBe('LEDGER_WITNESS_KEY_INVALID');

    const res = await p.call('POST', '/v1/ledger/witnesses', {
      token: ADMIN_TOKEN,
      body: { verifierKey: witness.verifierKey },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ name: 'witness.example/w1', verifierKey: witness.verifierKey });
    const entry = await p.call('GET', `/v1/ledger/entries/${body.ledgerIndex}`);
    expect(JSON.parse(Buffer.from(entry.json().entry, 'base64').toString())).toMatchObject({
      kind: 'ledger_witness',
      v: 2,
    });
    expect(await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, body.ledgerIndex)).toMatchObject({
      kind: 'ledger_witness',
      id: 'witness.example/w1',
    });
    const again = await p.call('POST', '/v1/ledger/witnesses', {
      token: ADMIN_TOKEN,
      body: { verifierKey: witness.verifierKey },
    });
    expect(again.json().error.code).toBe('LEDGER_WITNESS_EXISTS');
    const list = await p.call('GET', '/v1/ledger/witnesses');
    expect(list.json().items.map((w: { name: string }) => w.name)).toEqual(['witness.example/w1']);
  });

  it('accepts a valid cosignature once, and serves it with the checkpoint', async () => {
    const checkpoint = await p.ctx.checkpointer.checkpointNow();
    const text = parseNote(checkpoint.note).text;
    const line = cosignCheckpoint(text, witness.signerKey, now());
    const submit = (body: unknown) =>
      p.call('POST', '/v1/ledger/witnesses/witness.example%2Fw1/cosignatures', { body });
    const first = await submit({ checkpoint: checkpoint.note, cosignature: line });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ checkpointSize: checkpoint.size, stored: true });
    const second = await submit({
      checkpoint: text,
      cosignature: cosignCheckpoint(text, witness.signerKey, now()),
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().stored).toBe(false);

    const served = await p.call('GET', `/v1/ledger/checkpoints/${checkpoint.size}`);
    expect(served.body).toBe(checkpoint.note + line);
    const opened = openCheckpoint(
      served.body,
      [noteVerifier(p.verifierKey), cosignatureVerifier(witness.verifierKey)],
      {
        origin: ORIGIN,
      },
    );
    expect(opened.note.sigs.map((s) => s.name).sort()).toEqual([ORIGIN, 'witness.example/w1'].sort());
  });

  it('refuses forged, foreign, unknown and future cosignatures with coded errors', async () => {
    await appendTestEntries(p, 2);
    const checkpoint = await p.ctx.checkpointer.checkpointNow();
    const text = parseNote(checkpoint.note).text;
    const url = '/v1/ledger/witnesses/witness.example%2Fw1/cosignatures';
    const impostor = generateCosignerKey('witness.example/w1');
    const cases: [unknown, number, string][] = [
      [
        { checkpoint: text, cosignature: cosignCheckpoint(text, impostor.signerKey, now()) },
        422,
        'LEDGER_COSIGNATURE_INVALID',
      ],
      [{ checkpoint: text, cosignature: '— witness.example/w1 AAAA' }, 422, 'LEDGER_COSIGNATURE_INVALID'],
      [
        { checkpoint: text, cosignature: cosignCheckpoint(text, witness.signerKey, now() + 86_400) },
        422,
        'LEDGER_COSIGNATURE_INVALID',
      ],
      [{ checkpoint: 'not a checkpoint', cosignature: 'x' }, 400, 'VALIDATION_FAILED'],
    ];
    // The same size with another root: what a witness that was shown a fork would send.
    const forkText = formatCheckpoint({
      origin: ORIGIN,
      size: checkpoint.size,
      rootHash: new Uint8Array(32),
    });
    cases.push([
      { checkpoint: forkText, cosignature: cosignCheckpoint(forkText, witness.signerKey, now()) },
      409,
      'LEDGER_CHECKPOINT_MISMATCH',
    ]);
    const future = formatCheckpoint({
      origin: ORIGIN,
      size: checkpoint.size + 1000,
      rootHash: new Uint8Array(32),
    });
    cases.push([
      { checkpoint: future, cosignature: cosignCheckpoint(future, witness.signerKey, now()) },
      404,
      'LEDGER_CHECKPOINT_NOT_FOUND',
    ]);
    const foreign = formatCheckpoint({
      origin: 'other.example/log',
      size: checkpoint.size,
      rootHash: new Uint8Array(32),
    });
    cases.push([
      { checkpoint: foreign, cosignature: cosignCheckpoint(foreign, witness.signerKey, now()) },
      409,
      'LEDGER_CHECKPOINT_MISMATCH',
    ]);
    for (const [body, status, code] of cases) {
      const res = await p.call('POST', url, { body });
      expect(res.statusCode, code).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const unknown = await p.call('POST', '/v1/ledger/witnesses/nobody/cosignatures', {
      body: { checkpoint: text, cosignature: cosignCheckpoint(text, impostor.signerKey, now()) },
    });
    expect(unknown.statusCode).toBe(403);
    expect(unknown.json().error.code).toBe('LEDGER_WITNESS_UNKNOWN');
    const served = await p.call('GET', `/v1/ledger/checkpoints/${checkpoint.size}`);
    expect(served.body).toBe(checkpoint.note);
  });

  it('cosignatures are append-only in the database', async () => {
    await expect(p.ctx.db.query('DELETE FROM witness_cosignatures')).rejects.toThrow(/append-only/);
    await expect(p.ctx.db.query("UPDATE ledger_witnesses SET verifier_key = 'x'")).rejects.toThrow(
      /append-only/,
    );
  });
});
