import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJsonBytes } from '../../src/ledger/canonical-json.js';
import {
  commitRecord,
  formatCommitmentEntry,
  formatOpening,
  makeSalt,
  type OpeningJson,
  openRecord,
  parseCommitmentEntry,
  parseOpening,
  SALT_SIZE,
  verifyOpening,
} from '../../src/ledger/commitment.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { expectLedgerError, flipBit, hex } from './support.js';
import { fixedSalt, V2TestLog } from './v2-log.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

describe('version 2 entries', () => {
  it('are the canonical JSON of exactly {commitment, kind, v: 2}, computed independently', () => {
    const salt = fixedSalt('entry');
    const record = canonicalJsonBytes({ kind: 'brand', name: 'Acme', id: 'b1' });
    const committed = commitRecord('brand', record, salt);
    const commitment = sha(salt, record);
    const entry = `{"commitment":"${b64(commitment)}","kind":"brand","v":2}`;
    expect(committed.commitment).toEqual(commitment);
    expect(new TextDecoder().decode(committed.entry)).toBe(entry);
    expect(committed.leafHash).toEqual(sha(Uint8Array.of(0), utf8(entry)));
    expect(parseCommitmentEntry(committed.entry)).toEqual({ kind: 'brand', commitment });
  });

  it('are written exactly as the RFC 8785 writer writes them, for any kind and commitment', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (kind, commitment) => {
          expect(formatCommitmentEntry(kind, commitment)).toEqual(
            canonicalJsonBytes({ commitment: b64(commitment), kind, v: 2 }),
          );
        },
      ),
    );
  });

  it('take fresh salts that never share bytes, also across the CSPRNG blocks they are drawn in', () => {
    const salts = Array.from({ length: 300 }, () => makeSalt());
    expect(new Set(salts.map((s) => hex(s))).size).toBe(300);
    // Each is its own 32 bytes, not a view that later salts overwrite.
    const copies = salts.map((s) => Uint8Array.from(s));
    Array.from({ length: 300 }, () => makeSalt());
    expect(salts).toEqual(copies);
  });

  it('hold nothing of the record: no robot ID, organisation or time', () => {
    const record = canonicalJsonBytes({
      robotId: 'CNB7K2B0A3T511000000000123455',
      org: 'org-1',
      at: '2026-01-01',
    });
    const text = new TextDecoder().decode(commitRecord('robot_event', record, makeSalt()).entry);
    expect(text).not.toMatch(/CNB7K2|org-1|2026/);
  });

  it('differ for the same record under two fresh salts (makeSalt is 32 CSPRNG bytes)', () => {
    const record = canonicalJsonBytes({ kind: 'grant' });
    const [a, b] = [makeSalt(), makeSalt()];
    expect(a).toHaveLength(SALT_SIZE);
    expect(a).not.toEqual(b);
    expect(commitRecord('grant', record, a).leafHash).not.toEqual(commitRecord('grant', record, b).leafHash);
  });

  it.each([
    ['a version 1 entry (the record itself)', '{"id":"x","kind":"brand","name":"Acme"}'],
    ['version 3', `{"commitment":"${b64(new Uint8Array(32))}","kind":"brand","v":3}`],
    ['an extra member', `{"commitment":"${b64(new Uint8Array(32))}","kind":"brand","robotId":"X","v":2}`],
    ['whitespace', `{"commitment": "${b64(new Uint8Array(32))}","kind":"brand","v":2}`],
    ['unsorted members', `{"kind":"brand","commitment":"${b64(new Uint8Array(32))}","v":2}`],
    ['a short commitment', `{"commitment":"${b64(new Uint8Array(31))}","kind":"brand","v":2}`],
    ['an invalid kind', `{"commitment":"${b64(new Uint8Array(32))}","kind":"Brand Name","v":2}`],
    ['a string version', `{"commitment":"${b64(new Uint8Array(32))}","kind":"brand","v":"2"}`],
    ['an array', '[]'],
    ['not JSON', '{'],
  ])('refuses %s as a version 2 entry', (_what, text) => {
    expectLedgerError(() => parseCommitmentEntry(utf8(text)), 'COMMITMENT_ENTRY_MALFORMED');
  });

  it('refuses a salt of the wrong size and an invalid kind when committing', () => {
    const record = canonicalJsonBytes({});
    expectLedgerError(() => commitRecord('brand', record, new Uint8Array(31)), 'COMMITMENT_ENTRY_MALFORMED');
    expectLedgerError(() => commitRecord('', record, makeSalt()), 'COMMITMENT_ENTRY_MALFORMED');
    expectLedgerError(() => commitRecord('a"b', record, makeSalt()), 'COMMITMENT_ENTRY_MALFORMED');
    expectLedgerError(() => formatCommitmentEntry('brand', new Uint8Array(33)), 'COMMITMENT_ENTRY_MALFORMED');
  });
});

describe('openings', () => {
  const log = new V2TestLog('example.org/roboledger-test');
  for (let i = 0; i < 6; i++) log.append('brand', { kind: 'brand', id: `b${i}`, name: `Brand ${i}` });
  const target = log.append('incident', { kind: 'incident', id: 'i1', note: 'worker bruised' });
  for (let i = 0; i < 5; i++) log.append('brand', { kind: 'brand', id: `c${i}` });
  const checkpoint = log.checkpoint();
  const proof = log.proof(target.index);

  it('verify against the checkpoint and give back the record', () => {
    const opened = verifyOpening(target.opening, checkpoint, proof);
    expect(opened.record).toEqual(target.record);
    expect(opened.leafHash).toEqual(target.leafHash);
    expect(opened.index).toBe(target.index);
    expect(opened.kind).toBe('incident');
    expect(opened.recordBytes).toEqual(target.recordBytes);
  });

  it('round-trip between the JSON and decoded forms', () => {
    const decoded = parseOpening(target.opening);
    expect(formatOpening(decoded)).toEqual(target.opening);
    expect(verifyOpening(decoded, checkpoint, proof).leafHash).toEqual(target.leafHash);
  });

  /** Whether verifyOpening refuses `opening`, with a LedgerError whose code is in `codes`. */
  const refused = (opening: unknown, codes: readonly string[]) => {
    try {
      verifyOpening(opening as OpeningJson, checkpoint, proof);
      return false;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      expect(codes).toContain(error.code);
      return true;
    }
  };

  it('fail when any bit of the salt is flipped', () => {
    const salt = fromB64(target.opening.salt);
    fc.assert(
      fc.property(fc.nat(salt.length * 8 - 1), (bit) => {
        expect(refused({ ...target.opening, salt: b64(flipBit(salt, bit)) }, ['OPENING_NOT_INCLUDED'])).toBe(
          true,
        );
      }),
    );
  });

  it('fail when any bit of the record is flipped', () => {
    const record = fromB64(target.opening.record);
    fc.assert(
      fc.property(fc.nat(record.length * 8 - 1), (bit) => {
        // A flipped bit may break the JSON or its canonical form first; either way it is refused.
        expect(
          refused({ ...target.opening, record: b64(flipBit(record, bit)) }, [
            'OPENING_NOT_INCLUDED',
            'RECORD_NOT_CANONICAL',
            'OPENING_KIND_MISMATCH',
          ]),
        ).toBe(true);
      }),
    );
  });

  it('fail when the record is swapped for another canonical record, or re-spelled', () => {
    const other = canonicalJsonBytes({ ...target.record, note: 'nothing happened' });
    expect(refused({ ...target.opening, record: b64(other) }, ['OPENING_NOT_INCLUDED'])).toBe(true);
    const spaced = utf8(JSON.stringify(target.record, null, 1));
    expect(refused({ ...target.opening, record: b64(spaced) }, ['RECORD_NOT_CANONICAL'])).toBe(true);
  });

  it('fail when the kind is changed, whether or not the record names its kind', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/).filter((k) => k !== 'incident'),
        (kind) => {
          expect(refused({ ...target.opening, kind }, ['OPENING_KIND_MISMATCH'])).toBe(true);
        },
      ),
    );
    // A record without a kind member: only the leaf hash catches the relabelling.
    const bare = log.append('brand', { id: 'bare' });
    const cp = log.checkpoint();
    expect(verifyOpening(bare.opening, cp, log.proof(bare.index)).kind).toBe('brand');
    const relabelled = { ...bare.opening, kind: 'grant' };
    const error = expectLedgerError(
      () => verifyOpening(relabelled, cp, log.proof(bare.index)),
      'OPENING_NOT_INCLUDED',
    );
    expect((error.cause as LedgerError).code).toBe('PROOF_ROOT_MISMATCH');
  });

  it('fail at another index, against another tree size or with a tampered proof', () => {
    expect(refused({ ...target.opening, index: target.index + 1 }, ['OPENING_NOT_INCLUDED'])).toBe(true);
    const error = expectLedgerError(
      () =>
        verifyOpening(
          target.opening,
          log.checkpoint(target.index),
          log.proof(target.index - 1, target.index),
        ),
      'OPENING_NOT_INCLUDED',
    );
    expect((error.cause as LedgerError).code).toBe('PROOF_INVALID_SIZE');
    const bad = proof.map((h, i) => (i === 0 ? flipBit(h, 0) : h));
    expectLedgerError(() => verifyOpening(target.opening, checkpoint, bad), 'OPENING_NOT_INCLUDED');
    expectLedgerError(
      () => verifyOpening(target.opening, checkpoint, proof.slice(1)),
      'OPENING_NOT_INCLUDED',
    );
  });

  it.each([
    ['not an object', 'x'],
    ['null', null],
    ['an extra member', { ...target.opening, leafHash: 'x' }],
    ['a missing member', { index: 1, kind: 'brand', salt: b64(new Uint8Array(32)) }],
    ['a negative index', { ...target.opening, index: -1 }],
    ['a fractional index', { ...target.opening, index: 1.5 }],
    ['a string index', { ...target.opening, index: '7' }],
    ['a short salt', { ...target.opening, salt: b64(new Uint8Array(31)) }],
    ['a salt in URL-safe base64', { ...target.opening, salt: '-'.repeat(43) + '=' }],
    ['a salt without padding', { ...target.opening, salt: b64(new Uint8Array(32)).replace('=', '') }],
    ['an empty record', { ...target.opening, record: '' }],
    ['a record with non-zero padding bits', { ...target.opening, record: 'e31=' }],
    ['an upper-case kind', { ...target.opening, kind: 'Incident' }],
  ])('are refused when %s', (_what, opening) => {
    expectLedgerError(() => openRecord(opening as OpeningJson), 'OPENING_MALFORMED');
  });

  it('keep the record private to the opening: the entry alone does not show it', () => {
    const entryText = new TextDecoder().decode(target.entry);
    expect(entryText).not.toContain('bruised');
    expect(new TextDecoder().decode(fromB64(target.opening.record))).toContain('worker bruised');
    expect(hex(target.leafHash)).toHaveLength(64);
  });
});
