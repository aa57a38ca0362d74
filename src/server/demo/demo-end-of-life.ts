// The demo's end of life (docs/end-of-life.md), through the public API like everything else in
// the demo: the first maker's first model declares its storage media; one of its robots is sold,
// deployed, decommissioned, sanitized by a recycler under grant (a certificate per medium) and
// recycled with a handover record. Then a batch signed with the recycled robot's key arrives —
// its identity still in use somewhere — which is refused and raises a retired_id_reporting
// alert for the registry and regulators.
import { generateKeyPairSync } from 'node:crypto';
import { signTelemetryBatch } from '../../core/simulation/index.js';
import type { App } from '../app.js';
import type { DemoRobot } from './demo-fleet.js';

type Call = <T = Record<string, unknown>>(
  token: string,
  method: 'POST' | 'GET',
  url: string,
  body?: object,
) => Promise<T>;

interface Org {
  id: string;
  apiKey: string;
}

/** The receiver's unified social credit code (GB 32100-2015; a made-up one, check character valid). */
export const DEMO_RECEIVER_CREDIT_CODE = '91420100MA4KGL0018';

export const DEMO_STORAGE_MEDIA = [
  { mediaId: 'compute.ssd', kind: 'flash', description: 'main computer SSD: maps, camera recordings, logs' },
  {
    mediaId: 'controller.emmc',
    kind: 'flash',
    description: 'motion controller eMMC: calibration and the device key store',
  },
];

export async function seedDemoEndOfLife(
  app: App,
  call: Call,
  orgs: { maker: Org; operator: Org; recycler: Org },
  nowMs: number,
): Promise<DemoRobot> {
  const { maker, operator, recycler } = orgs;
  const models = await call<{ items: { id: string; jointCount: number }[] }>(
    maker.apiKey,
    'GET',
    `/v1/models?manufacturerId=${maker.id}&limit=1`,
  );
  const model = models.items[0]!;
  await call(maker.apiKey, 'POST', `/v1/models/${model.id}/storage-media`, { media: DEMO_STORAGE_MEDIA });

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const filed = await call<{ robotId: string }>(maker.apiKey, 'POST', '/v1/robots', {
    modelId: model.id,
    hardwareRevision: '1',
    siteCode: '1',
    productionDate: '2026-01-20',
    intelligenceLevel: 2,
    devicePublicKey: publicKey.export({ format: 'jwk' }).x,
  });
  const robotId = filed.robotId;
  const event = (token: string, type: string, data: object) =>
    call(token, 'POST', `/v1/robots/${robotId}/events`, { type, data });
  const offer = await call<{ transferId: string }>(maker.apiKey, 'POST', `/v1/robots/${robotId}/transfers`, {
    toOrgId: operator.id,
  });
  await call(operator.apiKey, 'POST', `/v1/transfers/${offer.transferId}/accept`);
  await event(operator.apiKey, 'deployment', { siteName: 'Line 1', purpose: 'parts handling' });
  // Decommissioning ends every grant: the recycler is granted its work afterwards.
  await event(operator.apiKey, 'decommission', { reason: 'end of service life: frame fatigue' });
  await call(operator.apiKey, 'POST', `/v1/robots/${robotId}/grants`, {
    orgId: recycler.id,
    scopes: ['recycling'],
    expiresAt: new Date(nowMs + 30 * 86_400_000).toISOString(),
  });
  await event(recycler.apiKey, 'sanitization', {
    media: [
      {
        mediaId: 'compute.ssd',
        serial: 'SSD-7731-0042',
        method: 'purge',
        technique: 'NVMe cryptographic erase',
        tool: 'nvme-cli 2.8 format --ses=2',
        verification: 'read-back of 1% random sectors, all zero',
        result: 'passed',
      },
      {
        mediaId: 'controller.emmc',
        serial: 'EMMC-0931-7710',
        method: 'destroy',
        technique: 'shredding to 2 mm particles',
        tool: 'industrial shredder S-200',
        verification: 'visual inspection of the particles',
        result: 'passed',
      },
    ],
    credentialsRevoked: true,
  });
  await event(recycler.apiKey, 'recycling', {
    recycler: 'GreenLoop Recycling',
    certificate: 'GL-EOL-2026-0001',
    receiverOrgId: recycler.id,
    receiverCreditCode: DEMO_RECEIVER_CREDIT_CODE,
    handoverAt: new Date(nowMs - 3_600_000).toISOString(),
    items: [
      { partNumber: 'BAT-48V-20AH', serial: 'BP-22817', kind: 'battery_pack' },
      { partNumber: 'ACT-KNEE-3', serial: 'KA-1180', kind: 'actuator' },
      { partNumber: 'FRAME-A1', kind: 'frame' },
    ],
    treatment: 'material_recovery',
  });

  // A cloned identity: the recycled robot's key signs telemetry again. Refused (409) and alerted.
  const sample = {
    t: new Date(nowMs - 5_000).toISOString(),
    battery: { socPct: 71, sohPct: 88, cycles: 902, tempC: 31 },
    joints: { wear: Array(model.jointCount).fill(0.2), tempC: Array(model.jointCount).fill(36) },
    accuracy: { positionErrorMm: 1.8, taskSuccessRate: 0.97 },
    operatingHours: 6120,
    faults: [],
  };
  const jws = signTelemetryBatch({ robotId, seq: 1, samples: [sample] }, privateKey);
  const sent = await app.inject({
    method: 'POST',
    url: '/v1/telemetry',
    headers: { 'content-type': 'application/jose' },
    payload: jws,
  });
  if (sent.statusCode !== 409) throw new Error(`demo: a recycled robot's batch answered ${sent.statusCode}`);

  return {
    robotId,
    ownerKey: operator.apiKey,
    manufacturerKey: maker.apiKey,
    privateKeyJwk: privateKey.export({ format: 'jwk' }) as Record<string, string>,
    status: 'recycled',
    jointCount: model.jointCount,
    nextSeq: 2,
  };
}
