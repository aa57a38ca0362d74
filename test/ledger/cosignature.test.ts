import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import {
  COSIGNATURE_V1_HEADER,
  cosignatureMessage,
  cosignatureSigner,
  cosignatureTimestamp,
  cosignatureVerifier,
  cosignCheckpoint,
  generateCosignerKey,
  parseCosignerKey,
  parseCosignerVerifierKey,
  verifyCosignature,
} from '../../src/ledger/cosignature.js';
import { verify } from '../../src/ledger/crypto.js';
import {
  formatSignatureLine,
  generateSignerKey,
  keyHash,
  noteSigner,
  noteVerifier,
  openNote,
  parseVerifierKey,
  SIGNATURE_TYPE,
  signNote,
} from '../../src/ledger/note.js';
import { expectLedgerError, fromBase64, splitKey } from './support.js';

const CHECKPOINT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const log = generateSignerKey('example.com/behind-the-sofa');
const witness = generateCosignerKey('witness.example.com/w1');
const otherWitness = generateCosignerKey('witness.example.com/w2');

describe('cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1)', () => {
  it('signs the message of the specification example', () => {
    expect(new TextDecoder().decode(cosignatureMessage(CHECKPOINT, 1679315147))).toBe(
      `${COSIGNATURE_V1_HEADER}\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n`,
    );
  });

  it('uses key type 0x04 in the witness key and its key hash', () => {
    const vkey = parseVerifierKey(witness.verifierKey);
    expect(vkey.type).toBe(SIGNATURE_TYPE.cosignatureV1);
    expect(vkey.keyHash).toBe(keyHash(vkey.name, 0x04, vkey.publicKey));
    expect(fromBase64(splitKey(witness.verifierKey)[2])[0]).toBe(0x04);
    expect(parseCosignerKey(witness.signerKey).keyHash).toBe(vkey.keyHash);
    // A live witness's key, from transparency-dev/formats note/note_cosigv1_test.go.
    const remora = parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(remora.type).toBe(SIGNATURE_TYPE.cosignatureV1);
    expect(remora.keyHash).toBe(0xda77ade7);
  });

  it('cosigns and verifies: line = base64(keyhash ‖ uint64 BE timestamp ‖ Ed25519 signature)', () => {
    const line = cosignCheckpoint(CHECKPOINT, witness.signerKey, 1679315147);
    expect(line).toMatch(/^\u2014 witness\.example\.com\/w1 [A-Za-z0-9+/]{102}==\n$/);
    const raw = fromBase64(line.split(' ')[2]!.trim());
    expect(raw).toHaveLength(4 + 8 + 64);
    const vkey = parseVerifierKey(witness.verifierKey);
    expect(new DataView(raw.buffer).getUint32(0)).toBe(vkey.keyHash);
    expect(new DataView(raw.buffer).getBigUint64(4)).toBe(1679315147n);
    expect(verify(vkey.publicKey, cosignatureMessage(CHECKPOINT, 1679315147), raw.subarray(12))).toBe(true);
    expect(verifyCosignature(CHECKPOINT, line, witness.verifierKey)).toEqual({
      name: 'witness.example.com/w1',
      keyHash: vkey.keyHash,
      timestamp: 1679315147,
    });
    expect(verifyCosignature(CHECKPOINT, line.trimEnd(), witness.verifierKey).timestamp).toBe(1679315147);
  });

  it('round-trips any timestamp up to 2^53-1 and covers extension lines', () => {
    fc.assert(
      fc.property(
        fc.nat(Number.MAX_SAFE_INTEGER),
        fc.nat(1_000_000),
        fc.array(fc.stringMatching(/^[a-z0-9 ]{1,12}$/), { maxLength: 2 }),
        (timestamp, size, extensions) => {
          const text = formatCheckpoint({
            origin: 'log.example',
            size,
            rootHash: new Uint8Array(32).fill(7),
            extensions,
          });
          const line = cosignCheckpoint(text, witness.signerKey, timestamp);
          expect(verifyCosignature(text, line, witness.verifierKey).timestamp).toBe(timestamp);
          const other = formatCheckpoint({
            origin: 'log.example',
            size,
            rootHash: new Uint8Array(32).fill(7),
            extensions: [...extensions, 'x'],
          });
          expectLedgerError(() => verifyCosignature(other, line, witness.verifierKey), 'COSIGNATURE_INVALID');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses another witness, a tampered checkpoint or a tampered timestamp', () => {
    const line = cosignCheckpoint(CHECKPOINT, witness.signerKey, 1700000000);
    expectLedgerError(
      () => verifyCosignature(CHECKPOINT, line, otherWitness.verifierKey),
      'COSIGNATURE_INVALID',
    );
    const tampered = CHECKPOINT.replace('20852163', '20852164');
    expectLedgerError(() => verifyCosignature(tampered, line, witness.verifierKey), 'COSIGNATURE_INVALID');
    const raw = fromBase64(line.split(' ')[2]!.trim());
    raw[11] = raw[11]! ^ 1; // the timestamp's last byte
    const vkey = parseVerifierKey(witness.verifierKey);
    const retimed = formatSignatureLine(vkey.name, vkey.keyHash, raw.subarray(4));
    expectLedgerError(
      () => verifyCosignature(CHECKPOINT, retimed, witness.verifierKey),
      'COSIGNATURE_INVALID',
    );
  });

  it('refuses malformed signature lines', () => {
    const vkey = parseVerifierKey(witness.verifierKey);
    const line = cosignCheckpoint(CHECKPOINT, witness.signerKey, 1700000000);
    const b64 = line.trimEnd().split(' ')[2]!;
    const bad = [
      '',
      line.replace('\u2014 ', '- '),
      `\u2014 witness.example.com/w1\n`,
      `\u2014 witness.example.com/w1 ${b64.slice(1)}\n`,
      `\u2014 witness.example.com/w9 ${b64}\n`,
      // A plain Ed25519 note signature (no timestamp) by the same key is not a cosignature.
      formatSignatureLine(vkey.name, vkey.keyHash, new Uint8Array(64)),
      // A timestamp beyond 2^63-1.
      formatSignatureLine(vkey.name, vkey.keyHash, Uint8Array.from([0x80, ...new Uint8Array(7 + 64)])),
    ];
    for (const candidate of bad) {
      expectLedgerError(
        () => verifyCosignature(CHECKPOINT, candidate, witness.verifierKey),
        'COSIGNATURE_INVALID',
      );
    }
    expectLedgerError(
      () => verifyCosignature('not a checkpoint\n', line, witness.verifierKey),
      'CHECKPOINT_MALFORMED',
    );
    expectLedgerError(() => cosignCheckpoint(CHECKPOINT, witness.signerKey, -1), 'COSIGNATURE_INVALID');
    expectLedgerError(() => cosignCheckpoint(CHECKPOINT, witness.signerKey, 2 ** 53), 'COSIGNATURE_INVALID');
    expectLedgerError(() => cosignCheckpoint(CHECKPOINT, witness.signerKey, 1.5), 'COSIGNATURE_INVALID');
    expectLedgerError(() => cosignCheckpoint('two\nlines\n', witness.signerKey, 1), 'CHECKPOINT_MALFORMED');
  });

  it('adds cosignatures to a signed checkpoint that openNote verifies with log and witness keys', () => {
    const signed = signNote(CHECKPOINT, [
      noteSigner(log.signerKey),
      cosignatureSigner(witness.signerKey, () => 1700000000),
    ]);
    const withSecond = signed + cosignCheckpoint(CHECKPOINT, otherWitness.signerKey, 1700000001);
    const note = openNote(withSecond, [
      noteVerifier(log.verifierKey),
      cosignatureVerifier(witness.verifierKey),
      cosignatureVerifier(otherWitness.verifierKey),
    ]);
    expect(note.sigs.map((s) => s.name)).toEqual([
      'example.com/behind-the-sofa',
      'witness.example.com/w1',
      'witness.example.com/w2',
    ]);
    expect(note.sigs.slice(1).map(cosignatureTimestamp)).toEqual([1700000000, 1700000001]);
    // The log's key cannot stand in for a witness, and a cosignature is not a log signature.
    const onlyWitness = signNote(CHECKPOINT, [cosignatureSigner(witness.signerKey, () => 5)]);
    expectLedgerError(() => openNote(onlyWitness, [noteVerifier(log.verifierKey)]), 'NOTE_UNVERIFIED');
    const tampered = withSecond.replace('20852163', '20852164');
    expectLedgerError(
      () => openNote(tampered, [cosignatureVerifier(witness.verifierKey)]),
      'NOTE_UNVERIFIED',
    );
  });

  it('treats a type 0x01 key as the same key of type 0x04, as transparency-dev/formats does', () => {
    const plain = generateSignerKey('witness.example.com/w3');
    const converted = parseCosignerVerifierKey(plain.verifierKey);
    expect(converted.type).toBe(SIGNATURE_TYPE.cosignatureV1);
    expect(converted.keyHash).toBe(keyHash(converted.name, 0x04, converted.publicKey));
    const line = cosignCheckpoint(CHECKPOINT, plain.signerKey, 42);
    expect(verifyCosignature(CHECKPOINT, line, plain.verifierKey).keyHash).toBe(converted.keyHash);
  });

  it('reads the timestamp of a cosignature (vector from transparency-dev/formats TestCoSigV1Timestamp)', () => {
    const base64 =
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';
    expect(cosignatureTimestamp({ name: 'w', keyHash: 0x646846b9, base64 })).toBe(1727964367);
    const plainSignature =
      'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=';
    expectLedgerError(
      () => cosignatureTimestamp({ name: 'w', keyHash: 0, base64: plainSignature }),
      'COSIGNATURE_INVALID',
    );
    expectLedgerError(
      () => cosignatureTimestamp({ name: 'w', keyHash: 0, base64: '5%/$!\n 2' }),
      'COSIGNATURE_INVALID',
    );
  });
});
