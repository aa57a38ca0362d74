// `roboledger verify`: checks what the log says against its verifier key alone, online
// (--url) or offline on saved files (--save DIR, then --checkpoint/--entry/--proof/--history);
// `verify bundle` (verify-bundle-command.ts) checks an incident bundle file offline.
// Trust comes only from the key: the checkpoint's signature, then RFC 9162 proofs against the
// root it signs. Exit 0 verified, 1 verification failed (the message names what), 2 usage,
// 3 the log could not be reached.
import type { Command } from 'commander';
import { batchEvidenceProblem, deviceKeySpans } from '../core/telemetry/batch-evidence.js';
import {
  type Checkpoint,
  cosignatureVerifier,
  isLedgerError,
  isRobotChainError,
  leafHash,
  noteVerifier,
  type OpenedRecord,
  openCheckpoint,
  openRobotHead,
  parseCommitmentEntry,
  type RobotHead,
  verifyChainSegment,
  verifyConsistency,
  verifyInclusion,
  verifyOpening,
  verifyRobotHistory,
} from '../ledger/index.js';
import {
  type BatchesDocument,
  type ConsistencyDocument,
  describeError,
  type EntryDocument,
  failed,
  formatBatchesDocument,
  formatConsistencyDocument,
  formatEntryDocument,
  formatHistoryDocument,
  formatInclusionDocument,
  type HistoryDocument,
  type InclusionDocument,
  keyArgument,
  LedgerHttpClient,
  LedgerToolError,
  parseBatchesDocument,
  parseConsistencyDocument,
  parseEntryDocument,
  parseHistoryDocument,
  parseInclusionDocument,
  readJsonFile,
  readTextFile,
  saveFile,
  usage,
} from './ledger-client.js';
import { registerVerifyBundleCommand } from './verify-bundle-command.js';
import { registerVerifyReportCommand } from './verify-report-command.js';

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
3 the log could not be reached, or refused access (a robot the token may not see).`;

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
        error.kind === 'verification'
          ? 'FAILED'
          : error.kind === 'usage'
            ? 'usage'
            : error.kind === 'refused'
              ? 'refused'
              : 'unreachable';
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
    .description(
      "check the ledger's checkpoints, inclusion and consistency proofs, robot histories and incident bundles",
    )
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

  common(verify.command('telemetry'))
    .description(
      "re-check a window of a robot's stored telemetry: every batch's signature by the robot's own key, its ledger record and the batch chain",
    )
    .argument('<robotId>', 'the robot ID')
    .option('--token <apiKey>', "an API key that may read the robot's telemetry (default: $ROBOLEDGER_TOKEN)")
    .option('--from <time>', 'the window starts (RFC 3339; default: the first batch)')
    .option('--to <time>', 'the window ends, exclusive (RFC 3339; default: now)')
    .option('--history <file>', 'a saved history proof (default: fetched from --url)')
    .option('--batches <file>', 'saved batches of the window (default: fetched from --url)')
    .action(
      async (
        robotId: string,
        options: CommonOptions & { from?: string; to?: string; history?: string; batches?: string },
      ) =>
        runVerification('telemetry', async () => {
          const history: HistoryDocument = options.history
            ? parseHistoryDocument(await readJsonFile(options.history, 'history'))
            : await clientOf(options, "fetching the robot's history").history(robotId);
          const batches: BatchesDocument = options.batches
            ? parseBatchesDocument(await readJsonFile(options.batches, 'batches'))
            : await clientOf(options, "fetching the robot's telemetry").batches(robotId, {
                from: options.from,
                to: options.to,
                treeSize: history.treeSize,
              });
          const lines = checkTelemetry(history, batches, options);
          if (options.save) {
            await saveFile(
              options.save,
              `robot-${history.robotId}-${history.treeSize}.json`,
              formatHistoryDocument(history),
            );
            await saveFile(
              options.save,
              `telemetry-${history.robotId}-${history.treeSize}.json`,
              formatBatchesDocument(batches),
            );
            await saveKey(options);
          }
          return lines;
        }),
    );

  common(verify.command('robot'))
    .description(
      "check that a robot's history is complete: every record of its chain, opened and included, up to the signed robot head",
    )
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
        const lines = verifyHistory(history, options);
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

  registerVerifyBundleCommand(verify);
  registerVerifyReportCommand(verify);
}

/** What an entry says about itself: a version 2 entry names only its record kind. */
function describeEntry(entry: Uint8Array): string {
  try {
    return `(a ${parseCommitmentEntry(entry).kind} commitment)`;
  } catch {
    return '(not a version 2 commitment entry)';
  }
}

/**
 * A robot's history: the checkpoint and the robot head signed by the log key, then the records
 * chain complete at the head (seq 0 … the head's, each prev the one before, every opening
 * committed in its leaf and every leaf included), then the lifecycle read from the records.
 */
function verifyHistory(history: HistoryDocument, options: CommonOptions): string[] {
  return checkHistory(history, options).lines;
}

function checkHistory(
  history: HistoryDocument,
  options: CommonOptions,
): {
  lines: string[];
  head: RobotHead;
  checkpoint: Checkpoint;
  verified: ReturnType<typeof verifyRobotHistory>;
} {
  const checkpoint = openWithKeys(history.checkpoint, options, 'the checkpoint of the history');
  if (checkpoint.size !== history.treeSize) {
    throw failed(`the history says tree size ${history.treeSize}, its checkpoint ${checkpoint.size}`);
  }
  const log = noteVerifier(logKeyOf(options));
  let head: RobotHead;
  ledgerCheck('the robot head is not signed by the log key', () => {
    head = openRobotHead(history.head, [log], { origin: log.name }).head;
  });
  head = head!;
  if (head.treeSize !== checkpoint.size) {
    throw failed(`the robot head is at tree size ${head.treeSize}, the checkpoint ${checkpoint.size}`);
  }
  let verified: ReturnType<typeof verifyRobotHistory>;
  try {
    verified = verifyRobotHistory({ head, checkpoint, records: history.records });
  } catch (error) {
    if (isRobotChainError(error)) {
      const at = error.index === undefined ? '' : ` (ledger index ${error.index})`;
      throw failed(
        `the history of ${head.robotId}: ${error.chain} chain seq ${error.seq}${at}: ${describeError(error)} (${error.code})`,
        error,
      );
    }
    if (isLedgerError(error))
      throw failed(`the history of ${head.robotId}: ${describeError(error)} (${error.code})`, error);
    throw error;
  }
  const lines: string[] = [];
  // Lifecycle transitions chain too: an event that moves the robot starts where the last one
  // left it (the chain already proves nothing is missing; this reads the story it tells).
  let status: string | null = null;
  verified.records.forEach((opened, seq) => {
    const record = opened.record as Record<string, unknown>;
    if (record.kind === 'robot_event') {
      if (typeof record.fromStatus === 'string' && status !== null && record.fromStatus !== status) {
        throw failed(
          `records chain seq ${seq} (ledger index ${opened.index}): the ${String(record.type)} event starts from status ${record.fromStatus}, but the history left the robot ${status}`,
        );
      }
      if (typeof record.toStatus === 'string') status = record.toStatus;
    }
    const what = record.kind === 'robot_event' ? `robot_event ${String(record.type)}` : String(record.kind);
    const when = String(
      record.occurredAt ??
        record.createdAt ??
        record.decidedAt ??
        record.revokedAt ??
        record.raisedAt ??
        record.ackedAt ??
        record.receivedAt ??
        record.recordedAt ??
        '',
    );
    lines.push(`  ${seq}\t${opened.index}\t${what}\t${when}\t${String(record.id ?? '')}`);
  });
  const later = history.laterRecords > 0 ? `; ${history.laterRecords} later record(s) are not covered` : '';
  const batches = head.batches ? `; its telemetry batch chain ends at seq ${head.batches.seq}` : '';
  return {
    lines: [
      `OK robot ${head.robotId}: ${verified.records.length} record(s), seq 0 … ${head.records.seq}, complete at checkpoint ${describeCheckpoint(checkpoint)}${batches}${later}`,
      ...lines,
    ],
    head,
    checkpoint,
    verified,
  };
}

/**
 * A window of a robot's telemetry as evidence: the robot's history first (its device keys come
 * from its own opened records), then every batch of the window: its opening gives its leaf,
 * included at the history's checkpoint; it is this robot's batch record; the stored JWS is the
 * one the record digests and verifies with the robot's device key live when it was received;
 * and the batches are one unbroken run of the robot's batch chain (ending at the head's
 * batch if the window reaches it).
 */
function checkTelemetry(
  history: HistoryDocument,
  batches: BatchesDocument,
  options: CommonOptions,
): string[] {
  const { head, checkpoint, verified } = checkHistory(history, options);
  if (batches.treeSize !== checkpoint.size) {
    throw failed(`the batches are of tree size ${batches.treeSize}, the history of ${checkpoint.size}`);
  }
  const keys = deviceKeySpans(verified.records.map((r) => r.record));
  if (keys.length === 0) throw failed(`the history of ${head.robotId} registers no device key`);
  const opened = batches.items.map((item, position) => {
    let record: OpenedRecord;
    try {
      record = verifyOpening(item.opening, checkpoint, item.proof);
    } catch (error) {
      throw failed(`batch seq ${item.seq} (item ${position}): ${describeError(error)}`, error);
    }
    const facts = record.record as Record<string, unknown>;
    if (record.kind !== 'telemetry_batch' || facts.robot !== verified.robot || facts.seq !== item.seq) {
      throw failed(
        `batch seq ${item.seq} (ledger index ${record.index}): its record is not this robot's batch ${item.seq}`,
      );
    }
    const problem = batchEvidenceProblem(item.jws, facts as never, keys);
    if (problem) throw failed(`batch seq ${item.seq} (ledger index ${record.index}): ${problem}`);
    return { ...record, proof: item.proof };
  });
  opened.sort((a, b) => chainSeqOf(a.record) - chainSeqOf(b.record));
  try {
    verifyChainSegment({ chain: 'batches', head, checkpoint, items: opened, robot: verified.robot });
  } catch (error) {
    if (isRobotChainError(error)) {
      const at = error.index === undefined ? '' : ` (ledger index ${error.index})`;
      throw failed(
        `the telemetry of ${head.robotId}: batches chain seq ${error.seq}${at}: ${describeError(error)} (${error.code})`,
        error,
      );
    }
    throw error;
  }
  const first = opened[0];
  const last = opened[opened.length - 1];
  const run =
    first && last
      ? `, batch chain seq ${chainSeqOf(first.record)} … ${chainSeqOf(last.record)} unbroken`
      : '';
  return [
    `OK telemetry ${head.robotId}: ${opened.length} batch(es) ${batches.from ?? 'from the start'} … ${batches.to ?? 'now'}${run}, each signed by the robot's device key and included in checkpoint ${describeCheckpoint(checkpoint)}`,
  ];
}

function chainSeqOf(record: unknown): number {
  const link = (record as { batchChain?: { seq?: unknown } }).batchChain;
  return typeof link?.seq === 'number' ? link.seq : -1;
}
