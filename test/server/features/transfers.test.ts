import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  type OrgRef,
  postEvent,
  recordEvent,
  registrySnapshot,
  transferRobot,
} from '../../support/fleet.js';

describe(`ownership transfers (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let buyer: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let maintainer: OrgRef;
  let recycler: OrgRef;

  beforeAll(async () => {
    p = await startTestPlatform();
    [maker, owner, buyer, stranger, regulator, maintainer, recycler] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'regulator'),
      createOrg(p, 'maintainer'),
      createOrg(p, 'recycler'),
    ]);
  });
  afterAll(async () => {
    await p?.close();
  });

  async function ownedRobot(): Promise<FiledRobot> {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    return robot;
  }

  function offer(robotId: string, from: OrgRef, toOrgId: string) {
    return p.call('POST', `/v1/robots/${robotId}/transfers`, { token: from.apiKey, body: { toOrgId } });
  }

  function decide(transferId: string, decision: 'accept' | 'reject' | 'cancel', actor: OrgRef | string) {
    return p.call('POST', `/v1/transfers/${transferId}/${decision}`, {
      token: typeof actor === 'string' ? actor : actor.apiKey,
    });
  }

  async function ownerOf(robotId: string): Promise<string> {
    const { rows } = await p.ctx.db.query<{ owner_id: string }>(
      'SELECT owner_id FROM robots WHERE robot_id = $1',
      [robotId],
    );
    return rows[0]!.owner_id;
  }

  it('offers: 201 pending with the parties and a ledger leaf of kind transfer', async () => {
    const robot = await ownedRobot();
    const res = await offer(robot.robotId, owner, buyer.id);
    expect(res.statusCode).toBe(201);
    const transfer = res.json();
    expect(transfer).toMatchObject({
      status: 'pending',
      robotId: robot.robotId,
      fromOrgId: owner.id,
      toOrgId: buyer.id,
      decidedAt: null,
      decidedBy: null,
    });
    expect(transfer.transferId).toMatch(/^[0-9a-f-]{36}$/);
    const leaf = await p.ctx.db.query('SELECT record_kind, record_id FROM ledger_entries WHERE idx = $1', [
      transfer.ledgerIndex,
    ]);
    expect(leaf.rows[0]).toEqual({ record_kind: 'transfer', record_id: transfer.transferId });
    await decide(transfer.transferId, 'cancel', owner);
  });

  it('accepting moves ownership: the new owner sees and acts, the old one reads only its own period, the maker still sees it', async () => {
    const robot = await ownedRobot();
    const { transferId } = (await offer(robot.robotId, owner, buyer.id)).json();
    // Until acceptance nothing changed.
    expect(await ownerOf(robot.robotId)).toBe(owner.id);
    expect((await postEvent(p, robot.robotId, buyer, 'deployment')).statusCode).toBe(404);

    const accepted = await decide(transferId, 'accept', buyer);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', decidedBy: buyer.id });
    expect(await ownerOf(robot.robotId)).toBe(buyer.id);

    expect((await postEvent(p, robot.robotId, buyer, 'deployment')).statusCode).toBe(201);
    // The former owner writes nothing, and reads the events of its own period (docs/lifecycle.md
    // "Ownership periods"): not the buyer's deployment.
    expect((await postEvent(p, robot.robotId, owner, 'deployment')).statusCode).toBe(403);
    const formerEvents = await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: owner.apiKey });
    expect(formerEvents.statusCode).toBe(200);
    expect(formerEvents.json().items.map((e: { type: string }) => e.type)).not.toContain('deployment');
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: maker.apiKey })).statusCode,
    ).toBe(200);
    const read = await p.call('GET', `/v1/robots/${robot.robotId}`, { token: buyer.apiKey });
    expect(read.json().owner).toMatchObject({ id: buyer.id, kind: 'operator' });
    const formerRead = await p.call('GET', `/v1/robots/${robot.robotId}`, { token: owner.apiKey });
    expect(formerRead.statusCode).toBe(200);
    expect(formerRead.json().owner).toBeNull();
    const list = await p.call('GET', '/v1/robots?limit=500', { token: owner.apiKey });
    expect(list.json().items.map((r: { robotId: string }) => r.robotId)).not.toContain(robot.robotId);

    const events = await p.call('GET', `/v1/robots/${robot.robotId}/events?type=ownership_transfer`, {
      token: buyer.apiKey,
    });
    const last = events.json().items.at(-1);
    expect(last).toMatchObject({
      type: 'ownership_transfer',
      actorOrgId: buyer.id,
      data: { transferId, fromOrgId: owner.id, toOrgId: buyer.id },
    });
    const leaves = await p.ctx.db.query<{ record_kind: string }>(
      'SELECT record_kind FROM ledger_entries WHERE idx IN ($1, $2) ORDER BY idx',
      [accepted.json().decisionLedgerIndex, last.ledgerIndex],
    );
    expect(leaves.rows.map((r) => r.record_kind)).toEqual(['transfer_decision', 'robot_event']);

    const again = await decide(transferId, 'accept', buyer);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'TRANSFER_NOT_PENDING',
      details: { status: 'accepted' },
    });
  });

  it('rejecting and cancelling leave ownership where it was; each party may only do its own', async () => {
    const robot = await ownedRobot();
    const first = (await offer(robot.robotId, owner, buyer.id)).json();
    expect((await decide(first.transferId, 'reject', owner)).statusCode).toBe(403);
    expect((await decide(first.transferId, 'accept', owner)).json().error.code).toBe('FORBIDDEN');
    expect((await decide(first.transferId, 'cancel', buyer)).statusCode).toBe(403);
    const rejected = await decide(first.transferId, 'reject', buyer);
    expect(rejected.json()).toMatchObject({ status: 'rejected', decidedBy: buyer.id });
    expect(await ownerOf(robot.robotId)).toBe(owner.id);

    const second = (await offer(robot.robotId, owner, buyer.id)).json();
    const cancelled = await decide(second.transferId, 'cancel', owner);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', decidedBy: owner.id });
    expect((await decide(second.transferId, 'accept', buyer)).json().error.code).toBe('TRANSFER_NOT_PENDING');
    expect(await ownerOf(robot.robotId)).toBe(owner.id);
  });

  it('a non-party gets 404 (an authority 403) on decisions; parties and authorities read the transfer', async () => {
    const robot = await ownedRobot();
    const { transferId } = (await offer(robot.robotId, owner, buyer.id)).json();
    for (const decision of ['accept', 'reject', 'cancel'] as const) {
      const hidden = await decide(transferId, decision, stranger);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().error.code).toBe('TRANSFER_NOT_FOUND');
      expect((await decide(transferId, decision, maker)).statusCode).toBe(404);
      expect((await decide(transferId, decision, regulator)).statusCode).toBe(403);
      expect((await decide(transferId, decision, ADMIN_TOKEN)).statusCode).toBe(403);
    }
    for (const reader of [owner, buyer, regulator]) {
      const read = await p.call('GET', `/v1/transfers/${transferId}`, { token: reader.apiKey });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ transferId, status: 'pending' });
    }
    expect((await p.call('GET', `/v1/transfers/${transferId}`, { token: stranger.apiKey })).statusCode).toBe(
      404,
    );
    expect(
      (await p.call('GET', `/v1/transfers/${crypto.randomUUID()}`, { token: owner.apiKey })).statusCode,
    ).toBe(404);
    expect((await p.call('GET', '/v1/transfers/not-a-uuid', { token: owner.apiKey })).statusCode).toBe(400);
    await decide(transferId, 'cancel', owner);
  });

  it('only one open offer per robot (409 TRANSFER_PENDING), also when offers race', async () => {
    const robot = await ownedRobot();
    const racing = await Promise.all(
      [buyer, stranger, maintainer].map((to) => offer(robot.robotId, owner, to.id)),
    );
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    const winner = racing.find((r) => r.statusCode === 201)!.json();
    for (const loser of racing.filter((r) => r.statusCode === 409)) {
      expect(loser.json().error).toMatchObject({
        code: 'TRANSFER_PENDING',
        details: { transferId: winner.transferId },
      });
    }
    const pending = await p.ctx.db.query(
      "SELECT count(*)::int AS n FROM transfers t JOIN robots r ON r.id = t.robot_uuid WHERE r.robot_id = $1 AND t.status = 'pending'",
      [robot.robotId],
    );
    expect(pending.rows[0]).toEqual({ n: 1 });
    await decide(winner.transferId, 'cancel', owner);
    expect((await offer(robot.robotId, owner, buyer.id)).statusCode).toBe(201);
  });

  it('refuses bad recipients and non-owners, writing nothing', async () => {
    const robot = await ownedRobot();
    const before = await registrySnapshot(p);
    const unknown = await offer(robot.robotId, owner, crypto.randomUUID());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ORG_NOT_FOUND');
    const toRegistry = await offer(robot.robotId, owner, p.ctx.registryOrgId);
    expect(toRegistry.statusCode).toBe(422);
    expect(toRegistry.json().error.code).toBe('TRANSFER_RECIPIENT_INVALID');
    expect((await offer(robot.robotId, owner, regulator.id)).statusCode).toBe(422);
    const toSelf = await offer(robot.robotId, owner, owner.id);
    expect(toSelf.statusCode).toBe(400);
    expect(toSelf.json().error.code).toBe('TRANSFER_TO_SELF');
    expect((await offer(robot.robotId, maker, buyer.id)).statusCode).toBe(403);
    expect((await offer(robot.robotId, stranger, buyer.id)).statusCode).toBe(404);
    expect((await offer(robot.robotId, regulator, buyer.id)).statusCode).toBe(403);
    expect((await offer(robot.robotId, owner, 'nobody')).statusCode).toBe(400);
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('a recycled robot changes hands no more (409 ILLEGAL_TRANSITION), not even by an offer made before', async () => {
    const robot = await ownedRobot();
    await recordEvent(p, robot.robotId, owner, 'decommission', { reason: 'end of life' });
    // A decommissioned robot may still go to a recycler.
    const early = (await offer(robot.robotId, owner, recycler.id)).json();
    await recordEvent(p, robot.robotId, owner, 'recycling', { recycler: 'in-house' });
    const late = await decide(early.transferId, 'accept', recycler);
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      details: { from: 'recycled', type: 'ownership_transfer' },
    });
    expect((await decide(early.transferId, 'cancel', owner)).statusCode).toBe(200);
    const refused = await offer(robot.robotId, owner, buyer.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('ILLEGAL_TRANSITION');
  });

  it('grants the old owner gave end with its ownership, each revocation ledgered', async () => {
    const robot = await ownedRobot();
    const grant = await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: maintainer.apiKey })).statusCode,
    ).toBe(200);
    await transferRobot(p, robot.robotId, owner, buyer);
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: maintainer.apiKey })).statusCode,
    ).toBe(404);
    const grants = await p.call('GET', `/v1/robots/${robot.robotId}/grants`, { token: buyer.apiKey });
    const ended = grants.json().items.find((g: { grantId: string }) => g.grantId === grant.grantId);
    expect(ended).toMatchObject({ live: false });
    expect(ended.revokedAt).not.toBeNull();
    const leaf = await p.ctx.db.query('SELECT record_kind, record_id FROM ledger_entries WHERE idx = $1', [
      ended.revokeLedgerIndex,
    ]);
    expect(leaf.rows[0]).toEqual({ record_kind: 'grant_revocation', record_id: grant.grantId });
  });

  it('lists by direction and status for parties, everything for authorities, with a cursor', async () => {
    const seller = await createOrg(p, 'operator');
    const robots = [await fileRobot(p, maker), await fileRobot(p, maker), await fileRobot(p, maker)];
    for (const robot of robots) await transferRobot(p, robot.robotId, maker, seller);
    const offers = [];
    for (const robot of robots) offers.push((await offer(robot.robotId, seller, buyer.id)).json());
    await decide(offers[0].transferId, 'accept', buyer);
    await decide(offers[1].transferId, 'reject', buyer);

    const list = async (token: string, query: string) => {
      const res = await p.call('GET', `/v1/transfers${query}`, { token });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: { transferId: string; status: string }[]; nextCursor: string | null };
    };
    const outgoing = await list(seller.apiKey, '?direction=outgoing');
    expect(outgoing.items.map((t) => t.transferId)).toEqual(offers.map((o) => o.transferId));
    const incoming = await list(seller.apiKey, '?direction=incoming');
    expect(incoming.items).toHaveLength(3);
    expect(incoming.items.every((t) => t.status === 'accepted')).toBe(true);
    expect((await list(seller.apiKey, '')).items).toHaveLength(6);
    const open = await list(buyer.apiKey, '?direction=incoming&status=pending');
    expect(open.items.map((t) => t.transferId)).toContain(offers[2].transferId);
    expect(open.items.every((t) => t.status === 'pending')).toBe(true);
    expect((await list(stranger.apiKey, `?robotId=${robots[0]!.robotId}`)).items).toEqual([]);
    const byRobot = await list(regulator.apiKey, `?robotId=${robots[0]!.robotId}`);
    expect(byRobot.items).toHaveLength(2);

    const all = await list(regulator.apiKey, '');
    const total = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM transfers');
    expect(all.items).toHaveLength(Math.min(total.rows[0]!.n, 50));
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(seller.apiKey, `?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((t) => t.transferId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toHaveLength(6);
    expect(new Set(paged).size).toBe(6);
    expect(
      (await p.call('GET', '/v1/transfers?direction=sideways', { token: seller.apiKey })).statusCode,
    ).toBe(400);
  });
});
