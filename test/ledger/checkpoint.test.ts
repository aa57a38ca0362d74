import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { generateSignerKey, noteSigner, noteVerifier, signNote } from '../../src/ledger/note.js';
import { expectLedgerError, fromBase64 } from './support.js';

// The example checkpoint of c2sp.org/tlog-checkpoint.
const EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const ROOT = fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  it('parses and formats the specification example', () => {
    const checkpoint = parseCheckpoint(EXAMPLE);
    expect(checkpoint).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: ROOT,
      extensions: [],
    });
    expect(formatCheckpoint(checkpoint)).toBe(EXAMPLE);
  });

  it('round-trips origins, sizes, roots and extension lines', () => {
    const line = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 40 })
      .filter((s) => !/[\x00-\x1F]/.test(s));
    fc.assert(
      fc.property(
        line,
        fc.nat(Number.MAX_SAFE_INTEGER),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const text = formatCheckpoint({ origin, size, rootHash, extensions });
          expect(parseCheckpoint(text)).toEqual({ origin, size, rootHash, extensions });
        },
      ),
    );
  });

  it('rejects malformed checkpoints with CHECKPOINT_MALFORMED', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const bad = [
      '',
      EXAMPLE.slice(0, -1),
      `example.com\n5\n`,
      `\n5\n${root}\n`,
      `example.com\n05\n${root}\n`,
      `example.com\n-5\n${root}\n`,
      `example.com\n+5\n${root}\n`,
      `example.com\n 5\n${root}\n`,
      `example.com\n5.0\n${root}\n`,
      `example.com\n\n${root}\n`,
      `example.com\n9007199254740992\n${root}\n`,
      `example.com\n18446744073709551615\n${root}\n`,
      `example.com\n5\n${root.slice(0, -1)}\n`,
      `example.com\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`, // non-canonical last character
      `example.com\n5\n${Buffer.alloc(31).toString('base64')}\n`,
      `example.com\n5\n${Buffer.alloc(33).toString('base64')}\n`,
      `example.com\n5\n${root}\n\n`,
      `example.com\n5\n${root}\next\n\n`,
      `example.com\r\n5\n${root}\n`,
      `exam\tple.com\n5\n${root}\n`,
    ];
    for (const text of bad) expectLedgerError(() => parseCheckpoint(text), 'CHECKPOINT_MALFORMED');
  });

  it('refuses to format what it would not parse', () => {
    const rootHash = new Uint8Array(32);
    expectLedgerError(() => formatCheckpoint({ origin: '', size: 1, rootHash }), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash }), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => formatCheckpoint({ origin: 'a', size: -1, rootHash }), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => formatCheckpoint({ origin: 'a', size: 1.5, rootHash }), 'CHECKPOINT_MALFORMED');
    expectLedgerError(
      () => formatCheckpoint({ origin: 'a', size: 1, rootHash: rootHash.subarray(1) }),
      'CHECKPOINT_MALFORMED',
    );
    expectLedgerError(
      () => formatCheckpoint({ origin: 'a', size: 1, rootHash, extensions: [''] }),
      'CHECKPOINT_MALFORMED',
    );
  });

  it('opens a signed checkpoint and checks its origin', () => {
    const log = generateSignerKey('example.com/behind-the-sofa');
    const note = signNote(EXAMPLE, [noteSigner(log.signerKey)]);
    const verifier = noteVerifier(log.verifierKey);
    const { checkpoint, note: opened } = openCheckpoint(note, [verifier], {
      origin: 'example.com/behind-the-sofa',
    });
    expect(checkpoint.size).toBe(20852163);
    expect(opened.sigs.map((s) => s.name)).toEqual(['example.com/behind-the-sofa']);
    expectLedgerError(
      () => openCheckpoint(note, [verifier], { origin: 'example.com/other' }),
      'CHECKPOINT_ORIGIN_MISMATCH',
    );
    const notACheckpoint = signNote('just text\n', [noteSigner(log.signerKey)]);
    expectLedgerError(() => openCheckpoint(notACheckpoint, [verifier]), 'CHECKPOINT_MALFORMED');
    expectLedgerError(() => openCheckpoint(note, []), 'NOTE_UNVERIFIED');
  });
});
