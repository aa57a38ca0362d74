// Robot heads: the log's signed statement of where a robot's chains end at a tree size, so that
// a shortened history cannot pass for a complete one. A C2SP signed note, signed by the log
// key, whose text is
//
//   <origin>/robot-head
//   <robotId>
//   <treeSize>
//   records <seq> <index> <base64 leaf hash>
//   batches <seq> <index> <base64 leaf hash>     (only once the robot has sent telemetry)
//
// The first line is never a log's origin, and the second and third are never a size and a root
// hash, so a head cannot be read as a checkpoint nor a checkpoint as a head.
// See docs/ledger-formats.md "Robot heads".

import { DECIMAL, decodeBase64, encodeBase64, isSafeCount, isWellFormed } from './encoding.js';
import { LedgerError } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { type NoteSigner, type NoteVerifier, type OpenedNote, openNote, signNote } from './note.js';

/** What the first line adds to the log's origin. */
export const ROBOT_HEAD_SUFFIX = '/robot-head';

/** The last record of one of a robot's chains: its chain seq, ledger index and leaf hash. */
export interface ChainHeadLine {
  readonly seq: number;
  readonly index: number;
  readonly leafHash: Uint8Array;
}

export interface RobotHead {
  /** The log's origin (the checkpoint's first line), without the `/robot-head` suffix. */
  readonly origin: string;
  /** The robot's ID at the tree size. */
  readonly robotId: string;
  readonly treeSize: number;
  /** The last record of the robot's record chain; every robot has one (its filing). */
  readonly records: ChainHeadLine;
  /** The last telemetry batch; absent when the robot never sent telemetry. */
  readonly batches?: ChainHeadLine;
}

const CONTROL = /[\x00-\x1F]/;
/** A robot ID in a head is one token of visible ASCII; which IDs are valid is the registry's rule. */
const ROBOT_ID = /^[\x21-\x7E]{1,128}$/;

function malformed(message: string): LedgerError {
  return new LedgerError('ROBOT_HEAD_MALFORMED', message);
}

function checkOrigin(origin: string): void {
  if (typeof origin !== 'string' || origin === '' || !isWellFormed(origin) || CONTROL.test(origin)) {
    throw malformed('the origin is a non-empty line');
  }
}

function checkLine(line: ChainHeadLine, treeSize: number, what: string): void {
  if (!isSafeCount(line.seq) || !isSafeCount(line.index)) {
    throw malformed(`the ${what} seq and index are safe non-negative integers`);
  }
  // A leaf named at treeSize is one of the first treeSize leaves, and seq n is the robot's
  // (n+1)th leaf, so it cannot come before index n.
  if (line.index >= treeSize) throw malformed(`the ${what} index is beyond the tree size`);
  if (line.seq > line.index) throw malformed(`the ${what} seq is larger than its index`);
  if (!(line.leafHash instanceof Uint8Array) || line.leafHash.length !== HASH_SIZE) {
    throw malformed(`the ${what} leaf hash has ${HASH_SIZE} bytes`);
  }
}

function checkHead(head: RobotHead): void {
  checkOrigin(head.origin);
  if (typeof head.robotId !== 'string' || !ROBOT_ID.test(head.robotId)) {
    throw malformed('the robot ID is one token of visible ASCII');
  }
  if (!isSafeCount(head.treeSize)) throw malformed('the tree size is a safe non-negative integer');
  checkLine(head.records, head.treeSize, 'records');
  if (head.batches !== undefined) {
    checkLine(head.batches, head.treeSize, 'batches');
    if (head.batches.index === head.records.index) throw malformed('two chains end at one leaf');
  }
}

/** The note text of a robot head. */
export function formatRobotHead(head: RobotHead): string {
  checkHead(head);
  const line = (name: string, l: ChainHeadLine) => `${name} ${l.seq} ${l.index} ${encodeBase64(l.leafHash)}`;
  const lines = [`${head.origin}${ROBOT_HEAD_SUFFIX}`, head.robotId, String(head.treeSize)];
  lines.push(line('records', head.records));
  if (head.batches !== undefined) lines.push(line('batches', head.batches));
  return `${lines.join('\n')}\n`;
}

function parseCount(text: string, what: string): number {
  if (!DECIMAL.test(text)) throw malformed(`the ${what} is not a canonical decimal number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw malformed(`the ${what} is larger than 2^53-1`);
  return value;
}

function parseChainLine(text: string, name: string): ChainHeadLine {
  const fields = text.split(' ');
  if (fields.length !== 4 || fields[0] !== name)
    throw malformed(`expected a line "${name} <seq> <index> <hash>"`);
  const leafHash = decodeBase64(fields[3]!, true);
  if (leafHash === undefined || leafHash.length !== HASH_SIZE) {
    throw malformed(`the ${name} leaf hash is not canonical base64 of ${HASH_SIZE} bytes`);
  }
  return {
    seq: parseCount(fields[1]!, `${name} seq`),
    index: parseCount(fields[2]!, `${name} index`),
    leafHash,
  };
}

/**
 * Parses the text of a robot head (an opened note's text). The text is attacker-controlled and
 * read strictly: four or five lines and a final newline, the first `<origin>/robot-head`,
 * numbers in canonical decimal, hashes in canonical base64, nothing else. With `origin`, the
 * head must be of that log (ROBOT_HEAD_ORIGIN_MISMATCH).
 */
export function parseRobotHead(text: string, options: { readonly origin?: string } = {}): RobotHead {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('a robot head ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4 && lines.length !== 5) throw malformed('a robot head has four or five lines');
  const [first, robotId, sizeLine, recordsLine, batchesLine] = lines as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (!first.endsWith(ROBOT_HEAD_SUFFIX))
    throw malformed(`the first line does not end in ${ROBOT_HEAD_SUFFIX}`);
  const origin = first.slice(0, -ROBOT_HEAD_SUFFIX.length);
  checkOrigin(origin);
  if (options.origin !== undefined && origin !== options.origin) {
    throw new LedgerError(
      'ROBOT_HEAD_ORIGIN_MISMATCH',
      `the robot head is of ${origin}, not ${options.origin}`,
    );
  }
  const treeSize = parseCount(sizeLine, 'tree size');
  const head: RobotHead = {
    origin,
    robotId,
    treeSize,
    records: parseChainLine(recordsLine, 'records'),
    ...(batchesLine === undefined ? {} : { batches: parseChainLine(batchesLine, 'batches') }),
  };
  checkHead(head);
  return head;
}

/** The signed note of a robot head, signed by the log's key (the checkpoint signer). */
export function signRobotHead(head: RobotHead, signer: NoteSigner): string {
  return signNote(formatRobotHead(head), [signer]);
}

/**
 * Opens a signed robot head with the log's verifier and parses it. The origin is required:
 * a head is only meaningful for the one log whose checkpoints its leaves are checked against.
 */
export function openRobotHead(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  options: { readonly origin: string },
): { head: RobotHead; note: OpenedNote } {
  const note = openNote(message, verifiers);
  return { head: parseRobotHead(note.text, { origin: options.origin }), note };
}
