// The demo's incidents (docs/incidents.md): three robots whose incidents sit at different
// stages, made through the public API like everything else in the demo:
// - a fall with a software-fault origin under investigation: a software provider updated the
//   robot's locomotion component three hours before; the robot's signed telemetry shows the
//   new version, autonomous control and the balance fault just before the fall; a serious
//   incident, so the robot is held; a regulator has opened the investigation, and a log file
//   is attached;
// - a near miss under teleoperation: an operator at a remote station was in control;
// - a data breach with its access log: organisations read the robot's data before the owner
//   learnt of a leak, and the report froze who read what.
import { createPrivateKey } from 'node:crypto';
import { signTelemetryBatch } from '../../core/simulation/index.js';
import type { App } from '../app.js';
import type { DemoRobot } from './demo-fleet.js';

const MIN = 60_000;

type Call = <T = Record<string, unknown>>(
  token: string,
  method: 'POST' | 'GET',
  url: string,
  body?: object,
) => Promise<T>;

interface Orgs {
  softwareProvider: { id: string; apiKey: string };
  regulator: { id: string; apiKey: string };
  maintainer: { id: string; apiKey: string };
}

interface Mode {
  mode: string;
  source: string;
}

/**
 * Signs and sends a robot's 1 Hz telemetry from `fromMs` for `seconds` in batches of 60
 * through the public ingest route; `at` says, per sample, who was in control and which faults
 * it reported. Returns the next seq.
 */
async function streamWindow(
  app: App,
  robot: DemoRobot,
  firstSeq: number,
  fromMs: number,
  seconds: number,
  at: (t: number) => Mode & { faults?: string[] },
  software: Record<string, string>,
): Promise<number> {
  const key = createPrivateKey({ key: robot.privateKeyJwk, format: 'jwk' });
  let seq = firstSeq;
  for (let start = 0; start < seconds; start += 60) {
    const samples = [];
    for (let s = start; s < Math.min(seconds, start + 60); s++) {
      const t = fromMs + s * 1000;
      const { mode, source, faults } = at(t);
      samples.push({
        t: new Date(t).toISOString(),
        battery: { socPct: 82 - s / 400, sohPct: 93.5, cycles: 311, tempC: 33.5 },
        joints: {
          wear: Array.from({ length: robot.jointCount }, (_, j) => 0.12 + (j % 7) * 0.01),
          tempC: Array.from({ length: robot.jointCount }, (_, j) => 41 + (j % 5)),
        },
        accuracy: { positionErrorMm: 1.6, taskSuccessRate: 0.985 },
        operatingHours: 1210 + s / 3600,
        faults: faults ?? [],
        control: { mode, source },
      });
    }
    // The robot attests its software at the start of its stream.
    const payload = { robotId: robot.robotId, seq, ...(seq === firstSeq ? { software } : {}), samples };
    const jws = signTelemetryBatch(payload as never, key);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/telemetry',
      headers: { 'content-type': 'application/jose' },
      payload: jws,
    });
    if (res.statusCode !== 202)
      throw new Error(`demo telemetry ${robot.robotId}: ${res.statusCode} ${res.body}`);
    seq++;
  }
  return seq;
}

/** Seeds the three demo incidents on `robots` (in service, owned by an operator); sets their nextSeq. */
export async function seedDemoIncidents(
  app: App,
  call: Call,
  robots: readonly [DemoRobot, DemoRobot, DemoRobot],
  orgs: Orgs,
  now: number,
): Promise<void> {
  const [fallen, nearMiss, breached] = robots;
  const software = { locomotion: '2.4.0', perception: '5.1.0', 'safety-monitor': '1.8.2' };
  const incident = (token: string, body: object) =>
    call<{ incidentId: string }>(token, 'POST', '/v1/incidents', body);

  // 1. The fall.
  await call(fallen.ownerKey, 'POST', `/v1/robots/${fallen.robotId}/grants`, {
    orgId: orgs.softwareProvider.id,
    scopes: ['software_update', 'telemetry'],
    expiresAt: new Date(now + 365 * 24 * 60 * MIN).toISOString(),
  });
  await call(orgs.softwareProvider.apiKey, 'POST', `/v1/robots/${fallen.robotId}/events`, {
    type: 'software_update',
    occurredAt: new Date(now - 3 * 60 * MIN).toISOString(),
    data: {
      component: 'locomotion',
      fromVersion: '2.3.0',
      toVersion: '2.4.0',
      providerOrgId: orgs.softwareProvider.id,
    },
  });
  const fell = Math.floor((now - 40 * MIN) / 1000) * 1000;
  fallen.nextSeq = await streamWindow(
    app,
    fallen,
    1,
    fell - 30 * MIN,
    40 * 60,
    (t) => ({
      mode: t < fell + 2000 ? 'autonomous' : 'safety_stop',
      source: t < fell + 2000 ? 'nav-stack 4.2.0' : 'safety-monitor 1.8.2',
      ...(t === fell - 3000 ? { faults: ['LOCO_BAL_SW'] } : {}),
    }),
    software,
  );
  const fall = await incident(fallen.ownerKey, {
    robotId: fallen.robotId,
    occurredAt: new Date(fell).toISOString(),
    kind: 'fall',
    severity: 'serious',
    description: 'Lost balance while carrying a door panel and fell against the line guard; no one hurt.',
    location: 'Line 3, station 12',
  });
  await call(orgs.regulator.apiKey, 'POST', `/v1/incidents/${fall.incidentId}/investigation`, {
    status: 'investigating',
    summary: 'Balance controller fault after an update three hours before; evidence secured.',
  });
  const log = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${fall.incidentId}/attachments`,
    headers: {
      authorization: `Bearer ${fallen.ownerKey}`,
      'content-type': 'text/plain',
      'x-filename': 'line3-controller.log',
    },
    payload: `${new Date(fell - 3000).toISOString()} LOCO_BAL_SW balance estimator diverged\n${new Date(fell).toISOString()} contact: line guard\n`,
  });
  if (log.statusCode !== 201) throw new Error(`demo attachment: ${log.statusCode} ${log.body}`);

  // 2. The near miss: a person at a remote station was in control.
  const missed = Math.floor((now - 25 * MIN) / 1000) * 1000;
  nearMiss.nextSeq = await streamWindow(
    app,
    nearMiss,
    1,
    missed - 5 * MIN,
    10 * 60,
    (t) =>
      t >= missed - 2 * MIN
        ? { mode: 'teleoperated', source: 'remote station RS-2 / operator 118' }
        : { mode: 'autonomous', source: 'nav-stack 4.2.0' },
    software,
  );
  await incident(nearMiss.ownerKey, {
    robotId: nearMiss.robotId,
    occurredAt: new Date(missed).toISOString(),
    kind: 'near_miss',
    severity: 'near_miss',
    description: 'Swung a tote within 20 cm of a worker while teleoperated; stopped by the worker.',
  });

  // 3. The data breach: reads of the robot's data, then a leak the owner learns of.
  await call(breached.ownerKey, 'GET', `/v1/robots/${breached.robotId}/events`);
  await call(orgs.maintainer.apiKey, 'GET', `/v1/robots/${breached.robotId}/telemetry?resolution=1h`);
  await call(orgs.maintainer.apiKey, 'GET', `/v1/robots/${breached.robotId}/events`);
  await incident(breached.ownerKey, {
    robotId: breached.robotId,
    occurredAt: new Date(now - 6 * 60 * MIN).toISOString(),
    kind: 'data_breach',
    severity: 'moderate',
    widespread: true,
    description: "The robot's camera stills of the care home's rooms appeared on a public file share.",
  });
}
