// The SQL of a telemetry group commit and its parameters (telemetry-writer.ts runs them): the
// multi-row batch insert, the three rollup upserts, the robots' last known usage counters, the
// per-batch checks under the ledger lock, and the optimistic statement that checks and writes a
// group in one round trip. Arrays are unnested server-side; the statements are built once, at load.
import { acceptsTelemetry, ROBOT_STATUSES } from '../../../core/lifecycle.js';
import {
  foldPartials,
  ROLLUP_RESOLUTIONS,
  type RollupPartial,
  type RollupResolution,
} from '../../../core/telemetry/index.js';
import { JWS_INSERT_COLUMNS, sampleSplitInsert } from './sample-copy.js';
import type { VerifiedBatch } from './telemetry-writer.js';

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
 * Parameters of the group statements. Keys and digests are 32 bytes a batch, sent as ONE bytea
 * each and cut apart in SQL (a bytea[] parameter goes as escaped hex text, which costs more).
 * $1 robots, $2 seqs, $3 robot IDs, $4 digests, $5 first, $6 last sample times, $7 sample counts,
 * $8 received at, $9 keys, $10 ledger indices; then the three rollups' parameters; then the
 * usage counters' (COUNTER_PARAM_COUNT).
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
            k.retired_at, k.known, s.stored_sha256 IS NOT NULL AS stored, s.stored_sha256,
            u.sample_at AS counters_at, u.seq AS counters_seq, u.operating_hours AS counters_hours,
            u.cycles AS counters_cycles
       FROM unnest(${robots}::uuid[], ${seqs}::bigint[]) WITH ORDINALITY AS b(robot_uuid, seq, i)
       LEFT JOIN LATERAL (SELECT d.retired_at, true AS known FROM device_keys d
                           WHERE d.robot_uuid = b.robot_uuid
                             AND d.public_key = substr(${keys}::bytea, (b.i::int - 1) * 32 + 1, 32)
                           LIMIT 1) k ON true
       LEFT JOIN LATERAL (SELECT t.jws_sha256 AS stored_sha256 FROM telemetry_batches t
                           WHERE t.robot_uuid = b.robot_uuid AND t.seq = b.seq LIMIT 1) s ON true
       LEFT JOIN LATERAL (SELECT * FROM telemetry_usage_counters c
                           WHERE c.robot_uuid = b.robot_uuid LIMIT 1) u ON true`;
}

/**
 * The robots' last known usage counters (core/telemetry/counters.ts): one row per robot of the
 * group, its latest sample's, replacing the stored one only if that sample is later. The
 * checks of the same statement read the counters as they were before the group.
 * Parameters from `offset`: robots, sample times, seqs, operating hours, cycles.
 */
const COUNTER_PARAM_COUNT = 5;
function countersUpsert(offset: number, guard: string): string {
  return `INSERT INTO telemetry_usage_counters AS u (robot_uuid, sample_at, seq, operating_hours, cycles)
     SELECT * FROM unnest($${offset + 1}::uuid[], $${offset + 2}::timestamptz[], $${offset + 3}::bigint[],
                          $${offset + 4}::float8[], $${offset + 5}::integer[]) WHERE ${guard}
     ON CONFLICT (robot_uuid) DO UPDATE SET sample_at = excluded.sample_at, seq = excluded.seq,
       operating_hours = excluded.operating_hours, cycles = excluded.cycles
     WHERE (excluded.sample_at, excluded.seq) > (u.sample_at, u.seq)`;
}
const COUNTERS_OFFSET = BATCH_PARAM_COUNT + 3 * ROLLUP_PARAM_COUNT;

export const CHECK_SQL = `${checksSql('$1', '$2', '$3')} ORDER BY b.i`;

/** Robot statuses that refuse telemetry (acceptsTelemetry), for the SQL of the optimistic path. */
export const INACTIVE_STATUSES = ROBOT_STATUSES.filter((status) => !acceptsTelemetry(status));

/**
 * The optimistic statement of a group, ONE round trip: the checks, and — only if every batch
 * passes them (the rules of settle(): stored before, robot gone or not accepting telemetry, key
 * unknown, key retired at or before the group's receive time `$8`, compared at millisecond
 * precision as a Date holds it) — the batch rows, the three rollups and, when `inlineSamples`, the samples.
 * Returns the checks by batch, and `go`: whether the writes were made.
 */
function optimisticSql(inlineSamples: boolean): string {
  const statuses = COUNTERS_OFFSET + COUNTER_PARAM_COUNT + 1;
  const guard = '(SELECT go FROM ok)';
  // Inline, the batches' JWS go in here too (as the samples do), after the samples: one text,
  // a JWS a line (base64url and dots, never a newline), so no array element is escaped.
  const inline = inlineSamples
    ? `samples AS (${sampleSplitInsert(`$${statuses + 1}::text`)} WHERE ${guard}),
  jws AS (INSERT INTO telemetry_batch_jws (${JWS_INSERT_COLUMNS.join(', ')})
            SELECT * FROM unnest($1::uuid[], $2::bigint[], $5::timestamptz[], $6::timestamptz[],
                                 string_to_array($${statuses + 2}::text, E'\\n'))
             WHERE ${guard}),`
    : '';
  return `WITH c AS (${checksSql('$1', '$2', '$9')}),
  ok AS (SELECT NOT EXISTS (
           SELECT 1 FROM c
            WHERE c.stored OR c.status IS NULL OR c.status = ANY($${statuses}::text[]) OR c.known IS NOT TRUE
               OR (c.retired_at IS NOT NULL AND $8::timestamptz >= date_trunc('milliseconds', c.retired_at))) AS go),
  batches AS (${BATCH_INSERT} WHERE ${guard}),
  ${inline}
  counters AS (${countersUpsert(COUNTERS_OFFSET, guard)}),
  ${rollupCtes(BATCH_PARAM_COUNT, guard)}
  SELECT c.status, c.retired_at, c.known, c.stored, c.stored_sha256, c.counters_at, c.counters_seq,
         c.counters_hours, c.counters_cycles, (SELECT go FROM ok) AS go FROM c ORDER BY c.i`;
}

export const OPTIMISTIC_INLINE_SQL = optimisticSql(true);
export const OPTIMISTIC_COPY_SQL = optimisticSql(false);

/** Batch rows and rollups of batches known to pass the checks. */
export const GROUP_WRITE_SQL = `WITH batches AS (${BATCH_INSERT}),
  counters AS (${countersUpsert(COUNTERS_OFFSET, 'true')}),
  ${rollupCtes(BATCH_PARAM_COUNT, 'true')} SELECT 1 AS done`;

function rollupParams(folded: Map<string, RollupPartial>): unknown[] {
  const keys = [...folded.keys()].sort();
  const robots: string[] = [];
  const buckets: number[] = [];
  const columns: number[][] = ROLLUP_COLUMNS.map(() => []);
  for (const key of keys) {
    const p = folded.get(key)!;
    robots.push(key.slice(0, key.indexOf('|')));
    buckets.push(p.bucketMs);
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
  return [arrayLiteral(robots), timesLiteral(buckets), ...columns.map(arrayLiteral)];
}

export interface GroupCheck {
  status: string | null;
  retired_at: Date | null;
  known: boolean | null;
  stored: boolean;
  /** The JWS digest of the batch already stored under this (robot, seq), if any. */
  stored_sha256: Uint8Array | null;
  /** The robot's last known usage counters before the group (null: none yet). */
  counters_at: Date | null;
  counters_seq: number | null;
  counters_hours: number | null;
  counters_cycles: number | null;
}

/**
 * A PostgreSQL array literal of values that need no quoting (numbers, UUIDs), sent as the text
 * of an array parameter (`$1::real[]`): pg's own encoder quotes and escapes every element, which
 * for the thousands of numbers of a group of small batches costs more CPU than the rows.
 */
export function arrayLiteral(values: readonly (number | string)[]): string {
  return `{${values.join(',')}}`;
}

/** The array literal of instants (epoch milliseconds), as RFC 3339 UTC times. */
export function timesLiteral(ms: readonly number[]): string {
  let text = '{';
  for (let i = 0; i < ms.length; i++) text += (i > 0 ? ',' : '') + new Date(ms[i]!).toISOString();
  return `${text}}`;
}

export const concat = (parts: readonly Uint8Array[]): Buffer => Buffer.concat(parts);

/** The parameters of the batch rows and rollups of `batches` (ledger indices from `firstIndex`). */
export function writeParams(batches: readonly VerifiedBatch[], now: Date, firstIndex: number): unknown[] {
  const folded = ROLLUP_RESOLUTIONS.map((resolution) => {
    const into = new Map<string, RollupPartial>();
    for (const b of batches) foldPartials(into, b.robot.robotUuid, b.checked.minutePartials, resolution);
    return rollupParams(into);
  });
  return [
    arrayLiteral(batches.map((b) => b.robot.robotUuid)),
    arrayLiteral(batches.map((b) => b.checked.seq)),
    batches.map((b) => b.kid),
    concat(batches.map((b) => Buffer.from(b.checked.jwsSha256, 'hex'))),
    timesLiteral(batches.map((b) => b.checked.firstMs)),
    timesLiteral(batches.map((b) => b.checked.lastMs)),
    arrayLiteral(batches.map((b) => b.checked.sampleCount)),
    now,
    concat(batches.map((b) => b.robot.keyBytes[b.checked.keyIndex]!)),
    arrayLiteral(batches.map((_, i) => firstIndex + i)),
    ...folded.flat(),
    ...counterParams(batches),
  ];
}

/** Per robot of `batches`, its latest sample's counters (by time, then seq): the upsert's rows. */
function counterParams(batches: readonly VerifiedBatch[]): unknown[] {
  const latest = new Map<string, { atMs: number; seq: number; hours: number; cycles: number }>();
  for (const b of batches) {
    const r = b.checked.counterReadings;
    for (let i = 0; i + 2 < r.length; i += 3) {
      const seen = latest.get(b.robot.robotUuid);
      const atMs = r[i]!;
      if (seen && (seen.atMs > atMs || (seen.atMs === atMs && seen.seq >= b.checked.seq))) continue;
      latest.set(b.robot.robotUuid, { atMs, seq: b.checked.seq, hours: r[i + 1]!, cycles: r[i + 2]! });
    }
  }
  const robots = [...latest.keys()];
  const rows = [...latest.values()];
  return [
    arrayLiteral(robots),
    timesLiteral(rows.map((x) => x.atMs)),
    arrayLiteral(rows.map((x) => x.seq)),
    arrayLiteral(rows.map((x) => x.hours)),
    arrayLiteral(rows.map((x) => x.cycles)),
  ];
}
