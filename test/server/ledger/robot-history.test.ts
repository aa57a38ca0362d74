import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, noteVerifier, openCheckpoint, verifyInclusion } from '../../../src/ledger/index.js';
import { createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { fileRobot, type OrgRef, recordEvent, SAMPLE_EVENT_DATA } from '../../support/fleet.js';
import { fromB64, type LedgerTestPlatform, startLedgerPlatform } from './support.js';

describe(`a robot's history with proofs (${backend})`, () => {
  let p: LedgerTestPlatform;
  let maker: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let robotId: string;

  beforeAll(async () => {
    p = await startLedgerPlatform();
    maker = await createOrg(p, 'manufacturer');
    stranger = await createOrg(p, 'operator');
    regulator = await createOrg(p, 'regulator');
    robotId = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, robotId, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    await recordEvent(p, robotId, maker, 'maintenance', SAMPLE_EVENT_DATA.maintenance);
    // Another robot's events must not show up.
    const other = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, other, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('returns every event with its entry and an inclusion proof against one signed checkpoint', async () => {
    const res = await p.call('GET', `/v1/robots/${robotId}/history-proof`, { token: maker.apiKey });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const { checkpoint } = openCheckpoint(body.checkpoint, [noteVerifier(p.verifierKey)]);
    expect(checkpoint.size).toBe(body.treeSize);
    // The last event is covered: the route signs a checkpoint when the latest one is behind it.
    expect(body.treeSize).toBeGreaterThan(
      Math.max(...body.events.map((e: { ledgerIndex: number }) => e.ledgerIndex)),
    );
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['filing', 'deployment', 'maintenance']);
    expect(body.laterEvents).toBe(0);
    for (const event of body.events) {
      const entry = fromB64(event.entry);
      const parsed = JSON.parse(Buffer.from(entry).toString('utf8'));
      expect(parsed).toMatchObject({ kind: 'robot_event', id: event.eventId, robotId });
      expect(Buffer.from(leafHash(entry))).toEqual(Buffer.from(fromB64(event.leafHash)));
      verifyInclusion(
        leafHash(entry),
        event.ledgerIndex,
        body.treeSize,
        event.proof.map(fromB64),
        checkpoint.rootHash,
      );
    }
  });

  it('can be asked against an older checkpoint, and says how many events came after', async () => {
    const older = await p.ctx.checkpointer.checkpointNow();
    await recordEvent(p, robotId, maker, 'software_update', SAMPLE_EVENT_DATA.software_update);
    const res = await p.call('GET', `/v1/robots/${robotId}/history-proof?treeSize=${older.size}`, {
      token: regulator.apiKey,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ treeSize: older.size, laterEvents: 1 });
    expect(res.json().events).toHaveLength(3);
    const missing = await p.call(
      'GET',
      `/v1/robots/${robotId}/history-proof?treeSize=${older.size + 10_000}`,
      {
        token: regulator.apiKey,
      },
    );
    expect(missing.json().error.code).toBe('LEDGER_CHECKPOINT_NOT_FOUND');
  });

  it('follows the robot access policy: no credentials 401, a stranger 404, a bad ID 400', async () => {
    expect((await p.call('GET', `/v1/robots/${robotId}/history-proof`)).statusCode).toBe(401);
    const stranger404 = await p.call('GET', `/v1/robots/${robotId}/history-proof`, {
      token: stranger.apiKey,
    });
    expect(stranger404.statusCode).toBe(404);
    expect(stranger404.json().error.code).toBe('ROBOT_NOT_FOUND');
    const bad = await p.call('GET', '/v1/robots/NOT-AN-ID/history-proof', { token: maker.apiKey });
    expect(bad.statusCode).toBe(400);
  });
});
