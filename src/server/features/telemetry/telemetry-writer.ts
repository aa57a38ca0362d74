// Group commit of telemetry: all batches accepted while the previous transaction was committing
// are written together as ONE unit of work of the ledger writer — one transaction, one WAL
// flush — with multi-row inserts (arrays unnested server-side), their rollups merged in the
// same transaction and one ledger leaf per batch. A batch is acknowledged only after this
// transaction committed, and it is either all there (batch row, samples, rollups, leaf) or not.
//
// The ledger writer holds the head row lock for the transaction, so telemetry writers of
// several processes take turns: the (robot, seq) duplicate check below cannot race.
import { randomUUID } from 'node:crypto';
import { acceptsTelemetry } from '../../../core/lifecycle.js';
import {
  type ActiveAlert,
  type AlertCondition,
  decideAlerts,
  foldPartials,
  ROLLUP_RESOLUTIONS,
  type RollupPartial,
  type RollupResolution,
} from '../../../core/telemetry/index.js';
import type { Dialect, SqlClient } from '../../db/sql-client.js';
import type { LedgerAppender } from '../../ledger/ledger-writer.js';
import { appendRecord } from '../../ledger/record-kinds.js';
import type { CheckedBatch } from './batch-check.js';
import type { IngestRobot } from './robot-directory.js';
import { insertSampleLines } from './sample-copy.js';
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

function rollupUpsert(resolution: RollupResolution, offset: number): string {
  const params = ROLLUP_COLUMNS.map((c, i) => `$${offset + i + 3}::${rollupColumnType(c)}[]`).join(', ');
  return `INSERT INTO telemetry_rollup_${resolution} AS r (robot_uuid, bucket, ${ROLLUP_COLUMNS.join(', ')})
     SELECT * FROM unnest($${offset + 1}::uuid[], $${offset + 2}::timestamptz[], ${params})
     ON CONFLICT (robot_uuid, bucket) DO UPDATE SET
       ${ROLLUP_COLUMNS.map((c) => `${c} = ${rollupMerge(c)}`).join(',\n       ')}`;
}

/** The three rollup upserts, as the tail of the batch insert's statement (one round trip). */
const BATCH_PARAM_COUNT = 10;
const ROLLUP_UPSERTS = `m AS (${rollupUpsert('1m', BATCH_PARAM_COUNT)}), h AS (${rollupUpsert('1h', BATCH_PARAM_COUNT + ROLLUP_PARAM_COUNT)})
  ${rollupUpsert('1d', BATCH_PARAM_COUNT + 2 * ROLLUP_PARAM_COUNT)}`;

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

/**
 * Writes a group of verified batches as one unit of work; returns one outcome per batch, in
 * order. Refusals found only now (the robot was decommissioned or its key retired since the
 * cache was filled) write nothing for that batch.
 */
export async function writeTelemetryGroup(
  tx: SqlClient,
  ledger: LedgerAppender,
  batches: readonly VerifiedBatch[],
  now: Date,
  state: TelemetryWriterState,
  dialect: Dialect,
): Promise<WriteOutcome[]> {
  const outcomes: (WriteOutcome | undefined)[] = new Array(batches.length);

  // 1. Status, key and duplicates, authoritatively, under the ledger lock, in one round trip.
  const checks = await tx.query<{
    status: string;
    retired_at: Date | null;
    known: boolean | null;
    stored: boolean;
  }>(
    // Correlated subqueries, not joins: each is a primary-key probe, whatever the planner
    // guesses about the unnested arrays (a hash join would scan all of telemetry_batches).
    `SELECT (SELECT r.status FROM robots r WHERE r.id = b.robot_uuid) AS status,
            k.retired_at, k.known,
            EXISTS (SELECT 1 FROM telemetry_batches t WHERE t.robot_uuid = b.robot_uuid AND t.seq = b.seq) AS stored
       FROM unnest($1::uuid[], $2::bytea[], $3::bigint[]) WITH ORDINALITY AS b(robot_uuid, pk, seq, i)
       LEFT JOIN LATERAL (SELECT d.retired_at, true AS known FROM device_keys d
                           WHERE d.robot_uuid = b.robot_uuid AND d.public_key = b.pk) k ON true
      ORDER BY b.i`,
    [
      batches.map((b) => b.robot.robotUuid),
      batches.map((b) => b.robot.keyBytes[b.checked.keyIndex]!),
      batches.map((b) => b.checked.seq),
    ],
  );
  const inGroup = new Map<string, number>();

  const fresh: VerifiedBatch[] = [];
  const freshIndex: number[] = [];
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    const check = checks.rows[i]!;
    if (!check.status) {
      outcomes[i] = {
        status: 'refused',
        code: 'TELEMETRY_KEY_UNKNOWN',
        message: 'the robot is no longer registered',
      };
      continue;
    }
    if (!acceptsTelemetry(check.status as never)) {
      outcomes[i] = {
        status: 'refused',
        code: 'TELEMETRY_ROBOT_INACTIVE',
        message: `the robot is ${check.status} and sends no more telemetry`,
      };
      continue;
    }
    if (!check.known) {
      outcomes[i] = {
        status: 'refused',
        code: 'TELEMETRY_KEY_UNKNOWN',
        message: 'the signing key is not registered',
      };
      continue;
    }
    if (check.retired_at && b.checked.lastMs >= check.retired_at.getTime()) {
      outcomes[i] = {
        status: 'refused',
        code: 'TELEMETRY_KEY_RETIRED',
        message: 'the batch is signed with a key retired before its samples were taken',
      };
      continue;
    }
    const id = `${b.robot.robotUuid}|${b.checked.seq}`;
    if (check.stored) {
      outcomes[i] = { status: 'duplicate', accepted: b.checked.sampleCount };
      continue;
    }
    const earlier = inGroup.get(id);
    if (earlier !== undefined) {
      // Settled after the group is written: it shares the fate of the first copy.
      outcomes[i] = { status: 'duplicate', accepted: b.checked.sampleCount };
      continue;
    }
    inGroup.set(id, i);
    fresh.push(b);
    freshIndex.push(i);
  }
  if (fresh.length === 0) return outcomes as WriteOutcome[];

  // Batch rows and their leaves.
  const rows: TelemetryBatchRow[] = fresh.map((b) => {
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
      ledger_index: ledger.nextIndex,
    };
    row.ledger_index = appendRecord(ledger, telemetryBatchRecord, `${row.robot_uuid}:${row.seq}`, row);
    return row;
  });
  const folded = ROLLUP_RESOLUTIONS.map((resolution) => {
    const into = new Map<string, RollupPartial>();
    for (const b of fresh) foldPartials(into, b.robot.robotUuid, b.checked.minutePartials, resolution);
    return rollupParams(into);
  });
  let lines = '';
  for (const b of fresh) lines += b.checked.lines;
  // Batch rows and rollups in one statement, then the samples: two round trips for the group.
  await tx.query(
    `WITH batches AS (
       INSERT INTO telemetry_batches (robot_uuid, seq, robot_id, jws_sha256, first_sample_at, last_sample_at,
         sample_count, received_at, public_key, ledger_index)
       SELECT r, s, k, h, f, l, n, $8::timestamptz, p, i
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bytea[], $5::timestamptz[], $6::timestamptz[],
                     $7::integer[], $9::bytea[], $10::bigint[]) AS u(r, s, k, h, f, l, n, p, i)
     ), ${ROLLUP_UPSERTS}`,
    [
      rows.map((r) => r.robot_uuid),
      rows.map((r) => r.seq),
      rows.map((r) => r.robot_id),
      rows.map((r) => r.jws_sha256),
      rows.map((r) => r.first_sample_at),
      rows.map((r) => r.last_sample_at),
      rows.map((r) => r.sample_count),
      now,
      rows.map((r) => r.public_key),
      rows.map((r) => r.ledger_index),
      ...folded.flat(),
    ],
  );
  await insertSampleLines(tx, dialect, lines);

  // 6. Alerts, once per condition.
  await raiseAlerts(tx, ledger, fresh, now, state);

  for (let f = 0; f < fresh.length; f++) {
    outcomes[freshIndex[f]!] = {
      status: 'stored',
      accepted: fresh[f]!.checked.sampleCount,
      ledgerIndex: rows[f]!.ledger_index,
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
