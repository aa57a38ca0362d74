// Robot chains: every record about a robot carries `"robotChain": {"seq", "prev"}` naming the
// robot's record before it (seq 0, its filing, has prev null); telemetry batches carry
// `"batchChain"` the same way. With the robot head (robot-head.ts) they make a robot's history
// provably complete at a tree size: seq 0 … head seq, each prev the one before, the last the
// head's, every leaf in the log. Pure and synchronous: records, proofs, the head and the
// checkpoint come in, already opened and verified where it says so; a summary comes out, or a
// RobotChainError naming the chain and the seq where the history breaks.
// See docs/ledger-formats.md "Robot chains".

import { type OpenedRecord, type Opening, type OpeningJson, verifyOpening } from './commitment.js';
import { bytesEqual, isSafeCount } from './encoding.js';
import { LedgerError, type LedgerErrorCode } from './errors.js';
import { HASH_SIZE, verifyInclusion } from './merkle.js';
import type { ChainHeadLine, RobotHead } from './robot-head.js';

/** A robot's two chains: its records, and its telemetry batches. */
export type ChainName = 'records' | 'batches';

/** The record member that carries each chain's link. */
export const CHAIN_MEMBER = { records: 'robotChain', batches: 'batchChain' } as const satisfies Record<
  ChainName,
  string
>;

/** A record's place in one of its robot's chains. */
export interface ChainLink {
  readonly seq: number;
  /** The robot's record before this one in the chain; null exactly for seq 0. */
  readonly prev: { readonly index: number; readonly leafHash: Uint8Array } | null;
}

/** The JSON form of a link, as it goes into a record (leaf hash in lowercase hex). */
export interface ChainLinkJson {
  readonly seq: number;
  readonly prev: { readonly index: number; readonly leafHash: string } | null;
}

/** How a record names its robot: the stable internal id, and the robot ID at the time. */
export interface RobotIdentity {
  readonly robot: string;
  readonly robotId: string;
}

/** One record of a chain as a verifier holds it: opened, with its inclusion proof. */
export interface ChainItem {
  readonly index: number;
  readonly leafHash: Uint8Array;
  /** The parsed record (OpenedRecord.record). */
  readonly record: unknown;
  /** Inclusion proof of the leaf at the checkpoint's tree size. */
  readonly proof: readonly Uint8Array[];
}

/** The log's verified tree head the chain is checked at (from openCheckpoint). */
export interface ChainCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
}

export interface ChainSummary {
  readonly chain: ChainName;
  /** The robot's stable internal id, the same in every record. */
  readonly robot: string | undefined;
  /** The robot IDs the records name, in chain order, listed again at each change (re-coding). */
  readonly robotIds: readonly string[];
  readonly first: ChainHeadLine | undefined;
  readonly last: ChainHeadLine | undefined;
  readonly length: number;
}

/** A break in a robot's chain: which chain, and the seq where it is. */
export class RobotChainError extends LedgerError {
  readonly chain: ChainName;
  readonly seq: number;
  /** The ledger index of the record at fault, when there is one. */
  readonly index: number | undefined;

  constructor(
    code: LedgerErrorCode,
    chain: ChainName,
    seq: number,
    index: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, `${chain} chain, seq ${seq}: ${message}`, options);
    this.chain = chain;
    this.seq = seq;
    this.index = index;
  }
}

export function isRobotChainError(error: unknown): error is RobotChainError {
  return error instanceof RobotChainError;
}

const HEX = /^[0-9a-f]{64}$/;

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(value: Record<string, unknown>, names: readonly string[]): boolean {
  const keys = Object.keys(value);
  return keys.length === names.length && names.every((name) => Object.hasOwn(value, name));
}

function linkError(message: string): LedgerError {
  return new LedgerError('CHAIN_LINK_MALFORMED', message);
}

/** The JSON a writer puts into a record as its `robotChain` or `batchChain` member. */
export function formatChainLink(link: ChainLink): ChainLinkJson {
  if (!isSafeCount(link.seq)) throw linkError('a chain seq is a safe non-negative integer');
  if ((link.seq === 0) !== (link.prev === null)) throw linkError('exactly seq 0 has no prev');
  if (link.prev === null) return { seq: 0, prev: null };
  if (!isSafeCount(link.prev.index)) throw linkError('a prev index is a safe non-negative integer');
  if (!(link.prev.leafHash instanceof Uint8Array) || link.prev.leafHash.length !== HASH_SIZE) {
    throw linkError(`a prev leaf hash has ${HASH_SIZE} bytes`);
  }
  return { seq: link.seq, prev: { index: link.prev.index, leafHash: toHex(link.prev.leafHash) } };
}

/**
 * Reads a record's link in one chain. Records come from openings, so the shape is checked
 * exactly: {seq, prev} with prev null or {index, leafHash} (64 lowercase hex digits), and prev
 * null exactly for seq 0. CHAIN_LINK_MALFORMED otherwise, or when the record has no link.
 */
export function readChainLink(record: unknown, chain: ChainName): ChainLink {
  const member = CHAIN_MEMBER[chain];
  const link = isObject(record) ? record[member] : undefined;
  if (!isObject(link) || !hasExactly(link, ['seq', 'prev'])) {
    throw linkError(`the record has no ${member} {seq, prev}`);
  }
  const { seq, prev } = link;
  if (!isSafeCount(seq)) throw linkError(`${member}.seq is not a safe non-negative integer`);
  if (prev === null) {
    if (seq !== 0) throw linkError(`${member}.prev is null at seq ${seq}`);
    return { seq, prev: null };
  }
  if (seq === 0) throw linkError(`${member}.prev is not null at seq 0`);
  if (!isObject(prev) || !hasExactly(prev, ['index', 'leafHash'])) {
    throw linkError(`${member}.prev is neither null nor {index, leafHash}`);
  }
  if (!isSafeCount(prev.index)) throw linkError(`${member}.prev.index is not a safe non-negative integer`);
  if (typeof prev.leafHash !== 'string' || !HEX.test(prev.leafHash)) {
    throw linkError(`${member}.prev.leafHash is not 64 lowercase hex digits`);
  }
  return { seq, prev: { index: prev.index, leafHash: fromHex(prev.leafHash) } };
}

/** How a chained record names its robot: non-empty strings `robot` and `robotId`. */
export function readRobotIdentity(record: unknown): RobotIdentity {
  const robot = isObject(record) ? record.robot : undefined;
  const robotId = isObject(record) ? record.robotId : undefined;
  if (typeof robot !== 'string' || robot === '' || typeof robotId !== 'string' || robotId === '') {
    throw linkError('a chained record names its robot in robot and robotId');
  }
  return { robot, robotId };
}

function seqOf(item: ChainItem | undefined, chain: ChainName): number | undefined {
  try {
    return readChainLink(item?.record, chain).seq;
  } catch {
    return undefined;
  }
}

function robotOf(item: ChainItem | undefined): string | undefined {
  try {
    return readRobotIdentity(item?.record).robot;
  } catch {
    return undefined;
  }
}

function lineOf(seq: number, item: ChainItem): ChainHeadLine {
  return { seq, index: item.index, leafHash: item.leafHash };
}

/** Items may be built from a file: a leaf hash that is not bytes matches nothing (the walk reports it). */
function sameLeaf(a: { index: number; leafHash: Uint8Array }, b: { index: number; leafHash: Uint8Array }) {
  return (
    a.index === b.index &&
    a.leafHash instanceof Uint8Array &&
    b.leafHash instanceof Uint8Array &&
    bytesEqual(a.leafHash, b.leafHash)
  );
}

/** The chain's last leaf is not the one the signed head names. */
function headMismatch(
  chain: ChainName,
  last: { seq: number; index: number },
  headLine: { seq: number; index: number },
): RobotChainError {
  return new RobotChainError(
    'CHAIN_HEAD_MISMATCH',
    chain,
    last.seq,
    last.index,
    `the head names leaf ${headLine.index} as seq ${headLine.seq}, the chain leaf ${last.index}`,
  );
}

function checkCheckpoint(head: RobotHead, checkpoint: ChainCheckpoint): void {
  if (head.origin !== checkpoint.origin || head.treeSize !== checkpoint.size) {
    throw new LedgerError(
      'CHAIN_CHECKPOINT_MISMATCH',
      `the robot head is of ${head.origin} at ${head.treeSize}, the checkpoint of ${checkpoint.origin} at ${checkpoint.size}`,
    );
  }
}

interface WalkInput {
  readonly chain: ChainName;
  readonly checkpoint: ChainCheckpoint;
  readonly items: readonly ChainItem[];
  readonly robot: string | undefined;
  /** The seq the first item must have. */
  readonly firstSeq: number;
  /** What the first item's prev must be; undefined: not checked (a segment without anchor). */
  readonly firstPrev: { index: number; leafHash: Uint8Array } | null | undefined;
}

/**
 * Walks the items in the order given, expecting seq firstSeq, firstSeq+1, …: each item's leaf
 * must be in the log at the checkpoint, name the chain's robot, have the next seq, and name the
 * item before it as prev. Throws at the first break, naming the seq the history lacks there.
 */
function walk(input: WalkInput): ChainSummary {
  const { chain, checkpoint, items } = input;
  let robot = input.robot;
  const robotIds: string[] = [];
  const seen = new Set<number>();
  for (const [position, item] of items.entries()) {
    const expected = input.firstSeq + position;
    const broken = (code: LedgerErrorCode, message: string, seq = expected, cause?: unknown) =>
      new RobotChainError(code, chain, seq, item.index, message, cause === undefined ? {} : { cause });
    try {
      verifyInclusion(item.leafHash, item.index, checkpoint.size, item.proof, checkpoint.rootHash);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      throw broken(
        'OPENING_NOT_INCLUDED',
        `leaf ${item.index} is not in the log at ${checkpoint.size}`,
        expected,
        error,
      );
    }
    // The robot first: a foreign record is named as such, whatever its links say.
    let identity: RobotIdentity;
    try {
      identity = readRobotIdentity(item.record);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      throw broken('CHAIN_LINK_MALFORMED', error.message, expected, error);
    }
    robot ??= identity.robot;
    if (identity.robot !== robot) {
      throw broken('CHAIN_FOREIGN_ROBOT', `record ${item.index} is of robot ${identity.robot}, not ${robot}`);
    }
    let link: ChainLink;
    try {
      link = readChainLink(item.record, chain);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      throw broken('CHAIN_LINK_MALFORMED', error.message, expected, error);
    }
    if (link.seq !== expected) {
      if (seen.has(link.seq)) throw broken('CHAIN_DUPLICATE', `seq ${link.seq} is given twice`, link.seq);
      if (link.seq < expected)
        throw broken('CHAIN_OUT_OF_ORDER', `seq ${link.seq} comes after seq ${expected - 1}`, link.seq);
      const later = items.slice(position + 1).map((other) => seqOf(other, chain));
      if (later.includes(link.seq))
        throw broken('CHAIN_DUPLICATE', `seq ${link.seq} is given twice`, link.seq);
      if (later.includes(expected))
        throw broken('CHAIN_OUT_OF_ORDER', `seq ${expected} comes after seq ${link.seq}`);
      throw broken(
        'CHAIN_RECORD_OMITTED',
        `seq ${expected} is missing (the next record given is seq ${link.seq})`,
      );
    }
    const previous =
      position === 0
        ? input.firstPrev
        : { index: items[position - 1]!.index, leafHash: items[position - 1]!.leafHash };
    if (link.prev !== null) {
      if (link.prev.index >= item.index) {
        throw broken(
          'CHAIN_PREV_MISMATCH',
          `prev ${link.prev.index} is not before the record's own index ${item.index}`,
        );
      }
      // previous is null only before seq 0, whose prev readChainLink already requires to be null.
      if (previous && !sameLeaf(link.prev, previous)) {
        throw broken(
          'CHAIN_PREV_MISMATCH',
          `prev names leaf ${link.prev.index}, not leaf ${previous.index} before it`,
        );
      }
    }
    seen.add(link.seq);
    if (robotIds[robotIds.length - 1] !== identity.robotId) robotIds.push(identity.robotId);
  }
  const firstItem = items[0];
  const lastItem = items[items.length - 1];
  return {
    chain,
    robot,
    robotIds,
    first: firstItem && lineOf(input.firstSeq, firstItem),
    last: lastItem && lineOf(input.firstSeq + items.length - 1, lastItem),
    length: items.length,
  };
}

/**
 * Decides whether `items` are one of a robot's chains, complete at the head's tree size:
 * seq 0 … the head's seq, in that order, each prev the item before, the last the head's leaf,
 * every leaf included at the checkpoint (which must be the head's log and size). For the
 * records chain the last record must name the head's robot ID. `robot`, when given, is the
 * stable id every record must name; otherwise it is taken from the record the head names
 * (or the first, when none matches). A batches chain of a head without a batches line must
 * be empty. Throws a RobotChainError at the first break.
 */
export function verifyRobotChain(input: {
  readonly chain: ChainName;
  readonly head: RobotHead;
  readonly checkpoint: ChainCheckpoint;
  readonly items: readonly ChainItem[];
  readonly robot?: string;
}): ChainSummary {
  const { chain, head, checkpoint, items } = input;
  checkCheckpoint(head, checkpoint);
  const headLine = head[chain];
  if (headLine === undefined) {
    if (items.length > 0) {
      throw new RobotChainError(
        'CHAIN_HEAD_MISMATCH',
        chain,
        0,
        items[0]!.index,
        `the head has no ${chain} line`,
      );
    }
    return { chain, robot: input.robot, robotIds: [], first: undefined, last: undefined, length: 0 };
  }
  const anchored = items.find((item) => sameLeaf(item, headLine));
  const robot = input.robot ?? robotOf(anchored) ?? robotOf(items[0]);
  const summary = walk({ chain, checkpoint, items, robot, firstSeq: 0, firstPrev: null });
  const last = summary.last;
  if (last === undefined || last.seq < headLine.seq) {
    const missing = last === undefined ? 0 : last.seq + 1;
    throw new RobotChainError(
      'CHAIN_RECORD_OMITTED',
      chain,
      missing,
      undefined,
      `seq ${missing} … ${headLine.seq} are missing`,
    );
  }
  if (last.seq > headLine.seq) {
    throw new RobotChainError(
      'CHAIN_HEAD_MISMATCH',
      chain,
      headLine.seq + 1,
      items[headLine.seq + 1]!.index,
      `the head ends the chain at seq ${headLine.seq}`,
    );
  }
  if (!sameLeaf(last, headLine)) {
    throw headMismatch(chain, last, headLine);
  }
  if (chain === 'records' && summary.robotIds[summary.robotIds.length - 1] !== head.robotId) {
    throw new RobotChainError(
      'CHAIN_FOREIGN_ROBOT',
      chain,
      last.seq,
      last.index,
      `the chain ends as robot ${summary.robotIds[summary.robotIds.length - 1]}, the head is of ${head.robotId}`,
    );
  }
  return summary;
}

/**
 * Checks a contiguous run of one chain (a telemetry window, say): the items have consecutive
 * seqs from the first one's, each prev the item before, every leaf included at the checkpoint,
 * every record of `robot`. `after`, when given, is the record just before the run (its first
 * prev must name it). A run that reaches the head's seq must end at the head's leaf. A run
 * proves nothing about records outside it.
 */
export function verifyChainSegment(input: {
  readonly chain: ChainName;
  readonly head: RobotHead;
  readonly checkpoint: ChainCheckpoint;
  readonly items: readonly ChainItem[];
  readonly robot: string;
  readonly after?: ChainHeadLine;
}): ChainSummary {
  const { chain, head, checkpoint, items, after } = input;
  checkCheckpoint(head, checkpoint);
  const headLine = head[chain];
  const first = items[0];
  if (first === undefined) {
    return { chain, robot: input.robot, robotIds: [], first: undefined, last: undefined, length: 0 };
  }
  if (headLine === undefined) {
    throw new RobotChainError('CHAIN_HEAD_MISMATCH', chain, 0, first.index, `the head has no ${chain} line`);
  }
  let firstSeq: number;
  if (after !== undefined) firstSeq = after.seq + 1;
  else {
    const seq = seqOf(first, chain);
    // An unreadable first link is reported by the walk, at seq 0 for want of a better one.
    firstSeq = seq ?? 0;
  }
  const firstPrev = after !== undefined ? after : firstSeq === 0 ? null : undefined;
  const summary = walk({ chain, checkpoint, items, robot: input.robot, firstSeq, firstPrev });
  const last = summary.last!;
  if (last.seq > headLine.seq) {
    const beyond = items[headLine.seq + 1 - firstSeq];
    throw new RobotChainError(
      'CHAIN_HEAD_MISMATCH',
      chain,
      headLine.seq + 1,
      beyond?.index,
      `the head ends the chain at seq ${headLine.seq}`,
    );
  }
  if (last.seq === headLine.seq && !sameLeaf(last, headLine)) {
    throw headMismatch(chain, last, headLine);
  }
  return summary;
}

/** An opening with the inclusion proof of its leaf at the checkpoint, as a history carries it. */
export interface ProvenOpening {
  readonly opening: Opening | OpeningJson;
  readonly proof: readonly Uint8Array[];
}

function openChain(chain: ChainName, checkpoint: ChainCheckpoint, proven: readonly ProvenOpening[]) {
  return proven.map(({ opening, proof }, position): OpenedRecord & ChainItem => {
    try {
      return { ...verifyOpening(opening, checkpoint, proof), proof };
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      const index = typeof opening === 'object' && opening !== null ? opening.index : undefined;
      // Until the record is open its seq is unknown: name the one it stands in place of.
      throw new RobotChainError(
        error.code,
        chain,
        position,
        isSafeCount(index) ? index : undefined,
        error.message,
        {
          cause: error,
        },
      );
    }
  });
}

/**
 * A robot's history from openings: opens each one against the checkpoint, then checks the
 * records chain complete at the head and, when `batches` is given, the batches chain complete
 * too, both of the same robot. A history may leave its batches out (the chains are separate
 * for that); then only the records are proven complete.
 */
export function verifyRobotHistory(input: {
  readonly head: RobotHead;
  readonly checkpoint: ChainCheckpoint;
  readonly records: readonly ProvenOpening[];
  readonly batches?: readonly ProvenOpening[];
}): {
  robot: string;
  robotId: string;
  records: readonly OpenedRecord[];
  batches: readonly OpenedRecord[] | undefined;
} {
  const { head, checkpoint } = input;
  checkCheckpoint(head, checkpoint);
  const records = openChain('records', checkpoint, input.records);
  const summary = verifyRobotChain({ chain: 'records', head, checkpoint, items: records });
  const robot = summary.robot!;
  let batches: (OpenedRecord & ChainItem)[] | undefined;
  if (input.batches !== undefined) {
    batches = openChain('batches', checkpoint, input.batches);
    verifyRobotChain({ chain: 'batches', head, checkpoint, items: batches, robot });
  }
  return { robot, robotId: head.robotId, records, batches };
}
