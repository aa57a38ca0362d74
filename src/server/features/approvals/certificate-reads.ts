// A robot's certificate as it stands now (docs/certificates.md "Certificate"): the approval
// named by its latest certification event (as extended since), held against its configuration
// (hardware revision; per software component the version of its latest software update), its
// brands and any active incident hold. The pure verdict is core/certificate.ts's.
import {
  type CertificateVerdict,
  certificateVerdict,
  type RobotConfiguration,
} from '../../../core/certificate.js';
import { PlatformError } from '../../../core/errors.js';
import type { SqlClient } from '../../db/sql-client.js';
import { loadExtendedApproval } from './approval-service.js';
import { robotBrandNames } from './brand-service.js';

export type Certificate = CertificateVerdict & { approvalId: string | null };

/** The robot's configuration: its hardware revision and the latest installed version of each component. */
export async function robotConfiguration(
  client: SqlClient,
  robotUuid: string,
): Promise<RobotConfiguration | null> {
  const robot = await client.query<{ hardware_revision: string }>(
    'SELECT hardware_revision::text AS hardware_revision FROM robots WHERE id = $1',
    [robotUuid],
  );
  if (!robot.rows[0]) return null;
  const { rows } = await client.query<{ component: string; version: string }>(
    `SELECT DISTINCT ON (data->>'component') data->>'component' AS component, data->>'toVersion' AS version
       FROM robot_events WHERE robot_uuid = $1 AND type = 'software_update'
      ORDER BY data->>'component', ledger_index DESC`,
    [robotUuid],
  );
  return { hardwareRevision: robot.rows[0].hardware_revision, software: rows };
}

/** The certificate of the robot with internal id `robotUuid` at `now`. */
export async function loadCertificate(client: SqlClient, robotUuid: string, now: Date): Promise<Certificate> {
  const configuration = await robotConfiguration(client, robotUuid);
  if (!configuration) throw new PlatformError('ROBOT_NOT_FOUND', 'no such robot');
  const { rows } = await client.query<{ model_id: string; approval_id: string | null; hold: boolean }>(
    `SELECT r.model_id,
            (SELECT e.data->>'approvalId' FROM robot_events e
              WHERE e.robot_uuid = r.id AND e.type = 'certification'
              ORDER BY e.ledger_index DESC LIMIT 1) AS approval_id,
            EXISTS (SELECT 1 FROM incidents i WHERE i.robot_uuid = r.id AND i.hold_active) AS hold
       FROM robots r WHERE r.id = $1`,
    [robotUuid],
  );
  const { model_id: modelId, approval_id: approvalId, hold } = rows[0]!;
  // A certification naming no approval (or none at all) certifies nothing this check can hold
  // the robot to: the certificate is then `none`.
  const approval = approvalId === null ? null : await loadExtendedApproval(client, modelId, approvalId);
  const verdict = certificateVerdict({
    now,
    approval,
    configuration,
    brands: await robotBrandNames(client, robotUuid),
    holdActive: hold,
  });
  return { ...verdict, approvalId: approval === null ? null : approvalId };
}
