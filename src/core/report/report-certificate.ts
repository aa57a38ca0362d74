// The certificate verdict from proven records (docs/history-report.md "The certificate"): the
// approval named by the robot's latest certification, extended by every extension among the
// approval records, against the configuration, brands and holds the records chain shows. The
// server computes the report's verdict with this function, and the offline verifier recomputes
// it from the same opened records, so both read the same facts the same way.
import {
  type ApprovalExtension,
  type ApprovalTerms,
  type CertificateVerdict,
  certificateVerdict,
  extendApproval,
} from '../certificate.js';
import type { ChainFacts } from './chain-facts.js';

type Json = Record<string, unknown>;

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

function softwareOf(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [component, versions] of Object.entries(v)) out[component] = strings(versions);
  return out;
}

/** The approval terms named by `approvalId` among the approval records, extended; null if none. */
export function approvalFromRecords(
  approvalId: string | null,
  records: readonly Json[],
): ApprovalTerms | null {
  if (approvalId === null) return null;
  const approval = records.find((r) => r.kind === 'type_approval' && r.approvalId === approvalId);
  if (!approval) return null;
  const extensions: ApprovalExtension[] = records
    .filter((r) => r.kind === 'type_approval_extension' && r.approvalId === approvalId)
    .map((r) => ({ hardwareRevisions: strings(r.hardwareRevisions), software: softwareOf(r.software) }));
  return extendApproval(
    {
      approvalId,
      modelId: String(approval.modelId),
      scheme: String(approval.scheme),
      standards: strings(approval.standards),
      hardwareRevisions: strings(approval.hardwareRevisions),
      software: softwareOf(approval.software),
      validUntil: String(approval.validUntil),
    },
    extensions,
  );
}

/** The verdict at `now` from the chain's facts and the approval records. */
export function certificateFromRecords(
  facts: ChainFacts,
  approvalRecords: readonly Json[],
  now: Date,
): CertificateVerdict {
  return certificateVerdict({
    now,
    approval: approvalFromRecords(facts.approvalId, approvalRecords),
    configuration: {
      hardwareRevision: facts.hardwareRevision ?? '',
      software: facts.software.map((s) => ({ component: s.component, version: s.version })),
    },
    brands: facts.brands,
    holdActive: facts.holdActive,
  });
}
