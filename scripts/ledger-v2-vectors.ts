// Writes the ledger version 2 test vectors to test/vectors/ledger-v2/ (`npm run vectors:ledger-v2`).
// Everything is deterministic: salts are SHA-256 of fixed labels and the log key is derived from
// a fixed label, so a run on any machine writes the same bytes. test/ledger/vectors.test.ts
// rebuilds the vectors and fails when the files differ, and re-checks each one independently.

import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canonicalJson, canonicalJsonBytes } from '../src/ledger/canonical-json.js';
import { commitRecord, type OpeningJson, openRecord, verifyOpening } from '../src/ledger/commitment.js';
import { sha256 } from '../src/ledger/crypto.js';
import { LedgerError } from '../src/ledger/errors.js';
import { formatSignerKey, noteSigner, verifierKeyOf } from '../src/ledger/note.js';
import {
  type ChainItem,
  type ChainName,
  formatChainLink,
  RobotChainError,
  verifyRobotChain,
} from '../src/ledger/robot-chain.js';
import { formatRobotHead, type RobotHead, signRobotHead } from '../src/ledger/robot-head.js';
import { isValidRid1 } from '../src/robot-id/rid1-validate.js';
import { fixedSalt, type LoggedRecord, V2TestLog } from '../test/ledger/v2-log.js';

export const VECTORS_DIR = fileURLToPath(new URL('../test/vectors/ledger-v2/', import.meta.url));

const ORIGIN = 'roboledger.example/ledger-v2-vectors';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The test log key: its seed is SHA-256 of a fixed label. Never a real key. */
function testKey(): { signerKey: string; verifierKey: string } {
  const seed = sha256(new TextEncoder().encode('roboledger ledger-v2 test vector key'));
  const signerKey = formatSignerKey({ name: ORIGIN, seed });
  return { signerKey, verifierKey: verifierKeyOf(signerKey) };
}

const ROBOT_A = { robot: '0a6f1c2e-5b7d-4e8f-9a01-23456789abcd', robotId: 'CNB7K2B0A3T511000000000123455' };
const ROBOT_B = { robot: '1b7e2d3f-6c8e-4f90-8b12-3456789abcde', robotId: 'CNH4W9W1C2TCA30000000000A7Z96' };
const ROBOT_C = { robot: '2c8f3e40-7d9f-4a01-9c23-456789abcdef', robotId: 'UST5N8B020V1210000F03K2A7Q81O' };

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 8, minute)).toISOString();

function entriesVectors() {
  const records: { name: string; kind: string; record: unknown }[] = [
    {
      name: 'a filing, the first record of a robot (robotChain seq 0, prev null)',
      kind: 'robot_event',
      record: {
        kind: 'robot_event',
        id: '7d0c2a4e-1f3b-4c5d-8e9f-0a1b2c3d4e5f',
        robot: ROBOT_A.robot,
        robotId: ROBOT_A.robotId,
        type: 'filing',
        occurredAt: at(0),
        recordedAt: at(0),
        robotChain: { seq: 0, prev: null },
      },
    },
    {
      name: 'an incident with non-ASCII text, a newline and a quote in it',
      kind: 'incident',
      record: {
        kind: 'incident',
        id: 'inc-1',
        robot: ROBOT_A.robot,
        robotId: ROBOT_A.robotId,
        note: 'Arbeiter geprellt — "worker bruised"\nsite: Zürich 🤖',
        robotChain: { seq: 1, prev: { index: 0, leafHash: 'ab'.repeat(32) } },
      },
    },
    {
      name: 'numbers in their canonical ECMAScript forms',
      kind: 'telemetry_batch',
      record: {
        kind: 'telemetry_batch',
        robot: ROBOT_A.robot,
        robotId: ROBOT_A.robotId,
        values: [0, -1.5, 0.1, 1e21, 1e-7, 333333333.3333333, 9007199254740991],
        batchChain: { seq: 0, prev: null },
      },
    },
    {
      name: 'a record public by nature, about no robot',
      kind: 'brand',
      record: { kind: 'brand', id: 'acme', name: 'Acme Robotics' },
    },
    {
      name: 'member names sorted by UTF-16 code units, not by code points',
      kind: 'organisation',
      record: { kind: 'organisation', '\u20ac': 1, '\ud83d\ude00': 2, '\ufb33': 3, a: 0 },
    },
  ];
  return {
    description:
      'Version 2 entries. salt: base64 of 32 bytes; recordCanonical: the RFC 8785 canonical JSON of record (its UTF-8 bytes are committed); commitment: base64 SHA-256(salt || record bytes); entry: the canonical JSON of {commitment, kind, v: 2}; leafHash: hex SHA-256(0x00 || entry).',
    cases: records.map(({ name, kind, record }, i) => {
      const salt = fixedSalt(`entry ${i}`);
      const recordBytes = canonicalJsonBytes(record);
      const committed = commitRecord(kind, recordBytes, salt);
      return {
        name,
        kind,
        record,
        recordCanonical: canonicalJson(record),
        salt: b64(salt),
        commitment: b64(committed.commitment),
        entry: new TextDecoder().decode(committed.entry),
        leafHash: hex(committed.leafHash),
      };
    }),
    invalidEntries: [
      {
        name: 'a version 1 entry (the record itself)',
        entry: '{"id":"acme","kind":"brand","name":"Acme Robotics"}',
      },
      { name: 'another version', entry: `{"commitment":"${b64(new Uint8Array(32))}","kind":"brand","v":1}` },
      {
        name: 'a member more than the three',
        entry: `{"commitment":"${b64(new Uint8Array(32))}","kind":"brand","robotId":"${ROBOT_A.robotId}","v":2}`,
      },
      {
        name: 'not canonical (whitespace)',
        entry: `{"commitment": "${b64(new Uint8Array(32))}", "kind": "brand", "v": 2}`,
      },
      {
        name: 'a 31-byte commitment',
        entry: `{"commitment":"${b64(new Uint8Array(31))}","kind":"brand","v":2}`,
      },
    ].map((c) => ({ ...c, error: 'COMMITMENT_ENTRY_MALFORMED' })),
  };
}

interface VectorLog {
  log: V2TestLog;
  /** Forged records of robot C: seq 2 names seq 0 as its prev. */
  forgedC: LoggedRecord[];
}

/** The fixture log: robots A (records and batches), B (records only), C (a broken chain), and others. */
function buildLog(): VectorLog {
  const log = new V2TestLog(ORIGIN, (index) => fixedSalt(`log ${index}`));
  log.append('brand', { kind: 'brand', id: 'acme', name: 'Acme Robotics' });
  log.appendChained('records', 'robot_event', ROBOT_A, { type: 'filing', occurredAt: at(1) });
  log.appendChained('records', 'robot_event', ROBOT_B, { type: 'filing', occurredAt: at(2) });
  log.appendChained('records', 'robot_event', ROBOT_A, { type: 'deployment', occurredAt: at(3) });
  log.appendChained('batches', 'telemetry_batch', ROBOT_A, {
    seq: 1,
    sampleCount: 60,
    jwsSha256: hex(fixedSalt('jws 1')),
  });
  log.appendChained('records', 'incident', ROBOT_A, { note: 'worker bruised', occurredAt: at(5) });
  log.appendChained('records', 'robot_event', ROBOT_A, { type: 'suspension', occurredAt: at(6) });
  log.appendChained('batches', 'telemetry_batch', ROBOT_A, {
    seq: 2,
    sampleCount: 60,
    jwsSha256: hex(fixedSalt('jws 2')),
  });
  log.appendChained('records', 'robot_event', ROBOT_B, { type: 'deployment', occurredAt: at(8) });
  log.appendChained('records', 'robot_event', ROBOT_A, { type: 'reinstatement', occurredAt: at(9) });
  log.appendChained('records', 'grant', ROBOT_A, { grantee: 'org-service-1', scope: 'maintenance' });
  log.appendChained('batches', 'telemetry_batch', ROBOT_A, {
    seq: 3,
    sampleCount: 45,
    jwsSha256: hex(fixedSalt('jws 3')),
  });
  log.appendChained('records', 'robot_event', ROBOT_B, { type: 'maintenance_started', occurredAt: at(12) });
  // Robot C: a dishonest writer's chain, whose seq 2 skips seq 1.
  const forgedC: LoggedRecord[] = [];
  for (let seq = 0; seq < 3; seq++) {
    const prev = seq === 0 ? null : forgedC[seq === 2 ? 0 : seq - 1]!;
    const link = formatChainLink({ seq, prev: prev && { index: prev.index, leafHash: prev.leafHash } });
    forgedC.push(
      log.append('robot_event', { kind: 'robot_event', ...ROBOT_C, type: `event ${seq}`, robotChain: link }),
    );
  }
  log.append('brand', { kind: 'brand', id: 'globex', name: 'Globex' });
  return { log, forgedC };
}

function checkpointFields(log: V2TestLog) {
  const { origin, size, rootHash } = log.checkpoint();
  return { origin, treeSize: size, rootHash: b64(rootHash) };
}

function openingsVectors(vlog: VectorLog, key: { signerKey: string; verifierKey: string }) {
  const { log } = vlog;
  const target = log.chain('records', ROBOT_A.robot)[2]!; // the incident
  const proof = log.proof(target.index).map(b64);
  const checkpoint = log.checkpoint();
  const salt = Buffer.from(target.opening.salt, 'base64');
  salt[0] = salt[0]! ^ 0x01;
  const swapped = canonicalJsonBytes({ ...target.record, note: 'nothing happened' });
  const spaced = new TextEncoder().encode(JSON.stringify(target.record, null, 1));
  const invalid: { name: string; opening: unknown; error: string }[] = [
    {
      name: 'one bit of the salt flipped',
      opening: { ...target.opening, salt: salt.toString('base64') },
      error: 'OPENING_NOT_INCLUDED',
    },
    {
      name: 'the record swapped for another canonical record',
      opening: { ...target.opening, record: b64(swapped) },
      error: 'OPENING_NOT_INCLUDED',
    },
    {
      name: 'the record re-spelled with whitespace',
      opening: { ...target.opening, record: b64(spaced) },
      error: 'RECORD_NOT_CANONICAL',
    },
    {
      name: 'the kind changed (the record names its own)',
      opening: { ...target.opening, kind: 'robot_event' },
      error: 'OPENING_KIND_MISMATCH',
    },
    {
      name: 'the index of the next leaf',
      opening: { ...target.opening, index: target.index + 1 },
      error: 'OPENING_NOT_INCLUDED',
    },
    {
      name: 'a 31-byte salt',
      opening: { ...target.opening, salt: b64(new Uint8Array(31)) },
      error: 'OPENING_MALFORMED',
    },
    {
      name: 'a member more than the four',
      opening: { ...target.opening, leafHash: hex(target.leafHash) },
      error: 'OPENING_MALFORMED',
    },
  ];
  for (const c of invalid) {
    try {
      verifyOpening(c.opening as OpeningJson, checkpoint, log.proof(target.index));
      throw new Error(`invalid opening vector "${c.name}" verifies`);
    } catch (error) {
      if (!(error instanceof LedgerError) || error.code !== c.error) throw error;
    }
  }
  const publicRecord = log.records[0]!;
  return {
    description:
      'Openings against one signed checkpoint of the fixture log. valid: each opening with its inclusion proof (base64 hashes, RFC 9162) verifies, giving leafHash (hex) and record; invalid: each is refused with the error code given, checked in the order: shape, canonical record, kind, inclusion.',
    verifierKey: key.verifierKey,
    checkpoint: { ...checkpointFields(log), note: log.signedCheckpoint(noteSigner(key.signerKey)) },
    valid: [target, publicRecord].map((r) => ({
      name: r === target ? 'an incident of robot A' : 'a record public by nature (a brand)',
      opening: r.opening,
      proof: log.proof(r.index).map(b64),
      entry: new TextDecoder().decode(r.entry),
      leafHash: hex(r.leafHash),
      record: r.record,
    })),
    invalid: invalid.map((c) => ({ ...c, proof })),
  };
}

function headLineJson(line: { seq: number; index: number; leafHash: Uint8Array }) {
  return { seq: line.seq, index: line.index, leafHash: hex(line.leafHash) };
}

function headsVectors(vlog: VectorLog, key: { signerKey: string; verifierKey: string }) {
  const { log } = vlog;
  const signer = noteSigner(key.signerKey);
  const heads = [ROBOT_A, ROBOT_B].map((robot) => {
    const head = log.head(robot);
    return {
      name: robot === ROBOT_A ? 'robot A, with records and batches' : 'robot B, which never sent telemetry',
      robotId: head.robotId,
      treeSize: head.treeSize,
      records: headLineJson(head.records),
      ...(head.batches ? { batches: headLineJson(head.batches) } : {}),
      text: formatRobotHead(head),
      note: signRobotHead(head, signer),
    };
  });
  const text = heads[0]!.text;
  return {
    description:
      'Robot heads: C2SP signed notes by the log key. text is the note text; records and batches give each line with its leaf hash in hex (the text has it in base64). invalid texts are refused with ROBOT_HEAD_MALFORMED; the checkpoint note must not open as a robot head, nor a head note as a checkpoint.',
    origin: ORIGIN,
    verifierKey: key.verifierKey,
    heads,
    invalid: [
      { name: 'no final newline', text: text.slice(0, -1) },
      { name: 'the first line is the origin alone', text: text.replace('/robot-head\n', '\n') },
      { name: 'a tree size with a leading zero', text: text.replace(`\n${log.size}\n`, `\n0${log.size}\n`) },
      {
        name: 'a leaf hash in hex',
        text: text.replace(
          /^(records \d+ \d+ )(\S+)$/m,
          (_m, p: string, h: string) => p + Buffer.from(h, 'base64').toString('hex'),
        ),
      },
      {
        name: 'a records index at the tree size',
        text: text.replace(/^records (\d+) \d+ /m, `records $1 ${log.size} `),
      },
      {
        name: 'the batches line before the records line',
        text: text.replace(/^(records .*)\n(batches .*)\n/m, '$2\n$1\n'),
      },
    ].map((c) => ({ ...c, error: 'ROBOT_HEAD_MALFORMED' })),
    checkpointNote: log.signedCheckpoint(signer),
  };
}

function chainsVectors(vlog: VectorLog, key: { signerKey: string; verifierKey: string }) {
  const { log, forgedC } = vlog;
  const signer = noteSigner(key.signerKey);
  const recordsA = log.chain('records', ROBOT_A.robot).map((r) => r.index);
  const batchesA = log.chain('batches', ROBOT_A.robot).map((r) => r.index);
  const recordsB = log.chain('records', ROBOT_B.robot).map((r) => r.index);
  const headA = log.head(ROBOT_A);
  const last = forgedC[2]!;
  const headC: RobotHead = {
    origin: ORIGIN,
    robotId: ROBOT_C.robotId,
    treeSize: log.size,
    records: { seq: 2, index: last.index, leafHash: last.leafHash },
  };
  const lyingA: RobotHead = {
    ...headA,
    records: {
      ...headA.records,
      seq: headA.records.seq - 1,
      index: recordsA[recordsA.length - 2]!,
      leafHash: log.records[recordsA[recordsA.length - 2]!]!.leafHash,
    },
  };
  const heads = { A: headA, B: log.head(ROBOT_B), C: headC, 'A (ends one record early)': lyingA };
  const swap = (list: number[], i: number, j: number) =>
    list.map((x, k) => (k === i ? list[j]! : k === j ? list[i]! : x));
  const cases: { name: string; head: keyof typeof heads; chain: ChainName; indices: number[] }[] = [
    { name: "robot A's records, complete", head: 'A', chain: 'records', indices: recordsA },
    { name: "robot A's batches, complete", head: 'A', chain: 'batches', indices: batchesA },
    { name: "robot B's records, complete", head: 'B', chain: 'records', indices: recordsB },
    { name: 'robot B sent no batches', head: 'B', chain: 'batches', indices: [] },
    {
      name: 'the suspension left out (seq 3)',
      head: 'A',
      chain: 'records',
      indices: recordsA.filter((_, i) => i !== 3),
    },
    {
      name: 'the suspension and reinstatement pair left out',
      head: 'A',
      chain: 'records',
      indices: recordsA.filter((_, i) => i !== 3 && i !== 4),
    },
    { name: 'the last record left out', head: 'A', chain: 'records', indices: recordsA.slice(0, -1) },
    { name: 'the filing left out', head: 'A', chain: 'records', indices: recordsA.slice(1) },
    { name: 'two records swapped', head: 'A', chain: 'records', indices: swap(recordsA, 2, 4) },
    {
      name: 'a record given twice',
      head: 'A',
      chain: 'records',
      indices: [...recordsA.slice(0, 3), recordsA[1]!, ...recordsA.slice(3)],
    },
    {
      name: "robot B's record inserted",
      head: 'A',
      chain: 'records',
      indices: [...recordsA.slice(0, 2), recordsB[1]!, ...recordsA.slice(2)],
    },
    { name: 'a batch left out', head: 'A', chain: 'batches', indices: batchesA.filter((_, i) => i !== 1) },
    {
      name: 'a chain whose seq 2 names seq 0 as prev',
      head: 'C',
      chain: 'records',
      indices: forgedC.map((r) => r.index),
    },
    {
      name: 'a complete chain against a head that ends one record earlier',
      head: 'A (ends one record early)',
      chain: 'records',
      indices: recordsA,
    },
  ];
  const checkpoint = log.checkpoint();
  const item = (index: number): ChainItem => ({
    ...openRecord(log.records[index]!.opening),
    proof: log.proof(index),
  });
  const usedIndices = [...new Set(cases.flatMap((c) => c.indices))].sort((a, b) => a - b);
  return {
    description:
      'Robot chains against one signed checkpoint. openings: every opening a case uses, with its inclusion proof at the checkpoint. Each case lists ledger indices in the order given to the verifier, the head by name and the chain; expect is "valid" or the error code with the chain seq it names.',
    verifierKey: key.verifierKey,
    checkpoint: { ...checkpointFields(log), note: log.signedCheckpoint(signer) },
    heads: Object.fromEntries(
      Object.entries(heads).map(([name, head]) => [name, signRobotHead(head, signer)]),
    ),
    openings: usedIndices.map((index) => ({
      opening: log.records[index]!.opening,
      proof: log.proof(index).map(b64),
      leafHash: hex(log.records[index]!.leafHash),
    })),
    cases: cases.map((c) => {
      let expect: 'valid' | { error: string; seq: number };
      try {
        verifyRobotChain({ chain: c.chain, head: heads[c.head], checkpoint, items: c.indices.map(item) });
        expect = 'valid';
      } catch (error) {
        if (!(error instanceof RobotChainError)) throw error;
        expect = { error: error.code, seq: error.seq };
      }
      return { ...c, expect };
    }),
  };
}

/** Every vector file, by file name, as the exact text to write. */
export function buildLedgerV2Vectors(): Map<string, string> {
  for (const robot of [ROBOT_A, ROBOT_B, ROBOT_C]) {
    if (!isValidRid1(robot.robotId)) throw new Error(`${robot.robotId} is not a valid RID-1 ID`);
  }
  const key = testKey();
  const vlog = buildLog();
  const files: Record<string, unknown> = {
    'entries.json': entriesVectors(),
    'openings.json': openingsVectors(vlog, key),
    'heads.json': headsVectors(vlog, key),
    'chains.json': chainsVectors(vlog, key),
    'key.json': {
      description:
        'The log key of these vectors. TEST ONLY: its seed is SHA-256("roboledger ledger-v2 test vector key").',
      origin: ORIGIN,
      signerKey: key.signerKey,
      verifierKey: key.verifierKey,
    },
  };
  return new Map(Object.entries(files).map(([name, value]) => [name, `${JSON.stringify(value, null, 2)}\n`]));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, text] of buildLedgerV2Vectors()) writeFileSync(`${VECTORS_DIR}${name}`, text);
  console.log(`wrote the ledger v2 vectors to ${VECTORS_DIR}`);
}
