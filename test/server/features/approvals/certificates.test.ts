// Type approvals, certificates, brands and usage disclosure through the API
// (docs/certificates.md): a robot certified under an approval stays valid while its
// configuration is approved; an unapproved software update invalidates it and an extension
// makes it valid again; holds, disqualifying brands and expiry (on an injected clock) are named;
// brands are permanent, survive a sale and show on the public check by name only; parts_only
// keeps a robot out of service; usage disclosed as actual is held against the robot's last
// signed reading; every record passes audit.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, createOrg } from '../../../support/app.js';
import { StoppableClock } from '../../../support/clock.js';
import { backend } from '../../../support/database.js';
import { type OrgRef, postEvent, recordEvent, registrySnapshot } from '../../../support/fleet.js';
import {
  buildIncidentScene,
  type IncidentScene,
  sceneBatch,
  sendBatch,
} from '../../../support/incident-scene.js';
import { expectRecordRebuilds } from '../../../support/ledger-records.js';
import { type LedgerTestPlatform, startLedgerPlatform } from '../../ledger/support.js';

const DAY = 24 * 3600 * 1000;
const APPROVAL_ID = 'EU-TA-2026-0001';

describe(`type approvals, certificates and brands (${backend})`, () => {
  const clock = new StoppableClock();
  let p: LedgerTestPlatform;
  let s: IncidentScene;
  let buyer: OrgRef;
  let validUntil: Date;

  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read field by field
  const json = (res: { body: string }): any => JSON.parse(res.body);
  const post = (url: string, token: string, body: unknown) => p.call('POST', url, { token, body });
  const certificate = async () =>
    json(await p.call('GET', `/v1/robots/${s.robot.robotId}`, { token: ADMIN_TOKEN }));
  const approvalsUrl = () => `/v1/models/${s.modelId}/approvals`;

  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: clock.now });
    s = await buildIncidentScene(p, ADMIN_TOKEN, { faultCodes: false });
    buyer = await createOrg(p, 'operator');
    validUntil = new Date(Date.now() + 30 * DAY);
  }, 60_000);

  afterAll(async () => {
    await p?.close();
  });

  it('issues a type approval (registry, regulator, assessor), refusing others, duplicates and unknown models', async () => {
    const body = {
      approvalId: APPROVAL_ID,
      scheme: 'EU machinery type approval',
      standards: ['ISO 10218-1:2025', 'ISO 13482:2014'],
      hardwareRevisions: ['1'],
      software: { locomotion: ['2.4.0'] },
      validUntil: validUntil.toISOString(),
    };
    for (const token of [s.maker.apiKey, s.operator.apiKey, s.provider.apiKey]) {
      const refused = await post(approvalsUrl(), token, body);
      expect(refused.statusCode, refused.body).toBe(403);
    }
    const issued = await post(approvalsUrl(), s.regulator.apiKey, body);
    expect(issued.statusCode, issued.body).toBe(201);
    expect(json(issued)).toMatchObject({
      modelId: s.modelId,
      approvalId: APPROVAL_ID,
      hardwareRevisions: ['1'],
      software: { locomotion: ['2.4.0'] },
      validUntil: validUntil.toISOString(),
      issuerOrgId: s.regulator.id,
    });
    const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, json(issued).ledgerIndex);
    expect(record).toMatchObject({ kind: 'type_approval', approvalId: APPROVAL_ID, modelId: s.modelId });
    expect(record).not.toHaveProperty('robot');

    const again = await post(approvalsUrl(), s.assessor.apiKey, body);
    expect([again.statusCode, json(again).error.code]).toEqual([409, 'APPROVAL_EXISTS']);
    const unknownModel = await post(`/v1/models/${randomUUID()}/approvals`, ADMIN_TOKEN, body);
    expect([unknownModel.statusCode, json(unknownModel).error.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    const unknownRevision = await post(approvalsUrl(), ADMIN_TOKEN, {
      ...body,
      approvalId: 'EU-TA-2026-0002',
      hardwareRevisions: ['Z'],
    });
    expect([unknownRevision.statusCode, json(unknownRevision).error.code]).toEqual([
      422,
      'HARDWARE_REVISION_UNKNOWN',
    ]);
  });

  it('shows no certificate until a certification names an approval, and refuses an unknown one', async () => {
    expect((await certificate()).certificate).toEqual({ valid: false, reasons: ['none'], approvalId: null });
    const before = await registrySnapshot(p);
    const unknown = await postEvent(p, s.robot.robotId, s.regulator, 'certification', {
      certificate: 'CERT-1',
      scheme: 'EU',
      validUntil: '2030-01-01',
      approvalId: 'NO-SUCH-APPROVAL',
    });
    expect([unknown.statusCode, json(unknown).error.code]).toEqual([422, 'APPROVAL_UNKNOWN']);
    expect(await registrySnapshot(p)).toEqual(before);

    await recordEvent(p, s.robot.robotId, s.regulator, 'certification', {
      certificate: 'CERT-1',
      scheme: 'EU',
      validUntil: '2030-01-01',
      approvalId: APPROVAL_ID,
    });
    const robot = await certificate();
    expect(robot.certificate).toEqual({ valid: true, reasons: [], approvalId: APPROVAL_ID });
    expect(robot.brands).toEqual([]);
  });

  it('an unapproved software update invalidates the certificate; an extension makes it valid again', async () => {
    await recordEvent(p, s.robot.robotId, s.provider, 'software_update', {
      component: 'locomotion',
      fromVersion: '2.4.0',
      toVersion: '2.5.0',
    });
    expect((await certificate()).certificate).toEqual({
      valid: false,
      reasons: ['software_not_approved'],
      approvalId: APPROVAL_ID,
    });

    const extension = { hardwareRevisions: [], software: { locomotion: ['2.5.0'] } };
    const refused = await post(`${approvalsUrl()}/${APPROVAL_ID}/extensions`, s.maker.apiKey, extension);
    expect(refused.statusCode).toBe(403);
    const unknown = await post(`${approvalsUrl()}/NOPE/extensions`, s.assessor.apiKey, extension);
    expect([unknown.statusCode, json(unknown).error.code]).toEqual([404, 'APPROVAL_NOT_FOUND']);
    const empty = await post(`${approvalsUrl()}/${APPROVAL_ID}/extensions`, s.assessor.apiKey, {
      hardwareRevisions: [],
      software: {},
    });
    expect(empty.statusCode).toBe(400);
    const extended = await post(`${approvalsUrl()}/${APPROVAL_ID}/extensions`, s.assessor.apiKey, extension);
    expect(extended.statusCode, extended.body).toBe(201);
    await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, json(extended).ledgerIndex);
    expect((await certificate()).certificate).toEqual({ valid: true, reasons: [], approvalId: APPROVAL_ID });

    // The list: merged terms, the terms as issued, and each extension. The manufacturer reads its
    // model's approvals; another manufacturer does not see the model.
    const listed = await p.call('GET', approvalsUrl(), { token: s.maker.apiKey });
    expect(listed.statusCode).toBe(200);
    expect(json(listed).items).toHaveLength(1);
    expect(json(listed).items[0]).toMatchObject({
      approvalId: APPROVAL_ID,
      software: { locomotion: ['2.4.0', '2.5.0'] },
      asIssued: { hardwareRevisions: ['1'], software: { locomotion: ['2.4.0'] } },
      extensions: [{ extensionId: json(extended).extensionId, software: { locomotion: ['2.5.0'] } }],
    });
    const otherMaker = await createOrg(p, 'manufacturer', { enterpriseCode: 'ZQX9' });
    expect((await p.call('GET', approvalsUrl(), { token: otherMaker.apiKey })).statusCode).toBe(404);
  });

  it('an active incident hold is named, and its release clears it', async () => {
    const reported = await post('/v1/incidents', s.operator.apiKey, {
      robotId: s.robot.robotId,
      occurredAt: new Date(clock.now().getTime() - 60_000).toISOString(),
      kind: 'near_miss',
      severity: 'near_miss',
      description: 'stopped short of a cart',
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const incidentId = json(reported).incidentId as string;
    const hold = await post(`/v1/incidents/${incidentId}/hold`, s.regulator.apiKey, { active: true });
    expect(hold.statusCode, hold.body).toBeLessThan(300);
    expect((await certificate()).certificate.reasons).toEqual(['incident_hold']);
    const release = await post(`/v1/incidents/${incidentId}/hold`, s.regulator.apiKey, { active: false });
    expect(release.statusCode, release.body).toBeLessThan(300);
    expect((await certificate()).certificate.valid).toBe(true);
  });

  it('brands: authorities only, once each, tied to an incident of this robot; public by name only', async () => {
    const url = `/v1/robots/${s.robot.robotId}/brands`;
    const owner = await post(url, s.operator.apiKey, { brand: 'water_damage' });
    expect(owner.statusCode).toBe(403);
    const stranger = await post(url, s.stranger.apiKey, { brand: 'water_damage' });
    expect(stranger.statusCode).toBe(404);
    const unknownBrand = await post(url, ADMIN_TOKEN, { brand: 'haunted' });
    expect([unknownBrand.statusCode, json(unknownBrand).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const before = await p.ctx.ledger.head();
    const otherIncident = await post(url, s.regulator.apiKey, {
      brand: 'water_damage',
      incidentId: randomUUID(),
    });
    expect([otherIncident.statusCode, json(otherIncident).error.code]).toEqual([
      422,
      'BRAND_INCIDENT_UNKNOWN',
    ]);
    expect((await p.ctx.ledger.head()).size).toBe(before.size);

    const incidents = json(
      await p.call('GET', `/v1/incidents?robotId=${s.robot.robotId}`, { token: ADMIN_TOKEN }),
    );
    const incidentId = incidents.items[0].incidentId as string;
    const branded = await post(url, s.regulator.apiKey, {
      brand: 'water_damage',
      note: 'flooded warehouse, pump room',
      incidentId,
    });
    expect(branded.statusCode, branded.body).toBe(201);
    expect(json(branded)).toMatchObject({ brand: 'water_damage', incidentId, issuerOrgId: s.regulator.id });
    const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, json(branded).ledgerIndex);
    expect(record).toMatchObject({ kind: 'robot_brand', brand: 'water_damage', incidentId });
    expect(record.noteSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain('pump room');
    expect(record.robotChain).toBeDefined();

    const twice = await post(url, ADMIN_TOKEN, { brand: 'water_damage' });
    expect([twice.statusCode, json(twice).error.code]).toEqual([409, 'BRAND_ALREADY_RECORDED']);
    // An informative brand leaves the certificate valid.
    expect((await certificate()).certificate.valid).toBe(true);

    const owners = await p.call('GET', url, { token: s.operator.apiKey });
    expect(json(owners).items.map((b: { brand: string }) => b.brand)).toEqual(['water_damage']);
    expect((await p.call('GET', url, { token: s.stranger.apiKey })).statusCode).toBe(404);
    const publicCheck = await p.call('GET', `/v1/public/robots/${s.robot.robotId}`);
    expect(json(publicCheck).brands).toEqual(['water_damage']);
    expect(publicCheck.body).not.toContain('pump room');
  });

  it('usage disclosed as actual must agree with the last signed reading: 409 and nothing written', async () => {
    // One signed reading: 1532.4 operating hours, a second ago.
    const batch = sceneBatch(s, [{ atMs: clock.now().getTime() - 1000 }]);
    await sendBatch(p, batch.jws);
    const url = `/v1/robots/${s.robot.robotId}/transfers`;
    const before = await registrySnapshot(p);
    for (const operatingHours of [1200, 1600]) {
      const refused = await post(url, s.operator.apiKey, {
        toOrgId: buyer.id,
        usage: { operatingHours, status: 'actual' },
      });
      expect([refused.statusCode, json(refused).error.code]).toEqual([409, 'USAGE_DISCLOSURE_CONFLICT']);
      expect(json(refused).error.details.lastReading).toEqual({
        operatingHours: 1532.4,
        at: expect.stringMatching(/Z$/),
      });
    }
    expect(await registrySnapshot(p)).toEqual(before);
    // Stated as not actual, any figure is taken as said.
    const stated = await post(url, s.operator.apiKey, {
      toOrgId: buyer.id,
      usage: { operatingHours: 1200, status: 'not_actual' },
    });
    expect(stated.statusCode, stated.body).toBe(201);
    expect(json(stated).usage).toEqual({ operatingHours: 1200, status: 'not_actual' });
    expect(
      (await post(`/v1/transfers/${json(stated).transferId}/cancel`, s.operator.apiKey, undefined))
        .statusCode,
    ).toBe(200);
  });

  it('an accepted offer with actual usage carries it in its record; brands survive the sale', async () => {
    const offer = await post(`/v1/robots/${s.robot.robotId}/transfers`, s.operator.apiKey, {
      toOrgId: buyer.id,
      usage: { operatingHours: 1532.5, status: 'actual' },
    });
    expect(offer.statusCode, offer.body).toBe(201);
    const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, json(offer).ledgerIndex);
    expect(record.usage).toEqual({ operatingHours: 1532.5, status: 'actual' });
    const accepted = await post(`/v1/transfers/${json(offer).transferId}/accept`, buyer.apiKey, undefined);
    expect(accepted.statusCode, accepted.body).toBe(200);
    const asBuyer = json(await p.call('GET', `/v1/robots/${s.robot.robotId}`, { token: buyer.apiKey }));
    expect(asBuyer.owner.id).toBe(buyer.id);
    expect(asBuyer.brands).toEqual(['water_damage']);
    const brands = json(await p.call('GET', `/v1/robots/${s.robot.robotId}/brands`, { token: buyer.apiKey }));
    expect(brands.items).toHaveLength(1);
  });

  it('expires after validUntil on the platform clock', async () => {
    clock.stop(new Date(validUntil.getTime() + 1000));
    try {
      expect((await certificate()).certificate).toEqual({
        valid: false,
        reasons: ['expired'],
        approvalId: APPROVAL_ID,
      });
    } finally {
      clock.resume();
    }
    expect((await certificate()).certificate.valid).toBe(true);
  });

  it('a disqualifying brand invalidates; parts_only keeps the robot out of service', async () => {
    const url = `/v1/robots/${s.robot.robotId}/brands`;
    expect((await post(url, ADMIN_TOKEN, { brand: 'parts_only' })).statusCode).toBe(201);
    expect((await certificate()).certificate.reasons).toEqual(['disqualifying_brand']);
    expect((await certificate()).brands).toEqual(['water_damage', 'parts_only']);
    // The robot was in service: maintenance may start, but it never comes back.
    await recordEvent(p, s.robot.robotId, buyer, 'maintenance', { phase: 'started', description: 'strip' });
    const before = await registrySnapshot(p);
    const completed = await postEvent(p, s.robot.robotId, buyer, 'maintenance', {
      phase: 'completed',
      description: 'reassembled',
    });
    expect([completed.statusCode, json(completed).error.code]).toEqual([409, 'ROBOT_PARTS_ONLY']);
    const deployed = await postEvent(p, s.robot.robotId, buyer, 'deployment', {});
    expect([deployed.statusCode, json(deployed).error.code]).toEqual([409, 'ROBOT_PARTS_ONLY']);
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('passes audit: every record rebuilds from its rows', async () => {
    const report = await auditLedger(p.ctx.db, {
      recordKinds: p.ctx.recordKinds,
      verifierKey: p.verifierKey,
    });
    expect(report.findings).toEqual([]);
  });
});
