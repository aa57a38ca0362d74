// The demo's health and prognosis (docs/health.md): a robot wearing out. Twenty days of its
// signed hourly telemetry show a knee joint wearing fast and the battery's state of health
// fading towards the model's minimum; the health sweep raises an advisory for each, and the
// maintainer closes the joint's with a coded corrective maintenance (the gearbox replaced),
// while the battery's stays open. Made through the public API like the rest of the demo.
import { createPrivateKey } from 'node:crypto';
import { signTelemetryBatch } from '../../core/simulation/index.js';
import type { App } from '../app.js';
import type { DemoRobot } from './demo-fleet.js';

type Call = <T = Record<string, unknown>>(
  token: string,
  method: 'POST' | 'GET',
  url: string,
  body?: object,
) => Promise<T>;

const HOUR = 3_600_000;
const DAYS = 20;

/** Seeds the degrading robot; returns the advisory the maintenance closed. */
export async function seedDemoHealth(
  app: App,
  call: Call,
  robot: DemoRobot,
  maintainer: { apiKey: string },
  nowMs: number,
): Promise<{ closedAdvisoryId: string }> {
  const key = createPrivateKey({ key: robot.privateKeyJwk, format: 'jwk' });
  const worn = Math.min(7, robot.jointCount - 1);
  const endMs = Math.floor(nowMs / HOUR) * HOUR - HOUR;
  const startMs = endMs - DAYS * 24 * HOUR;
  let seq = robot.nextSeq ?? 1;
  for (let d = 0; d < DAYS; d++) {
    const samples = Array.from({ length: 24 }, (_, i) => {
      const h = d * 24 + i;
      const wear = Array.from({ length: robot.jointCount }, (_, j) =>
        j === worn ? 0.45 + 0.0002 * h : 0.08 + (j % 5) * 0.01 + 0.00002 * h,
      );
      return {
        t: new Date(startMs + h * HOUR).toISOString(),
        battery: {
          socPct: 60 + (h % 30),
          sohPct: 82.5 - 0.004 * h,
          cycles: 900 + Math.floor(h / 6),
          tempC: 33,
        },
        joints: { wear, tempC: wear.map((w) => 38 + w * 10) },
        accuracy: { positionErrorMm: 1.6 + 0.0005 * h, taskSuccessRate: 0.985 },
        operatingHours: 2400 + h,
        faults: [],
      };
    });
    const jws = signTelemetryBatch({ robotId: robot.robotId, seq, samples } as never, key);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/telemetry',
      headers: { 'content-type': 'application/jose' },
      payload: jws,
    });
    if (res.statusCode !== 202) throw new Error(`demo health telemetry: ${res.statusCode} ${res.body}`);
    seq++;
  }
  robot.nextSeq = seq;
  // The platform's sweep raises the advisories (it runs on a timer once the platform listens).
  await app.healthSweep();
  const health = await call<{ advisories: { advisoryId: string; kind: string }[] }>(
    robot.ownerKey,
    'GET',
    `/v1/robots/${robot.robotId}/health`,
  );
  const joint = health.advisories.find((a) => a.kind === 'joint_wear');
  if (!joint) throw new Error(`demo health: no joint advisory for ${robot.robotId}`);
  await call(maintainer.apiKey, 'POST', `/v1/robots/${robot.robotId}/events`, {
    type: 'maintenance',
    data: {
      phase: 'performed',
      description: `knee gearbox of joint ${worn} replaced after the wear advisory`,
      workOrderId: 'PJS-2026-0412',
      trigger: 'condition_based',
      advisoryId: joint.advisoryId,
      item: 'leg.left.knee.gearbox',
      failureMode: 'backlash',
      failureMechanism: 'wear',
      failureCause: 'operation',
      activity: 'replace',
      partsRemoved: [{ partNumber: 'HD-20-100', serial: 'HD20-7731' }],
      partsInstalled: [{ partNumber: 'HD-20-100', serial: 'HD20-9902' }],
      downtimeHours: 4,
      operatingHoursAtEvent: 2400 + DAYS * 24 - 1,
    },
  });
  return { closedAdvisoryId: joint.advisoryId };
}
