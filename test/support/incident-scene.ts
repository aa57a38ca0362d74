// An incident scene for tests: a deployed robot owned by an operator, with a software provider
// and a maintainer under grants, a software update of `locomotion` an hour before, fault codes
// declared by its model, and signed 1 Hz telemetry around an instant, the batches carrying the
// control mode and the robot's software attestation.
import type { KeyObject } from 'node:crypto';
import { signTelemetryBatch } from '../../src/core/simulation/index.js';
import type { TelemetrySample } from '../../src/core/telemetry/index.js';
import { createOrg, type TestPlatform } from './app.js';
import { grantAccess, type OrgRef, recordEvent, transferRobot } from './fleet.js';
import { fileTelemetryFleet, healthySample, type TelemetryRobot } from './telemetry-fleet.js';

export interface IncidentScene {
  maker: OrgRef;
  operator: OrgRef;
  provider: OrgRef;
  maintainer: OrgRef;
  regulator: OrgRef;
  stranger: OrgRef;
  assessor: OrgRef;
  robot: TelemetryRobot;
  modelId: string;
  /** The next batch seq to send. */
  seq: number;
}

export type ControlMode =
  | 'autonomous'
  | 'teleoperated'
  | 'operator_commanded'
  | 'hand_guided'
  | 'safety_stop'
  | 'idle';

export interface SceneSample {
  atMs: number;
  mode?: ControlMode;
  source?: string;
  faults?: string[];
  sohPct?: number;
}

/**
 * Builds the scene: orgs, a deployed robot owned by `operator`, grants, fault codes and an update
 * of `locomotion`, all made at the platform's current time (stop the clock in the past first to
 * have them before an incident).
 */
export async function buildIncidentScene(
  p: TestPlatform,
  adminToken: string,
  options: { faultCodes?: boolean } = {},
): Promise<IncidentScene> {
  const [operator, provider, maintainer, regulator, stranger, assessor] = await Promise.all([
    createOrg(p, 'operator'),
    createOrg(p, 'software_provider'),
    createOrg(p, 'maintainer'),
    createOrg(p, 'regulator'),
    createOrg(p, 'operator'),
    createOrg(p, 'assessor'),
  ]);
  const fleet = await fileTelemetryFleet(p, adminToken, { count: 1, jointCount: 2 });
  const maker = fleet.manufacturer;
  const robot = fleet.robots[0]!;
  await transferRobot(p, robot.robotId, maker, operator);
  await grantAccess(p, robot.robotId, operator, provider, ['software_update', 'telemetry']);
  await grantAccess(p, robot.robotId, operator, maintainer, ['maintenance']);
  await grantAccess(p, robot.robotId, operator, assessor, ['evaluation']);
  if (options.faultCodes !== false) await declareFaultCodes(p, fleet.modelId, maker);
  await recordEvent(p, robot.robotId, provider, 'software_update', {
    component: 'locomotion',
    fromVersion: '2.3.0',
    toVersion: '2.4.0',
  });
  return {
    maker,
    operator,
    provider,
    maintainer,
    regulator,
    stranger,
    assessor,
    robot,
    modelId: fleet.modelId,
    seq: 1,
  };
}

/** The model's fault codes: a software fault of `locomotion`, a hardware fault of the knee actuator. */
export async function declareFaultCodes(p: TestPlatform, modelId: string, maker: OrgRef): Promise<void> {
  const codes = await p.call('POST', `/v1/models/${modelId}/fault-codes`, {
    token: maker.apiKey,
    body: {
      faultCodes: [
        {
          code: 'LOCO_BAL_SW',
          component: 'locomotion',
          origin: 'software',
          description: 'balance controller diverged',
        },
        {
          code: 'KNEE_OVERTEMP_HW',
          component: 'knee_actuator',
          origin: 'hardware',
          description: 'knee actuator over temperature',
        },
      ],
    },
  });
  if (codes.statusCode !== 201) throw new Error(`fault codes: ${codes.statusCode} ${codes.body}`);
}

/** Signs a batch of the scene's robot with these samples; the first batch also attests software. */
export function sceneBatch(
  scene: IncidentScene,
  samples: readonly SceneSample[],
  software?: Record<string, string>,
): { seq: number; jws: string } {
  const seq = scene.seq++;
  const payload = {
    robotId: scene.robot.robotId,
    seq,
    ...(software ? { software } : {}),
    samples: samples.map((s): TelemetrySample & { control?: { mode: string; source: string } } => ({
      ...healthySample(scene.robot.jointCount, s.atMs),
      ...(s.faults ? { faults: s.faults } : {}),
      ...(s.sohPct === undefined
        ? {}
        : { battery: { socPct: 80, sohPct: s.sohPct, cycles: 152, tempC: 31 } }),
      ...(s.mode ? { control: { mode: s.mode, source: s.source ?? 'nav-stack 2.4.0' } } : {}),
    })),
  };
  return {
    seq,
    jws: signTelemetryBatch(payload as never, scene.robot.device.privateKey as KeyObject),
  };
}

/** POSTs a signed batch; throws unless it is accepted. */
export async function sendBatch(p: TestPlatform, jws: string): Promise<void> {
  const res = await p.call('POST', '/v1/telemetry', {
    body: jws,
    headers: { 'content-type': 'application/jose' },
  });
  if (res.statusCode !== 202) throw new Error(`telemetry: ${res.statusCode} ${res.body}`);
}

/** One sample a second from `fromMs` (inclusive) to `toMs` (exclusive), each made by `make`. */
export function everySecond(
  fromMs: number,
  toMs: number,
  make: (atMs: number) => Omit<SceneSample, 'atMs'> = () => ({}),
) {
  const out: SceneSample[] = [];
  for (let t = fromMs; t < toMs; t += 1000) out.push({ atMs: t, ...make(t) });
  return out;
}
