// Every kind of record the platform puts into its ledger, in one list: the ledger writer
// refuses any other kind, and `roboledger audit` rebuilds entries with exactly these.

import { RecordKinds } from '../ledger/record-kinds.js';
import { ledgerWitnessRecord } from '../ledger/witness-service.js';
import {
  robotBrandRecord,
  typeApprovalExtensionRecord,
  typeApprovalRecord,
} from './approvals/approval-records.js';
import {
  faultCodeRecord,
  hardwareRevisionRecord,
  modelRecord,
  siteRecord,
} from './catalogue/catalogue-records.js';
import { storageMediumRecord } from './end-of-life/end-of-life-records.js';
import { grantRecord, grantRevocationRecord } from './grants/grant-records.js';
import { healthAdvisoryRecord } from './health/health-records.js';
import {
  incidentEvidenceRecord,
  incidentFindingsRecord,
  incidentHoldRecord,
  incidentInvestigationRecord,
  incidentRecord,
} from './incidents/incident-records.js';
import { apiKeyRecord, apiKeyRevocationRecord, organisationRecord } from './orgs/org-records.js';
import { recallCampaignRecord, recallDeclineRecord } from './recalls/recall-records.js';
import { robotEventRecord } from './robots/robot-records.js';
import {
  telemetryAlertAckRecord,
  telemetryAlertRecord,
  telemetryBatchRecord,
  telemetrySeqConflictRecord,
} from './telemetry/telemetry-records.js';
import { transferDecisionRecord, transferRecord } from './transfers/transfer-records.js';

export const LEDGERED_RECORD_KINDS = [
  organisationRecord,
  apiKeyRecord,
  apiKeyRevocationRecord,
  modelRecord,
  hardwareRevisionRecord,
  faultCodeRecord,
  siteRecord,
  robotEventRecord,
  transferRecord,
  transferDecisionRecord,
  grantRecord,
  grantRevocationRecord,
  telemetryBatchRecord,
  telemetryAlertRecord,
  telemetryAlertAckRecord,
  telemetrySeqConflictRecord,
  incidentRecord,
  incidentEvidenceRecord,
  incidentHoldRecord,
  incidentInvestigationRecord,
  incidentFindingsRecord,
  storageMediumRecord,
  healthAdvisoryRecord,
  recallCampaignRecord,
  recallDeclineRecord,
  typeApprovalRecord,
  typeApprovalExtensionRecord,
  robotBrandRecord,
  ledgerWitnessRecord,
] as const;

/** The platform's record kinds, for the ledger writer and audit. */
export function platformRecordKinds(): RecordKinds {
  return new RecordKinds(LEDGERED_RECORD_KINDS);
}
