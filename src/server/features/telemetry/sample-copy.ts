// Writing raw samples in bulk. The worker threads render each batch's sample rows; the group's
// rows then go in with one statement:
// - binary rows (sample-binary.ts) by a binary COPY inside the group's transaction
//   (SqlClient.copyFrom): the fastest path PostgreSQL has, no digit parsed;
// - text rows (one line a sample, tab-separated, arrays as `{...}` literals) by a text COPY,
//   or, inside a group's single statement, split and cast by SQL (sampleSplitInsert).
// The text is made by our own code from validated values (numbers, RFC 3339 times, fault codes
// matching FAULT_CODE): it never contains a tab, newline, backslash or quote.
// Each batch's JWS goes with its samples, by a COPY of its own (copyBatchJws) or inline.
import type { SqlClient } from '../../db/sql-client.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER } from './sample-binary.js';

export const SAMPLE_COLUMNS = [
  'robot_uuid',
  'seq',
  't',
  'soc_pct',
  'soh_pct',
  'cycles',
  'battery_temp_c',
  'joint_wear',
  'joint_temp_c',
  'position_error_mm',
  'task_success_rate',
  'operating_hours',
  'faults',
] as const;

/** The split-and-cast INSERT of the COPY text in parameter `param` (e.g. `$1`); a WHERE may follow. */
export function sampleSplitInsert(param: string): string {
  return `INSERT INTO telemetry_samples (${SAMPLE_COLUMNS.join(', ')})
  SELECT f[1]::uuid, f[2]::bigint, f[3]::timestamptz, f[4]::real, f[5]::real, f[6]::integer, f[7]::real,
         f[8]::real[], f[9]::real[], f[10]::real, f[11]::real, f[12]::float8, f[13]::text[]
    FROM (SELECT string_to_array(line, E'\\t') AS f
            FROM unnest(string_to_array(rtrim(${param}, E'\\n'), E'\\n')) AS line) AS lines`;
}

/** Inserts the COPY-text `lines` (each ending in a newline) into telemetry_samples; returns the row count. */
export function insertSampleLines(tx: SqlClient, lines: string): Promise<number> {
  return tx.copyFrom({
    table: 'telemetry_samples',
    columns: SAMPLE_COLUMNS,
    format: 'text',
    data: Buffer.from(lines, 'latin1'),
  });
}

/**
 * Inserts sample rows in binary COPY format (sample-binary.ts), the rows of each batch one
 * after another; returns the row count.
 */
export function copyBinarySampleRows(tx: SqlClient, rows: readonly Uint8Array[]): Promise<number> {
  return tx.copyFrom({
    table: 'telemetry_samples',
    columns: SAMPLE_COLUMNS,
    format: 'binary',
    data: Buffer.concat([BINARY_COPY_HEADER, ...rows, BINARY_COPY_TRAILER]),
  });
}

/** Columns of telemetry_batch_jws as the group writes them. */
export const JWS_INSERT_COLUMNS = ['robot_uuid', 'seq', 'first_sample_at', 'last_sample_at', 'jws'] as const;

/** What a batch's JWS row needs. */
export interface JwsRow {
  robotUuid: string;
  seq: number;
  firstMs: number;
  lastMs: number;
  /** The compact JWS as received: base64url segments and two dots, never a tab, newline or backslash. */
  jws: string;
}

/**
 * Inserts the JWS of `rows` into telemetry_batch_jws by one text COPY (the batch's evidence,
 * kept as long as its samples: partitions.ts); returns the row count. Text, not binary: the
 * JWS is most of the bytes and is ASCII that COPY takes as it is, with nothing to escape.
 */
export function copyBatchJws(tx: SqlClient, rows: readonly JwsRow[]): Promise<number> {
  const parts: Buffer[] = [];
  for (const r of rows) {
    parts.push(
      Buffer.from(
        `${r.robotUuid}\t${r.seq}\t${new Date(r.firstMs).toISOString()}\t${new Date(r.lastMs).toISOString()}\t`,
        'latin1',
      ),
      Buffer.from(r.jws, 'latin1'),
      NEWLINE,
    );
  }
  return tx.copyFrom({
    table: 'telemetry_batch_jws',
    columns: JWS_INSERT_COLUMNS,
    format: 'text',
    data: Buffer.concat(parts),
  });
}

const NEWLINE = Buffer.from('\n', 'latin1');
