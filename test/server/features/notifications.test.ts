// The notification feed (docs/notifications.md): who is told of what, written with the cause,
// and read page by page with a cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import { notify } from '../../../src/server/features/notifications/notify.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  type OrgRef,
  recordEvent,
  transferRobot,
} from '../../support/fleet.js';

interface Item {
  id: string;
  type: string;
  at: string;
  subject: string;
  data: Record<string, unknown>;
}

describe(`notifications (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let buyer: OrgRef;
  let stranger: OrgRef;
  let regulator: OrgRef;
  let maintainer: OrgRef;
  let assessor: OrgRef;
  let seq = 1;

  beforeAll(async () => {
    p = await startTestPlatform();
    [maker, owner, buyer, stranger, regulator, maintainer, assessor] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'regulator'),
      createOrg(p, 'maintainer'),
      createOrg(p, 'assessor'),
    ]);
  });
  afterAll(async () => {
    await p?.close();
  });

  /** Everything in `token`'s feed, page by page (2 a page, so the cursor is used). */
  async function feed(token: string): Promise<Item[]> {
    const items: Item[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await p.call('GET', `/v1/notifications?limit=2${after === null ? '' : `&after=${after}`}`, {
        token,
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: Item[]; nextCursor: string | null };
      items.push(...page.items);
      if (page.items.length === 0) {
        // Nothing new: the cursor stays where it was, to poll again.
        expect(page.nextCursor).toBe(after);
        return items;
      }
      after = page.nextCursor;
    }
  }

  const about = (items: Item[], subject: string) => items.filter((i) => i.subject === subject);

  async function ownedRobot(): Promise<FiledRobot> {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    return robot;
  }

  it('tells the recipient of an offer, and the other party of each decision', async () => {
    const robot = await ownedRobot();
    const offer = async () => {
      const res = await p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
        token: owner.apiKey,
        body: { toOrgId: buyer.id },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().transferId as string;
    };
    const rejected = await offer();
    expect(
      (await p.call('POST', `/v1/transfers/${rejected}/reject`, { token: buyer.apiKey })).statusCode,
    ).toBe(200);
    const cancelled = await offer();
    expect(
      (await p.call('POST', `/v1/transfers/${cancelled}/cancel`, { token: owner.apiKey })).statusCode,
    ).toBe(200);

    const buyerFeed = await feed(buyer.apiKey);
    expect(about(buyerFeed, rejected).map((i) => i.type)).toEqual(['transfer.offered']);
    expect(about(buyerFeed, rejected)[0]).toMatchObject({
      data: { transferId: rejected, robotId: robot.robotId, fromOrgId: owner.id },
    });
    // The recipient is told of a cancellation (it did not decide it).
    expect(about(buyerFeed, cancelled).map((i) => [i.type, i.data.status])).toEqual([
      ['transfer.offered', undefined],
      ['transfer.decided', 'cancelled'],
    ]);
    const ownerFeed = await feed(owner.apiKey);
    expect(about(ownerFeed, rejected).map((i) => [i.type, i.data.status, i.data.decidedBy])).toEqual([
      ['transfer.decided', 'rejected', buyer.id],
    ]);
    expect(about(ownerFeed, cancelled)).toEqual([]);
    expect(about(await feed(stranger.apiKey), rejected)).toEqual([]);
    // Items are in the order written; each has its own id.
    const ids = buyerFeed.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(buyerFeed.map((i) => i.at)).toEqual([...buyerFeed.map((i) => i.at)].sort());
  });

  it('tells the owner and the organisations whose live grant reads alerts of an alert', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    await grantAccess(p, robot.robotId, owner, assessor, ['evaluation']);
    await recordEvent(p, robot.robotId, owner, 'deployment');
    const t = new Date(p.ctx.clock().getTime() - 1000).toISOString();
    const jws = signTelemetryBatch(
      {
        robotId: robot.robotId,
        seq: seq++,
        samples: [
          {
            t,
            battery: { socPct: 80, sohPct: 40, cycles: 10, tempC: 30 },
            joints: { wear: [0.01, 0.02], tempC: [38, 39] },
            accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
            operatingHours: 10,
            faults: [],
          },
        ],
      },
      robot.device.privateKey,
    );
    const sent = await p.call('POST', '/v1/telemetry', {
      body: jws,
      headers: { 'content-type': 'application/jose' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const alerts = await p.call('GET', `/v1/alerts?robotId=${robot.robotId}`, { token: owner.apiKey });
    const alert = alerts.json().items[0];
    expect(alert, alerts.body).toBeDefined();

    const ownerItems = about(await feed(owner.apiKey), alert.alertId);
    expect(ownerItems).toHaveLength(1);
    expect(ownerItems[0]).toMatchObject({
      type: 'alert.raised',
      data: { alertId: alert.alertId, robotId: robot.robotId, condition: alert.condition, value: 40 },
    });
    expect(ownerItems[0]!.data.sampleAt).toBe(t);
    expect(about(await feed(maintainer.apiKey), alert.alertId)).toHaveLength(1);
    for (const org of [assessor, maker, stranger, regulator]) {
      expect(about(await feed(org.apiKey), alert.alertId)).toEqual([]);
    }
  });

  it('tells every party, the reporter and the authorities of an incident, its hold and findings; never the actor', async () => {
    const robot = await ownedRobot();
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
    await recordEvent(p, robot.robotId, owner, 'deployment');
    // The stranger cannot see the robot; the maintainer (a party under grant) reports.
    const reported = await p.call('POST', '/v1/incidents', {
      token: maintainer.apiKey,
      body: {
        robotId: robot.robotId,
        occurredAt: p.ctx.clock().toISOString(),
        kind: 'collision',
        severity: 'serious',
        description: 'hit a shelf; the words are only in the incident',
      },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const incidentId = reported.json().incidentId as string;
    expect(
      reported
        .json()
        .parties.map((x: { orgId: string }) => x.orgId)
        .sort(),
    ).toEqual([maker.id, owner.id, maintainer.id].sort());
    const registryFeed = await feed(ADMIN_TOKEN);
    const report = about(registryFeed, incidentId);
    expect(report.map((i) => i.type)).toEqual(['incident.reported']);
    expect(report[0]!.data).toEqual({
      incidentId,
      robotId: robot.robotId,
      kind: 'collision',
      severity: 'serious',
      occurredAt: reported.json().occurredAt,
      hold: true,
    });
    for (const org of [owner, maker, regulator]) {
      expect(about(await feed(org.apiKey), incidentId).map((i) => i.type)).toEqual(['incident.reported']);
    }
    expect(about(await feed(maintainer.apiKey), incidentId)).toEqual([]);
    expect(about(await feed(stranger.apiKey), incidentId)).toEqual([]);

    // The regulator releases the hold, starts the investigation and records findings.
    const call = (path: string, body: unknown) =>
      p.call('POST', `/v1/incidents/${incidentId}/${path}`, { token: regulator.apiKey, body });
    expect((await call('hold', { active: false })).statusCode).toBe(200);
    expect((await call('investigation', { status: 'investigating' })).statusCode).toBe(200);
    const findings = await call('findings', {
      parties: [{ role: 'operator', orgId: owner.id, responsibility: 'none', basis: [] }],
      conclusion: 'the shelf was out of place',
    });
    expect(findings.statusCode, findings.body).toBe(201);
    const findingsId = findings.json().findings[0].findingsId;
    for (const org of [owner, maker, maintainer]) {
      const items = about(await feed(org.apiKey), incidentId).filter((i) => i.type !== 'incident.reported');
      expect(items.map((i) => [i.type, i.data])).toEqual([
        ['hold.changed', { incidentId, robotId: robot.robotId, active: false }],
        ['incident.finding', { incidentId, robotId: robot.robotId, findingsId }],
      ]);
    }
    expect(about(await feed(ADMIN_TOKEN), incidentId).map((i) => i.type)).toEqual([
      'incident.reported',
      'hold.changed',
      'incident.finding',
    ]);
    expect(about(await feed(regulator.apiKey), incidentId).map((i) => i.type)).toEqual(['incident.reported']);
    expect(about(await feed(stranger.apiKey), incidentId)).toEqual([]);
  });

  it('is written with its cause, or not at all', async () => {
    const count = async () =>
      (
        await p.ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM notifications WHERE subject = $1',
          ['s-1'],
        )
      ).rows[0]!.n;
    const notice = {
      orgIds: [owner.id, owner.id, null],
      type: 'recall.opened',
      subject: 's-1',
      data: {},
    } as const;
    await expect(
      p.ctx.ledger.run(async (tx) => {
        await notify(tx, { ...notice, at: p.ctx.clock() });
        throw new Error('the cause fails after notifying');
      }),
    ).rejects.toThrow('the cause fails');
    expect(await count()).toBe(0);
    await p.ctx.ledger.run((tx) => notify(tx, { ...notice, at: p.ctx.clock() }));
    // Once per organisation, however often it is named.
    expect(await count()).toBe(1);
  });

  it('refuses a cursor it did not return', async () => {
    const res = await p.call('GET', '/v1/notifications?after=abc', { token: owner.apiKey });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});
