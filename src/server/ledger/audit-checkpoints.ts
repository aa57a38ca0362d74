// Audit of the signed checkpoints' companions (ledger-audit.ts): the checkpoints read in size
// order alongside the entries, and every stored witness cosignature checked against its key.
import { isLedgerError, parseNote, verifyCosignature } from '../../ledger/index.js';
import type { SqlClient } from '../db/sql-client.js';
import type { AuditFinding } from './ledger-audit.js';

export interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
}

/** Every stored witness cosignature verifies with its registered witness key. */
export async function auditCosignatures(
  client: SqlClient,
  chunk: number,
  find: (finding: AuditFinding) => void,
  onCosignature: () => void,
): Promise<void> {
  let after: [number, string] = [-1, ''];
  for (;;) {
    const { rows } = await client.query<{
      checkpoint_size: number;
      witness_name: string;
      signature_line: string;
      note: string;
      verifier_key: string | null;
    }>(
      `SELECT c.checkpoint_size, c.witness_name, c.signature_line, k.note, w.verifier_key
         FROM witness_cosignatures c
         JOIN ledger_checkpoints k ON k.size = c.checkpoint_size
         LEFT JOIN ledger_witnesses w ON w.name = c.witness_name
        WHERE (c.checkpoint_size, c.witness_name) > ($1, $2)
        ORDER BY c.checkpoint_size, c.witness_name LIMIT $3`,
      [after[0], after[1], chunk],
    );
    for (const row of rows) {
      onCosignature();
      const where = `the cosignature of ${row.witness_name} on checkpoint ${row.checkpoint_size}`;
      if (row.verifier_key === null) {
        find({ problem: 'COSIGNATURE_INVALID', detail: `${where}: no such witness is registered` });
        continue;
      }
      try {
        verifyCosignature(parseNote(row.note).text, row.signature_line, row.verifier_key);
      } catch (error) {
        find({
          problem: 'COSIGNATURE_INVALID',
          detail: `${where}: ${isLedgerError(error) ? error.message : String(error)}`,
        });
      }
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < chunk) return;
    after = [last.checkpoint_size, last.witness_name];
  }
}

/** Reads the checkpoints in size order, a chunk at a time. */
export class CheckpointStream {
  readonly #client: SqlClient;
  readonly #chunk: number;
  #buffer: CheckpointRow[] = [];
  #after = -1;
  #done = false;

  constructor(client: SqlClient, chunk: number) {
    this.#client = client;
    this.#chunk = chunk;
  }

  async peek(): Promise<CheckpointRow | undefined> {
    if (this.#buffer.length === 0 && !this.#done) {
      const { rows } = await this.#client.query<CheckpointRow>(
        'SELECT size, root, note FROM ledger_checkpoints WHERE size > $1 ORDER BY size LIMIT $2',
        [this.#after, this.#chunk],
      );
      this.#buffer = rows;
      if (rows.length < this.#chunk) this.#done = true;
      const last = rows[rows.length - 1];
      if (last) this.#after = last.size;
    }
    return this.#buffer[0];
  }

  async next(): Promise<CheckpointRow | undefined> {
    const row = await this.peek();
    this.#buffer.shift();
    return row;
  }
}
