// The published ledger v2 vectors (test/vectors/ledger-v2/): the files must be exactly what the
// generator writes today (else `npm run vectors:ledger-v2` was not run after a change), and
// every vector must check out when read back from the files, the way another implementation
// would read them. Hashes are recomputed with node:crypto and canonical JSON with the
// `canonicalize` package, independently of src/ledger.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { buildLedgerV2Vectors, VECTORS_DIR } from '../../scripts/ledger-v2-vectors.js';
import { openCheckpoint } from '../../src/ledger/checkpoint.js';
import { type OpeningJson, parseCommitmentEntry, verifyOpening } from '../../src/ledger/commitment.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { noteVerifier } from '../../src/ledger/note.js';
import {
  type ChainItem,
  type ChainName,
  RobotChainError,
  verifyRobotChain,
} from '../../src/ledger/robot-chain.js';
import { formatRobotHead, openRobotHead, parseRobotHead } from '../../src/ledger/robot-head.js';
import { expectLedgerError, fromHex } from './support.js';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;
const sha256 = (...parts: (Uint8Array | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

// biome-ignore lint/suspicious/noExplicitAny: vector files are read as plain JSON
const read = (name: string): any => JSON.parse(readFileSync(`${VECTORS_DIR}${name}`, 'utf8'));

describe('ledger v2 vectors', () => {
  it('are what scripts/ledger-v2-vectors.ts writes (run `npm run vectors:ledger-v2` after a change)', () => {
    const built = buildLedgerV2Vectors();
    const onDisk = readdirSync(VECTORS_DIR)
      .filter((name) => name.endsWith('.json'))
      .sort();
    expect(onDisk).toEqual([...built.keys()].sort());
    for (const [name, text] of built) expect(readFileSync(`${VECTORS_DIR}${name}`, 'utf8'), name).toBe(text);
  });

  it('entries: the salt, record, commitment, entry and leaf hash agree, recomputed independently', () => {
    const { cases, invalidEntries } = read('entries.json');
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) {
      expect(canonicalize(c.record), c.name).toBe(c.recordCanonical);
      const commitment = sha256(fromB64(c.salt), Buffer.from(c.recordCanonical, 'utf8'));
      expect(fromB64(c.salt)).toHaveLength(32);
      expect(commitment.toString('base64'), c.name).toBe(c.commitment);
      expect(c.entry).toBe(`{"commitment":"${c.commitment}","kind":"${c.kind}","v":2}`);
      expect(sha256(Uint8Array.of(0), c.entry).toString('hex'), c.name).toBe(c.leafHash);
      expect(parseCommitmentEntry(Buffer.from(c.entry))).toEqual({
        kind: c.kind,
        commitment: new Uint8Array(commitment),
      });
    }
    for (const c of invalidEntries) {
      expectLedgerError(() => parseCommitmentEntry(Buffer.from(c.entry)), c.error);
    }
  });

  it('openings: the valid ones verify against the signed checkpoint, the invalid ones fail with their code', () => {
    const v = read('openings.json');
    const { checkpoint } = openCheckpoint(v.checkpoint.note, [noteVerifier(v.verifierKey)], {
      origin: v.checkpoint.origin,
    });
    expect(checkpoint.size).toBe(v.checkpoint.treeSize);
    expect(Buffer.from(checkpoint.rootHash).toString('base64')).toBe(v.checkpoint.rootHash);
    for (const c of v.valid) {
      const opened = verifyOpening(c.opening, checkpoint, c.proof.map(fromB64));
      expect(Buffer.from(opened.leafHash).toString('hex'), c.name).toBe(c.leafHash);
      expect(sha256(Uint8Array.of(0), c.entry).toString('hex')).toBe(c.leafHash);
      expect(opened.record).toEqual(c.record);
    }
    const codes = v.invalid.map(
      (c: { opening: OpeningJson; proof: string[]; error: string; name: string }) => {
        const error = expectLedgerError(() => verifyOpening(c.opening, checkpoint, c.proof.map(fromB64)));
        expect(error.code, c.name).toBe(c.error);
        return error.code;
      },
    );
    expect(new Set(codes)).toEqual(
      new Set(['OPENING_NOT_INCLUDED', 'RECORD_NOT_CANONICAL', 'OPENING_KIND_MISMATCH', 'OPENING_MALFORMED']),
    );
  });

  it('heads: each opens with the log key, formats back to its text, and names its leaves', () => {
    const v = read('heads.json');
    const verifiers = [noteVerifier(v.verifierKey)];
    for (const h of v.heads) {
      const { head } = openRobotHead(h.note, verifiers, { origin: v.origin });
      expect(formatRobotHead(head)).toBe(h.text);
      expect(h.note.startsWith(`${h.text}\n`)).toBe(true);
      expect(head.robotId).toBe(h.robotId);
      expect(head.treeSize).toBe(h.treeSize);
      expect(head.records).toEqual({ ...h.records, leafHash: fromHex(h.records.leafHash) });
      expect(head.batches).toEqual(h.batches && { ...h.batches, leafHash: fromHex(h.batches.leafHash) });
      expectLedgerError(() => openCheckpoint(h.note, verifiers), 'CHECKPOINT_MALFORMED');
    }
    for (const c of v.invalid) expectLedgerError(() => parseRobotHead(c.text), c.error);
    expectLedgerError(
      () => openRobotHead(v.checkpointNote, verifiers, { origin: v.origin }),
      'ROBOT_HEAD_MALFORMED',
    );
  });

  it('chains: each case gives its expected result, read from the files alone', () => {
    const v = read('chains.json');
    const verifiers = [noteVerifier(v.verifierKey)];
    const { checkpoint } = openCheckpoint(v.checkpoint.note, verifiers, { origin: v.checkpoint.origin });
    const byIndex = new Map<number, ChainItem>();
    for (const o of v.openings) {
      const opened = verifyOpening(o.opening, checkpoint, o.proof.map(fromB64));
      expect(Buffer.from(opened.leafHash).toString('hex')).toBe(o.leafHash);
      byIndex.set(o.opening.index, { ...opened, proof: o.proof.map(fromB64) });
    }
    const results = v.cases.map((c: { name: string; head: string; chain: ChainName; indices: number[] }) => {
      const { head } = openRobotHead(v.heads[c.head], verifiers, { origin: checkpoint.origin });
      try {
        verifyRobotChain({ chain: c.chain, head, checkpoint, items: c.indices.map((i) => byIndex.get(i)!) });
        return 'valid';
      } catch (error) {
        if (!(error instanceof RobotChainError)) throw error;
        return { error: error.code, seq: error.seq };
      }
    });
    expect(results).toEqual(v.cases.map((c: { expect: unknown }) => c.expect));
    // Pinned here too, so that a verifier bug cannot rewrite the vectors' expectations unseen.
    expect(results).toEqual([
      'valid',
      'valid',
      'valid',
      'valid',
      { error: 'CHAIN_RECORD_OMITTED', seq: 3 },
      { error: 'CHAIN_RECORD_OMITTED', seq: 3 },
      { error: 'CHAIN_RECORD_OMITTED', seq: 5 },
      { error: 'CHAIN_RECORD_OMITTED', seq: 0 },
      { error: 'CHAIN_OUT_OF_ORDER', seq: 2 },
      { error: 'CHAIN_DUPLICATE', seq: 1 },
      { error: 'CHAIN_FOREIGN_ROBOT', seq: 2 },
      { error: 'CHAIN_RECORD_OMITTED', seq: 1 },
      { error: 'CHAIN_PREV_MISMATCH', seq: 2 },
      { error: 'CHAIN_HEAD_MISMATCH', seq: 5 },
    ]);
  });

  it('key: the published test key is the one every note is signed with', () => {
    const key = read('key.json');
    for (const name of ['openings.json', 'heads.json', 'chains.json'])
      expect(read(name).verifierKey).toBe(key.verifierKey);
    expect(key.signerKey.startsWith(`PRIVATE+KEY+${key.origin}+`)).toBe(true);
    expect(() =>
      openCheckpoint(read('chains.json').checkpoint.note, [noteVerifier(key.verifierKey)]),
    ).not.toThrow(LedgerError);
  });
});
