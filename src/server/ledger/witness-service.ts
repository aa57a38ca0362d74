// Witnesses (C2SP tlog-witness roles, tlog-cosignature format): independent parties that
// follow the log, check that each checkpoint extends the last one they saw, and cosign it.
//
// The registry or a regulator registers a witness by its cosigner verifier key; registering is
// a ledger record, so the witness list is itself tamper-evident. A witness then submits its
// cosignatures without an API key: the cosignature is the credential, verified against the
// registered key over the exact checkpoint the log signed for that size. A checkpoint of that
// size that differs from ours is refused with LEDGER_CHECKPOINT_MISMATCH: it is evidence that
// someone showed the witness a fork.
import { PlatformError } from '../../core/errors.js';
import { type Actor, seesEverything } from '../../core/organisation.js';
import {
  formatVerifierKey,
  isLedgerError,
  parseCheckpoint,
  parseCosignerVerifierKey,
  parseNote,
  SIGNATURE_TYPE,
  verifyCosignature,
} from '../../ledger/index.js';
import type { AppContext } from '../app-context.js';
import { SQLSTATE, type SqlClient, sqlState } from '../db/sql-client.js';
import { isoTime } from './ledger-entry.js';
import { appendRecord, defineRecordKind } from './record-kinds.js';

export interface WitnessRow {
  name: string;
  verifier_key: string;
  key_hash: number;
  added_by: string;
  added_at: Date;
  ledger_index: number;
}

export const ledgerWitnessRecord = defineRecordKind<WitnessRow>({
  kind: 'ledger_witness',
  async load(client, id) {
    const { rows } = await client.query<WitnessRow>('SELECT * FROM ledger_witnesses WHERE name = $1', [id]);
    return rows[0] ?? null;
  },
  record: (row) => ({
    kind: 'ledger_witness',
    id: row.name,
    verifierKey: row.verifier_key,
    addedBy: row.added_by,
    addedAt: isoTime(row.added_at),
  }),
});

export interface Witness {
  name: string;
  verifierKey: string;
  addedBy: string;
  addedAt: string;
  ledgerIndex: number;
}

function toWitness(row: WitnessRow): Witness {
  return {
    name: row.name,
    verifierKey: row.verifier_key,
    addedBy: row.added_by,
    addedAt: row.added_at.toISOString(),
    ledgerIndex: row.ledger_index,
  };
}

/** Registers a witness (registry or regulator). The key is stored in its type 0x04 form. */
export async function registerWitness(ctx: AppContext, actor: Actor, verifierKey: string): Promise<Witness> {
  if (!seesEverything(actor.kind)) {
    throw new PlatformError('FORBIDDEN', 'only the registry or a regulator registers ledger witnesses');
  }
  let key: ReturnType<typeof parseCosignerVerifierKey>;
  try {
    key = parseCosignerVerifierKey(verifierKey.trim());
  } catch (error) {
    throw new PlatformError(
      'LEDGER_WITNESS_KEY_INVALID',
      `not a cosigner verifier key: ${(error as Error).message}`,
    );
  }
  const canonical = formatVerifierKey({
    name: key.name,
    publicKey: key.publicKey,
    type: SIGNATURE_TYPE.cosignatureV1,
  });
  try {
    const row = await ctx.ledger.run(async (tx, ledger) => {
      const { rows } = await tx.query<WitnessRow>(
        `INSERT INTO ledger_witnesses (name, verifier_key, key_hash, added_by, added_at, ledger_index)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [key.name, canonical, key.keyHash, actor.orgId, ctx.clock(), ledger.nextIndex],
      );
      const inserted = rows[0]!;
      await appendRecord(tx, ledger, ledgerWitnessRecord, inserted.name, inserted);
      return inserted;
    });
    return toWitness(row);
  } catch (error) {
    if (sqlState(error) === SQLSTATE.uniqueViolation) {
      throw new PlatformError(
        'LEDGER_WITNESS_EXISTS',
        `a witness named ${key.name} or with this key is registered`,
      );
    }
    throw error;
  }
}

export async function listWitnesses(client: SqlClient): Promise<Witness[]> {
  const { rows } = await client.query<WitnessRow>('SELECT * FROM ledger_witnesses ORDER BY name');
  return rows.map(toWitness);
}

/** How far ahead of the platform clock a cosignature's timestamp may be (clock skew). */
const MAX_FUTURE_SECONDS = 600;

export interface AcceptedCosignature {
  checkpointSize: number;
  witness: string;
  timestamp: number;
  /** False when this witness had already cosigned this checkpoint (the first one is kept). */
  stored: boolean;
}

/**
 * Accepts a witness's cosignature of a checkpoint the log signed. `checkpoint` is the checkpoint
 * body or the whole signed note; `cosignature` is the witness's signature line.
 */
export async function submitCosignature(
  ctx: AppContext,
  witnessName: string,
  input: { checkpoint: string; cosignature: string },
): Promise<AcceptedCosignature> {
  const { rows: witnesses } = await ctx.db.query<WitnessRow>(
    'SELECT * FROM ledger_witnesses WHERE name = $1',
    [witnessName],
  );
  const witness = witnesses[0];
  if (!witness)
    throw new PlatformError('LEDGER_WITNESS_UNKNOWN', `no witness named ${witnessName} is registered`);

  let text: string;
  let size: number;
  let origin: string;
  try {
    text = input.checkpoint.includes('\n\n') ? parseNote(input.checkpoint).text : input.checkpoint;
    ({ size, origin } = parseCheckpoint(text));
  } catch (error) {
    if (!isLedgerError(error)) throw error;
    throw new PlatformError('VALIDATION_FAILED', `checkpoint: ${error.message}`, { field: 'checkpoint' });
  }
  if (origin !== ctx.checkpointer.origin) {
    throw new PlatformError('LEDGER_CHECKPOINT_MISMATCH', `the checkpoint is of ${origin}, not of this log`);
  }
  const stored = await ctx.checkpointer.at(size);
  if (!stored)
    throw new PlatformError('LEDGER_CHECKPOINT_NOT_FOUND', `the log signed no checkpoint of size ${size}`);
  if (parseNote(stored.note).text !== text) {
    throw new PlatformError(
      'LEDGER_CHECKPOINT_MISMATCH',
      `the checkpoint of size ${size} the witness cosigned is not the one this log signed`,
      { treeSize: size },
    );
  }
  let timestamp: number;
  try {
    ({ timestamp } = verifyCosignature(text, input.cosignature, witness.verifier_key));
  } catch (error) {
    if (!isLedgerError(error)) throw error;
    throw new PlatformError('LEDGER_COSIGNATURE_INVALID', error.message);
  }
  const now = Math.floor(ctx.clock().getTime() / 1000);
  if (timestamp > now + MAX_FUTURE_SECONDS) {
    throw new PlatformError('LEDGER_COSIGNATURE_INVALID', 'the cosignature is dated in the future');
  }
  const line = input.cosignature.endsWith('\n') ? input.cosignature : `${input.cosignature}\n`;
  const result = await ctx.db.query(
    `INSERT INTO witness_cosignatures (checkpoint_size, witness_name, signature_line, received_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT (checkpoint_size, witness_name) DO NOTHING`,
    [size, witness.name, line, ctx.clock()],
  );
  return { checkpointSize: size, witness: witness.name, timestamp, stored: result.rowCount === 1 };
}

/** The stored cosignature lines of the checkpoint of `size`. */
export async function cosignatureLines(client: SqlClient, size: number): Promise<string[]> {
  const { rows } = await client.query<{ signature_line: string }>(
    'SELECT signature_line FROM witness_cosignatures WHERE checkpoint_size = $1 ORDER BY witness_name',
    [size],
  );
  return rows.map((r) => r.signature_line);
}
