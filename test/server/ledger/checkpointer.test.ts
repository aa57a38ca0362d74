import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  generateSignerKey,
  noteSigner,
  noteVerifier,
  openCheckpoint,
  parseSignerKey,
  signNote,
} from '../../../src/ledger/index.js';
import { LedgerIntegrityError } from '../../../src/server/ledger/checkpointer.js';
import { LedgerKeyError, loadLedgerKey } from '../../../src/server/ledger/ledger-key.js';
import { backend } from '../../support/database.js';
import { ManualTimers } from '../../support/manual-timers.js';
import {
  appendTestEntries,
  asAttacker,
  type LedgerTestPlatform,
  ORIGIN,
  rewriteLedger,
  startLedgerPlatform,
  utf8,
} from './support.js';

describe('the log key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const settings = (over: Record<string, unknown> = {}) => ({
    ledgerOrigin: ORIGIN,
    ledgerSignerKey: undefined,
    ledgerSignerKeyFile: undefined,
    dataDir: dir,
    ...over,
  });

  it('is generated on first start into the data directory, mode 0600, and reused after', async () => {
    expect(await loadLedgerKey(settings(), { create: false })).toBeUndefined();
    const first = await loadLedgerKey(settings(), { create: true });
    expect(first?.source).toBe('generated');
    const path = join(dir, 'ledger-signer.key');
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^PRIVATE\+KEY\+test\.roboledger\.example\/ledger\+[0-9a-f]{8}\+/);
    expect(parseSignerKey(text.trim()).name).toBe(ORIGIN);
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await loadLedgerKey(settings(), { create: true });
    expect(again?.source).toBe('data directory');
    expect(again?.key.verifierKey).toBe(first?.key.verifierKey);
  });

  it('comes from ROBOLEDGER_LEDGER_KEY or ROBOLEDGER_LEDGER_KEY_FILE first', async () => {
    const { signerKey } = generateSignerKey(ORIGIN);
    const fromEnv = await loadLedgerKey(settings({ ledgerSignerKey: signerKey }), { create: true });
    expect(fromEnv?.source).toBe('ROBOLEDGER_LEDGER_KEY');
    const file = join(dir, 'other.key');
    await writeFile(file, `${signerKey}\n`);
    const fromFile = await loadLedgerKey(settings({ ledgerSignerKeyFile: file }), { create: true });
    expect(fromFile?.key.verifierKey).toBe(fromEnv?.key.verifierKey);
    await expect(
      loadLedgerKey(settings({ ledgerSignerKeyFile: join(dir, 'missing.key') }), { create: true }),
    ).rejects.toBeInstanceOf(LedgerKeyError);
  });

  it('refuses a key named after another log, or not a note key', async () => {
    const { signerKey } = generateSignerKey('another.example/log');
    await expect(loadLedgerKey(settings({ ledgerSignerKey: signerKey }), { create: true })).rejects.toThrow(
      /named "another.example\/log"/,
    );
    await expect(
      loadLedgerKey(settings({ ledgerSignerKey: 'PRIVATE+KEY+x' }), { create: true }),
    ).rejects.toBeInstanceOf(LedgerKeyError);
  });
});

describe(`the checkpointer (${backend})`, () => {
  let p: LedgerTestPlatform;
  // The platform's clock and the checkpointer's timer move only when the test moves them.
  const time = new ManualTimers();
  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: time.clock, checkpointTimers: time });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('checkpointNow signs the head, stores it once, and is idempotent', async () => {
    await appendTestEntries(p, 5);
    const a = await p.ctx.checkpointer.checkpointNow();
    const b = await p.ctx.checkpointer.checkpointNow();
    expect(b).toEqual(a);
    const head = await p.ctx.ledger.head();
    expect(a.size).toBe(head.size);
    const { checkpoint } = openCheckpoint(a.note, [noteVerifier(p.verifierKey)]);
    expect(checkpoint).toMatchObject({ origin: ORIGIN, size: head.size });
    const { rows } = await p.ctx.db.query('SELECT size FROM ledger_checkpoints WHERE size = $1', [a.size]);
    expect(rows).toHaveLength(1);
  });

  it('under a steady stream of appends, checkpoints once a second, timed from the first commit', async () => {
    await time.advance(60_000); // whatever an earlier test left pending has run
    const startSize = (await p.ctx.checkpointer.latest())!.size;
    const startMs = time.nowMs;
    // One append every 100 ms for 2.5 s. Debounced from the LAST commit, no checkpoint would
    // come while the stream lasts; from the first, one comes every second.
    for (let i = 0; i < 25; i++) {
      await appendTestEntries(p, 1, 'stream');
      expect(time.pendingDelays(), `after append ${i}`).toEqual([1000 - (i % 10) * 100]);
      await time.advance(100);
    }
    const { rows } = await p.ctx.db.query<{ size: number; signed_at: Date }>(
      'SELECT size, signed_at FROM ledger_checkpoints WHERE size > $1 ORDER BY size',
      [startSize],
    );
    // Signed at 1 s and 2 s, each over the appends made before it (10 a second).
    expect(rows.map((r) => [r.size - startSize, r.signed_at.getTime() - startMs])).toEqual([
      [10, 1000],
      [20, 2000],
    ]);
    // The last five appends are covered one second after the first of them (made at 2.0 s).
    await time.advance(500);
    expect((await p.ctx.checkpointer.latest())!.size).toBe(startSize + 25);
    expect(time.pendingDelays()).toEqual([]);
  });

  it('a checkpoint row forged with another key neither stops the log nor gets served as its own', async () => {
    const warnings: unknown[] = [];
    p.ctx.checkpointer.onError = (error) => warnings.push(error);
    await appendTestEntries(p, 1, 'forged-row');
    const head = await p.ctx.ledger.head();
    const impostor = generateSignerKey(ORIGIN).signerKey;
    const forged = signNote(formatCheckpoint({ origin: ORIGIN, size: head.size, rootHash: head.root }), [
      noteSigner(impostor),
    ]);
    await p.ctx.db.query(
      'INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, now())',
      [head.size, head.root, forged],
    );
    // The row holds the size: the log says so loudly instead of serving it as its own.
    await expect(p.ctx.checkpointer.checkpointNow()).rejects.toThrow(/different checkpoint of size/);
    expect(String(warnings[0])).toContain('do not verify with this log');
    // The next size is signed normally, checked against the log's own last checkpoint.
    await appendTestEntries(p, 1, 'after-forged-row');
    const next = await p.ctx.checkpointer.checkpointNow();
    expect(next.size).toBe(head.size + 1);
    openCheckpoint(next.note, [noteVerifier(p.verifierKey)]);
  });

  it('refuses, loudly, to sign a tree that no longer extends its last checkpoint', async () => {
    await appendTestEntries(p, 4, 'x');
    const signed = await p.ctx.checkpointer.checkpointNow();
    // An attacker rewrites an old entry and recomputes every node and the head.
    await rewriteLedger(p.ctx.db, 3, utf8('{"forged":true}'), { keepCheckpoints: true });
    await expect(p.ctx.checkpointer.checkpointNow()).rejects.toBeInstanceOf(LedgerIntegrityError);
    // Or only the head row, to a larger size the nodes do not back.
    await asAttacker(p.ctx.db, (tx) => tx.query('UPDATE ledger_head SET size = size + 1'));
    await expect(p.ctx.checkpointer.checkpointNow()).rejects.toBeInstanceOf(LedgerIntegrityError);
    expect((await p.ctx.checkpointer.latest())!.size).toBe(signed.size);
  });
});
