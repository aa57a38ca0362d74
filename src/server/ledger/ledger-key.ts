// The log's signing key: a C2SP note key (`PRIVATE+KEY+<origin>+hex8+base64(0x01 ‖ seed)`)
// named after the log's origin. It comes from ROBOLEDGER_LEDGER_KEY, from the file named by
// ROBOLEDGER_LEDGER_KEY_FILE, or from `<dataDir>/ledger-signer.key`, which the first start
// creates (mode 0600). With DATABASE_URL the key still lives in the data directory: the
// database never holds it, so a database dump cannot sign checkpoints.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generateSignerKey,
  type NoteSigner,
  type NoteVerifier,
  noteSigner,
  noteVerifier,
  parseSignerKey,
  SIGNATURE_TYPE,
  verifierKeyOf,
} from '../../ledger/index.js';

export const LEDGER_KEY_FILE_NAME = 'ledger-signer.key';

/** The log's key pair in the forms the checkpointer and the routes need. */
export interface LedgerKey {
  /** Key name: the log's origin line. */
  readonly name: string;
  /** The public verifier key, `name+hex8+base64(0x01 ‖ pubkey)` (GET /v1/ledger/key). */
  readonly verifierKey: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
}

/** Where the key came from, for the startup message. */
export type LedgerKeySource =
  | 'ROBOLEDGER_LEDGER_KEY'
  | 'ROBOLEDGER_LEDGER_KEY_FILE'
  | 'data directory'
  | 'generated';

export class LedgerKeyError extends Error {
  override readonly name = 'LedgerKeyError';
}

export interface LedgerKeySettings {
  ledgerOrigin: string;
  ledgerSignerKey: string | undefined;
  ledgerSignerKeyFile: string | undefined;
  dataDir: string;
}

/** Parses a signer key and checks that it can sign this log's checkpoints. */
export function ledgerKeyFromSignerKey(signerKey: string, origin: string): LedgerKey {
  let parsed: ReturnType<typeof parseSignerKey>;
  try {
    parsed = parseSignerKey(signerKey.trim());
  } catch (error) {
    throw new LedgerKeyError(
      `the ledger signer key is not a C2SP note key (PRIVATE+KEY+name+hash+key): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (parsed.type !== SIGNATURE_TYPE.ed25519) {
    throw new LedgerKeyError('the ledger signer key must be an Ed25519 note key (type 0x01)');
  }
  if (parsed.name !== origin) {
    throw new LedgerKeyError(
      `the ledger signer key is named "${parsed.name}" but the log's origin is "${origin}" ` +
        '(ROBOLEDGER_LEDGER_ORIGIN); verifiers expect them to be the same',
    );
  }
  return {
    name: parsed.name,
    verifierKey: verifierKeyOf(parsed),
    signer: noteSigner(parsed),
    verifier: noteVerifier(verifierKeyOf(parsed)),
  };
}

/** A fresh key that lives only in memory: for tests and benchmarks, never for a served log. */
export function ephemeralLedgerKey(origin: string): LedgerKey {
  return ledgerKeyFromSignerKey(generateSignerKey(origin).signerKey, origin);
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LedgerKeyError(`cannot read the ledger key file ${path}: ${(error as Error).message}`);
  }
}

/**
 * Finds the log's signing key the way `roboledger serve` does: ROBOLEDGER_LEDGER_KEY, then
 * ROBOLEDGER_LEDGER_KEY_FILE, then `<dataDir>/ledger-signer.key`. With `create`, a missing
 * key file in the data directory is generated (mode 0600); without it, undefined is returned.
 */
export async function loadLedgerKey(
  settings: LedgerKeySettings,
  options: { create: boolean },
): Promise<{ key: LedgerKey; source: LedgerKeySource; path?: string } | undefined> {
  const origin = settings.ledgerOrigin;
  if (settings.ledgerSignerKey) {
    return { key: ledgerKeyFromSignerKey(settings.ledgerSignerKey, origin), source: 'ROBOLEDGER_LEDGER_KEY' };
  }
  if (settings.ledgerSignerKeyFile) {
    const text = await readKeyFile(settings.ledgerSignerKeyFile);
    if (text === undefined) {
      throw new LedgerKeyError(
        `ROBOLEDGER_LEDGER_KEY_FILE names ${settings.ledgerSignerKeyFile}, which does not exist`,
      );
    }
    return {
      key: ledgerKeyFromSignerKey(text, origin),
      source: 'ROBOLEDGER_LEDGER_KEY_FILE',
      path: settings.ledgerSignerKeyFile,
    };
  }
  const path = join(settings.dataDir, LEDGER_KEY_FILE_NAME);
  const existing = await readKeyFile(path);
  if (existing !== undefined) {
    await warnIfReadableByOthers(path);
    return { key: ledgerKeyFromSignerKey(existing, origin), source: 'data directory', path };
  }
  if (!options.create) return undefined;
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const { signerKey } = generateSignerKey(origin);
  try {
    // 'wx': two processes starting at once must not each write a different key.
    await writeFile(path, `${signerKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new LedgerKeyError(`cannot write the ledger key to ${path}: ${(error as Error).message}`);
    }
    const winner = await readKeyFile(path);
    if (winner === undefined) throw new LedgerKeyError(`the ledger key file ${path} vanished`);
    return { key: ledgerKeyFromSignerKey(winner, origin), source: 'data directory', path };
  }
  return { key: ledgerKeyFromSignerKey(signerKey, origin), source: 'generated', path };
}

async function warnIfReadableByOthers(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    process.stderr.write(
      `roboledger: warning: the ledger signing key ${path} is readable by other users (chmod 600 it)\n`,
    );
  }
}
