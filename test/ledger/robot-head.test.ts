import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { generateSignerKey, noteSigner, noteVerifier, signNote } from '../../src/ledger/note.js';
import {
  formatRobotHead,
  openRobotHead,
  parseRobotHead,
  type RobotHead,
  signRobotHead,
} from '../../src/ledger/robot-head.js';
import { expectLedgerError, fromHex } from './support.js';

const ORIGIN = 'example.org/roboledger-test';
const ROBOT_ID = 'CNB7K2B0A3T511000000000123455';
const HASH_A = fromHex('11'.repeat(32));
const HASH_B = fromHex('22'.repeat(32));
const B64_A = Buffer.from(HASH_A).toString('base64');
const B64_B = Buffer.from(HASH_B).toString('base64');

const head: RobotHead = {
  origin: ORIGIN,
  robotId: ROBOT_ID,
  treeSize: 1200,
  records: { seq: 7, index: 1187, leafHash: HASH_A },
  batches: { seq: 44, index: 1190, leafHash: HASH_B },
};
const text = `${ORIGIN}/robot-head\n${ROBOT_ID}\n1200\nrecords 7 1187 ${B64_A}\nbatches 44 1190 ${B64_B}\n`;

describe('robot heads', () => {
  it('are the five lines of the format, and read back', () => {
    expect(formatRobotHead(head)).toBe(text);
    expect(parseRobotHead(text)).toEqual(head);
    expect(parseRobotHead(text, { origin: ORIGIN })).toEqual(head);
  });

  it('have no batches line for a robot that never sent telemetry', () => {
    const { batches: _, ...noBatches } = head;
    const four = formatRobotHead(noBatches);
    expect(four).toBe(`${ORIGIN}/robot-head\n${ROBOT_ID}\n1200\nrecords 7 1187 ${B64_A}\n`);
    expect(parseRobotHead(four)).toEqual(noBatches);
    expect('batches' in parseRobotHead(four)).toBe(false);
  });

  it('round-trip any valid head', () => {
    const line = (treeSize: number) =>
      fc
        .record({ index: fc.nat(treeSize - 1), leafHash: fc.uint8Array({ minLength: 32, maxLength: 32 }) })
        .chain(({ index, leafHash }) =>
          fc.record({ seq: fc.nat(index), index: fc.constant(index), leafHash: fc.constant(leafHash) }),
        );
    const heads = fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }).chain((treeSize) =>
      fc.record(
        {
          origin: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\x00-\x1F]/.test(s)),
          robotId: fc.stringMatching(/^[!-~]{1,40}$/),
          treeSize: fc.constant(treeSize),
          records: line(treeSize),
          batches: line(treeSize),
        },
        { requiredKeys: ['origin', 'robotId', 'treeSize', 'records'] },
      ),
    );
    fc.assert(
      fc.property(
        heads.filter((h) => h.batches?.index !== h.records.index),
        (h) => {
          expect(parseRobotHead(formatRobotHead(h))).toEqual(h);
        },
      ),
    );
  });

  it.each([
    ['no final newline', text.slice(0, -1)],
    ['a checkpoint-like first line', text.replace('/robot-head\n', '\n')],
    ['an empty origin', text.replace(ORIGIN, '')],
    ['an empty robot ID', text.replace(ROBOT_ID, '')],
    ['a robot ID with a space', text.replace(ROBOT_ID, 'CN B7K2')],
    ['a tree size with a leading zero', text.replace('\n1200\n', '\n01200\n')],
    ['a tree size beyond 2^53-1', text.replace('\n1200\n', '\n9007199254740992\n')],
    ['a records index beyond the tree size', text.replace('records 7 1187', 'records 7 1200')],
    ['a seq above its index', text.replace('records 7 1187', 'records 1188 1187')],
    ['a hash in hex', text.replace(B64_A, '11'.repeat(32))],
    ['a short hash', text.replace(B64_A, Buffer.from(new Uint8Array(31)).toString('base64'))],
    ['a missing records line', `${ORIGIN}/robot-head\n${ROBOT_ID}\n1200\nbatches 44 1190 ${B64_B}\n`],
    ['the lines swapped', text.replace(/records(.*)\nbatches(.*)\n/, 'batches$2\nrecords$1\n')],
    ['an extra line', `${text}extra\n`],
    ['an extra field', text.replace('records 7 1187', 'records 7 1187 1')],
    ['two chains ending at one leaf', text.replace('batches 44 1190', 'batches 44 1187')],
    ['a double space', text.replace('records 7', 'records  7')],
  ])('refuse a text with %s', (_what, bad) => {
    expectLedgerError(() => parseRobotHead(bad), 'ROBOT_HEAD_MALFORMED');
  });

  it('refuse to format a head with fields out of range', () => {
    expectLedgerError(() => formatRobotHead({ ...head, treeSize: -1 }), 'ROBOT_HEAD_MALFORMED');
    expectLedgerError(() => formatRobotHead({ ...head, origin: 'a\nb' }), 'ROBOT_HEAD_MALFORMED');
    expectLedgerError(
      () => formatRobotHead({ ...head, records: { ...head.records, leafHash: new Uint8Array(3) } }),
      'ROBOT_HEAD_MALFORMED',
    );
  });

  it('are signed by the log key and opened only for their own log', () => {
    const keys = generateSignerKey('example.org/roboledger-test');
    const note = signRobotHead(head, noteSigner(keys.signerKey));
    const opened = openRobotHead(note, [noteVerifier(keys.verifierKey)], { origin: ORIGIN });
    expect(opened.head).toEqual(head);
    expectLedgerError(
      () => openRobotHead(note, [noteVerifier(keys.verifierKey)], { origin: 'example.org/other' }),
      'ROBOT_HEAD_ORIGIN_MISMATCH',
    );
    const other = generateSignerKey('example.org/roboledger-test');
    expectLedgerError(
      () => openRobotHead(note, [noteVerifier(other.verifierKey)], { origin: ORIGIN }),
      'NOTE_UNVERIFIED',
    );
    const tampered = note.replace('records 7 ', 'records 6 ');
    expectLedgerError(
      () => openRobotHead(tampered, [noteVerifier(keys.verifierKey)], { origin: ORIGIN }),
      'NOTE_UNVERIFIED',
    );
  });

  it('can never be read as a checkpoint, nor a checkpoint as a head, even under one key', () => {
    const keys = generateSignerKey(ORIGIN);
    const signer = noteSigner(keys.signerKey);
    const verifier = noteVerifier(keys.verifierKey);
    const headNote = signRobotHead(head, signer);
    expectLedgerError(() => parseCheckpoint(text), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => openCheckpoint(headNote, [verifier]), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => openCheckpoint(headNote, [verifier], { origin: ORIGIN }), 'CHECKPOINT_MALFORMED');
    // Even a robot ID of digits leaves the third line a decimal, never a 32-byte base64 root.
    expectLedgerError(() => parseCheckpoint(text.replace(ROBOT_ID, '12345')), 'CHECKPOINT_MALFORMED');

    const checkpoint = formatCheckpoint({ origin: ORIGIN, size: 1200, rootHash: HASH_A });
    const checkpointNote = signNote(checkpoint, [signer]);
    expectLedgerError(() => parseRobotHead(checkpoint), 'ROBOT_HEAD_MALFORMED');
    expectLedgerError(
      () => openRobotHead(checkpointNote, [verifier], { origin: ORIGIN }),
      'ROBOT_HEAD_MALFORMED',
    );
    // A log whose origin itself ends in /robot-head: its checkpoint's third line is a root hash,
    // not a tree size, so it still does not read as a head.
    const tricky = formatCheckpoint({ origin: `${ORIGIN}/robot-head`, size: 1200, rootHash: HASH_A });
    expectLedgerError(() => parseRobotHead(tricky), 'ROBOT_HEAD_MALFORMED');
    expectLedgerError(() => parseRobotHead(`${tricky}records 7 1187 ${B64_A}\n`), 'ROBOT_HEAD_MALFORMED');
  });
});
