// End of life (docs/end-of-life.md): storage media, sanitization, recycling with a handover
// record, grants and device key ended at decommissioning, and a recycled robot's identity
// still reporting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  type DeviceKey,
  type FiledRobot,
  fileRobot,
  grantAccess,
  newDeviceKey,
  type OrgRef,
  postEvent,
  recordEvent,
  registrySnapshot,
  transferRobot,
} from '../../support/fleet.js';
import { expectRecordRebuilds } from '../../support/ledger-records.js';

const SSD = { mediaId: 'compute.ssd', kind: 'flash', description: 'main computer SSD (maps, recordings)' };
const EEPROM = {
  mediaId: 'wrist.eeprom',
  kind: 'eeprom',
  description: 'wrist controller calibration and keys',
};

/** A medium's certificate as a sanitization event carries it. */
function certificate(mediaId: string, result: 'passed' | 'failed' = 'passed') {
  return {
    mediaId,
    serial: `SN-${mediaId}`,
    method: 'purge',
    technique: 'cryptographic erase',
    tool: 'vendor-erase 2.1',
    verification: 'full read-back sample',
    result,
  };
}

const HANDOVER = {
  receiverCreditCode: '91350200776049653A',
  handoverAt: '2026-11-30T09:00:00Z',
  items: [
    { partNumber: 'BAT-48V', serial: 'B-1', kind: 'battery_pack' },
    { partNumber: 'CTRL-7', kind: 'controller' },
  ],
  treatment: 'material_recovery',
};

describe(`end of life (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef; // its model declares SSD and EEPROM
  let plainMaker: OrgRef; // its model declares no media
  let otherMaker: OrgRef;
  let owner: OrgRef;
  let buyer: OrgRef;
  let regulator: OrgRef;
  let maintainer: OrgRef;
  let recycler: OrgRef;
  let modelId: string;
  let seq = 1;

  beforeAll(async () => {
    p = await startTestPlatform();
    [maker, plainMaker, otherMaker, owner, buyer, regulator, maintainer, recycler] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'manufacturer'),
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
      createOrg(p, 'regulator'),
      createOrg(p, 'maintainer'),
      createOrg(p, 'recycler'),
    ]);
    modelId = (await fileRobot(p, maker)).modelId;
    const declared = await declare(maker, modelId, [SSD, EEPROM]);
    expect(declared.statusCode, declared.body).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
  });

  function declare(as: OrgRef, model: string, media: unknown[]) {
    return p.call('POST', `/v1/models/${model}/storage-media`, { token: as.apiKey, body: { media } });
  }

  /** A robot of `by` sold to `owner` and decommissioned by it. */
  async function decommissioned(by: OrgRef = maker): Promise<FiledRobot> {
    const robot = await fileRobot(p, by);
    await transferRobot(p, robot.robotId, by, owner);
    await recordEvent(p, robot.robotId, owner, 'decommission', { reason: 'end of service life' });
    return robot;
  }

  async function sanitize(robotId: string, as: OrgRef, media: unknown[]) {
    return recordEvent(p, robotId, as, 'sanitization', { media, credentialsRevoked: true });
  }

  async function recycled(): Promise<FiledRobot> {
    const robot = await decommissioned();
    await sanitize(robot.robotId, owner, [certificate(SSD.mediaId), certificate(EEPROM.mediaId)]);
    await recordEvent(p, robot.robotId, owner, 'recycling', HANDOVER);
    return robot;
  }

  function batch(robotId: string, key: DeviceKey['privateKey'], atMs = Date.now() - 1000): string {
    const sample = {
      t: new Date(atMs).toISOString(),
      battery: { socPct: 80, sohPct: 95, cycles: 10, tempC: 30 },
      joints: { wear: [0.01, 0.02], tempC: [38, 39] },
      accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
      operatingHours: 10,
      faults: [],
    };
    return signTelemetryBatch({ robotId, seq: seq++, samples: [sample] }, key);
  }

  function sendTelemetry(jws: string) {
    return p.call('POST', '/v1/telemetry', { body: jws, headers: { 'content-type': 'application/jose' } });
  }

  async function retiredIdAlerts(robotId: string, as: OrgRef = regulator) {
    const res = await p.call('GET', `/v1/alerts?robotId=${robotId}&condition=retired_id_reporting`, {
      token: as.apiKey,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as {
      alertId: string;
      state: string;
      detail: Record<string, unknown>;
      ledgerIndex: number;
    }[];
  }

  describe('storage media', () => {
    it('are declared by the model’s manufacturer, each a ledger record, listed by mediaId for everyone', async () => {
      const res = await p.call('GET', `/v1/models/${modelId}/storage-media`, { token: owner.apiKey });
      expect(res.statusCode).toBe(200);
      const { media } = res.json();
      expect(media.map((m: { mediaId: string }) => m.mediaId)).toEqual(['compute.ssd', 'wrist.eeprom']);
      expect(media[0]).toMatchObject(SSD);
      for (const m of media) {
        const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, m.ledgerIndex);
        expect(record).toMatchObject({
          kind: 'model_storage_medium',
          modelId,
          mediaId: m.mediaId,
          mediaKind: m.kind,
        });
      }
    });

    it('are added, never changed: the same again is a no-op, another definition a 409 that writes nothing', async () => {
      const before = await registrySnapshot(p);
      const again = await declare(maker, modelId, [SSD]);
      expect(again.statusCode).toBe(201);
      expect(again.json().media).toHaveLength(2);
      expect(await registrySnapshot(p)).toEqual(before);

      // All or nothing: a new medium next to a changed one is not added either.
      const changed = await declare(maker, modelId, [
        { mediaId: 'head.sd', kind: 'flash', description: 'camera buffer' },
        { ...EEPROM, description: 'something else' },
      ]);
      expect(changed.statusCode).toBe(409);
      expect(changed.json().error).toMatchObject({
        code: 'STORAGE_MEDIUM_CONFLICT',
        details: { mediaId: 'wrist.eeprom' },
      });
      expect(await registrySnapshot(p)).toEqual(before);
      const listed = await p.call('GET', `/v1/models/${modelId}/storage-media`, { token: maker.apiKey });
      expect(listed.json().media).toHaveLength(2);
    });

    it('refuses a medium listed twice (400), another maker’s model (404) and non-manufacturers (403)', async () => {
      const twice = await declare(maker, modelId, [SSD, SSD]);
      expect(twice.statusCode).toBe(400);
      expect(twice.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field: 'media/1/mediaId' },
      });
      expect((await declare(otherMaker, modelId, [SSD])).json().error.code).toBe('MODEL_NOT_FOUND');
      expect((await declare(owner, modelId, [SSD])).statusCode).toBe(403);
      const badId = await declare(maker, modelId, [{ ...SSD, mediaId: 'Compute SSD' }]);
      expect(badId.statusCode).toBe(400);
    });
  });

  describe('sanitization', () => {
    it('is stored per medium, changes no status, and is recorded by the owner or a recycling or maintenance grantee', async () => {
      const robot = await decommissioned();
      await grantAccess(p, robot.robotId, owner, recycler, ['recycling']);
      await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance']);
      const event = await sanitize(robot.robotId, recycler, [
        certificate(SSD.mediaId),
        certificate(EEPROM.mediaId, 'failed'),
      ]);
      expect(event).toMatchObject({
        type: 'sanitization',
        fromStatus: 'decommissioned',
        toStatus: 'decommissioned',
      });
      await sanitize(robot.robotId, maintainer, [certificate(EEPROM.mediaId)]);
      const rows = await p.ctx.db.query<{ media_id: string; result: string; method: string; serial: string }>(
        `SELECT s.media_id, s.result, s.method, s.serial FROM robot_media_sanitizations s
           JOIN robot_events e ON e.id = s.event_id WHERE e.robot_id = $1 ORDER BY e.ledger_index, s.media_id`,
        [robot.robotId],
      );
      expect(rows.rows).toEqual([
        { media_id: 'compute.ssd', result: 'passed', method: 'purge', serial: 'SN-compute.ssd' },
        { media_id: 'wrist.eeprom', result: 'failed', method: 'purge', serial: 'SN-wrist.eeprom' },
        { media_id: 'wrist.eeprom', result: 'passed', method: 'purge', serial: 'SN-wrist.eeprom' },
      ]);
      const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, event.ledgerIndex as number);
      expect(record).toMatchObject({ kind: 'robot_event', type: 'sanitization' });
    });

    it('names only media the model declares, each once (400, nothing written), and none after recycling (409)', async () => {
      const robot = await decommissioned();
      const before = await registrySnapshot(p);
      const unknown = await postEvent(p, robot.robotId, owner, 'sanitization', {
        media: [certificate('nvme.2')],
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({
        code: 'EVENT_DATA_INVALID',
        details: { type: 'sanitization', issues: [{ path: '/media/0/mediaId' }] },
      });
      const twice = await postEvent(p, robot.robotId, owner, 'sanitization', {
        media: [certificate(SSD.mediaId), certificate(SSD.mediaId, 'failed')],
      });
      expect(twice.json().error).toMatchObject({
        code: 'EVENT_DATA_INVALID',
        details: { issues: [{ path: '/media/1/mediaId' }] },
      });
      const noMethod = await postEvent(p, robot.robotId, owner, 'sanitization', {
        media: [{ ...certificate(SSD.mediaId), method: 'shred' }],
      });
      expect(noMethod.json().error.code).toBe('EVENT_DATA_INVALID');
      expect(await registrySnapshot(p)).toEqual(before);

      const done = await recycled();
      const late = await postEvent(p, done.robotId, owner, 'sanitization', {
        media: [certificate(SSD.mediaId)],
      });
      expect(late.statusCode).toBe(409);
      expect(late.json().error).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { from: 'recycled' } });
    });
    it('is refused while an incident holds the robot: wiping it would destroy evidence (409 INCIDENT_HOLD)', async () => {
      const robot = await decommissioned();
      const reported = await p.call('POST', '/v1/incidents', {
        token: owner.apiKey,
        body: {
          robotId: robot.robotId,
          occurredAt: new Date(Date.now() - 60_000).toISOString(),
          kind: 'collision',
          severity: 'serious',
          description: 'struck a shelf while being moved to the scrap yard',
        },
      });
      expect(reported.statusCode, reported.body).toBe(201);
      const held = await postEvent(p, robot.robotId, owner, 'sanitization', {
        media: [certificate(SSD.mediaId)],
      });
      expect(held.statusCode).toBe(409);
      expect(held.json().error).toMatchObject({
        code: 'INCIDENT_HOLD',
        details: { incidentId: reported.json().incidentId },
      });
    });
  });

  describe('recycling', () => {
    it('needs a passed sanitization of every declared medium since the last change of owner (409 with details.missing)', async () => {
      const robot = await decommissioned();
      const none = await postEvent(p, robot.robotId, owner, 'recycling', HANDOVER);
      expect(none.statusCode).toBe(409);
      expect(none.json().error).toMatchObject({
        code: 'SANITIZATION_INCOMPLETE',
        details: { missing: ['compute.ssd', 'wrist.eeprom'] },
      });
      // The latest certificate of a medium decides: the EEPROM passed, then failed.
      await sanitize(robot.robotId, owner, [certificate(SSD.mediaId), certificate(EEPROM.mediaId)]);
      await sanitize(robot.robotId, owner, [certificate(EEPROM.mediaId, 'failed')]);
      const failed = await postEvent(p, robot.robotId, owner, 'recycling', HANDOVER);
      expect(failed.json().error).toMatchObject({
        code: 'SANITIZATION_INCOMPLETE',
        details: { missing: ['wrist.eeprom'] },
      });

      // Sold to another owner: what the previous owner sanitized no longer counts.
      await sanitize(robot.robotId, owner, [certificate(EEPROM.mediaId)]);
      await transferRobot(p, robot.robotId, owner, buyer);
      const sold = await postEvent(p, robot.robotId, buyer, 'recycling', HANDOVER);
      expect(sold.json().error).toMatchObject({
        code: 'SANITIZATION_INCOMPLETE',
        details: { missing: ['compute.ssd', 'wrist.eeprom'] },
      });
      await sanitize(robot.robotId, buyer, [certificate(SSD.mediaId), certificate(EEPROM.mediaId)]);
      const event = await recordEvent(p, robot.robotId, buyer, 'recycling', {
        ...HANDOVER,
        receiverOrgId: recycler.id,
      });
      expect(event).toMatchObject({
        toStatus: 'recycled',
        data: { ...HANDOVER, receiverOrgId: recycler.id },
      });
      const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, event.ledgerIndex as number);
      expect(record).toMatchObject({
        type: 'recycling',
        data: { receiverCreditCode: HANDOVER.receiverCreditCode },
      });
    });

    it('records the handover: required when the model declares media, complete, with a valid credit code', async () => {
      const robot = await decommissioned();
      await sanitize(robot.robotId, owner, [certificate(SSD.mediaId), certificate(EEPROM.mediaId)]);
      const before = await registrySnapshot(p);
      const bare = await postEvent(p, robot.robotId, owner, 'recycling', { certificate: 'GL-1' });
      expect(bare.statusCode).toBe(400);
      expect(bare.json().error).toMatchObject({ code: 'EVENT_DATA_INVALID', details: { type: 'recycling' } });
      const partial = await postEvent(p, robot.robotId, owner, 'recycling', {
        receiverCreditCode: HANDOVER.receiverCreditCode,
      });
      expect(partial.json().error).toMatchObject({
        code: 'EVENT_DATA_INVALID',
        details: { issues: [{ path: '/handoverAt' }, { path: '/treatment' }] },
      });
      const badCode = await postEvent(p, robot.robotId, owner, 'recycling', {
        ...HANDOVER,
        receiverCreditCode: '91350200776049653B',
      });
      expect(badCode.statusCode).toBe(400);
      expect(badCode.json().error).toMatchObject({
        code: 'CREDIT_CODE_INVALID',
        details: { field: '/data/receiverCreditCode' },
      });
      const badTreatment = await postEvent(p, robot.robotId, owner, 'recycling', {
        ...HANDOVER,
        treatment: 'landfill',
      });
      expect(badTreatment.json().error.code).toBe('EVENT_DATA_INVALID');
      const badTime = await postEvent(p, robot.robotId, owner, 'recycling', {
        ...HANDOVER,
        handoverAt: '2026-02-30T10:00:00Z',
      });
      expect(badTime.json().error.code).toBe('EVENT_DATA_INVALID');
      const noReceiver = await postEvent(p, robot.robotId, owner, 'recycling', {
        ...HANDOVER,
        receiverOrgId: '00000000-0000-4000-8000-00000000abcd',
      });
      expect(noReceiver.statusCode).toBe(404);
      expect(noReceiver.json().error).toMatchObject({
        code: 'ORG_NOT_FOUND',
        details: { field: '/data/receiverOrgId' },
      });
      expect(await registrySnapshot(p)).toEqual(before);
    });

    it('of a robot whose model declares no media needs neither sanitization nor handover (older data stays valid)', async () => {
      const robot = await decommissioned(plainMaker);
      await recordEvent(p, robot.robotId, owner, 'recycling', { recycler: 'GreenLoop', certificate: 'RC-1' });
      // A handover given is still checked.
      const other = await decommissioned(plainMaker);
      const bad = await postEvent(p, other.robotId, owner, 'recycling', {
        ...HANDOVER,
        receiverCreditCode: 'ABC',
      });
      expect(bad.json().error.code).toBe('CREDIT_CODE_INVALID');
    });
  });

  describe('the end of access', () => {
    it('decommissioning ends every live grant (each revocation ledgered) and retires the device key', async () => {
      const robot = await fileRobot(p, maker);
      await transferRobot(p, robot.robotId, maker, owner);
      await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance', 'telemetry']);
      await grantAccess(p, robot.robotId, owner, recycler, ['recycling']);
      await recordEvent(p, robot.robotId, owner, 'decommission', { reason: 'worn out' });
      const grants = await p.call('GET', `/v1/robots/${robot.robotId}/grants`, { token: owner.apiKey });
      const items = grants.json().items as { live: boolean; revokeLedgerIndex: number | null }[];
      expect(items).toHaveLength(2);
      for (const g of items) {
        expect(g.live).toBe(false);
        const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, g.revokeLedgerIndex!);
        expect(record.kind).toBe('grant_revocation');
      }
      // The former grantees no longer see the robot.
      expect(
        (await postEvent(p, robot.robotId, maintainer, 'maintenance', { description: 'x' })).statusCode,
      ).toBe(404);
      const keys = await p.ctx.db.query<{ retired_at: Date | null }>(
        'SELECT d.retired_at FROM device_keys d JOIN robots r ON r.id = d.robot_uuid WHERE r.robot_id = $1',
        [robot.robotId],
      );
      expect(keys.rows).toHaveLength(1);
      expect(keys.rows[0]!.retired_at).not.toBeNull();
    });

    it('recycling ends the recycler’s own grant', async () => {
      const robot = await decommissioned();
      await grantAccess(p, robot.robotId, owner, recycler, ['recycling']);
      await sanitize(robot.robotId, recycler, [certificate(SSD.mediaId), certificate(EEPROM.mediaId)]);
      await recordEvent(p, robot.robotId, recycler, 'recycling', HANDOVER);
      const grants = await p.call('GET', `/v1/robots/${robot.robotId}/grants?live=true`, {
        token: owner.apiKey,
      });
      expect(grants.json().items).toEqual([]);
      const seen = await p.call('GET', `/v1/robots/${robot.robotId}`, { token: recycler.apiKey });
      expect(seen.statusCode).toBe(404);
    });
  });

  describe('a recycled robot’s identity reporting', () => {
    it('is refused as before and raises retired_id_reporting once while unacknowledged, for the authorities', async () => {
      const robot = await recycled();
      const first = await sendTelemetry(batch(robot.robotId, robot.device.privateKey));
      expect(first.statusCode).toBe(409);
      expect(first.json().error.code).toBe('TELEMETRY_ROBOT_INACTIVE');
      expect(first.json().error.details).toBeUndefined();
      const [alert, ...more] = await retiredIdAlerts(robot.robotId);
      expect(more).toEqual([]);
      expect(alert).toMatchObject({
        state: 'open',
        detail: { seq: seq - 1, publicKey: robot.device.publicKey },
      });
      const record = await expectRecordRebuilds(p.ctx.db, p.ctx.recordKinds, alert!.ledgerIndex);
      expect(record).toMatchObject({ kind: 'telemetry_alert', condition: 'retired_id_reporting' });
      // The registry sees it in the list of every alert.
      const all = await p.call('GET', '/v1/alerts?condition=retired_id_reporting', {
        token: regulator.apiKey,
      });
      expect(all.json().items.map((a: { alertId: string }) => a.alertId)).toContain(alert!.alertId);

      // Again: still refused, no second alert while the first is unacknowledged.
      expect((await sendTelemetry(batch(robot.robotId, robot.device.privateKey))).statusCode).toBe(409);
      expect(await retiredIdAlerts(robot.robotId)).toHaveLength(1);

      // The owner sees it but may not acknowledge it; a regulator does.
      expect(await retiredIdAlerts(robot.robotId, owner)).toHaveLength(1);
      const byOwner = await p.call('POST', `/v1/alerts/${alert!.alertId}/ack`, {
        token: owner.apiKey,
        body: {},
      });
      expect(byOwner.statusCode).toBe(403);
      const ack = await p.call('POST', `/v1/alerts/${alert!.alertId}/ack`, {
        token: regulator.apiKey,
        body: { note: 'clone reported to the registry' },
      });
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json()).toMatchObject({ state: 'acknowledged', acknowledgement: { byOrgId: regulator.id } });

      // Acknowledged: the next signed batch raises a new one.
      expect((await sendTelemetry(batch(robot.robotId, robot.device.privateKey))).statusCode).toBe(409);
      const after = await retiredIdAlerts(robot.robotId);
      expect(after.map((a) => a.state).sort()).toEqual(['acknowledged', 'open']);
    });

    it('raises nothing for a batch the robot’s keys did not sign, nor for a decommissioned robot', async () => {
      const robot = await recycled();
      const forged = await sendTelemetry(batch(robot.robotId, newDeviceKey().privateKey));
      expect(forged.statusCode).toBe(409);
      expect(forged.json().error.code).toBe('TELEMETRY_ROBOT_INACTIVE');
      expect(await retiredIdAlerts(robot.robotId)).toEqual([]);

      const idle = await decommissioned();
      const late = await sendTelemetry(batch(idle.robotId, idle.device.privateKey));
      expect(late.statusCode).toBe(409);
      expect(late.json().error.code).toBe('TELEMETRY_ROBOT_INACTIVE');
      expect(await retiredIdAlerts(idle.robotId)).toEqual([]);
    });
  });
});
