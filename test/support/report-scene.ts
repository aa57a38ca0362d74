// A robot with a history worth reporting, made through the API (and, for what the approvals
// routes own, straight through the ledger writer with their record kinds): sold once, deployed,
// updated, an incident with findings and a brand.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  type RobotBrandRow,
  robotBrandRecord,
  type TypeApprovalRow,
  typeApprovalRecord,
} from '../../src/server/features/approvals/approval-records.js';
import { appendRecord } from '../../src/server/ledger/record-kinds.js';
import { ADMIN_TOKEN, createOrg, type TestPlatform } from './app.js';
import { type FiledRobot, fileRobot, type OrgRef, recordEvent, transferRobot } from './fleet.js';

export interface ReportScene {
  maker: OrgRef;
  owner: OrgRef;
  regulator: OrgRef;
  robot: FiledRobot;
  incidentId: string;
}

/** Ledgers a brand on the robot as the registry would (the approvals feature's record kind). */
export async function ledgerBrand(
  p: TestPlatform,
  robotId: string,
  brand: string,
  incidentId: string | null,
) {
  await p.ctx.ledger.run(async (tx, ledger) => {
    const { rows } = await tx.query<RobotBrandRow>(
      `INSERT INTO robot_brands (id, robot_uuid, robot_id, brand, note, incident_id, issuer_org_id, recorded_at, ledger_index)
       SELECT $1, r.id, r.robot_id, $2, NULL, $3, $4, $5, $6 FROM robots r WHERE r.robot_id = $7 RETURNING *`,
      [randomUUID(), brand, incidentId, p.ctx.registryOrgId, p.ctx.clock(), ledger.nextIndex, robotId],
    );
    await appendRecord(tx, ledger, robotBrandRecord, rows[0]!.id, rows[0]!);
  });
}

/** Ledgers a type approval of a model (the approvals feature's record kind). */
export async function ledgerApproval(
  p: TestPlatform,
  modelId: string,
  approvalId: string,
  terms: { hardwareRevisions: string[]; software: Record<string, string[]>; validUntil: string },
) {
  await p.ctx.ledger.run(async (tx, ledger) => {
    const { rows } = await tx.query<TypeApprovalRow>(
      `INSERT INTO type_approvals (model_id, approval_id, scheme, standards, hardware_revisions, software,
                                   valid_until, issuer_org_id, recorded_at, ledger_index)
       VALUES ($1, $2, 'CR', '["GB 1"]', $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        modelId,
        approvalId,
        JSON.stringify(terms.hardwareRevisions),
        JSON.stringify(terms.software),
        terms.validUntil,
        p.ctx.registryOrgId,
        p.ctx.clock(),
        ledger.nextIndex,
      ],
    );
    await appendRecord(tx, ledger, typeApprovalRecord, `${modelId}/${approvalId}`, rows[0]!);
  });
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
  await ledgerBrand(p, robot.robotId, 'structural_damage', incidentId);
  return { maker, owner, regulator, robot, incidentId };
}
