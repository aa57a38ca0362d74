// Group commit of telemetry: all batches accepted while the previous transaction was committing
// are written together as ONE unit of work of the ledger writer — one transaction, one WAL
// flush — with multi-row inserts (arrays unnested server-side), their rollups merged in the
// same transaction and one ledger leaf per batch. A batch is acknowledged only after this
// transaction committed, and it is either all there (batch row, samples, rollups, leaf) or not.
//
// The ledger writer holds the head row lock for the transaction, so telemetry writers of
// several processes take turns: the (robot, seq) duplicate check below cannot race.
//
// The SQL and its parameters are in telemetry-group-sql.ts, the alerts in telemetry-alert-writer.ts,
// sequence conflicts and usage-counter rollbacks in telemetry-evidence-writer.ts.

import { PlatformError } from '../../../core/errors.js';
import { acceptsTelemetry } from '../../../core/lifecycle.js';
import type { NamedStatement, SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecords } from '../../ledger/record-kinds.js';
import type { CheckedBatch } from './batch-check.js';
import type { IngestRobot } from './robot-directory.js';
import { copyBatchJws, copyBinarySampleRows, insertSampleLines } from './sample-copy.js';
import { raiseAlerts } from './telemetry-alert-writer.js';
import { recordCounterRollbacks, recordSeqConflicts, type SeqConflict } from './telemetry-evidence-writer.js';
import {
  CHECK_SQL,
  concat,
  GROUP_WRITE_SQL,
  type GroupCheck,
  INACTIVE_STATUSES,
  OPTIMISTIC_COPY_SQL,
  OPTIMISTIC_INLINE_SQL,
  writeParams,
} from './telemetry-group-sql.js';
import { type TelemetryBatchRow, telemetryBatchRecord } from './telemetry-records.js';

/** A verified batch waiting for the next group commit. */
export interface VerifiedBatch {
  robot: IngestRobot;
  kid: string;
  checked: CheckedBatch;
  /** The compact JWS exactly as received: stored with the samples (telemetry_batch_jws). */
  jws: string;
}

export type WriteOutcome =
  | { status: 'stored'; accepted: number; ledgerIndex: number }
  | { status: 'duplicate'; accepted: number }
  | {
      status: 'refused';
      code:
        | 'TELEMETRY_ROBOT_INACTIVE'
        | 'TELEMETRY_KEY_RETIRED'
        | 'TELEMETRY_KEY_UNKNOWN'
        /** Refused by the database when written alone (TelemetryIngest isolates it). */
        | 'TELEMETRY_UNPROCESSABLE'
        /** Its (robot, seq) is stored with another digest: refused, the attempt recorded. */
        | 'TELEMETRY_SEQ_CONFLICT';
      message: string;
      details?: Record<string, unknown>;
    };

/**
 * Groups whose sample text is at most this long are inserted by the group's one statement
 * (split and cast by SQL, sample-copy.ts) instead of a COPY of their own: one round trip fewer,
 * which for small batches (single-sample messages) costs more than the parsing it saves.
 */
export const INLINE_SAMPLE_BYTES = 128 * 1024;

/**
 * The group statements are named (prepared once per PostgreSQL connection): they are long, and
 * parsing and planning them again for every group costs the database more than many of the rows
 * they write.
 */
function statement(name: string, text: string): NamedStatement {
  return { name, text };
}

export interface TelemetryWriterState {
  /** Robots known to have an active alert (a hint: robots in a batch with conditions are always checked). */
  robotsWithActiveAlerts: Set<string>;
}

type Outcomes = (WriteOutcome | undefined)[];

/** The rules of the checks, per batch: a refusal or duplicate outcome, or undefined (fresh). */
function settle(b: VerifiedBatch, check: GroupCheck, now: Date): WriteOutcome | undefined {
  if (!check.status) {
    return { status: 'refused', code: 'TELEMETRY_KEY_UNKNOWN', message: 'the robot is no longer registered' };
  }
  if (!acceptsTelemetry(check.status as never)) {
    return {
      status: 'refused',
      code: 'TELEMETRY_ROBOT_INACTIVE',
      message: `the robot is ${check.status} and sends no more telemetry`,
    };
  }
  if (!check.known) {
    return { status: 'refused', code: 'TELEMETRY_KEY_UNKNOWN', message: 'the signing key is not registered' };
  }
  // By receive time, not by the sample times the batch claims (batch-check.ts says why).
  if (check.retired_at && now.getTime() >= check.retired_at.getTime()) {
    return {
      status: 'refused',
      code: 'TELEMETRY_KEY_RETIRED',
      message: 'the batch is signed with a retired device key',
    };
  }
  if (check.stored) {
    const accepted = check.stored_sha256 ? Buffer.from(check.stored_sha256).toString('hex') : '';
    if (accepted === b.checked.jwsSha256) return { status: 'duplicate', accepted: b.checked.sampleCount };
    return seqConflict(b, accepted);
  }
  return undefined;
}

/** The refusal of a batch whose (robot, seq) was accepted with the digest `accepted` (hex). */
function seqConflict(b: VerifiedBatch, accepted: string): WriteOutcome {
  return {
    status: 'refused',
    code: 'TELEMETRY_SEQ_CONFLICT',
    message: `seq ${b.checked.seq} was already accepted with other contents; the batch is not stored`,
    details: { seq: b.checked.seq, jwsSha256: b.checked.jwsSha256, acceptedJwsSha256: accepted },
  };
}

/** The ledger leaves of stored batches, in order; their indices must be the ones written in their rows. */
async function appendLeaves(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  firstIndex: number,
): Promise<void> {
  const items = batches.map((b, i) => {
    const row: TelemetryBatchRow = {
      robot_uuid: b.robot.robotUuid,
      seq: b.checked.seq,
      robot_id: b.kid,
      jws_sha256: Buffer.from(b.checked.jwsSha256, 'hex'),
      first_sample_at: new Date(b.checked.firstMs),
      last_sample_at: new Date(b.checked.lastMs),
      sample_count: b.checked.sampleCount,
      received_at: now,
      public_key: b.robot.keyBytes[b.checked.keyIndex]!,
      ledger_index: firstIndex + i,
    };
    return { id: `${row.robot_uuid}:${row.seq}`, row };
  });
  // Each batch is the next link of its robot's batch chain (one read of the chain heads).
  const indices = await appendRecords(tx, ledger, telemetryBatchRecord, items);
  indices.forEach((index, i) => {
    if (index !== firstIndex + i) {
      throw new PlatformError(
        'INTERNAL_INVARIANT',
        `telemetry leaf ${index} is not the expected ${firstIndex + i}`,
      );
    }
  });
}

/** The COPY text of a group's samples, batch after batch (of the batches checked as text). */
export function groupLines(batches: readonly VerifiedBatch[]): string {
  let lines = '';
  for (const b of batches) lines += b.checked.lines;
  return lines;
}

/**
 * Whether the group's samples fit in its optimistic statement: all are text (as on PGlite)
 * and short; otherwise they are written by writeGroupSamples, a COPY of their own.
 */
export function samplesInline(batches: readonly VerifiedBatch[]): boolean {
  let length = 0;
  for (const b of batches) {
    if (b.checked.rows) return false;
    length += b.checked.lines.length;
  }
  return length <= INLINE_SAMPLE_BYTES;
}

/**
 * Writes the samples of `batches` (binary COPY for those checked as binary rows, text for the
 * rest) and their JWS, kept as long as the samples (copyBatchJws).
 */
export async function writeGroupSamples(tx: SqlClient, batches: readonly VerifiedBatch[]): Promise<void> {
  const rows: Uint8Array[] = [];
  for (const b of batches) if (b.checked.rows) rows.push(b.checked.rows);
  if (rows.length > 0) await copyBinarySampleRows(tx, rows);
  const lines = groupLines(batches);
  if (lines.length > 0) await insertSampleLines(tx, lines);
  if (batches.length > 0) await copyBatchJws(tx, batches.map(jwsRow));
}

function jwsRow(b: VerifiedBatch) {
  return {
    robotUuid: b.robot.robotUuid,
    seq: b.checked.seq,
    firstMs: b.checked.firstMs,
    lastMs: b.checked.lastMs,
    jws: b.jws,
  };
}

/**
 * The software reports of the stored batches that carry `software` (telemetry_software_reports,
 * docs/telemetry.md "Software and control"), in the batches' transaction: one statement, and
 * none at all for a group without any (most groups: robots send it at start-up and on change).
 */
export async function writeSoftwareReports(tx: SqlClient, batches: readonly VerifiedBatch[]): Promise<void> {
  const reporting = batches.filter((b) => b.checked.software !== undefined);
  if (reporting.length === 0) return;
  await tx.query(
    `INSERT INTO telemetry_software_reports (robot_uuid, seq, reported_at, software)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[]::jsonb[])`,
    [
      reporting.map((b) => b.robot.robotUuid),
      reporting.map((b) => b.checked.seq),
      reporting.map((b) => new Date(b.checked.firstMs)),
      reporting.map((b) => JSON.stringify(b.checked.software)),
    ],
  );
}

/** Whether no (robot, seq) comes twice in the group. */
function allDistinct(batches: readonly VerifiedBatch[]): boolean {
  const ids = new Set<string>();
  for (const b of batches) ids.add(`${b.robot.robotUuid}|${b.checked.seq}`);
  return ids.size === batches.length;
}

/**
 * The optimistic statement of a group of distinct batches, then, if it wrote, their leaves and
 * alerts: `written` with the outcomes; else the checks, nothing written. The samples go in the
 * statement when `inlineLines` is given; otherwise the caller writes them (before or after).
 */
async function writeOptimistic(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
  inlineLines: string | undefined,
): Promise<{ written: WriteOutcome[]; checks?: never } | { written?: never; checks: GroupCheck[] }> {
  const firstIndex = ledger.nextIndex;
  const result = await tx.query<GroupCheck & { go: boolean }>(
    inlineLines !== undefined
      ? statement('telemetry_group_inline', OPTIMISTIC_INLINE_SQL)
      : statement('telemetry_group_copy', OPTIMISTIC_COPY_SQL),
    [
      ...writeParams(batches, now, firstIndex),
      INACTIVE_STATUSES,
      ...(inlineLines !== undefined ? [inlineLines, batches.map((b) => b.jws).join('\n')] : []),
    ],
  );
  if (!result.rows[0]?.go) return { checks: result.rows };
  await appendLeaves(tx, ledger, batches, now, firstIndex);
  await writeSoftwareReports(tx, batches);
  await raiseAlerts(tx, ledger, batches, now, state);
  await recordCounterRollbacks(tx, ledger, batches, result.rows, now);
  return {
    written: batches.map((b, i) => ({
      status: 'stored',
      accepted: b.checked.sampleCount,
      ledgerIndex: firstIndex + i,
    })),
  };
}

/**
 * The write of a group whose samples the transaction already holds, copied before the ledger
 * lock was taken (TelemetryIngest, LedgerWriter.runWithPrelude): the optimistic statement, and
 * if every batch passes it, their leaves and alerts. Undefined when anything in the group is a
 * duplicate or refused: the transaction then holds samples that must not stay, so the caller
 * rolls it back and writes the group again with writeTelemetryGroup.
 */
export async function writeCopiedGroup(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
): Promise<WriteOutcome[] | undefined> {
  if (!allDistinct(batches)) return undefined;
  return (await writeOptimistic(tx, ledger, batches, now, state, undefined)).written;
}

/**
 * Writes a group of verified batches as one unit of work; returns one outcome per batch, in
 * order. Refusals found only now (the robot was decommissioned or its key retired since the
 * cache was filled) write nothing for that batch.
 *
 * Round trips: the common group (every batch new, robot active, key live, no (robot, seq)
 * twice in the group) is checked AND written by one statement — batch rows, rollups and, for
 * small groups, the samples — plus a COPY for large groups. A group with anything to refuse or
 * deduplicate has that statement write nothing; the fresh batches are then written by a second.
 */
export async function writeTelemetryGroup(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
): Promise<WriteOutcome[]> {
  const outcomes: Outcomes = new Array(batches.length);
  const inline = samplesInline(batches);

  let checks: GroupCheck[];
  if (allDistinct(batches)) {
    // 1. Optimistic: status, key and duplicates checked under the ledger lock, and written if all pass.
    const attempt = await writeOptimistic(
      tx,
      ledger,
      batches,
      now,
      state,
      inline ? groupLines(batches) : undefined,
    );
    if (attempt.written) {
      if (!inline) await writeGroupSamples(tx, batches);
      return attempt.written;
    }
    checks = attempt.checks;
  } else {
    const result = await tx.query<GroupCheck>(statement('telemetry_group_check', CHECK_SQL), [
      batches.map((b) => b.robot.robotUuid),
      batches.map((b) => b.checked.seq),
      concat(batches.map((b) => b.robot.keyBytes[b.checked.keyIndex]!)),
    ]);
    checks = result.rows;
  }

  // 2. Something to refuse or deduplicate: nothing is written yet; settle each batch.
  /** The digest of the first fresh batch of each (robot, seq) in the group: the first wins. */
  const inGroup = new Map<string, string>();
  const fresh: VerifiedBatch[] = [];
  const freshIndex: number[] = [];
  const freshChecks: GroupCheck[] = [];
  const conflicts: SeqConflict[] = [];
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    const settled = settle(b, checks[i]!, now);
    if (settled) {
      outcomes[i] = settled;
      if (settled.status === 'refused' && settled.code === 'TELEMETRY_SEQ_CONFLICT') {
        conflicts.push({ batch: b, acceptedSha256: String(settled.details?.acceptedJwsSha256) });
      }
      continue;
    }
    const id = `${b.robot.robotUuid}|${b.checked.seq}`;
    const first = inGroup.get(id);
    if (first !== undefined) {
      // Settled after the group is written: a copy shares the fate of the first; other bytes
      // under the same seq conflict with it, as they would once it is stored.
      if (first === b.checked.jwsSha256) {
        outcomes[i] = { status: 'duplicate', accepted: b.checked.sampleCount };
      } else {
        outcomes[i] = seqConflict(b, first);
        conflicts.push({ batch: b, acceptedSha256: first });
      }
      continue;
    }
    inGroup.set(id, b.checked.jwsSha256);
    fresh.push(b);
    freshIndex.push(i);
    freshChecks.push(checks[i]!);
  }
  if (fresh.length === 0) {
    await recordSeqConflicts(tx, ledger, conflicts, now);
    return outcomes as WriteOutcome[];
  }

  // 3. The fresh batches: rows and rollups in one statement, then the samples, then alerts.
  const firstIndex = ledger.nextIndex;
  await tx.query(statement('telemetry_group_write', GROUP_WRITE_SQL), writeParams(fresh, now, firstIndex));
  await appendLeaves(tx, ledger, fresh, now, firstIndex);
  await writeSoftwareReports(tx, fresh);
  await writeGroupSamples(tx, fresh);
  await raiseAlerts(tx, ledger, fresh, now, state);
  await recordCounterRollbacks(tx, ledger, fresh, freshChecks, now);
  await recordSeqConflicts(tx, ledger, conflicts, now);

  for (let f = 0; f < fresh.length; f++) {
    outcomes[freshIndex[f]!] = {
      status: 'stored',
      accepted: fresh[f]!.checked.sampleCount,
      ledgerIndex: firstIndex + f,
    };
  }
  return outcomes as WriteOutcome[];
}
