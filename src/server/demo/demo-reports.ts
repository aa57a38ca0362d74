// The demo's history reports (docs/history-report.md), made through the public API like the
// rest of the demo: four in-service robots of one model whose reports each show one thing:
// - a clean history: sold, deployed, evaluated, nothing else;
// - an incident with findings and a brand: a collision the regulator investigated, its
//   findings recorded, and the registry's `structural_damage` brand naming the incident;
// - an invalid certificate: certified under approval DEMO-TA-1, then updated to a locomotion
//   version that approval does not list (`software_not_approved`);
// - a valid certificate again: the same update under approval DEMO-TA-2, which the regulator
//   then extended to the new version.
import type { DemoRobot } from './demo-fleet.js';

type Call = <T = Record<string, unknown>>(
  token: string,
  method: 'POST' | 'GET',
  url: string,
  body?: object,
) => Promise<T>;

export interface DemoReports {
  clean: string;
  incident: string;
  invalidCertificate: string;
  validCertificate: string;
}

/** Picks four in-service robots of one model not used by the other demo stories, and makes their histories. */
export async function seedDemoReports(
  call: Call,
  adminToken: string,
  regulator: { apiKey: string },
  robots: readonly DemoRobot[],
  taken: ReadonlySet<string>,
  now: number,
): Promise<DemoReports> {
  const free = robots.filter((r) => r.status === 'in_service' && !taken.has(r.robotId));
  const modelOf = async (r: DemoRobot) =>
    (await call<{ model: { id: string } }>(r.ownerKey, 'GET', `/v1/robots/${r.robotId}`)).model.id;
  const byModel = new Map<string, DemoRobot[]>();
  for (const r of free) {
    const model = await modelOf(r);
    const list = byModel.get(model) ?? [];
    list.push(r);
    byModel.set(model, list);
    if (list.length === 4) break;
  }
  const [modelId, picked] = [...byModel.entries()].find(([, list]) => list.length === 4) ?? [];
  if (!modelId || !picked) throw new Error('the demo fleet has no four in-service robots of one model');
  const [clean, damaged, invalid, valid] = picked as [DemoRobot, DemoRobot, DemoRobot, DemoRobot];

  // The incident with findings, and the brand it earned.
  const incident = await call<{ incidentId: string }>(damaged.ownerKey, 'POST', '/v1/incidents', {
    robotId: damaged.robotId,
    occurredAt: new Date(now - 3 * 86_400_000).toISOString(),
    kind: 'collision',
    severity: 'moderate',
    description: 'Reversed into a loading dock pillar at walking speed; the hip frame bent.',
  });
  await call(adminToken, 'POST', `/v1/incidents/${incident.incidentId}/investigation`, {
    status: 'investigating',
    summary: 'Frame damage assessed on site.',
  });
  const owner = await call<{ owner: { id: string } }>(
    damaged.ownerKey,
    'GET',
    `/v1/robots/${damaged.robotId}`,
  );
  await call(regulator.apiKey, 'POST', `/v1/incidents/${incident.incidentId}/findings`, {
    parties: [{ role: 'operator', orgId: owner.owner.id, responsibility: 'primary', basis: [] }],
    conclusion: 'The rear sensor was masked by a loose cover; the operator had not inspected it.',
  });
  await call(adminToken, 'POST', `/v1/robots/${damaged.robotId}/brands`, {
    brand: 'structural_damage',
    incidentId: incident.incidentId,
    note: 'Hip frame bent in a collision; repaired by the owner.',
  });

  // Two approvals of the model, each certifying one robot, then the same unapproved update.
  for (const [approvalId, robot] of [
    ['DEMO-TA-1', invalid],
    ['DEMO-TA-2', valid],
  ] as const) {
    await call(regulator.apiKey, 'POST', `/v1/models/${modelId}/approvals`, {
      approvalId,
      scheme: 'CR',
      standards: ['GB/T 1000-2026'],
      hardwareRevisions: ['1', 'A'],
      software: { locomotion: ['2.3.1'] },
      validUntil: new Date(now + 2 * 365 * 86_400_000).toISOString(),
    });
    const event = (token: string, type: string, data: object) =>
      call(token, 'POST', `/v1/robots/${robot.robotId}/events`, { type, data });
    await event(robot.ownerKey, 'software_update', { component: 'locomotion', toVersion: '2.3.1' });
    await event(regulator.apiKey, 'certification', {
      certificate: `${approvalId}-C`,
      scheme: 'CR',
      validUntil: new Date(now + 365 * 86_400_000).toISOString().slice(0, 10),
      approvalId,
    });
    await event(robot.ownerKey, 'software_update', {
      component: 'locomotion',
      fromVersion: '2.3.1',
      toVersion: '2.4.0',
    });
  }
  await call(regulator.apiKey, 'POST', `/v1/models/${modelId}/approvals/DEMO-TA-2/extensions`, {
    hardwareRevisions: [],
    software: { locomotion: ['2.4.0'] },
  });
  return {
    clean: clean.robotId,
    incident: damaged.robotId,
    invalidCertificate: invalid.robotId,
    validCertificate: valid.robotId,
  };
}
