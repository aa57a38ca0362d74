// `roboledger verify`: checks what the log says against its verifier key alone, online
// (--url) or offline on saved files (--save DIR, then --checkpoint/--entry/--proof/--history).
// Trust comes only from the key: the checkpoint's signature, then RFC 9162 proofs against the
// root it signs. Exit 0 verified, 1 verification failed (the message names what), 2 usage,
// 3 the log could not be reached.
import type { Command } from 'commander';
import {
  type Checkpoint,
  cosignatureVerifier,
  isLedgerError,
  leafHash,
  noteVerifier,
  openCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../ledger/index.js';
import {
  type ConsistencyDocument,
  describeError,
  type EntryDocument,
  failed,
  formatConsistencyDocument,
  formatEntryDocument,
  formatHistoryDocument,
  formatInclusionDocument,
  type HistoryDocument,
  type InclusionDocument,
  keyArgument,
  LedgerHttpClient,
  LedgerToolError,
  parseConsistencyDocument,
  parseEntryDocument,
  parseHistoryDocument,
  parseInclusionDocument,
  readJsonFile,
  readTextFile,
  saveFile,
  usage,
} from './ledger-client.js';

interface CommonOptions {
  url?: string;
  key?: string;
  witnessKey?: string[];
  save?: string;
  token?: string;
}

const EXIT_HELP = `
Trust comes from the log's verifier key alone (--key: the key itself, name+hash+base64, or a
file holding it; get it once from a source you trust, e.g. GET <url>/v1/ledger/key).
Online with --url, or offline on files saved by --save DIR:
  DIR/key.txt, DIR/checkpoint-<size>, DIR/entry-<index>.json, DIR/inclusion-<index>-<size>.json,
  DIR/consistency-<from>-<to>.json, DIR/robot-<id>-<size>.json
Exit status: 0 verified, 1 verification failed (the message says what), 2 usage error,
3 the log could not be reached.`;

function common(command: Command): Command {
  return command
    .option('--url <url>', 'the platform, e.g. http://localhost:8080')
    .option('--key <key|file>', "the log's verifier key, or a file holding it (required)")
    .option(
      '--witness-key <key|file>',
      'also require a valid cosignature by this witness on the checkpoint (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--save <dir>', 'save what was fetched, to verify offline later')
    .addHelpText('after', EXIT_HELP);
}

/** Runs a verification, printing OK lines to stdout and the failure to stderr. */
async function runVerification(name: string, work: () => Promise<string[]>): Promise<void> {
  try {
    for (const line of await work()) process.stdout.write(`${line}\n`);
    process.exitCode = 0;
  } catch (error) {
    if (error instanceof LedgerToolError) {
      const label =
        error.kind === 'verification' ? 'FAILED' : error.kind === 'usage' ? 'usage' : 'unreachable';
      process.stderr.write(`roboledger verify ${name}: ${label}: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

function clientOf(options: CommonOptions, needed: string): LedgerHttpClient {
  if (!options.url) throw usage(`${needed} needs --url, or the saved file(s)`);
  return new LedgerHttpClient(options.url, { token: options.token ?? process.env.ROBOLEDGER_TOKEN });
}

function logKeyOf(options: CommonOptions): string {
  if (!options.key)
    throw usage("--key is required: the log's verifier key (name+hash+base64) or a file holding it");
  const key = keyArgument(options.key, '--key');
  try {
    noteVerifier(key);
  } catch (error) {
    throw usage(`--key is not a note verifier key: ${describeError(error)}`);
  }
  return key;
}

/** Opens a signed checkpoint with the log key; with witness keys, each must have cosigned it. */
function openWithKeys(note: string, options: CommonOptions, what: string): Checkpoint {
  const logKey = logKeyOf(options);
  const log = noteVerifier(logKey);
  const witnesses = (options.witnessKey ?? []).map((k) =>
    cosignatureVerifier(keyArgument(k, '--witness-key')),
  );
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(note, [log, ...witnesses], { origin: log.name });
  } catch (error) {
    const code = isLedgerError(error) ? ` (${error.code})` : '';
    throw failed(`${what} is not signed by the log key ${log.name}: ${describeError(error)}${code}`, error);
  }
  const signers = new Set(opened.note.sigs.map((s) => `${s.name}+${s.keyHash}`));
  if (!signers.has(`${log.name}+${log.keyHash}`)) {
    throw failed(`${what} carries no signature by the log key ${log.name}`);
  }
  for (const w of witnesses) {
    if (!signers.has(`${w.name}+${w.keyHash}`)) throw failed(`${what} is not cosigned by witness ${w.name}`);
  }
  return opened.checkpoint;
}

async function saveKey(options: CommonOptions): Promise<void> {
  if (options.save && options.key) await saveFile(options.save, 'key.txt', `${logKeyOf(options)}\n`);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

function parseCount(value: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw usage(`${what} must be a non-negative integer, got ${value}`);
  }
  return Number(value);
}

/** The checkpoint to verify against: --checkpoint FILE, or the latest from --url. */
async function loadCheckpoint(
  options: CommonOptions & { checkpoint?: string },
): Promise<{ note: string; checkpoint: Checkpoint }> {
  const note = options.checkpoint
    ? await readTextFile(options.checkpoint, 'checkpoint')
    : await clientOf(options, 'fetching the checkpoint').checkpoint();
  const checkpoint = openWithKeys(note, options, 'the checkpoint');
  if (options.save) await saveFile(options.save, `checkpoint-${checkpoint.size}`, note);
  return { note, checkpoint };
}

function describeCheckpoint(c: Checkpoint): string {
  return `${c.origin} size ${c.size} root ${b64(c.rootHash)}`;
}

function ledgerCheck(what: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    const code = isLedgerError(error) ? ` (${error.code})` : '';
    throw failed(`${what}: ${describeError(error)}${code}`, error);
  }
}

export function registerVerifyCommands(program: Command): void {
  const verify = program
    .command('verify')
    .description("check the ledger's checkpoints, inclusion and consistency proofs, and robot histories")
    .addHelpText('after', EXIT_HELP);

  common(verify.command('checkpoint'))
    .description("check a checkpoint's signature (and witness cosignatures)")
    .option('--checkpoint <file>', 'a saved checkpoint (default: the latest from --url)')
    .action(async (options: CommonOptions & { checkpoint?: string }) =>
      runVerification('checkpoint', async () => {
        const { checkpoint } = await loadCheckpoint(options);
        await saveKey(options);
        const witnesses = options.witnessKey?.length
          ? `, cosigned by ${options.witnessKey.length} witness(es)`
          : '';
        return [`OK checkpoint ${describeCheckpoint(checkpoint)} is signed by the log key${witnesses}`];
      }),
    );

  common(verify.command('inclusion'))
    .description('check that an entry is in the log, at its index, under a signed checkpoint')
    .requiredOption('--index <n>', 'the ledger index of the entry')
    .option('--checkpoint <file>', 'a saved checkpoint (default: the latest from --url)')
    .option('--entry <file>', 'the saved entry document (default: fetched from --url)')
    .option('--proof <file>', 'the saved inclusion proof (default: fetched from --url)')
    .action(
      async (
        options: CommonOptions & { index: string; checkpoint?: string; entry?: string; proof?: string },
      ) =>
        runVerification('inclusion', async () => {
          const index = parseCount(options.index, '--index');
          const { checkpoint } = await loadCheckpoint(options);
          if (index >= checkpoint.size) {
            throw failed(`entry ${index} is not in the checkpoint of size ${checkpoint.size}`);
          }
          let entry: EntryDocument | undefined;
          if (options.entry) entry = parseEntryDocument(await readJsonFile(options.entry, 'entry'));
          else if (options.url) entry = await clientOf(options, 'fetching the entry').entry(index);
          const proof: InclusionDocument = options.proof
            ? parseInclusionDocument(await readJsonFile(options.proof, 'proof'))
            : await clientOf(options, 'fetching the proof').inclusionProof(index, checkpoint.size);
          if (proof.index !== index || proof.treeSize !== checkpoint.size) {
            throw failed(
              `the proof is for entry ${proof.index} in a tree of ${proof.treeSize}, not entry ${index} in the checkpoint of size ${checkpoint.size}`,
            );
          }
          let leaf = proof.leafHash;
          let about = '(entry bytes not checked: no --entry)';
          if (entry) {
            if (entry.index !== index)
              throw failed(`the entry document is of index ${entry.index}, not ${index}`);
            leaf = leafHash(entry.entry);
            if (!same(leaf, entry.leafHash) || !same(leaf, proof.leafHash)) {
              throw failed(
                `entry ${index}: its bytes do not hash to the leaf hash the log gave (SHA-256(0x00 ‖ entry))`,
              );
            }
            about = describeEntry(entry.entry);
          }
          ledgerCheck(`entry ${index} is not included in the checkpoint of size ${checkpoint.size}`, () =>
            verifyInclusion(leaf, index, checkpoint.size, proof.proof, checkpoint.rootHash),
          );
          if (options.save) {
            if (entry) await saveFile(options.save, `entry-${index}.json`, formatEntryDocument(entry));
            await saveFile(
              options.save,
              `inclusion-${index}-${checkpoint.size}.json`,
              formatInclusionDocument(proof),
            );
            await saveKey(options);
          }
          return [`OK entry ${index} ${about} is included in checkpoint ${describeCheckpoint(checkpoint)}`];
        }),
    );

  common(verify.command('consistency'))
    .description('check that a newer checkpoint extends an older one (no history rewritten or forked)')
    .requiredOption('--old <file|size>', 'the older checkpoint: a saved file, or a size to fetch from --url')
    .option(
      '--new <file|size>',
      'the newer checkpoint: a saved file, or a size (default: the latest from --url)',
    )
    .option('--proof <file>', 'the saved consistency proof (default: fetched from --url)')
    .action(async (options: CommonOptions & { old: string; new?: string; proof?: string }) =>
      runVerification('consistency', async () => {
        const load = async (value: string | undefined, what: string) => {
          let note: string;
          if (value === undefined)
            note = await clientOf(options, `fetching the ${what} checkpoint`).checkpoint();
          else if (/^[0-9]+$/.test(value)) {
            note = await clientOf(options, `fetching checkpoint ${value}`).checkpointAt(
              parseCount(value, what),
            );
          } else note = await readTextFile(value, `the ${what} checkpoint`);
          const checkpoint = openWithKeys(note, options, `the ${what} checkpoint`);
          if (options.save) await saveFile(options.save, `checkpoint-${checkpoint.size}`, note);
          return checkpoint;
        };
        const older = await load(options.old, 'old');
        const newer = await load(options.new, 'new');
        await saveKey(options);
        if (older.size > newer.size) {
          throw failed(
            `ROLLBACK: the new checkpoint (size ${newer.size}) is smaller than the old one (size ${older.size})`,
          );
        }
        if (older.size === newer.size || older.size === 0) {
          if (older.size === newer.size && !same(older.rootHash, newer.rootHash)) {
            throw failed(`FORK: two checkpoints of size ${older.size} with different roots`);
          }
          return [`OK checkpoint ${describeCheckpoint(newer)} extends ${describeCheckpoint(older)}`];
        }
        const proof: ConsistencyDocument = options.proof
          ? parseConsistencyDocument(await readJsonFile(options.proof, 'proof'))
          : await clientOf(options, 'fetching the proof').consistencyProof(older.size, newer.size);
        if (proof.from !== older.size || proof.to !== newer.size) {
          throw failed(
            `the proof is from ${proof.from} to ${proof.to}, not from ${older.size} to ${newer.size}`,
          );
        }
        ledgerCheck(
          `FORK: the checkpoint of size ${newer.size} does not extend the one of size ${older.size}`,
          () => verifyConsistency(older.size, newer.size, proof.proof, older.rootHash, newer.rootHash),
        );
        if (options.save) {
          await saveFile(
            options.save,
            `consistency-${older.size}-${newer.size}.json`,
            formatConsistencyDocument(proof),
          );
        }
        return [`OK checkpoint ${describeCheckpoint(newer)} extends ${describeCheckpoint(older)}`];
      }),
    );

  common(verify.command('robot'))
    .description("check a robot's whole event history against one signed checkpoint")
    .argument('<robotId>', 'the robot ID')
    .option('--token <apiKey>', 'an API key that may read the robot (default: $ROBOLEDGER_TOKEN)')
    .option('--history <file>', 'a saved history proof (default: fetched from --url)')
    .option('--tree-size <n>', 'against the checkpoint of this size (default: the latest)')
    .action(async (robotId: string, options: CommonOptions & { history?: string; treeSize?: string }) =>
      runVerification('robot', async () => {
        const treeSize =
          options.treeSize === undefined ? undefined : parseCount(options.treeSize, '--tree-size');
        const history: HistoryDocument = options.history
          ? parseHistoryDocument(await readJsonFile(options.history, 'history'))
          : await clientOf(options, "fetching the robot's history").history(robotId, treeSize);
        const lines = verifyHistory(history, options, robotId);
        if (options.save) {
          await saveFile(
            options.save,
            `robot-${history.robotId}-${history.treeSize}.json`,
            formatHistoryDocument(history),
          );
          await saveFile(options.save, `checkpoint-${history.treeSize}`, history.checkpoint);
          await saveKey(options);
        }
        return lines;
      }),
    );
}

function parseEntryJson(entry: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(entry).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function describeEntry(entry: Uint8Array): string {
  const json = parseEntryJson(entry);
  return json ? `(${String(json.kind)} ${String(json.id)})` : '(not JSON)';
}

/** Every event of the history: its bytes, its inclusion, and that together they make one robot's story. */
function verifyHistory(history: HistoryDocument, options: CommonOptions, asked: string): string[] {
  const checkpoint = openWithKeys(history.checkpoint, options, 'the checkpoint of the history');
  if (checkpoint.size !== history.treeSize) {
    throw failed(`the history says tree size ${history.treeSize}, its checkpoint ${checkpoint.size}`);
  }
  const lines: string[] = [];
  let robotUuid: string | undefined;
  let previousIndex = -1;
  let status: string | null = null;
  for (const event of history.events) {
    const where = `event ${event.eventId} (${event.type}, ledger index ${event.ledgerIndex})`;
    const leaf = leafHash(event.entry);
    if (!same(leaf, event.leafHash)) throw failed(`${where}: its entry does not hash to its leaf hash`);
    ledgerCheck(`${where} is not included in checkpoint ${describeCheckpoint(checkpoint)}`, () =>
      verifyInclusion(leaf, event.ledgerIndex, checkpoint.size, event.proof, checkpoint.rootHash),
    );
    const json = parseEntryJson(event.entry);
    if (json?.kind !== 'robot_event' || json.id !== event.eventId) {
      throw failed(`${where}: the logged entry is not this robot event`);
    }
    if (typeof json.robot !== 'string' || (robotUuid !== undefined && json.robot !== robotUuid)) {
      throw failed(`${where}: the logged entry is of another robot`);
    }
    robotUuid = json.robot;
    if (event.ledgerIndex <= previousIndex) throw failed(`${where}: events are not in ledger order`);
    previousIndex = event.ledgerIndex;
    // Lifecycle transitions chain: an event that moves the robot starts where the last one left
    // it, so a transition left out of the history shows.
    if (typeof json.fromStatus === 'string' && status !== null && json.fromStatus !== status) {
      throw failed(
        `${where}: starts from status ${json.fromStatus}, but the history left the robot ${status}`,
      );
    }
    if (typeof json.toStatus === 'string') status = json.toStatus;
    lines.push(`  ${event.ledgerIndex}\t${event.type}\t${String(json.occurredAt ?? '')}\t${event.eventId}`);
  }
  if (history.events.length === 0)
    throw failed(`the history of ${asked} has no events (not even its filing)`);
  const later = history.laterEvents > 0 ? `; ${history.laterEvents} later event(s) are not covered` : '';
  return [
    `OK robot ${history.robotId}: ${history.events.length} event(s), each included in checkpoint ${describeCheckpoint(checkpoint)}${later}`,
    ...lines,
  ];
}
