// The demo fleet of `npm start`: a handful of manufacturers, operators and service
// organisations, their models and sites, and a few dozen robots spread over every lifecycle
// status. Seeded through the public HTTP API (in-process inject), so the demo exercises the
// same validation, policy and ledger as any client, and stays true as the API evolves.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { App } from '../app.js';
import { seedDemoEndOfLife } from './demo-end-of-life.js';
import { seedDemoHealth } from './demo-health.js';
import { seedDemoIncidents } from './demo-incidents.js';
import { seedDemoRecalls } from './demo-recalls.js';
import { type DemoReports, seedDemoReports } from './demo-reports.js';

export interface DemoRobot {
  robotId: string;
  ownerKey: string;
  manufacturerKey: string;
  /** The robot's device key as a private JWK, so the simulator can sign as the robot. */
  privateKeyJwk: Record<string, string>;
  status: string;
  jointCount: number;
  /** The next telemetry seq of a robot the demo already sent telemetry for (its incidents). */
  nextSeq?: number;
}

export interface DemoFleet {
  organisations: { name: string; kind: string; id: string; apiKey: string }[];
  robots: DemoRobot[];
  /** Robots whose history reports show one thing each (docs/history-report.md). */
  reports?: DemoReports;
}

class DemoSeedError extends Error {
  override readonly name = 'DemoSeedError';
}

function deviceKey(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { publicKey: jwk.x!, privateKey };
}

export async function seedDemoFleet(app: App, adminToken: string): Promise<DemoFleet> {
  async function call<T = Record<string, unknown>>(
    token: string,
    method: 'POST' | 'GET',
    url: string,
    body?: object,
  ) {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body ? { payload: body } : {}),
    });
    if (res.statusCode >= 300) throw new DemoSeedError(`${method} ${url} → ${res.statusCode} ${res.body}`);
    return res.json() as T;
  }

  const organisations: DemoFleet['organisations'] = [];
  async function org(name: string, kind: string, country: string, enterpriseCode?: string) {
    const created = await call<{ id: string; apiKey: string }>(adminToken, 'POST', '/v1/orgs', {
      name,
      kind,
      country,
      ...(enterpriseCode ? { enterpriseCode } : {}),
    });
    organisations.push({ name, kind, id: created.id, apiKey: created.apiKey });
    return created;
  }

  const makers = [
    await org('Changjiang Humanoid Works', 'manufacturer', 'CN', 'B7K2'),
    await org('Hubei Embodied AI Co.', 'manufacturer', 'CN', 'H4W9'),
    await org('Tidewater Robotics Inc.', 'manufacturer', 'US', 'T5N8'),
  ];
  const operators = [
    await org('Wuhan Auto Assembly Plant', 'operator', 'CN'),
    await org('Riverside Logistics', 'operator', 'CN'),
    await org('Harbor Care Homes', 'operator', 'US'),
  ];
  const maintainer = await org('Precision Joint Service', 'maintainer', 'CN');
  const assessor = await org('National Robot Test Centre', 'assessor', 'CN');
  const softwareProvider = await org('Cortex Software Ltd.', 'software_provider', 'CN');
  const recycler = await org('GreenLoop Recycling', 'recycler', 'CN');
  const regulator = await org('Industry Regulator', 'regulator', 'CN');

  const designs = [
    { modelCode: '0A', category: 'B', name: 'Walker A1', jointCount: 32 },
    { modelCode: '1C', category: 'W', name: 'Rover C1', jointCount: 18 },
    { modelCode: '02', category: 'B', name: 'Strider 2', jointCount: 28 },
  ];
  // What each model's fault codes mean (docs/registry.md "Fault codes"): the codes the simulated
  // robots report (core/simulation/robot-physics.ts) and a few an incident can point at.
  const faultCodes = [
    {
      code: 'LOCO_BAL_SW',
      component: 'locomotion',
      origin: 'software',
      description: 'balance controller lost its estimate of the centre of mass',
    },
    {
      code: 'PERC_OBSTACLE_MISS_SW',
      component: 'perception',
      origin: 'software',
      description: 'an obstacle was detected later than the stopping distance allowed',
    },
    {
      code: 'JOINT_OVERTEMP_HW',
      component: 'knee_actuator',
      origin: 'hardware',
      description: 'knee actuator winding above its rated temperature',
    },
    {
      code: 'JOINT_OVERTEMP',
      component: 'joint_actuators',
      origin: 'hardware',
      description: 'a joint ran above 95 °C',
    },
    {
      code: 'BATTERY_OVERTEMP',
      component: 'battery_pack',
      origin: 'hardware',
      description: 'battery pack above 60 °C',
    },
    {
      code: 'ENCODER_GLITCH',
      component: 'joint_encoders',
      origin: 'hardware',
      description: 'a joint encoder reading jumped',
    },
    {
      code: 'MOTOR_STALL',
      component: 'joint_actuators',
      origin: 'hardware',
      description: 'a joint motor stalled under load',
    },
  ];
  const robots: DemoRobot[] = [];
  // Statuses to spread the fleet over, in the order the robots' lives reach them.
  const plan = [
    'filed',
    'in_service',
    'in_service',
    'in_service',
    'maintenance',
    'in_service',
    'suspended',
    'in_service',
    'decommissioned',
    'in_service',
    'recycled',
    'in_service',
  ] as const;

  for (const [m, maker] of makers.entries()) {
    const design = designs[m]!;
    const model = await call<{ id: string }>(maker.apiKey, 'POST', '/v1/models', {
      ...design,
      hardwareRevisions: [
        { code: '1', params: { actuator: 'harmonic drive', batteryKwh: 2.1 } },
        { code: 'A', params: { actuator: 'planetary', batteryKwh: 2.4 } },
      ],
      limits: { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 },
    });
    await call(maker.apiKey, 'POST', `/v1/models/${model.id}/fault-codes`, { faultCodes });
    await call(maker.apiKey, 'POST', '/v1/sites', { code: '1', name: 'Main plant', region: '420100' });
    await call(maker.apiKey, 'POST', '/v1/sites', { code: '3', name: 'Second plant', region: '420500' });
    for (const [i, target] of plan.entries()) {
      const key = deviceKey();
      const filed = await call<{ robotId: string }>(maker.apiKey, 'POST', '/v1/robots', {
        modelId: model.id,
        hardwareRevision: i % 3 === 0 ? 'A' : '1',
        siteCode: i % 2 === 0 ? '1' : '3',
        productionDate: `2026-0${1 + (i % 9)}-15`,
        intelligenceLevel: i % 6,
        devicePublicKey: key.publicKey,
      });
      const robotId = filed.robotId;
      const operator = operators[(m + i) % operators.length]!;
      let owner = maker.apiKey;
      const event = (token: string, type: string, data: object = {}) =>
        call(token, 'POST', `/v1/robots/${robotId}/events`, { type, data });
      if (target !== 'filed') {
        const transfer = await call<{ transferId: string }>(
          maker.apiKey,
          'POST',
          `/v1/robots/${robotId}/transfers`,
          {
            toOrgId: operator.id,
          },
        );
        await call(operator.apiKey, 'POST', `/v1/transfers/${transfer.transferId}/accept`);
        owner = operator.apiKey;
        await event(owner, 'deployment', { siteName: 'Line 3', purpose: 'assembly' });
        const expiresAt = new Date(Date.now() + 365 * 86_400_000).toISOString();
        await call(owner, 'POST', `/v1/robots/${robotId}/grants`, {
          orgId: maintainer.id,
          scopes: ['maintenance', 'telemetry'],
          expiresAt,
        });
        await call(owner, 'POST', `/v1/robots/${robotId}/grants`, {
          orgId: assessor.id,
          scopes: ['evaluation'],
          expiresAt,
        });
        await event(assessor.apiKey, 'evaluation', {
          intelligenceLevel: Math.min(5, (i % 5) + 1),
          standard: 'T/CIE 298-2025',
        });
      }
      if (target === 'maintenance') {
        await event(maintainer.apiKey, 'maintenance', {
          phase: 'started',
          description: 'knee actuator inspection',
        });
      }
      if (target === 'suspended')
        await event(owner, 'suspension', { reason: 'incident', note: 'collision under review' });
      if (target === 'decommissioned' || target === 'recycled') {
        await event(owner, 'decommission', { reason: 'end of service life' });
      }
      if (target === 'recycled') {
        await call(owner, 'POST', `/v1/robots/${robotId}/grants`, {
          orgId: recycler.id,
          scopes: ['recycling'],
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        });
        await event(recycler.apiKey, 'recycling', { certificate: `GL-${i}` });
      }
      robots.push({
        robotId,
        ownerKey: owner,
        manufacturerKey: maker.apiKey,
        privateKeyJwk: key.privateKey.export({ format: 'jwk' }) as Record<string, string>,
        status: target,
        jointCount: design.jointCount,
      });
    }
  }
  // Incidents at three stages, on in-service robots of three different makers.
  const inService = (m: number) => robots.filter((r) => r.status === 'in_service')[m * 7]!;
  await seedDemoIncidents(
    app,
    call,
    [inService(0), inService(1), inService(2)],
    {
      softwareProvider,
      regulator,
      maintainer,
    },
    Date.now(),
  );
  robots.push(
    await seedDemoEndOfLife(app, call, { maker: makers[0]!, operator: operators[0]!, recycler }, Date.now()),
  );
  // A robot wearing out: health advisories raised, one closed by a coded maintenance.
  await seedDemoHealth(
    app,
    call,
    robots.filter((r) => r.status === 'in_service')[3]!,
    maintainer,
    Date.now(),
  );
  // A recall of the first maker's first model: one unit remedied, the rest open (docs/recalls.md).
  await seedDemoRecalls(call, makers[0]!, robots);
  // History reports: a clean one, an incident with a brand, an invalid and a valid certificate;
  // from the last maker's robots (its model has no recall), none an incident's or the worn one.
  const taken = new Set(
    [inService(0), inService(1), inService(2), robots.filter((r) => r.status === 'in_service')[3]!].map(
      (r) => r.robotId,
    ),
  );
  const reports = await seedDemoReports(
    call,
    adminToken,
    regulator,
    [...robots].reverse(),
    taken,
    Date.now(),
  );
  return { organisations, robots, reports };
}
