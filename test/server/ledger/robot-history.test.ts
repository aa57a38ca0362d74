import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isRobotChainError,
  noteVerifier,
  type OpeningJson,
  openCheckpoint,
  openRobotHead,
  verifyRobotHistory,
} from '../../../src/ledger/index.js';
import { createOrg } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { fileRobot, grantAccess, type OrgRef, recordEvent, SAMPLE_EVENT_DATA } from '../../support/fleet.js';
import { fromB64, type LedgerTestPlatform, ORIGIN, startLedgerPlatform, toB64 } from './support.js';

describe(`a robot's history with proofs (${backend})`, () => {
  let p: LedgerTestPlatform;
  let maker: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let robotId: string;
  let otherId: string;

  beforeAll(async () => {
    p = await startLedgerPlatform();
    maker = await createOrg(p, 'manufacturer');
    stranger = await createOrg(p, 'operator');
    regulator = await createOrg(p, 'regulator');
    robotId = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, robotId, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    await recordEvent(p, robotId, maker, 'maintenance', SAMPLE_EVENT_DATA.maintenance);
    // Another robot's events must not show up.
    otherId = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, otherId, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
  });
  afterAll(async () => {
    await p?.close();
  });

  /** Opens and checks a history answer as `roboledger verify robot` does; returns the records. */
  function verified(body: {
    checkpoint: string;
    head: string;
    records: { opening: OpeningJson; proof: string[] }[];
  }) {
    const verifier = noteVerifier(p.verifierKey);
    const { checkpoint } = openCheckpoint(body.checkpoint, [verifier]);
    const { head } = openRobotHead(body.head, [verifier], { origin: ORIGIN });
    return verifyRobotHistory({
      head,
      checkpoint,
      records: body.records.map((r) => ({ opening: r.opening, proof: r.proof.map(fromB64) })),
    });
  }

  it('returns every record of the robot, opened and proven, complete at the signed robot head', async () => {
    const res = await p.call('GET', `/v1/robots/${robotId}/history-proof`, { token: maker.apiKey });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const history = verified(body);
    expect(history.robotId).toBe(robotId);
    const records = history.records.map((r) => r.record as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual(['filing', 'deployment', 'maintenance']);
    expect(records.map((r) => (r.robotChain as { seq: number }).seq)).toEqual([0, 1, 2]);
    expect(records.every((r) => r.robotId === robotId)).toBe(true);
    // The last record is covered: the route signs a checkpoint when the latest one is behind it.
    expect(body.treeSize).toBeGreaterThan(Math.max(...history.records.map((r) => r.index)));
    expect(body.laterRecords).toBe(0);
    // The head on its own route is the same signed statement.
    const head = await p.call('GET', `/v1/robots/${robotId}/head?treeSize=${body.treeSize}`, {
      token: maker.apiKey,
    });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/plain/);
    expect(head.body).toBe(body.head);
    expect(head.body.split('\n').slice(0, 4)).toEqual([
      `${ORIGIN}/robot-head`,
      robotId,
      String(body.treeSize),
      `records 2 ${history.records[2]!.index} ${toB64(history.records[2]!.leafHash)}`,
    ]);
  });

  it('a history with a record left out, reordered, repeated or of another robot fails at its chain seq', async () => {
    // The other robot's records are the later ones: its history's tree size covers both robots'
    // (asking the other way round, a checkpoint signed between the two robots' writes leaves the
    // other robot's second record out of that tree, and the case below has nothing to insert).
    const other = (
      await p.call('GET', `/v1/robots/${otherId}/history-proof`, { token: maker.apiKey })
    ).json();
    expect(other.records).toHaveLength(2);
    const body = (
      await p.call('GET', `/v1/robots/${robotId}/history-proof?treeSize=${other.treeSize}`, {
        token: maker.apiKey,
      })
    ).json();
    const [r0, r1, r2] = body.records;
    const cases: [string, unknown[], number][] = [
      ['omitted', [r0, r2], 1],
      ['reordered', [r0, r2, r1], 1],
      ['repeated', [r0, r1, r1, r2], 1],
      ['foreign', [r0, other.records[1], r2], 1],
      ['short', [r0, r1], 2],
    ];
    for (const [what, records, seq] of cases) {
      let failure: unknown;
      try {
        verified({ ...body, records });
      } catch (error) {
        failure = error;
      }
      expect(isRobotChainError(failure), what).toBe(true);
      expect((failure as { seq: number }).seq, what).toBe(seq);
    }
  });

  it("the seller's story: a history with its suspension and reinstatement cut out no longer verifies", async () => {
    const id = (await fileRobot(p, maker)).robotId;
    await recordEvent(p, id, maker, 'deployment', SAMPLE_EVENT_DATA.deployment);
    await recordEvent(p, id, maker, 'suspension', { reason: 'incident', note: 'worker bruised' });
    await recordEvent(p, id, maker, 'reinstatement', { note: 'cleared' });
    await recordEvent(p, id, maker, 'maintenance', SAMPLE_EVENT_DATA.maintenance);
    const body = (await p.call('GET', `/v1/robots/${id}/history-proof`, { token: maker.apiKey })).json();
    const types = verified(body).records.map((r) => (r.record as { type: string }).type);
    expect(types).toEqual(['filing', 'deployment', 'suspension', 'reinstatement', 'maintenance']);
    // The pair removed: the lifecycle still reads in_service → in_service, but the chain breaks.
    const cut = { ...body, records: body.records.filter((_: unknown, i: number) => i !== 2 && i !== 3) };
    let failure: unknown;
    try {
      verified(cut);
    } catch (error) {
      failure = error;
    }
    expect(isRobotChainError(failure)).toBe(true);
    expect(failure).toMatchObject({ chain: 'records', seq: 2 });
  });

  it('can be asked against an older checkpoint, and says how many records came after', async () => {
    const older = await p.ctx.checkpointer.checkpointNow();
    await recordEvent(p, robotId, maker, 'software_update', SAMPLE_EVENT_DATA.software_update);
    const res = await p.call('GET', `/v1/robots/${robotId}/history-proof?treeSize=${older.size}`, {
      token: regulator.apiKey,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ treeSize: older.size, laterRecords: 1 });
    expect(verified(res.json()).records).toHaveLength(3);
    const missing = await p.call(
      'GET',
      `/v1/robots/${robotId}/history-proof?treeSize=${older.size + 10_000}`,
      {
        token: regulator.apiKey,
      },
    );
    expect(missing.json().error.code).toBe('LEDGER_CHECKPOINT_NOT_FOUND');
    // A robot filed after a checkpoint has no head at its size.
    const late = (await fileRobot(p, maker)).robotId;
    const before = await p.call('GET', `/v1/robots/${late}/head?treeSize=${older.size}`, {
      token: maker.apiKey,
    });
    expect(before.statusCode).toBe(404);
    expect(before.json().error.code).toBe('ROBOT_NOT_IN_TREE');
  });

  it('chains every kind of record about the robot, and names it as it was called at the time', async () => {
    const owner = await createOrg(p, 'operator');
    const maintainer = await createOrg(p, 'maintainer');
    const id = (await fileRobot(p, maker)).robotId;
    const offer = await p.call('POST', `/v1/robots/${id}/transfers`, {
      token: maker.apiKey,
      body: { toOrgId: owner.id },
    });
    expect(offer.statusCode).toBe(201);
    expect(
      (await p.call('POST', `/v1/transfers/${offer.json().transferId}/accept`, { token: owner.apiKey }))
        .statusCode,
    ).toBe(200);
    const grant = await grantAccess(p, id, owner, maintainer, ['maintenance']);
    const recoded = await p.call('POST', `/v1/robots/${id}/recode`, {
      token: maker.apiKey,
      body: { productionDate: '2026-05-02' },
    });
    expect(recoded.statusCode, recoded.body).toBe(201);
    const newId = recoded.json().robotId as string;
    expect(
      (await p.call('DELETE', `/v1/robots/${newId}/grants/${grant.grantId}`, { token: owner.apiKey }))
        .statusCode,
    ).toBe(204);
    const body = (await p.call('GET', `/v1/robots/${newId}/history-proof`, { token: owner.apiKey })).json();
    const history = verified(body);
    expect(history.robotId).toBe(newId);
    const records = history.records.map((r) => r.record as Record<string, unknown>);
    expect(records.map((r) => (r.kind === 'robot_event' ? r.type : r.kind))).toEqual([
      'filing',
      'transfer',
      'transfer_decision',
      'ownership_transfer',
      'grant',
      'recoding',
      'grant_revocation',
    ]);
    expect(records.map((r) => r.robotId)).toEqual([id, id, id, id, id, newId, newId]);
    expect(new Set(records.map((r) => r.robot)).size).toBe(1);
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
