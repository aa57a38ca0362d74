// A history report (roboledger-history-report/1) checked in the browser with WebCrypto, the
// same checks as `roboledger verify report` (docs/history-report.md "Verifying a report
// offline") minus the summary recomputation: the checkpoint's signature by the log key, the
// robot head's (same log, robot and tree size), every record's opening (commitment =
// SHA-256(salt ‖ record), the leaf at its index) and inclusion proof, the records chain seq 0 …
// head without a gap, every approval record's inclusion, and the report's own Ed25519 signature
// over the RFC 8785 canonical JSON of the report without `signature`. The first failure is
// named by where it is (`record seq 3 (ledger index 41)`).
import { canonicalJsonBytes, parseCanonicalJson } from '../../../src/ledger/canonical-json.js';
import { bytesEqual, DECIMAL, decodeBase64, encodeBase64, utf8 } from '../../../src/ledger/encoding.js';
import {
  type LogKey,
  leafHash,
  parseLogKey,
  rootFromInclusionProof,
  sha256,
  VerificationError,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyEd25519,
  verifyNoteSignature,
} from '../ledger/browser-verify.js';

export interface ReportCheck {
  robotId: string;
  tier: string;
  treeSize: number;
  /** Records opened and proven (0 for the public tier, which carries none). */
  records: number;
  approvals: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const KIND = /^[a-z][a-z0-9_]{0,63}$/;
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fail(subject: string, message: string): never {
  throw new VerificationError(`${subject}: ${message}`);
}

interface HeadLine {
  seq: number;
  index: number;
  leafHash: Uint8Array;
}

/** The robot head note's text: `<origin>/robot-head`, robot ID, tree size, `records seq index leaf`. */
function parseHead(text: string): { origin: string; robotId: string; treeSize: number; records: HeadLine } {
  const [first, robotId, size, records] = text.slice(0, -1).split('\n');
  if (!first?.endsWith('/robot-head') || !robotId || !size || !DECIMAL.test(size) || !records) {
    fail('robot head', 'not origin/robot-head, robot ID, tree size and records line');
  }
  const [word, seq, index, leaf] = records.split(' ');
  const leafBytes = leaf ? decodeBase64(leaf, true) : undefined;
  if (
    word !== 'records' ||
    !seq ||
    !DECIMAL.test(seq) ||
    !index ||
    !DECIMAL.test(index) ||
    leafBytes?.length !== 32
  ) {
    fail('robot head', 'the records line is not "records <seq> <index> <leaf hash>"');
  }
  return {
    origin: first.slice(0, -'/robot-head'.length),
    robotId,
    treeSize: Number(size),
    records: { seq: Number(seq), index: Number(index), leafHash: leafBytes },
  };
}

/** One opening checked against the checkpoint: its record (parsed) and its leaf hash. */
async function proveOpening(
  item: unknown,
  checkpoint: VerifiedCheckpoint,
  subject: string,
): Promise<{ index: number; record: unknown; leaf: Uint8Array }> {
  if (!isObject(item) || !isObject(item.opening) || !Array.isArray(item.inclusion)) {
    fail(subject, 'no opening and inclusion proof');
  }
  const { index, kind, salt, record } = item.opening;
  const saltBytes = typeof salt === 'string' ? decodeBase64(salt, true) : undefined;
  const recordBytes = typeof record === 'string' ? decodeBase64(record, true) : undefined;
  if (
    typeof index !== 'number' ||
    typeof kind !== 'string' ||
    !KIND.test(kind) ||
    saltBytes?.length !== 32 ||
    !recordBytes
  ) {
    fail(subject, 'the opening is not {index, kind, salt, record}');
  }
  let parsed: unknown;
  try {
    parsed = parseCanonicalJson(recordBytes);
  } catch (error) {
    fail(subject, `the record is not canonical JSON (${(error as Error).message})`);
  }
  const commitment = await sha256(saltBytes, recordBytes);
  const entry = utf8(`{"commitment":"${encodeBase64(commitment)}","kind":"${kind}","v":2}`);
  const leaf = await leafHash(entry);
  const proof = item.inclusion.map((hash) => {
    const bytes = typeof hash === 'string' ? decodeBase64(hash, true) : undefined;
    if (!bytes) fail(subject, 'a hash of the inclusion proof is not base64');
    return bytes;
  });
  let root: Uint8Array;
  try {
    root = await rootFromInclusionProof(leaf, index, checkpoint.size, proof);
  } catch (error) {
    fail(subject, (error as Error).message);
  }
  if (!bytesEqual(root, checkpoint.rootHash)) {
    fail(subject, `the opened ${kind} is not leaf ${index} of the tree of size ${checkpoint.size}`);
  }
  return { index, record: parsed, leaf };
}

/** Verifies `report` (the parsed JSON) with the log's verifier key; throws VerificationError naming the first failure. */
export async function verifyReportInBrowser(report: unknown, logKey: string): Promise<ReportCheck> {
  if (
    !isObject(report) ||
    report.format !== 'roboledger-history-report/1' ||
    typeof report.robotId !== 'string'
  ) {
    fail('report', 'not a roboledger-history-report/1 document');
  }
  const { proof, signature } = report;
  if (!isObject(proof) || typeof proof.checkpoint !== 'string' || typeof proof.head !== 'string') {
    fail('report', 'no proof with a checkpoint and a robot head');
  }
  if (typeof signature !== 'string') fail('report', 'no signature');
  const key: LogKey = await parseLogKey(logKey);

  let checkpoint: VerifiedCheckpoint;
  try {
    checkpoint = await verifyCheckpoint(proof.checkpoint, key);
  } catch (error) {
    fail('checkpoint', (error as Error).message);
  }
  if (checkpoint.origin !== key.name) fail('checkpoint', `of the log ${checkpoint.origin}, not ${key.name}`);
  let headText: string;
  try {
    headText = await verifyNoteSignature(proof.head, key, 'robot head');
  } catch (error) {
    fail('robot head', (error as Error).message);
  }
  const head = parseHead(headText);
  if (head.origin !== key.name) fail('robot head', `of the log ${head.origin}`);
  if (head.robotId !== report.robotId)
    fail('robot head', `of ${head.robotId}, the report of ${report.robotId}`);
  if (head.treeSize !== checkpoint.size) {
    fail('robot head', `at tree size ${head.treeSize}, the checkpoint at ${checkpoint.size}`);
  }

  const records = proof.records === undefined ? [] : proof.records;
  if (!Array.isArray(records)) fail('proof.records', 'not an array');
  let previous: { index: number; leaf: Uint8Array } | null = null;
  for (const [seq, item] of records.entries()) {
    const index = isObject(item) && isObject(item.opening) ? item.opening.index : undefined;
    const subject = `record seq ${seq}${typeof index === 'number' ? ` (ledger index ${index})` : ''}`;
    const opened = await proveOpening(item, checkpoint, subject);
    const link = isObject(opened.record) ? opened.record.robotChain : undefined;
    if (!isObject(link) || link.seq !== seq) fail(subject, 'the chain is not in order from seq 0');
    const prev = link.prev;
    if (
      previous === null
        ? prev !== null
        : !isObject(prev) || prev.index !== previous.index || prev.leafHash !== toHex(previous.leaf)
    ) {
      fail(subject, 'its prev link does not name the record before it');
    }
    previous = { index: opened.index, leaf: opened.leaf };
  }
  if (records.length > 0) {
    const last = records.length - 1;
    if (
      head.records.seq !== last ||
      head.records.index !== previous?.index ||
      !bytesEqual(head.records.leafHash, previous.leaf)
    ) {
      fail('records', `the chain ends at seq ${last}, the robot head at seq ${head.records.seq}`);
    }
  }

  const approvals = proof.approvals === undefined ? [] : proof.approvals;
  if (!Array.isArray(approvals)) fail('proof.approvals', 'not an array');
  for (const [i, item] of approvals.entries()) await proveOpening(item, checkpoint, `approval ${i}`);

  const { signature: _signature, ...signed } = report;
  const signatureBytes = decodeBase64(signature, true);
  if (
    signatureBytes?.length !== 64 ||
    !(await verifyEd25519(key, signatureBytes, canonicalJsonBytes(signed)))
  ) {
    fail('signature', "not the log key's over the report's canonical JSON");
  }
  return {
    robotId: report.robotId,
    tier: String(report.tier),
    treeSize: checkpoint.size,
    records: records.length,
    approvals: approvals.length,
  };
}
