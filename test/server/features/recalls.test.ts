// Recall campaigns through the API (docs/recalls.md): a software recall with doNotOperate
// reaching the owner and suspending the robot; its telemetry still accepted; the manufacturer
// installing the remedy without a grant; the unit remedied only once the update is recorded
// AND the robot's own signed telemetry attests the version afterwards, then reinstated; a part
// recall declined and then remedied by maintenance; who may do what; the public check's count;
// and the whole passing audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleRecalls } from '../../../src/server/features/recalls/recall-service.js';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN } from '../../support/app.js';
import { StoppableClock } from '../../support/clock.js';
import { backend } from '../../support/database.js';
import { postEvent } from '../../support/fleet.js';
import {
  buildIncidentScene,
  everySecond,
  type IncidentScene,
  sceneBatch,
  sendBatch,
} from '../../support/incident-scene.js';
import { type LedgerTestPlatform, startLedgerPlatform } from '../ledger/support.js';

const MIN = 60_000;

describe(`recall campaigns (${backend})`, () => {
  const clock = new StoppableClock();
  let p: LedgerTestPlatform;
  let a: IncidentScene; // maker A's robot, owned by operator A
  let b: IncidentScene; // maker B's robot, owned by operator B
  let realNow: number;

  const get = (url: string, token: string) => p.call('GET', url, { token });
  const post = (url: string, token: string, body: unknown) => p.call('POST', url, { token, body });
  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read field by field
  const json = (res: { body: string }): any => JSON.parse(res.body);
  const robotStatus = async (s: IncidentScene) =>
    json(await get(`/v1/robots/${s.robot.robotId}`, ADMIN_TOKEN)).status as string;
  const publicCheck = async (s: IncidentScene) =>
    json(await p.call('GET', `/v1/public/robots/${s.robot.robotId}`)).openRecalls as number;
  const feed = async (token: string) =>
    json(await get('/v1/notifications?limit=100', token)).items as { type: string; subject: string }[];
  const unitOf = async (campaignId: string, token = ADMIN_TOKEN) =>
    json(await get(`/v1/recalls/${campaignId}/units`, token)).items[0];

  const softwareRecall = (s: IncidentScene, campaignId: string, versions = ['2.4.0']) => ({
    campaignId,
    modelIds: [s.modelId],
    software: { component: 'locomotion', versions },
    component: 'locomotion controller',
    summary: 'The balance controller may diverge on wet floors.',
    consequence: 'The robot may fall.',
    remedy: { type: 'software', software: { component: 'locomotion', version: '2.4.1' } },
    doNotOperate: true,
  });

  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: clock.now });
    realNow = Date.now();
    // Both scenes an hour ago: robots deployed, a locomotion 2.4.0 update on each.
    clock.stop(new Date(realNow - 60 * MIN));
    a = await buildIncidentScene(p, ADMIN_TOKEN, { faultCodes: false });
    b = await buildIncidentScene(p, ADMIN_TOKEN, { faultCodes: false });
    clock.stop(new Date(realNow - 45 * MIN));
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  });

  it('refuses wrong roles: operators, maintainers and software providers open no recall', async () => {
    for (const org of [a.operator, a.maintainer, a.provider]) {
      const res = await post('/v1/recalls', org.apiKey, softwareRecall(a, 'R-WRONG'));
      expect(res.statusCode).toBe(403);
      expect(json(res).error.code).toBe('FORBIDDEN');
    }
    // A manufacturer recalls its own models only.
    const other = await post('/v1/recalls', b.maker.apiKey, softwareRecall(a, 'R-WRONG'));
    expect(other.statusCode).toBe(404);
    expect(json(other).error.code).toBe('MODEL_NOT_FOUND');
    const none = await get('/v1/recalls/R-WRONG', ADMIN_TOKEN);
    expect(json(none).error.code).toBe('RECALL_NOT_FOUND');
  });

  it('opens a software recall: 201, the owner told, the robot suspended in the same unit of work', async () => {
    expect(await robotStatus(a)).toBe('in_service');
    expect(await publicCheck(a)).toBe(0);
    const res = await post('/v1/recalls', a.maker.apiKey, softwareRecall(a, 'R-2026-014'));
    expect(res.statusCode).toBe(201);
    const campaign = json(res);
    expect(campaign).toMatchObject({
      campaignId: 'R-2026-014',
      manufacturerId: a.maker.id,
      affected: 1,
      doNotOperate: true,
      remedy: {
        type: 'software',
        software: { component: 'locomotion', version: '2.4.1' },
        availableAt: null,
      },
    });
    expect(Number.isInteger(campaign.ledgerIndex)).toBe(true);
    // The owner is told; the other maker's owner is not (its robot is not a unit).
    expect(
      (await feed(a.operator.apiKey)).some((n) => n.type === 'recall.opened' && n.subject === 'R-2026-014'),
    ).toBe(true);
    expect((await feed(b.operator.apiKey)).some((n) => n.type === 'recall.opened')).toBe(false);
    // doNotOperate: suspended for a recall, by a robot event.
    expect(await robotStatus(a)).toBe('suspended');
    const events = json(await get(`/v1/robots/${a.robot.robotId}/events?type=suspension`, a.operator.apiKey));
    expect(events.items.at(-1).data).toMatchObject({ reason: 'recall', campaignId: 'R-2026-014' });
    expect(await robotStatus(b)).toBe('in_service');
    // The public check counts it.
    expect(await publicCheck(a)).toBe(1);
    expect(await publicCheck(b)).toBe(0);
    // The campaign id is taken.
    const again = await post('/v1/recalls', a.maker.apiKey, softwareRecall(a, 'R-2026-014'));
    expect(again.statusCode).toBe(409);
    expect(json(again).error.code).toBe('RECALL_EXISTS');
  });

  it('accepts telemetry of the suspended robot, and remedies only after the update AND a later attestation', async () => {
    // The robot is suspended, and its signed telemetry is still accepted (sendBatch throws
    // unless 202). An attestation of the remedy version dated before the update does not count.
    expect(await robotStatus(a)).toBe('suspended');
    await sendBatch(
      p,
      sceneBatch(a, everySecond(realNow - 44 * MIN, realNow - 44 * MIN + 5000), { locomotion: '2.4.1' }).jws,
    );
    // The manufacturer installs the remedy without a grant; any other version it may not.
    const wrong = await postEvent(p, a.robot.robotId, a.maker, 'software_update', {
      component: 'locomotion',
      toVersion: '2.5.0',
    });
    expect(wrong.statusCode).toBe(403);
    clock.stop(new Date(realNow - 30 * MIN));
    const update = await postEvent(p, a.robot.robotId, a.maker, 'software_update', {
      component: 'locomotion',
      fromVersion: '2.4.0',
      toVersion: '2.4.1',
    });
    expect(update.statusCode).toBe(201);
    expect(await settleRecalls(p.ctx)).toBe(0);
    expect((await unitOf('R-2026-014')).status).toBe('open');
    clock.stop(new Date(realNow - 25 * MIN));
    // The robot still attests the old version afterwards: not remedied.
    await sendBatch(
      p,
      sceneBatch(a, everySecond(realNow - 25 * MIN, realNow - 25 * MIN + 5000), { locomotion: '2.4.0' }).jws,
    );
    expect(await settleRecalls(p.ctx)).toBe(0);
    expect(await robotStatus(a)).toBe('suspended');
    clock.stop(new Date(realNow - 20 * MIN));
    // Now it attests the remedy version after the update: remedied and reinstated.
    const attested = sceneBatch(a, everySecond(realNow - 20 * MIN, realNow - 20 * MIN + 5000), {
      locomotion: '2.4.1',
    });
    await sendBatch(p, attested.jws);
    clock.stop(new Date(realNow - 15 * MIN));
    expect(await settleRecalls(p.ctx)).toBe(1);
    expect(await settleRecalls(p.ctx)).toBe(0);
    const unit = await unitOf('R-2026-014', a.maker.apiKey);
    expect(unit).toMatchObject({
      status: 'remedied',
      suspendedByCampaign: true,
      remediedByEventId: json(update).eventId,
      attestedSeq: attested.seq,
    });
    expect(await robotStatus(a)).toBe('in_service');
    const progress = json(await get('/v1/recalls/R-2026-014', a.operator.apiKey));
    expect(progress).toMatchObject({
      affected: 1,
      remedied: 1,
      open: 0,
      unavailable: 0,
      declined: 0,
      completionRate: 1,
    });
    expect(await publicCheck(a)).toBe(0);
    expect((await feed(a.operator.apiKey)).some((n) => n.type === 'recall.remedied')).toBe(true);
    // A remedied unit lets the manufacturer in no more.
    const after = await postEvent(p, a.robot.robotId, a.maker, 'software_update', {
      component: 'locomotion',
      toVersion: '2.4.1',
    });
    expect(after.statusCode).toBe(403);
  });

  it('a part recall: declined by the owner, then remedied by maintenance naming the campaign', async () => {
    const res = await post('/v1/recalls', (await regulator()).apiKey, {
      campaignId: 'R-2026-016',
      modelIds: [b.modelId],
      hardwareRevisions: ['1'],
      component: 'knee actuator',
      summary: 'The knee actuator bolt may loosen.',
      consequence: 'The leg may give way.',
      remedy: { type: 'part' },
    });
    expect(res.statusCode).toBe(201);
    expect(json(res)).toMatchObject({ affected: 1, manufacturerId: null, doNotOperate: false });
    expect(await robotStatus(b)).toBe('in_service');
    expect(await publicCheck(b)).toBe(1);
    // Only the owner declines; a stranger does not even see the robot.
    const byMaker = await post(`/v1/recalls/R-2026-016/units/${b.robot.robotId}/decline`, b.maker.apiKey, {});
    expect(byMaker.statusCode).toBe(403);
    const byStranger = await post(
      `/v1/recalls/R-2026-016/units/${b.robot.robotId}/decline`,
      b.stranger.apiKey,
      {},
    );
    expect(byStranger.statusCode).toBe(404);
    const notAffected = await post(
      `/v1/recalls/R-2026-014/units/${b.robot.robotId}/decline`,
      b.operator.apiKey,
      {},
    );
    expect(json(notAffected).error.code).toBe('RECALL_NOT_FOUND');
    const declined = await post(
      `/v1/recalls/R-2026-016/units/${b.robot.robotId}/decline`,
      b.operator.apiKey,
      {
        reason: 'the robot is leaving service next month',
      },
    );
    expect(declined.statusCode).toBe(201);
    expect((await unitOf('R-2026-016')).status).toBe('declined');
    expect(json(await get('/v1/recalls/R-2026-016', ADMIN_TOKEN))).toMatchObject({ declined: 1, open: 0 });
    // Units: the owner sees its own, a stranger none.
    expect(json(await get('/v1/recalls/R-2026-016/units', b.operator.apiKey)).items).toHaveLength(1);
    expect(json(await get('/v1/recalls/R-2026-016/units', b.stranger.apiKey)).items).toHaveLength(0);
    // Maintenance naming a campaign that does not affect the robot is refused and undone.
    const unknown = await postEvent(p, b.robot.robotId, b.maintainer, 'maintenance', {
      phase: 'performed',
      description: 'bolt replaced',
      campaignId: 'R-2026-014',
    });
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown).error.code).toBe('RECALL_NOT_FOUND');
    const fixed = await postEvent(p, b.robot.robotId, b.maintainer, 'maintenance', {
      phase: 'performed',
      description: 'knee actuator bolt replaced and torqued',
      campaignId: 'R-2026-016',
    });
    expect(fixed.statusCode).toBe(201);
    expect((await unitOf('R-2026-016')).status).toBe('remedied');
    expect(await publicCheck(b)).toBe(0);
    const recalls = json(await get(`/v1/robots/${b.robot.robotId}/recalls`, b.operator.apiKey));
    expect(
      recalls.items.map((r: { campaignId: string; unit: { status: string } }) => [
        r.campaignId,
        r.unit.status,
      ]),
    ).toEqual([['R-2026-016', 'remedied']]);
  });

  it('matches the filters: the current software version, production dates, hardware revisions', async () => {
    const open = async (campaignId: string, filters: Record<string, unknown>) => {
      const res = await post('/v1/recalls', ADMIN_TOKEN, {
        campaignId,
        component: 'locomotion controller',
        summary: 'A check of the filters.',
        consequence: 'None.',
        remedy: { type: 'inspection' },
        ...filters,
      });
      expect(res.statusCode, res.body).toBe(201);
      return json(res).affected as number;
    };
    // Robot B runs locomotion 2.4.0, robot A the remedy 2.4.1 (its latest update): the current
    // version counts, not one it ran before.
    expect(await open('R-F-1', { software: { component: 'locomotion', versions: ['2.3.0'] } })).toBe(0);
    expect(await open('R-F-2', { software: { component: 'locomotion', versions: ['2.4.0'] } })).toBe(1);
    expect(await open('R-F-7', { software: { component: 'locomotion', versions: ['2.4.0', '2.4.1'] } })).toBe(
      2,
    );
    expect(await open('R-F-3', { modelIds: [a.modelId], productionTo: '2000-01-01' })).toBe(0);
    expect(
      await open('R-F-4', {
        modelIds: [a.modelId],
        productionFrom: '2000-01-01T12:00:00Z',
        hardwareRevisions: ['1'],
      }),
    ).toBe(1);
    expect(await open('R-F-5', { modelIds: [a.modelId], hardwareRevisions: ['2'] })).toBe(0);
    // A remedy not yet available, then a unit whose robot is decommissioned before its remedy.
    await open('R-F-8', {
      modelIds: [a.modelId],
      remedy: { type: 'part', availableAt: new Date(realNow + 24 * 60 * MIN).toISOString() },
    });
    expect((await unitOf('R-F-8')).status).toBe('open_remedy_not_available');
    expect(json(await get('/v1/recalls/R-F-2', ADMIN_TOKEN))).toMatchObject({ open: 1, unavailable: 0 });
    const decommissioned = await postEvent(p, b.robot.robotId, b.operator, 'decommission', {
      reason: 'end of lease',
    });
    expect(decommissioned.statusCode, decommissioned.body).toBe(201);
    expect((await unitOf('R-F-2')).status).toBe('unavailable');
    expect(json(await get('/v1/recalls/R-F-2', ADMIN_TOKEN))).toMatchObject({
      affected: 1,
      open: 0,
      unavailable: 1,
      completionRate: 0,
    });
    const bad = await post('/v1/recalls', ADMIN_TOKEN, {
      campaignId: 'R-F-6',
      component: 'x',
      summary: 'x',
      consequence: 'x',
      remedy: { type: 'part', software: { component: 'locomotion', version: '2.4.1' } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('passes audit: every recall record rebuilds from its rows', async () => {
    const report = await auditLedger(p.ctx.db, {
      recordKinds: p.ctx.recordKinds,
      verifierKey: p.verifierKey,
    });
    expect(report.findings).toEqual([]);
  });

  async function regulator() {
    return a.regulator;
  }
});
