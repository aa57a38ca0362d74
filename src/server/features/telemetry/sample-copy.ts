// Writing raw samples in bulk. The worker threads render each batch's sample rows; the group's
// rows then go in with one statement:
// - on PostgreSQL, binary rows (sample-binary.ts) by `COPY telemetry_samples FROM STDIN
//   (FORMAT binary)` inside the group's transaction, sent through pg's public Submittable
//   interface (what pg-copy-streams uses): the fastest path PostgreSQL has, no digit parsed;
// - text rows (one line a sample, tab-separated, arrays as `{...}` literals) by a text COPY on
//   PostgreSQL, or on PGlite (one in-process connection, no COPY FROM STDIN through its query
//   API) split and cast by SQL.
// The text is made by our own code from validated values (numbers, RFC 3339 times, fault codes
// matching FAULT_CODE): it never contains a tab, newline, backslash or quote.
import type { Dialect, SqlClient } from '../../db/sql-client.js';
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

const COPY_SQL = `COPY telemetry_samples (${SAMPLE_COLUMNS.join(', ')}) FROM STDIN`;
const COPY_BINARY_SQL = `${COPY_SQL} (FORMAT binary)`;

/** The split-and-cast INSERT of the COPY text in parameter `param` (e.g. `$1`); a WHERE may follow. */
export function sampleSplitInsert(param: string): string {
  return `INSERT INTO telemetry_samples (${SAMPLE_COLUMNS.join(', ')})
  SELECT f[1]::uuid, f[2]::bigint, f[3]::timestamptz, f[4]::real, f[5]::real, f[6]::integer, f[7]::real,
         f[8]::real[], f[9]::real[], f[10]::real, f[11]::real, f[12]::float8, f[13]::text[]
    FROM (SELECT string_to_array(line, E'\\t') AS f
            FROM unnest(string_to_array(rtrim(${param}, E'\\n'), E'\\n')) AS line) AS lines`;
}

const SPLIT_SQL = sampleSplitInsert('$1');

/** The part of pg's Connection a COPY FROM STDIN uses. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const CHUNK = 256 * 1024;

/**
 * A pg Submittable running `COPY ... FROM STDIN` with `data`, awaitable: pg's client.query()
 * returns a submittable as is, so awaiting the query awaits this.
 */
class CopyFromStdin implements PromiseLike<{ rows: never[]; rowCount: number }> {
  readonly text: string;
  readonly #data: Buffer;
  readonly #done: Promise<{ rows: never[]; rowCount: number }>;
  #resolve!: (value: { rows: never[]; rowCount: number }) => void;
  #reject!: (error: unknown) => void;
  #rowCount = 0;

  constructor(text: string, data: Buffer) {
    this.text = text;
    this.#data = data;
    this.#done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting the submittable is the point
  then<A = { rows: never[]; rowCount: number }, B = never>(
    onFulfilled?: ((value: { rows: never[]; rowCount: number }) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.#done.then(onFulfilled, onRejected);
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    for (let at = 0; at < this.#data.length; at += CHUNK) {
      connection.sendCopyFromChunk(this.#data.subarray(at, at + CHUNK));
    }
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    if (match) this.#rowCount = Number(match[1]);
  }

  // pg clears its active query on an ErrorResponse, so the ReadyForQuery that follows never
  // reaches this submittable: settle on the error itself (as pg's own Query does).
  handleError(error: unknown): void {
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    this.#resolve({ rows: [], rowCount: this.#rowCount });
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

/** Inserts the COPY-text `lines` (each ending in a newline) into telemetry_samples; returns the row count. */
export async function insertSampleLines(tx: SqlClient, dialect: Dialect, lines: string): Promise<number> {
  if (dialect === 'postgres') {
    // The pg adapter hands its first argument to pg's client.query(), which accepts a Submittable.
    const copy = new CopyFromStdin(COPY_SQL, Buffer.from(lines, 'latin1'));
    const result = await tx.query(copy as unknown as string);
    return result.rowCount;
  }
  const result = await tx.query(SPLIT_SQL, [lines]);
  return result.rowCount;
}

/**
 * PostgreSQL only: inserts sample rows in binary COPY format (sample-binary.ts), the rows of
 * each batch one after another; returns the row count.
 */
export async function copyBinarySampleRows(
  tx: SqlClient,
  dialect: Dialect,
  rows: readonly Uint8Array[],
): Promise<number> {
  // PGlite has no COPY FROM STDIN through its query API (its batches are checked as text).
  if (dialect !== 'postgres') throw new Error('binary sample rows are for PostgreSQL only');
  const data = Buffer.concat([BINARY_COPY_HEADER, ...rows, BINARY_COPY_TRAILER]);
  const result = await tx.query(new CopyFromStdin(COPY_BINARY_SQL, data) as unknown as string);
  return result.rowCount;
}
