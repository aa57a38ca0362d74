// Group commit of telemetry: all batches accepted while the previous transaction was committing
// are written together as ONE unit of work of the ledger writer — one transaction, one WAL
// flush — with multi-row inserts (arrays unnested server-side), their rollups merged in the
// same transaction and one ledger leaf per batch. A batch is acknowledged only after this
// transaction committed, and it is either all there (batch row, samples, rollups, leaf) or not.
//
// The ledger writer holds the head row lock for the transaction, so telemetry writers of
// several processes take turns: the (robot, seq) duplicate check below cannot race.
import { randomUUID } from 'node:crypto';
import { acceptsTelemetry, ROBOT_STATUSES } from '../../../core/lifecycle.js';
import {
  type ActiveAlert,
  type AlertCondition,
  decideAlerts,
  foldPartials,
  ROLLUP_RESOLUTIONS,
  type RollupPartial,
  type RollupResolution,
} from '../../../core/telemetry/index.js';
import type { NamedStatement, SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import type { CheckedBatch } from './batch-check.js';
import type { IngestRobot } from './robot-directory.js';
import { copyBinarySampleRows, insertSampleLines, sampleSplitInsert } from './sample-copy.js';
import {
  type TelemetryAlertRow,
  type TelemetryBatchRow,
  telemetryAlertRecord,
  telemetryBatchRecord,
} from './telemetry-records.js';

/** A verified batch waiting for the next group commit. */
export interface VerifiedBatch {
  robot: IngestRobot;
  kid: string;
  checked: CheckedBatch;
}

export type WriteOutcome =
  | { status: 'stored'; accepted: number; ledgerIndex: number }
  | { status: 'duplicate'; accepted: number }
  | {
      status: 'refused';
      code: 'TELEMETRY_ROBOT_INACTIVE' | 'TELEMETRY_KEY_RETIRED' | 'TELEMETRY_KEY_UNKNOWN';
      message: string;
    };

/** Columns of a rollup row after robot and bucket, in table order. */
const ROLLUP_COLUMNS = [
  'n',
  'soc_min',
  'soc_max',
  'soc_sum',
  'soh_min',
  'soh_max',
  'soh_sum',
  'battery_temp_min',
  'battery_temp_max',
  'battery_temp_sum',
  'wear_min',
  'wear_max',
  'wear_sum',
  'joint_temp_min',
  'joint_temp_max',
  'joint_temp_sum',
  'position_error_min',
  'position_error_max',
  'position_error_sum',
  'task_success_min',
  'task_success_max',
  'task_success_sum',
  'cycles_max',
  'operating_hours_max',
  'fault_count',
] as const;

function rollupColumnType(column: string): string {
  if (column === 'n' || column === 'cycles_max' || column === 'fault_count') return 'integer';
  if (column.endsWith('_sum') || column === 'operating_hours_max') return 'float8';
  return 'real';
}

function rollupMerge(column: string): string {
  if (column === 'n' || column === 'fault_count' || column.endsWith('_sum'))
    return `r.${column} + excluded.${column}`;
  if (column.endsWith('_min')) return `least(r.${column}, excluded.${column})`;
  return `greatest(r.${column}, excluded.${column})`;
}

const ROLLUP_PARAM_COUNT = 2 + ROLLUP_COLUMNS.length;

function rollupUpsert(resolution: RollupResolution, offset: number, guard: string): string {
  const params = ROLLUP_COLUMNS.map((c, i) => `$${offset + i + 3}::${rollupColumnType(c)}[]`).join(', ');
  return `INSERT INTO telemetry_rollup_${resolution} AS r (robot_uuid, bucket, ${ROLLUP_COLUMNS.join(', ')})
     SELECT * FROM unnest($${offset + 1}::uuid[], $${offset + 2}::timestamptz[], ${params}) WHERE ${guard}
     ON CONFLICT (robot_uuid, bucket) DO UPDATE SET
       ${ROLLUP_COLUMNS.map((c) => `${c} = ${rollupMerge(c)}`).join(',\n       ')}`;
}

/** The three rollup upserts as CTEs `m`, `h`, `d`, each writing only when `guard` holds. */
function rollupCtes(offset: number, guard: string): string {
  return `m AS (${rollupUpsert('1m', offset, guard)}),
  h AS (${rollupUpsert('1h', offset + ROLLUP_PARAM_COUNT, guard)}),
  d AS (${rollupUpsert('1d', offset + 2 * ROLLUP_PARAM_COUNT, guard)})`;
}

/**
 * Groups whose sample text is at most this long are inserted by the group's one statement
 * (split and cast by SQL, sample-copy.ts) instead of a COPY of their own: one round trip fewer,
 * which for small batches (single-sample messages) costs more than the parsing it saves.
 */
export const INLINE_SAMPLE_BYTES = 128 * 1024;

/**
 * Parameters of the group statements. Keys and digests are 32 bytes a batch, sent as ONE bytea
 * each and cut apart in SQL (a bytea[] parameter goes as escaped hex text, which costs more).
 * $1 robots, $2 seqs, $3 robot IDs, $4 digests, $5 first, $6 last sample times, $7 sample counts,
 * $8 received at, $9 keys, $10 ledger indices; then the three rollups' parameters.
 */
const BATCH_PARAM_COUNT = 10;
const BATCH_INSERT = `INSERT INTO telemetry_batches (robot_uuid, seq, robot_id, jws_sha256, first_sample_at, last_sample_at,
         sample_count, received_at, public_key, ledger_index)
  SELECT u.r, u.s, u.k, substr($4::bytea, (u.n::int - 1) * 32 + 1, 32), u.f, u.l, u.c, $8::timestamptz,
         substr($9::bytea, (u.n::int - 1) * 32 + 1, 32), u.i
    FROM unnest($1::uuid[], $2::bigint[], $3::text[], $5::timestamptz[], $6::timestamptz[], $7::integer[],
                $10::bigint[]) WITH ORDINALITY AS u(r, s, k, f, l, c, i, n)`;

/**
 * The status, key and duplicate checks of a group, one row per batch (`i`, from 1). Each is a
 * primary-key probe, whatever the planner guesses about the unnested arrays: LATERAL subqueries
 * with LIMIT 1 are parameterised by the batch's row, so they cannot become a hashed subplan or
 * a hash join that reads ALL of telemetry_batches (and device_keys) for every group — which
 * plain EXISTS did, a cost growing with every batch ever stored.
 */
function checksSql(robots: string, seqs: string, keys: string): string {
  return `SELECT b.i, (SELECT r.status FROM robots r WHERE r.id = b.robot_uuid) AS status,
            k.retired_at, k.known, s.stored IS NOT NULL AS stored
       FROM unnest(${robots}::uuid[], ${seqs}::bigint[]) WITH ORDINALITY AS b(robot_uuid, seq, i)
       LEFT JOIN LATERAL (SELECT d.retired_at, true AS known FROM device_keys d
                           WHERE d.robot_uuid = b.robot_uuid
                             AND d.public_key = substr(${keys}::bytea, (b.i::int - 1) * 32 + 1, 32)
                           LIMIT 1) k ON true
       LEFT JOIN LATERAL (SELECT true AS stored FROM telemetry_batches t
                           WHERE t.robot_uuid = b.robot_uuid AND t.seq = b.seq LIMIT 1) s ON true`;
}

const CHECK_SQL = `${checksSql('$1', '$2', '$3')} ORDER BY b.i`;

/** Robot statuses that refuse telemetry (acceptsTelemetry), for the SQL of the optimistic path. */
const INACTIVE_STATUSES = ROBOT_STATUSES.filter((status) => !acceptsTelemetry(status));

/**
 * The optimistic statement of a group, ONE round trip: the checks, and — only if every batch
 * passes them (the rules of settle(): stored before, robot gone or not accepting telemetry, key
 * unknown, key retired at or before the batch's last sample, compared at millisecond precision
 * as a Date holds it) — the batch rows, the three rollups and, when `inlineSamples`, the samples.
 * Returns the checks by batch, and `go`: whether the writes were made.
 */
function optimisticSql(inlineSamples: boolean): string {
  const statuses = BATCH_PARAM_COUNT + 3 * ROLLUP_PARAM_COUNT + 1;
  const guard = '(SELECT go FROM ok)';
  return `WITH c AS (${checksSql('$1', '$2', '$9')}),
  ok AS (SELECT NOT EXISTS (
           SELECT 1 FROM c JOIN unnest($6::timestamptz[]) WITH ORDINALITY AS l(last_at, i) ON l.i = c.i
            WHERE c.stored OR c.status IS NULL OR c.status = ANY($${statuses}::text[]) OR c.known IS NOT TRUE
               OR (c.retired_at IS NOT NULL AND l.last_at >= date_trunc('milliseconds', c.retired_at))) AS go),
  batches AS (${BATCH_INSERT} WHERE ${guard}),
  ${inlineSamples ? `samples AS (${sampleSplitInsert(`$${statuses + 1}::text`)} WHERE ${guard}),` : ''}
  ${rollupCtes(BATCH_PARAM_COUNT, guard)}
  SELECT c.status, c.retired_at, c.known, c.stored, (SELECT go FROM ok) AS go FROM c ORDER BY c.i`;
}

const OPTIMISTIC_INLINE_SQL = optimisticSql(true);
const OPTIMISTIC_COPY_SQL = optimisticSql(false);

/**
 * The group statements are named (prepared once per PostgreSQL connection): they are long, and
 * parsing and planning them again for every group costs the database more than many of the rows
 * they write.
 */
function statement(name: string, text: string): NamedStatement {
  return { name, text };
}

/** Batch rows and rollups of batches known to pass the checks. */
const GROUP_WRITE_SQL = `WITH batches AS (${BATCH_INSERT}), ${rollupCtes(BATCH_PARAM_COUNT, 'true')} SELECT 1 AS done`;

function rollupParams(folded: Map<string, RollupPartial>): unknown[] {
  const keys = [...folded.keys()].sort();
  const robots: string[] = [];
  const buckets: Date[] = [];
  const columns: number[][] = ROLLUP_COLUMNS.map(() => []);
  for (const key of keys) {
    const p = folded.get(key)!;
    robots.push(key.slice(0, key.indexOf('|')));
    buckets.push(new Date(p.bucketMs));
    let c = 0;
    columns[c++]!.push(p.count);
    for (let m = 0; m < 7; m++) {
      columns[c++]!.push(p.min[m]!);
      columns[c++]!.push(p.max[m]!);
      columns[c++]!.push(p.sum[m]!);
    }
    columns[c++]!.push(p.maxCycles);
    columns[c++]!.push(p.maxOperatingHours);
    columns[c++]!.push(p.faultCount);
  }
  return [robots, buckets, ...columns];
}

export interface TelemetryWriterState {
  /** Robots known to have an active alert (a hint: robots in a batch with conditions are always checked). */
  robotsWithActiveAlerts: Set<string>;
}

interface GroupCheck {
  status: string | null;
  retired_at: Date | null;
  known: boolean | null;
  stored: boolean;
}

type Outcomes = (WriteOutcome | undefined)[];

/** The rules of the checks, per batch: a refusal or duplicate outcome, or undefined (fresh). */
function settle(b: VerifiedBatch, check: GroupCheck): WriteOutcome | undefined {
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
  if (check.retired_at && b.checked.lastMs >= check.retired_at.getTime()) {
    return {
      status: 'refused',
      code: 'TELEMETRY_KEY_RETIRED',
      message: 'the batch is signed with a key retired before its samples were taken',
    };
  }
  if (check.stored) return { status: 'duplicate', accepted: b.checked.sampleCount };
  return undefined;
}

const concat = (parts: readonly Uint8Array[]): Buffer => Buffer.concat(parts);

/** The parameters of the batch rows and rollups of `batches` (ledger indices from `firstIndex`). */
function writeParams(batches: readonly VerifiedBatch[], now: Date, firstIndex: number): unknown[] {
  const folded = ROLLUP_RESOLUTIONS.map((resolution) => {
    const into = new Map<string, RollupPartial>();
    for (const b of batches) foldPartials(into, b.robot.robotUuid, b.checked.minutePartials, resolution);
    return rollupParams(into);
  });
  return [
    batches.map((b) => b.robot.robotUuid),
    batches.map((b) => b.checked.seq),
    batches.map((b) => b.kid),
    concat(batches.map((b) => Buffer.from(b.checked.jwsSha256, 'hex'))),
    batches.map((b) => new Date(b.checked.firstMs)),
    batches.map((b) => new Date(b.checked.lastMs)),
    batches.map((b) => b.checked.sampleCount),
    now,
    concat(batches.map((b) => b.robot.keyBytes[b.checked.keyIndex]!)),
    batches.map((_, i) => firstIndex + i),
    ...folded.flat(),
  ];
}

/** The ledger leaves of stored batches, in order; their indices must be the ones written in their rows. */
function appendLeaves(
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  firstIndex: number,
) {
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
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
    const index = appendRecord(ledger, telemetryBatchRecord, `${row.robot_uuid}:${row.seq}`, row);
    if (index !== row.ledger_index)
      throw new Error(`telemetry leaf ${index} is not the expected ${row.ledger_index}`);
  }
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

/** Writes the samples of `batches`: binary COPY for those checked as binary rows, text for the rest. */
export async function writeGroupSamples(tx: SqlClient, batches: readonly VerifiedBatch[]): Promise<void> {
  const rows: Uint8Array[] = [];
  for (const b of batches) if (b.checked.rows) rows.push(b.checked.rows);
  if (rows.length > 0) await copyBinarySampleRows(tx, rows);
  const lines = groupLines(batches);
  if (lines.length > 0) await insertSampleLines(tx, lines);
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
      ...(inlineLines !== undefined ? [inlineLines] : []),
    ],
  );
  if (!result.rows[0]?.go) return { checks: result.rows };
  appendLeaves(ledger, batches, now, firstIndex);
  await raiseAlerts(tx, ledger, batches, now, state);
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
  const inGroup = new Set<string>();
  const fresh: VerifiedBatch[] = [];
  const freshIndex: number[] = [];
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    const settled = settle(b, checks[i]!);
    if (settled) {
      outcomes[i] = settled;
      continue;
    }
    const id = `${b.robot.robotUuid}|${b.checked.seq}`;
    if (inGroup.has(id)) {
      // Settled after the group is written: it shares the fate of the first copy.
      outcomes[i] = { status: 'duplicate', accepted: b.checked.sampleCount };
      continue;
    }
    inGroup.add(id);
    fresh.push(b);
    freshIndex.push(i);
  }
  if (fresh.length === 0) return outcomes as WriteOutcome[];

  // 3. The fresh batches: rows and rollups in one statement, then the samples, then alerts.
  const firstIndex = ledger.nextIndex;
  await tx.query(statement('telemetry_group_write', GROUP_WRITE_SQL), writeParams(fresh, now, firstIndex));
  appendLeaves(ledger, fresh, now, firstIndex);
  await writeGroupSamples(tx, fresh);
  await raiseAlerts(tx, ledger, fresh, now, state);

  for (let f = 0; f < fresh.length; f++) {
    outcomes[freshIndex[f]!] = {
      status: 'stored',
      accepted: fresh[f]!.checked.sampleCount,
      ledgerIndex: firstIndex + f,
    };
  }
  return outcomes as WriteOutcome[];
}

async function raiseAlerts(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
): Promise<void> {
  const robots = new Set<string>();
  for (const b of batches) {
    if (b.checked.observation.observed.length > 0 || state.robotsWithActiveAlerts.has(b.robot.robotUuid)) {
      robots.add(b.robot.robotUuid);
    }
  }
  if (robots.size === 0) return;
  const { rows: activeRows } = await tx.query<{
    id: string;
    robot_uuid: string;
    condition: AlertCondition;
    sample_at: Date;
  }>(
    'SELECT id, robot_uuid, condition, sample_at FROM telemetry_alerts WHERE cleared_at IS NULL AND robot_uuid = ANY($1::uuid[])',
    [[...robots]],
  );
  const active = new Map<string, ActiveAlert[]>();
  for (const r of activeRows) {
    const list = active.get(r.robot_uuid) ?? [];
    list.push({ id: r.id, condition: r.condition, raisedAtMs: r.sample_at.getTime() });
    active.set(r.robot_uuid, list);
  }
  const raised: TelemetryAlertRow[] = [];
  const cleared: string[] = [];
  // Per robot, batches in time order, so "once per condition" holds within the group too.
  const ordered = batches
    .filter((b) => robots.has(b.robot.robotUuid))
    .sort((a, b) => a.checked.lastMs - b.checked.lastMs);
  for (const b of ordered) {
    const robot = b.robot.robotUuid;
    let list = active.get(robot) ?? [];
    const decision = decideAlerts(list, b.checked.observation);
    if (decision.clear.length > 0) {
      const gone = new Set(decision.clear);
      cleared.push(...decision.clear);
      list = list.filter((a) => !gone.has(a.id));
    }
    for (const o of decision.raise) {
      const row: TelemetryAlertRow = {
        id: randomUUID(),
        robot_uuid: robot,
        robot_id: b.kid,
        condition: o.condition,
        sample_at: new Date(o.atMs),
        seq: b.checked.seq,
        value: o.value,
        threshold: o.threshold,
        detail: o.detail,
        raised_at: now,
        ledger_index: 0,
        state: 'open',
        acked_at: null,
        acked_by_org: null,
        acked_by_key: null,
        ack_note: null,
        ack_ledger_index: null,
        cleared_at: o.clearedAtEnd ? now : null,
      };
      row.ledger_index = appendRecord(ledger, telemetryAlertRecord, row.id, row);
      raised.push(row);
      if (!o.clearedAtEnd) list.push({ id: row.id, condition: o.condition, raisedAtMs: o.atMs });
    }
    active.set(robot, list);
  }
  if (cleared.length > 0) {
    await tx.query('UPDATE telemetry_alerts SET cleared_at = $2 WHERE id = ANY($1::uuid[])', [cleared, now]);
  }
  if (raised.length > 0) {
    await tx.query(
      `INSERT INTO telemetry_alerts (id, robot_uuid, robot_id, condition, sample_at, seq, value, threshold, detail,
         raised_at, ledger_index, state, cleared_at)
       SELECT i, r, k, c, s, q, v, th, d::jsonb, $10::timestamptz, l, 'open', x
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::float8[],
                     $8::float8[], $9::text[], $11::bigint[], $12::timestamptz[]) AS u(i, r, k, c, s, q, v, th, d, l, x)`,
      [
        raised.map((r) => r.id),
        raised.map((r) => r.robot_uuid),
        raised.map((r) => r.robot_id),
        raised.map((r) => r.condition),
        raised.map((r) => r.sample_at),
        raised.map((r) => r.seq),
        raised.map((r) => r.value),
        raised.map((r) => r.threshold),
        raised.map((r) => JSON.stringify(r.detail)),
        now,
        raised.map((r) => r.ledger_index),
        raised.map((r) => r.cleared_at),
      ],
    );
  }
  for (const [robot, list] of active) {
    if (list.length > 0) state.robotsWithActiveAlerts.add(robot);
    else state.robotsWithActiveAlerts.delete(robot);
  }
}
