import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateEd25519 } from '../../src/ledger/crypto.js';
import {
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  isValidKeyName,
  keyHash,
  MAX_NOTE_SIGNATURES,
  type NoteVerifier,
  noteSigner,
  noteVerifier,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  SIGNATURE_TYPE,
  signNote,
  verifierKeyOf,
} from '../../src/ledger/note.js';
import { expectLedgerError, splitKey } from './support.js';

const alice = generateSignerKey('alice.example/log');
const bob = generateSignerKey('bob.example/log');
const aliceSigner = noteSigner(alice.signerKey);
const aliceVerifier = noteVerifier(alice.verifierKey);
const bobSigner = noteSigner(bob.signerKey);
const bobVerifier = noteVerifier(bob.verifierKey);

// Note text: any well-formed Unicode without control characters except newline, ending in one.
const noteText = fc
  .string({ unit: 'binary', maxLength: 200 })
  .map((s) => `${s.replace(/[\x00-\x09\x0B-\x1F]/g, '.')}\n`);

describe('keys (signed-note "Verifier keys")', () => {
  it('generates keys that parse back and pair up', () => {
    const skey = parseSignerKey(alice.signerKey);
    const vkey = parseVerifierKey(alice.verifierKey);
    expect(skey.name).toBe('alice.example/log');
    expect(vkey.name).toBe('alice.example/log');
    expect(skey.keyHash).toBe(vkey.keyHash);
    expect(skey.publicKey).toEqual(vkey.publicKey);
    expect(vkey.type).toBe(SIGNATURE_TYPE.ed25519);
    expect(alice.signerKey.startsWith('PRIVATE+KEY+alice.example/log+')).toBe(true);
    expect(alice.verifierKey).toMatch(/^alice\.example\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    expect(verifierKeyOf(alice.signerKey)).toBe(alice.verifierKey);
    expect(keyHash(vkey.name, 0x01, vkey.publicKey)).toBe(vkey.keyHash);
    expect(formatSignerKey(skey)).toBe(alice.signerKey);
  });

  it('parses keys whose base64 contains + (split only at the first two +)', () => {
    // From transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1NewVerifier).
    const key = parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
    expect(key.name).toBe('TEST');
    expect(key.keyHash).toBe(0x7997405c);
  });

  it('accepts an upper-case key hash, as Go does', () => {
    const [name, hash, key] = splitKey(alice.verifierKey);
    expect(parseVerifierKey(`${name}+${hash.toUpperCase()}+${key}`).keyHash).toBe(
      parseVerifierKey(alice.verifierKey).keyHash,
    );
  });

  it('rejects malformed verifier keys with KEY_MALFORMED', () => {
    const [name, hash, key] = splitKey(alice.verifierKey);
    const other = parseVerifierKey(bob.verifierKey);
    const bad = [
      '',
      name,
      `${name}+${hash}`,
      `${name}+${hash}+`,
      `+${hash}+${key}`,
      `bad name+${hash}+${key}`,
      `${name}+00000000+${key}`,
      `${name}+${hash.slice(1)}+${key}`,
      `${name}+0x${hash.slice(2)}+${key}`,
      `${name}+${hash}+${key.slice(1)}`,
      `${name}+${hash}+${key}=`,
      `${name}+${hash}+${key}AAAA`,
      `${name}+${hash}+not*base64`,
      // Type 0x02 (ECDSA) is not supported here.
      `${name}+${hash}+${Buffer.from([0x02, ...other.publicKey]).toString('base64')}`,
      `${name}\u00a0x+${hash}+${key}`,
    ];
    for (const vkey of bad) expectLedgerError(() => parseVerifierKey(vkey), 'KEY_MALFORMED');
  });

  it('rejects malformed signer keys with KEY_MALFORMED', () => {
    const [name, hash, key] = splitKey(alice.signerKey.slice('PRIVATE+KEY+'.length));
    const bobKey = splitKey(bob.signerKey.slice('PRIVATE+KEY+'.length))[2];
    const bad = [
      alice.verifierKey,
      `KEY+${name}+${hash}+${key}`,
      `private+KEY+${name}+${hash}+${key}`,
      `PRIVATE+KEY+${name}+00000000+${key}`,
      // Bob's seed under Alice's name and hash: the hash no longer matches.
      `PRIVATE+KEY+${name}+${hash}+${bobKey}`,
    ];
    for (const skey of bad) expectLedgerError(() => parseSignerKey(skey), 'KEY_MALFORMED');
  });

  it('validates key names like Go (no Unicode spaces, no +, not empty)', () => {
    expect(isValidKeyName('example.com/log42')).toBe(true);
    expect(isValidKeyName('ünïcödé/€')).toBe(true);
    expect(isValidKeyName('a\uFEFFb')).toBe(true); // U+FEFF is not a space for Go's unicode.IsSpace
    for (const name of ['', 'a b', 'a+b', 'a\tb', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\uD800b']) {
      expect(isValidKeyName(name), JSON.stringify(name)).toBe(false);
    }
    expectLedgerError(() => generateSignerKey('has space'), 'KEY_MALFORMED');
    const { publicKey } = generateEd25519();
    expectLedgerError(
      () => formatVerifierKey({ name: 'x', publicKey: publicKey.subarray(1) }),
      'KEY_MALFORMED',
    );
  });

  it('keeps cosigner keys (type 0x04) out of plain note signing', () => {
    const witness = generateSignerKey('witness.example/w1', SIGNATURE_TYPE.cosignatureV1);
    expect(parseVerifierKey(witness.verifierKey).type).toBe(SIGNATURE_TYPE.cosignatureV1);
    expectLedgerError(() => noteSigner(witness.signerKey), 'KEY_MALFORMED');
    expectLedgerError(() => noteVerifier(witness.verifierKey), 'KEY_MALFORMED');
  });
});

describe('signing and opening notes', () => {
  it('round-trips any text with one or two signers', () => {
    fc.assert(
      fc.property(noteText, (text) => {
        const signed = signNote(text, [aliceSigner, bobSigner]);
        const both = openNote(signed, [bobVerifier, aliceVerifier]);
        expect(both.text).toBe(text);
        expect(both.sigs.map((s) => s.name)).toEqual(['alice.example/log', 'bob.example/log']);
        const one = openNote(signed, [aliceVerifier]);
        expect(one.sigs).toHaveLength(1);
        expect(one.unverifiedSigs.map((s) => s.name)).toEqual(['bob.example/log']);
        // Bytes open the same as the string.
        expect(openNote(new TextEncoder().encode(signed), [aliceVerifier]).text).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('formats the note as text, blank line, then one em-dash line per signer', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    expect(signed).toMatch(/^hello\n\n\u2014 alice\.example\/log [A-Za-z0-9+/]{91}=\n$/);
    const parsed = parseNote(signed);
    expect(parsed.signatures[0]!.keyHash).toBe(aliceSigner.keyHash);
    expect(parsed.signatures[0]!.signature).toHaveLength(64);
  });

  it('keeps blank lines inside the text: the last blank line separates the signatures', () => {
    const text = 'a\n\nb\n\n';
    expect(openNote(signNote(text, [aliceSigner]), [aliceVerifier]).text).toBe(text);
  });

  it('refuses a note no known key signed (NOTE_UNVERIFIED)', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    expectLedgerError(() => openNote(signed, [bobVerifier]), 'NOTE_UNVERIFIED');
    expectLedgerError(() => openNote(signed, []), 'NOTE_UNVERIFIED');
  });

  it('refuses tampered text', () => {
    fc.assert(
      fc.property(noteText, fc.nat(), (text, at) => {
        const signed = signNote(text, [aliceSigner]);
        const i = at % text.length;
        const changed = text.slice(0, i) + (text[i] === 'x' ? 'y' : 'x') + text.slice(i + 1);
        const tampered = changed + signed.slice(text.length);
        expectLedgerError(() => openNote(tampered, [aliceVerifier]));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a signature line with the right name and key hash but made by another key', () => {
    const impostor: NoteVerifier = {
      ...bobVerifier,
      name: aliceVerifier.name,
      keyHash: aliceVerifier.keyHash,
    };
    const signed = signNote('hello\n', [aliceSigner]);
    expectLedgerError(() => openNote(signed, [impostor]), 'NOTE_UNVERIFIED');
  });

  it('refuses a bad signature by a known key even when another known key verifies', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    const forged = `${signed}${formatSignatureLine(bobVerifier.name, bobVerifier.keyHash, new Uint8Array(64))}`;
    expectLedgerError(() => openNote(forged, [aliceVerifier, bobVerifier]), 'NOTE_UNVERIFIED');
    // A shortened signature is still well-formed base64: a bad signature, not a malformed note.
    const shortened = signed.replace(/=\n$/, '').slice(0, -3) + '\n';
    expectLedgerError(() => openNote(shortened, [aliceVerifier]), 'NOTE_UNVERIFIED');
    // Unknown keys are ignored, whatever their signature.
    expect(openNote(forged, [aliceVerifier]).unverifiedSigs).toHaveLength(1);
  });

  it('ignores a signature whose name matches a known key but whose key hash does not', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    const other = `${signed}${formatSignatureLine(aliceVerifier.name, (aliceVerifier.keyHash ^ 1) >>> 0, new Uint8Array(64))}`;
    const note = openNote(other, [aliceVerifier]);
    expect(note.sigs).toHaveLength(1);
    expect(note.unverifiedSigs).toHaveLength(1);
  });

  it('drops repeated signatures, as Go does', () => {
    const signed = signNote('hello\n', [aliceSigner, bobSigner]);
    const lines = signed.slice('hello\n\n'.length);
    const note = openNote(`${signed}${lines}`, [aliceVerifier]);
    expect(note.sigs).toHaveLength(1);
    expect(note.unverifiedSigs).toHaveLength(1);
  });

  it('refuses two verifiers with the same name and key hash (KEY_AMBIGUOUS)', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    expectLedgerError(
      () => openNote(signed, [aliceVerifier, noteVerifier(alice.verifierKey)]),
      'KEY_AMBIGUOUS',
    );
  });

  it(`accepts ${MAX_NOTE_SIGNATURES} signatures and refuses one more`, () => {
    const signed = signNote('hello\n', [aliceSigner]);
    const unknown = formatSignatureLine('other', 1, new Uint8Array(64));
    const many = (n: number) =>
      signed + Array.from({ length: n }, (_, i) => unknown.replace('other', `o${i}`)).join('');
    expect(openNote(many(MAX_NOTE_SIGNATURES - 1), [aliceVerifier]).unverifiedSigs).toHaveLength(
      MAX_NOTE_SIGNATURES - 1,
    );
    expectLedgerError(() => openNote(many(MAX_NOTE_SIGNATURES), [aliceVerifier]), 'NOTE_MALFORMED');
  });

  it('refuses malformed notes with NOTE_MALFORMED', () => {
    const signed = signNote('hello\n', [aliceSigner]);
    const line = signed.slice('hello\n\n'.length);
    const b64 = line.slice(line.lastIndexOf(' ') + 1, -1);
    const bad = [
      '',
      'hello\n',
      'hello\n\n',
      signed.slice(0, -1),
      `hello\n\n${line.replace('\u2014', '-')}`,
      `hello\n\n${line.replace('\u2014 ', '\u2014')}`,
      `hello\n\n\u2014 alice.example/log\n`,
      `hello\n\n\u2014 alice.example/log \n`,
      `hello\n\n\u2014  ${b64}\n`,
      `hello\n\n\u2014 alice.example/log ${b64.slice(0, -1)}\n`,
      `hello\n\n\u2014 alice.example/log AAAAAA==\n`,
      `hello\n\n\u2014 alice.example/log ${b64} \n`,
      `hello\n\n\u2014 alice.example/log ${b64}\n\n`,
      `hello\r\n\n${line}`,
      `hel\tlo\n\n${line}`,
      `hel\u0000lo\n\n${line}`,
      `hel\uD800lo\n\n${line}`,
      `${signed}trailing\n`,
    ];
    for (const message of bad) expectLedgerError(() => openNote(message, [aliceVerifier]), 'NOTE_MALFORMED');
    // Invalid UTF-8 bytes.
    const bytes = new TextEncoder().encode(signed);
    bytes[1] = 0xff;
    expectLedgerError(() => openNote(bytes, [aliceVerifier]), 'NOTE_MALFORMED');
  });

  it('refuses to sign text that could not be opened', () => {
    for (const text of ['', 'no newline', 'tab\there\n', 'cr\r\n', 'lone \uDC00\n']) {
      expectLedgerError(() => signNote(text, [aliceSigner]), 'NOTE_MALFORMED');
    }
    expectLedgerError(() => signNote('hello\n', []), 'NOTE_MALFORMED');
    expectLedgerError(() => signNote('hello\n', [{ ...aliceSigner, name: 'bad name' }]), 'KEY_MALFORMED');
  });
});
