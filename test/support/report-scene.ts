// A robot with a history worth reporting, made through the API: sold once, deployed, updated,
// an incident with findings and a brand.
import { expect } from 'vitest';
import { ADMIN_TOKEN, createOrg, type TestPlatform } from './app.js';
import { type FiledRobot, fileRobot, type OrgRef, recordEvent, transferRobot } from './fleet.js';

export interface ReportScene {
  maker: OrgRef;
  owner: OrgRef;
  regulator: OrgRef;
  robot: FiledRobot;
  incidentId: string;
}

export async function buildReportScene(p: TestPlatform): Promise<ReportScene> {
  const [maker, owner, regulator] = await Promise.all([
    createOrg(p, 'manufacturer'),
    createOrg(p, 'operator'),
    createOrg(p, 'regulator'),
  ]);
  const robot = await fileRobot(p, maker);
  await transferRobot(p, robot.robotId, maker, owner);
  await recordEvent(p, robot.robotId, owner, 'deployment', { siteName: 'Hall 3' });
  await recordEvent(p, robot.robotId, owner, 'software_update', {
    component: 'locomotion',
    fromVersion: '2.3.0',
    toVersion: '2.3.1',
  });
  const reported = await p.call('POST', '/v1/incidents', {
    token: owner.apiKey,
    body: {
      robotId: robot.robotId,
      occurredAt: p.ctx.clock().toISOString(),
      kind: 'collision',
      severity: 'minor',
      description: 'bumped a shelf',
    },
  });
  expect(reported.statusCode, reported.body).toBe(201);
  const incidentId = reported.json().incidentId as string;
  const url = `/v1/incidents/${incidentId}`;
  const started = await p.call('POST', `${url}/investigation`, {
    token: ADMIN_TOKEN,
    body: { status: 'investigating' },
  });
  expect(started.statusCode, started.body).toBe(200);
  const findings = await p.call('POST', `${url}/findings`, {
    token: regulator.apiKey,
    body: {
      parties: [
        { role: 'operator', orgId: owner.id, responsibility: 'primary', basis: [], note: 'too fast' },
      ],
      conclusion: 'The robot ran too fast for the aisle.',
    },
  });
  expect(findings.statusCode, findings.body).toBe(201);
  const branded = await p.call('POST', `/v1/robots/${robot.robotId}/brands`, {
    token: ADMIN_TOKEN,
    body: { brand: 'structural_damage', incidentId, note: 'frame bent in the collision' },
  });
  expect(branded.statusCode, branded.body).toBe(201);
  return { maker, owner, regulator, robot, incidentId };
}
