// The robot history report's shape (docs/history-report.md): its format name, tiers and JSON
// types. Imports nothing, so the browser console can type what it reads with the very
// definitions the server builds from, without pulling in the server's crypto
// (report-format.ts adds the signing bytes and re-exports all of this).

export const REPORT_FORMAT = 'roboledger-history-report/1';

/**
 * Who the report is for, most to least told: `authority` (registry, regulators) and `owner`
 * (the owner, the manufacturer) see organisations by name; `buyer` (the recipient of a pending
 * transfer, or whoever holds a live share token) sees earlier owners by kind and period and no
 * incident evidence; `public` sees the summary and the identity only.
 */
export const REPORT_TIERS = ['authority', 'owner', 'buyer', 'public'] as const;
export type ReportTier = (typeof REPORT_TIERS)[number];

/** A stretch of time, RFC 3339 ends. */
export interface ReportSpan {
  from: string;
  to: string;
}

/** One record of the robot's records chain with what proves it: its opening and inclusion proof. */
export interface ReportProvenRecord {
  opening: { index: number; kind: string; salt: string; record: string };
  /** Base64 hashes, the inclusion proof at the checkpoint's tree size. */
  inclusion: string[];
}

export interface ReportProof {
  /** The signed checkpoint every inclusion proof is against. */
  checkpoint: string;
  /** The robot head at that checkpoint's size: the last seq of the records chain. */
  head: string;
  /** Every record of the records chain, seq 0 to the head's seq, in chain order (not in `public`). */
  records?: ReportProvenRecord[];
  /** The model's type approval and its extensions, which the certificate verdict rests on. */
  approvals?: ReportProvenRecord[];
}

export interface ReportSummary {
  status: string | null;
  /** Ownership periods: the first owner, then one per accepted transfer. */
  owners: number;
  incidents: number;
  /** Of which fatal or serious. */
  seriousIncidents: number;
  brands: string[];
  openRecalls: number;
  certificate: { valid: boolean; reasons: string[]; approvalId: string | null };
  operatingHours: number | null;
  usageRollback: boolean;
  batterySohPct: number | null;
  worstJointWear: number | null;
  intelligenceLevel: number;
}

/** The report as JSON; members beyond the summary are absent in the `public` tier. */
export interface HistoryReport {
  format: typeof REPORT_FORMAT;
  robotId: string;
  generatedAt: string;
  tier: ReportTier;
  summary: ReportSummary;
  identity: Record<string, unknown>;
  configuration?: Record<string, unknown>;
  sections?: Record<string, unknown[]>;
  health?: Record<string, unknown>;
  coverage?: { telemetryGaps: ReportSpan[]; lateRecords: number };
  proof: ReportProof;
  signature: string;
}
