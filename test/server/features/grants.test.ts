import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  type OrgRef,
  postEvent,
  recordEvent,
  registrySnapshot,
  SAMPLE_EVENT_DATA,
  transferRobot,
} from '../../support/fleet.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';

const HOUR = 3600 * 1000;

describe(`access grants (${backend})`, () => {
  let p: TestPlatform;
  // The platform's clock runs `offset` ahead of real time; tests move it to expire grants.
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  let maker: OrgRef;
  let owner: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let maintainer: OrgRef;
  let assessor: OrgRef;
  let softwareProvider: OrgRef;
  let recycler: OrgRef;

  beforeAll(async () => {
    p = await startTestPlatform({ clock: now });
    [maker, owner, stranger, regulator, maintainer, assessor, softwareProvider, recycler] = await Promise.all(
      [
        createOrg(p, 'manufacturer'),
        createOrg(p, 'operator'),
        createOrg(p, 'operator'),
        createOrg(p, 'regulator'),
        createOrg(p, 'maintainer'),
        createOrg(p, 'assessor'),
        createOrg(p, 'software_provider'),
        createOrg(p, 'recycler'),
      ],
    );
  });
  afterAll(async () => {
    await p?.close();
  });

  async function ownedRobot(): Promise<FiledRobot> {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    return robot;
  }

  function requestGrant(robotId: string, as: OrgRef, body: Record<string, unknown>) {
    return p.call('POST', `/v1/robots/${robotId}/grants`, { token: as.apiKey, body });
  }

  const inDays = (days: number) => new Date(now().getTime() + days * 24 * HOUR).toISOString();
  const sees = async (robotId: string, who: OrgRef) =>
    (await p.call('GET', `/v1/robots/${robotId}/events`, { token: who.apiKey })).statusCode;

  it('grants 201 with the grant, ledgered; the grantee sees the robot and acts within its scopes only', async () => {
    const robot = await ownedRobot();
    expect(await sees(robot.robotId, maintainer)).toBe(404);
    const expiresAt = inDays(30);
    const res = await requestGrant(robot.robotId, owner, {
      orgId: maintainer.id,
      scopes: ['telemetry', 'maintenance'],
      expiresAt,
    });
    expect(res.statusCode, res.body).toBe(201);
    const grant = res.json();
    expect(grant).toMatchObject({
      robotId: robot.robotId,
      orgId: maintainer.id,
      grantedBy: owner.id,
      scopes: ['maintenance', 'telemetry'],
      expiresAt,
      revokedAt: null,
      live: true,
    });
    const leaf = await p.ctx.db.query('SELECT record_kind, record_id FROM ledger_entries WHERE idx = $1', [
      grant.ledgerIndex,
    ]);
    expect(leaf.rows[0]).toEqual({ record_kind: 'grant', record_id: grant.grantId });

    expect(await sees(robot.robotId, maintainer)).toBe(200);
    expect(
      (await postEvent(p, robot.robotId, maintainer, 'maintenance', SAMPLE_EVENT_DATA.maintenance!))
        .statusCode,
    ).toBe(201);
    for (const type of ['deployment', 'software_update', 'decommission', 'recycling'] as const) {
      const res = await postEvent(p, robot.robotId, maintainer, type, SAMPLE_EVENT_DATA[type]);
      expect(res.statusCode, type).toBe(403);
    }
    // A grant is not the owner's powers.
    expect(
      (
        await requestGrant(robot.robotId, maintainer, {
          orgId: assessor.id,
          scopes: ['evaluation'],
          expiresAt,
        })
      ).statusCode,
    ).toBe(403);
  });

  it('a grant gives exactly its scopes: telemetry and alerts only under `telemetry` (alerts also `maintenance`)', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, assessor, ['evaluation']);
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    const reads = async (who: OrgRef) =>
      Promise.all(
        [
          `/v1/robots/${robot.robotId}`,
          `/v1/robots/${robot.robotId}/telemetry`,
          `/v1/robots/${robot.robotId}/telemetry/latest`,
          `/v1/alerts?robotId=${robot.robotId}`,
        ].map(async (url) => (await p.call('GET', url, { token: who.apiKey })).statusCode),
      );
    // Seen (so 403, not 404), but telemetry is not evaluation's; a maintainer sees the alerts it acks.
    expect(await reads(assessor)).toEqual([200, 403, 403, 403]);
    expect(await reads(maintainer)).toEqual([200, 403, 403, 200]);
    await grantAccess(p, robot.robotId, owner, assessor, ['telemetry']);
    expect(await reads(assessor)).toEqual([200, 200, 200, 200]);
  });

  it('refuses a grant that adds nothing to a live one (409 GRANT_DUPLICATE), writing nothing', async () => {
    const robot = await ownedRobot();
    const expiresAt = inDays(30);
    const body = { orgId: maintainer.id, scopes: ['maintenance', 'telemetry'], expiresAt };
    const first = await requestGrant(robot.robotId, owner, body);
    expect(first.statusCode).toBe(201);
    const ledgerSize = async () =>
      (await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries')).rows[0]!.n;
    const before = await ledgerSize();
    for (const again of [
      body,
      { ...body, scopes: ['telemetry', 'maintenance'] },
      { ...body, scopes: ['maintenance'], expiresAt: inDays(10) },
    ]) {
      const res = await requestGrant(robot.robotId, owner, again);
      expect(res.statusCode, JSON.stringify(again)).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'GRANT_DUPLICATE',
        details: { grantId: first.json().grantId },
      });
    }
    expect(await ledgerSize()).toBe(before);
    const { rows } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM grants WHERE robot_uuid = (SELECT robot_uuid FROM robot_ids WHERE robot_id = $1)',
      [robot.robotId],
    );
    expect(rows[0]!.n).toBe(1);
    // Longer, or more, is a new decision; so is the same grant after a revocation.
    expect((await requestGrant(robot.robotId, owner, { ...body, expiresAt: inDays(60) })).statusCode).toBe(
      201,
    );
    const assessed = { orgId: assessor.id, scopes: ['evaluation'], expiresAt };
    const given = await requestGrant(robot.robotId, owner, assessed);
    expect(given.statusCode).toBe(201);
    expect(
      (
        await p.call('DELETE', `/v1/robots/${robot.robotId}/grants/${given.json().grantId}`, {
          token: owner.apiKey,
        })
      ).statusCode,
    ).toBe(204);
    expect((await requestGrant(robot.robotId, owner, assessed)).statusCode).toBe(201);
  });

  it('assessors evaluate and certify, software providers update, recyclers recycle, each under its grant', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, assessor, ['evaluation', 'certification']);
    await grantAccess(p, robot.robotId, owner, softwareProvider, ['software_update']);
    await recordEvent(p, robot.robotId, assessor, 'evaluation', { intelligenceLevel: 4 });
    await recordEvent(p, robot.robotId, assessor, 'certification', SAMPLE_EVENT_DATA.certification!);
    await recordEvent(
      p,
      robot.robotId,
      softwareProvider,
      'software_update',
      SAMPLE_EVENT_DATA.software_update!,
    );
    expect(
      (await postEvent(p, robot.robotId, softwareProvider, 'evaluation', { intelligenceLevel: 5 }))
        .statusCode,
    ).toBe(403);
    await recordEvent(p, robot.robotId, owner, 'decommission', { reason: 'sold for parts' });
    // Decommissioning ended every grant (docs/end-of-life.md): the recycler is granted afterwards.
    await grantAccess(p, robot.robotId, owner, recycler, ['recycling', 'telemetry']);
    await recordEvent(p, robot.robotId, recycler, 'recycling', { certificate: 'WEEE-1' });
    const events = await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: owner.apiKey });
    expect(
      events.json().items.map((e: { type: string; actorOrgId: string }) => [e.type, e.actorOrgId]),
    ).toEqual([
      ['filing', maker.id],
      ['ownership_transfer', owner.id],
      ['evaluation', assessor.id],
      ['certification', assessor.id],
      ['software_update', softwareProvider.id],
      ['decommission', owner.id],
      ['recycling', recycler.id],
    ]);
  });

  it('refuses scopes the grantee’s kind cannot hold (422 with the refused ones) and bad bodies (400)', async () => {
    const robot = await ownedRobot();
    const before = await registrySnapshot(p);
    const expiresAt = inDays(10);
    const wrongTrade = await requestGrant(robot.robotId, owner, {
      orgId: maintainer.id,
      scopes: ['maintenance', 'evaluation', 'recycling'],
      expiresAt,
    });
    expect(wrongTrade.statusCode).toBe(422);
    expect(wrongTrade.json().error).toMatchObject({
      code: 'GRANT_SCOPE_NOT_ALLOWED',
      details: { refused: ['evaluation', 'recycling'], orgKind: 'maintainer' },
    });
    for (const grantee of [stranger, maker, regulator]) {
      const res = await requestGrant(robot.robotId, owner, {
        orgId: grantee.id,
        scopes: ['telemetry'],
        expiresAt,
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details.refused).toEqual(['telemetry']);
    }
    // Said in English: "an operator", not "a operator".
    const toOperator = await requestGrant(robot.robotId, owner, {
      orgId: stranger.id,
      scopes: ['telemetry'],
      expiresAt,
    });
    expect(toOperator.json().error.message).toBe('an operator cannot be granted telemetry');
    const cases: [Record<string, unknown>, number, string][] = [
      [{ orgId: maintainer.id, scopes: ['teleportation'], expiresAt }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: [], expiresAt }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: ['maintenance', 'maintenance'], expiresAt }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: ['maintenance'] }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: ['maintenance'], expiresAt: 'tomorrow' }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: ['maintenance'], expiresAt: inDays(-1) }, 400, 'GRANT_EXPIRY_INVALID'],
      [
        { orgId: maintainer.id, scopes: ['maintenance'], expiresAt: inDays(5 * 366) },
        400,
        'GRANT_EXPIRY_INVALID',
      ],
      [{ orgId: crypto.randomUUID(), scopes: ['maintenance'], expiresAt }, 404, 'ORG_NOT_FOUND'],
      [{ orgId: owner.id, scopes: ['maintenance'], expiresAt }, 400, 'VALIDATION_FAILED'],
      [{ orgId: maintainer.id, scopes: ['maintenance'], expiresAt, note: 'x' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await requestGrant(robot.robotId, owner, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    expect(
      (
        await requestGrant(robot.robotId, owner, {
          orgId: maintainer.id,
          scopes: ['maintenance'],
          expiresAt: inDays(5 * 365),
        })
      ).statusCode,
    ).toBe(201);
    const after = await registrySnapshot(p);
    expect(after.grants).toBe((before.grants as number) + 1);
  });

  it('only the owner grants: the maker after the sale 403, another operator 404', async () => {
    const robot = await ownedRobot();
    const body = { orgId: maintainer.id, scopes: ['maintenance'], expiresAt: inDays(1) };
    expect((await requestGrant(robot.robotId, maker, body)).statusCode).toBe(403);
    expect((await requestGrant(robot.robotId, regulator, body)).statusCode).toBe(403);
    const hidden = await requestGrant(robot.robotId, stranger, body);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('ROBOT_NOT_FOUND');
  });

  it('an expired grant no longer opens the robot (404), and reads as not live', async () => {
    const robot = await ownedRobot();
    const grant = await grantAccess(
      p,
      robot.robotId,
      owner,
      maintainer,
      ['maintenance'],
      new Date(now().getTime() + HOUR),
    );
    expect(await sees(robot.robotId, maintainer)).toBe(200);
    offset += 2 * HOUR;
    try {
      expect(await sees(robot.robotId, maintainer)).toBe(404);
      const refused = await postEvent(
        p,
        robot.robotId,
        maintainer,
        'maintenance',
        SAMPLE_EVENT_DATA.maintenance!,
      );
      expect(refused.statusCode).toBe(404);
      const list = await p.call('GET', `/v1/robots/${robot.robotId}/grants`, { token: owner.apiKey });
      expect(list.json().items.find((g: { grantId: string }) => g.grantId === grant.grantId)).toMatchObject({
        live: false,
        revokedAt: null,
      });
      expect(
        (await p.call('GET', `/v1/robots/${robot.robotId}/grants?live=true`, { token: owner.apiKey })).json()
          .items,
      ).toEqual([]);
    } finally {
      offset -= 2 * HOUR;
    }
  });

  it('revoking ends a grant at once (204, ledgered); twice is 409, an unknown grant 404', async () => {
    const robot = await ownedRobot();
    const grant = await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    const url = `/v1/robots/${robot.robotId}/grants/${grant.grantId}`;
    expect((await p.call('DELETE', url, { token: maintainer.apiKey })).statusCode).toBe(403);
    expect((await p.call('DELETE', url, { token: stranger.apiKey })).statusCode).toBe(404);
    const revoked = await p.call('DELETE', url, { token: owner.apiKey });
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');
    expect(await sees(robot.robotId, maintainer)).toBe(404);

    const again = await p.call('DELETE', url, { token: owner.apiKey });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('GRANT_ALREADY_REVOKED');
    const unknown = await p.call('DELETE', `/v1/robots/${robot.robotId}/grants/${crypto.randomUUID()}`, {
      token: owner.apiKey,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('GRANT_NOT_FOUND');
    // A grant on another robot is not found through this one.
    const other = await ownedRobot();
    const elsewhere = await grantAccess(p, other.robotId, owner, maintainer, ['maintenance']);
    const crossed = await p.call('DELETE', `/v1/robots/${robot.robotId}/grants/${elsewhere.grantId}`, {
      token: owner.apiKey,
    });
    expect(crossed.json().error.code).toBe('GRANT_NOT_FOUND');

    const list = (await p.call('GET', `/v1/robots/${robot.robotId}/grants`, { token: owner.apiKey })).json();
    const ended = list.items.find((g: { grantId: string }) => g.grantId === grant.grantId);
    expect(ended).toMatchObject({ live: false });
    const leaf = await p.ctx.db.query<{ record_kind: string; entry: Uint8Array }>(
      'SELECT record_kind, entry FROM ledger_entries WHERE idx = $1',
      [ended.revokeLedgerIndex],
    );
    expect(leaf.rows[0]!.record_kind).toBe('grant_revocation');
    expect(await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, ended.revokeLedgerIndex)).toEqual({
      kind: 'grant_revocation',
      id: grant.grantId,
      robot: expect.any(String),
      robotId: robot.robotId,
      orgId: maintainer.id,
      revokedAt: ended.revokedAt,
      robotChain: { seq: expect.any(Number), prev: expect.any(Object) },
    });
  });

  it('grants are read by the owner and authorities only', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    const url = `/v1/robots/${robot.robotId}/grants`;
    for (const reader of [owner, regulator]) {
      const res = await p.call('GET', url, { token: reader.apiKey });
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toHaveLength(1);
    }
    expect((await p.call('GET', url, { token: maintainer.apiKey })).statusCode).toBe(403);
    expect((await p.call('GET', url, { token: maker.apiKey })).statusCode).toBe(403);
    expect((await p.call('GET', url, { token: stranger.apiKey })).statusCode).toBe(404);
  });
});
