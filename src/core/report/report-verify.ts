// The history report checked offline (docs/history-report.md "Verifying a report offline"):
// what a buyer runs on a `roboledger-history-report/1` file with the log's verifier key alone.
// Pure and synchronous. The proof is checked before the signature, so a record deleted,
// reordered or edited is named by its seq and ledger index rather than as "a bad signature":
// the checkpoint's signature, the robot head's, every opening against its leaf and every
// inclusion proof, the records chain complete from seq 0 to the head with each prev link
// right; then the summary recomputed from the opened records; then the report's signature.

import {
  type Checkpoint,
  isLedgerError,
  isRobotChainError,
  type NoteVerifier,
  noteVerifier,
  type OpenedRecord,
  openCheckpoint,
  openRobotHead,
  type RobotHead,
  verifyOpening,
  verifyRobotHistory,
} from '../../ledger/index.js';
import { type ChainFacts, chainFacts } from './chain-facts.js';
import { certificateFromRecords } from './report-certificate.js';
import { REPORT_FORMAT, REPORT_TIERS, type ReportTier, reportSigningBytes } from './report-format.js';

/** Every code a report can fail with (documented in docs/history-report.md). */
export const REPORT_ERROR_CODES = {
  REPORT_MALFORMED:
    'The file is not a roboledger-history-report/1 document: a member is missing or of the wrong type.',
  REPORT_KEY_INVALID: 'The verifier key given is not a note verifier key (name+hash+base64).',
  REPORT_CHECKPOINT_INVALID: "The checkpoint is not signed by the log's key, or is of another log.",
  REPORT_HEAD_INVALID:
    "The robot head is not signed by the log's key, is of another robot or names another tree size than the checkpoint.",
  REPORT_RECORD_INVALID:
    'A record is not included in the checkpoint: its opening does not match its leaf (an edited record, salt or index) or its inclusion proof fails.',
  REPORT_CHAIN_BROKEN:
    'The records chain is not complete and in order from seq 0 to the robot head: a record missing, repeated, reordered, of another robot, or a prev link that does not name the record before it.',
  REPORT_APPROVAL_INVALID:
    "An approval record is not included in the checkpoint, or is not of the robot's model.",
  REPORT_SUMMARY_MISMATCH:
    'The summary says something the opened records do not (owners, incidents, brands, status, usage rollback, the certificate verdict).',
  REPORT_SIGNATURE_INVALID: "The report's signature is not the log key's over the report's canonical JSON.",
} as const satisfies Record<string, string>;

export type ReportErrorCode = keyof typeof REPORT_ERROR_CODES;

/** Why a report does not hold: the check, what it failed on (`record seq 3 (ledger index 41)`), why. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly code: ReportErrorCode,
    readonly subject: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isReportError(error: unknown): error is ReportError {
  return error instanceof ReportError;
}

export interface ReportVerification {
  robotId: string;
  tier: ReportTier;
  generatedAt: string;
  origin: string;
  treeSize: number;
  /** Records opened and proven, seq 0 … head (0 for the public tier, which carries none). */
  records: number;
  approvals: number;
  /** Summary members recomputed from the records and found equal. */
  recomputed: string[];
  /** Summary members taken as signed: the records alone do not decide them. */
  signedOnly: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.message}${typeof code === 'string' ? ` [${code}]` : ''}`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Bytes(value: unknown, subject: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new ReportError('REPORT_MALFORMED', subject, 'not standard padded base64');
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

interface ProvenInput {
  opening: unknown;
  proof: Uint8Array[];
}

function provenList(value: unknown, what: string): ProvenInput[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ReportError('REPORT_MALFORMED', `proof.${what}`, 'not an array');
  return value.map((item, i) => {
    if (!isObject(item) || !Array.isArray(item.inclusion)) {
      throw new ReportError('REPORT_MALFORMED', `proof.${what}[${i}]`, 'no opening and inclusion proof');
    }
    return {
      opening: item.opening,
      proof: item.inclusion.map((h, j) => base64Bytes(h, `proof.${what}[${i}].inclusion[${j}]`)),
    };
  });
}

function openNotes(
  proof: Json,
  log: NoteVerifier,
  robotId: string,
): { checkpoint: Checkpoint; head: RobotHead } {
  if (typeof proof.checkpoint !== 'string' || typeof proof.head !== 'string') {
    throw new ReportError('REPORT_MALFORMED', 'proof', 'no checkpoint or head note');
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(proof.checkpoint, [log], { origin: log.name }).checkpoint;
  } catch (error) {
    throw new ReportError('REPORT_CHECKPOINT_INVALID', 'checkpoint', describe(error), { cause: error });
  }
  let head: RobotHead;
  try {
    head = openRobotHead(proof.head, [log], { origin: log.name }).head;
  } catch (error) {
    throw new ReportError('REPORT_HEAD_INVALID', 'robot head', describe(error), { cause: error });
  }
  if (head.treeSize !== checkpoint.size) {
    throw new ReportError(
      'REPORT_HEAD_INVALID',
      'robot head',
      `the head is at tree size ${head.treeSize}, the checkpoint ${checkpoint.size}`,
    );
  }
  if (head.robotId !== robotId) {
    throw new ReportError(
      'REPORT_HEAD_INVALID',
      'robot head',
      `the head is of ${head.robotId}, the report of ${robotId}`,
    );
  }
  return { checkpoint, head };
}

function provenHistory(
  head: RobotHead,
  checkpoint: Checkpoint,
  records: ProvenInput[],
): readonly OpenedRecord[] {
  try {
    return verifyRobotHistory({ head, checkpoint, records: records as never }).records;
  } catch (error) {
    if (isRobotChainError(error)) {
      const at = error.index === undefined ? '' : ` (ledger index ${error.index})`;
      const opening =
        error.code === 'OPENING_NOT_INCLUDED' ||
        error.code.startsWith('OPENING_') ||
        error.code === 'RECORD_NOT_CANONICAL' ||
        error.code.startsWith('PROOF_') ||
        error.code === 'HASH_WRONG_LENGTH';
      throw new ReportError(
        opening ? 'REPORT_RECORD_INVALID' : 'REPORT_CHAIN_BROKEN',
        `record seq ${error.seq}${at}`,
        describe(error),
        { cause: error },
      );
    }
    if (isLedgerError(error))
      throw new ReportError('REPORT_CHAIN_BROKEN', 'records', describe(error), { cause: error });
    throw error;
  }
}

function provenApprovals(list: ProvenInput[], checkpoint: Checkpoint, modelId: string | null): Json[] {
  return list.map((item, i) => {
    const subject = `approval ${i}${isObject(item.opening) ? ` (ledger index ${String(item.opening.index)})` : ''}`;
    let opened: OpenedRecord;
    try {
      opened = verifyOpening(item.opening as never, checkpoint, item.proof);
    } catch (error) {
      throw new ReportError('REPORT_APPROVAL_INVALID', subject, describe(error), { cause: error });
    }
    const record = opened.record;
    if (!isObject(record) || record.modelId !== modelId) {
      throw new ReportError(
        'REPORT_APPROVAL_INVALID',
        subject,
        "not an approval record of the robot's model",
      );
    }
    return record;
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function checkSummary(
  summary: Json,
  facts: ChainFacts,
  certificate: { valid: boolean; reasons: string[]; approvalId: string | null },
): string[] {
  const expected: [string, unknown, unknown][] = [
    ['status', summary.status, facts.status],
    ['owners', summary.owners, facts.ownership.length],
    ['incidents', summary.incidents, facts.incidents],
    ['seriousIncidents', summary.seriousIncidents, facts.seriousIncidents],
    ['brands', summary.brands, facts.brands],
    ['usageRollback', summary.usageRollback, facts.usageRollback],
  ];
  const shown = isObject(summary.certificate) ? summary.certificate : {};
  expected.push(['certificate.valid', shown.valid, certificate.valid]);
  expected.push(['certificate.reasons', shown.reasons, certificate.reasons]);
  expected.push(['certificate.approvalId', shown.approvalId, certificate.approvalId]);
  for (const [name, shown, recomputed] of expected) {
    if (!same(shown, recomputed)) {
      throw new ReportError(
        'REPORT_SUMMARY_MISMATCH',
        `summary.${name}`,
        `the report says ${JSON.stringify(shown)}, the records ${JSON.stringify(recomputed)}`,
      );
    }
  }
  return expected.map(([name]) => name);
}

function checkSignature(report: Json, log: NoteVerifier): void {
  const signature = base64Bytes(report.signature, 'signature');
  let bytes: Uint8Array;
  try {
    bytes = reportSigningBytes(report);
  } catch (error) {
    throw new ReportError('REPORT_MALFORMED', 'report', describe(error), { cause: error });
  }
  if (!log.verify(bytes, signature)) {
    throw new ReportError(
      'REPORT_SIGNATURE_INVALID',
      'signature',
      `not ${log.name}'s signature over the report: a member outside the proven records was changed`,
    );
  }
}

/** Verifies a parsed report with the log's verifier key; throws a ReportError naming the failure. */
export function verifyHistoryReport(report: unknown, verifierKey: string): ReportVerification {
  let log: NoteVerifier;
  try {
    log = noteVerifier(verifierKey);
  } catch (error) {
    throw new ReportError('REPORT_KEY_INVALID', 'key', describe(error), { cause: error });
  }
  if (!isObject(report) || report.format !== REPORT_FORMAT) {
    throw new ReportError('REPORT_MALFORMED', 'report', `not a ${REPORT_FORMAT} document`);
  }
  const { robotId, tier, generatedAt, summary, proof } = report;
  if (
    typeof robotId !== 'string' ||
    typeof generatedAt !== 'string' ||
    !(REPORT_TIERS as readonly unknown[]).includes(tier) ||
    !isObject(summary) ||
    !isObject(proof)
  ) {
    throw new ReportError(
      'REPORT_MALFORMED',
      'report',
      'robotId, generatedAt, tier, summary or proof missing',
    );
  }
  const { checkpoint, head } = openNotes(proof, log, robotId);
  const base = {
    robotId,
    tier: tier as ReportTier,
    generatedAt,
    origin: checkpoint.origin,
    treeSize: checkpoint.size,
  };
  if (tier === 'public') {
    checkSignature(report, log);
    return { ...base, records: 0, approvals: 0, recomputed: [], signedOnly: Object.keys(summary) };
  }
  if (!Array.isArray(proof.records))
    throw new ReportError('REPORT_MALFORMED', 'proof.records', 'not an array');
  const records = provenHistory(head, checkpoint, provenList(proof.records, 'records'));
  const facts = chainFacts(records.map((r) => r.record));
  const approvals = provenApprovals(provenList(proof.approvals, 'approvals'), checkpoint, facts.modelId);
  const now = new Date(generatedAt);
  const certificate = { ...certificateFromRecords(facts, approvals, now), approvalId: facts.approvalId };
  const recomputed = checkSummary(summary, facts, certificate);
  checkSignature(report, log);
  const checked = new Set(recomputed.map((n) => n.split('.')[0]));
  return {
    ...base,
    records: records.length,
    approvals: approvals.length,
    recomputed,
    signedOnly: Object.keys(summary).filter((name) => !checked.has(name)),
  };
}
