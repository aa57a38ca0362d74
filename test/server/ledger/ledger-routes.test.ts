import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  noteVerifier,
  openCheckpoint,
  parseEntryBundle,
  rootFromLeafHashes,
  tileHashesFromBytes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/index.js';
import { backend } from '../../support/database.js';
import { ManualTimers } from '../../support/manual-timers.js';
import {
  appendTestEntries,
  fromB64,
  type LedgerTestPlatform,
  ORIGIN,
  startLedgerPlatform,
} from './support.js';

describe(`ledger read API (${backend})`, () => {
  let p: LedgerTestPlatform;
  // The checkpointer's timer (and the platform's clock) move only when a test moves them.
  const time = new ManualTimers();
  /** Leaf hashes of the whole log, by index, as the entries route gives them. */
  let leaves: Uint8Array[] = [];

  async function loadLeaves(): Promise<void> {
    const { size } = await p.ctx.ledger.head();
    for (let i = leaves.length; i < size; i++) {
      const res = await p.call('GET', `/v1/ledger/entries/${i}`);
      expect(res.statusCode).toBe(200);
      leaves.push(fromB64(res.json().leafHash));
    }
  }

  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: time.clock, checkpointTimers: time });
    // Sizes 1..40 one commit at a time, then a jump past one full tile (256) and a bit.
    for (let i = 0; i < 39; i++) await appendTestEntries(p, 1, `s${i}`);
    await appendTestEntries(p, 300, 'bulk');
    leaves = [];
    await loadLeaves();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('publishes the verifier key and a checkpoint signed by it, of the committed head', async () => {
    const key = await p.call('GET', '/v1/ledger/key');
    expect(key.statusCode).toBe(200);
    expect(key.headers['content-type']).toMatch(/^text\/plain/);
    expect(key.body.trim()).toBe(p.verifierKey);

    await p.ctx.checkpointer.checkpointNow();
    const res = await p.call('GET', '/v1/ledger/checkpoint');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const { checkpoint } = openCheckpoint(res.body, [noteVerifier(p.verifierKey)], { origin: ORIGIN });
    const head = await p.ctx.ledger.head();
    expect(checkpoint.size).toBe(head.size);
    expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(head.root));
    expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(rootFromLeafHashes(leaves)));

    const tiles = await p.call('GET', '/checkpoint');
    expect(tiles.body).toBe(res.body);
    const bySize = await p.call('GET', `/v1/ledger/checkpoints/${checkpoint.size}`);
    expect(bySize.body).toBe(res.body);
    expect((await p.call('GET', `/v1/ledger/checkpoints/${checkpoint.size + 1000}`)).json().error.code).toBe(
      'LEDGER_CHECKPOINT_NOT_FOUND',
    );
  });

  it('serves entries with the exact bytes that were hashed', async () => {
    const res = await p.call('GET', '/v1/ledger/entries/0');
    const body = res.json();
    expect(body.index).toBe(0);
    const entry = JSON.parse(Buffer.from(body.entry, 'base64').toString('utf8'));
    expect(entry.kind).toBe('organisation'); // the registry operator, created at bootstrap
    const missing = await p.call('GET', `/v1/ledger/entries/${leaves.length}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('LEDGER_ENTRY_NOT_FOUND');
  });

  it('gives inclusion proofs that the pure verifier accepts, for every leaf of many tree sizes', async () => {
    const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 40, 255, 256, 257, leaves.length];
    for (const size of sizes) {
      const root = rootFromLeafHashes(leaves.slice(0, size));
      const step = size > 64 ? 7 : 1;
      for (let index = 0; index < size; index += step) {
        const res = await p.call('GET', `/v1/ledger/proofs/inclusion?index=${index}&treeSize=${size}`);
        expect(res.statusCode, `${index}/${size}`).toBe(200);
        const body = res.json();
        expect(body).toMatchObject({ index, treeSize: size });
        expect(Buffer.from(fromB64(body.leafHash))).toEqual(Buffer.from(leaves[index]!));
        verifyInclusion(leaves[index]!, index, size, body.proof.map(fromB64), root);
      }
    }
  });

  it('gives consistency proofs that the pure verifier accepts, for many pairs of sizes', async () => {
    const sizes = [1, 2, 3, 4, 6, 8, 11, 16, 21, 32, 39, 64, 100, 256, 257, leaves.length];
    const roots = new Map(sizes.map((s) => [s, rootFromLeafHashes(leaves.slice(0, s))]));
    for (const from of sizes) {
      for (const to of sizes.filter((s) => s >= from)) {
        const res = await p.call('GET', `/v1/ledger/proofs/consistency?from=${from}&to=${to}`);
        expect(res.statusCode, `${from}->${to}`).toBe(200);
        verifyConsistency(from, to, res.json().proof.map(fromB64), roots.get(from)!, roots.get(to)!);
      }
    }
  });

  it('answers impossible proofs and sizes beyond the log with coded 4xx, never 500', async () => {
    const n = leaves.length;
    const cases: [string, number, string][] = [
      [`/v1/ledger/proofs/inclusion?index=${n}&treeSize=${n}`, 400, 'LEDGER_PROOF_REQUEST_INVALID'],
      [`/v1/ledger/proofs/inclusion?index=0&treeSize=${n + 1}`, 404, 'LEDGER_TREE_SIZE_UNKNOWN'],
      ['/v1/ledger/proofs/inclusion?index=0&treeSize=0', 400, 'LEDGER_PROOF_REQUEST_INVALID'],
      ['/v1/ledger/proofs/inclusion?index=-1&treeSize=5', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/proofs/inclusion?index=1.5&treeSize=5', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/proofs/inclusion?index=x&treeSize=5', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/proofs/inclusion?index=0&treeSize=99999999999999999999', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/proofs/inclusion?index=0', 400, 'VALIDATION_FAILED'],
      [`/v1/ledger/proofs/inclusion?index=0&treeSize=${2 ** 53 - 1}`, 404, 'LEDGER_TREE_SIZE_UNKNOWN'],
      ['/v1/ledger/proofs/consistency?from=0&to=5', 400, 'LEDGER_PROOF_REQUEST_INVALID'],
      ['/v1/ledger/proofs/consistency?from=6&to=5', 400, 'LEDGER_PROOF_REQUEST_INVALID'],
      [`/v1/ledger/proofs/consistency?from=1&to=${n + 1}`, 404, 'LEDGER_TREE_SIZE_UNKNOWN'],
      ['/v1/ledger/entries/-1', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/entries/abc', 400, 'VALIDATION_FAILED'],
      [`/v1/ledger/entries/${2 ** 53 - 1}`, 404, 'LEDGER_ENTRY_NOT_FOUND'],
      ['/v1/ledger/checkpoints/x', 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const res = await p.call('GET', url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().error.code, url).toBe(code);
    }
  });

  it('equal sizes give an empty consistency proof', async () => {
    const res = await p.call('GET', '/v1/ledger/proofs/consistency?from=5&to=5');
    expect(res.json()).toEqual({ from: 5, to: 5, proof: [] });
  });

  it('serves C2SP tlog-tiles: full and partial hash tiles, higher levels, entry bundles', async () => {
    const n = leaves.length; // 340: one full level-0 tile, a partial of 84, and a level-1 partial of 1
    expect(n).toBeGreaterThan(256);
    const full = await p.call('GET', '/tile/0/000');
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('application/octet-stream');
    expect(full.headers['cache-control']).toContain('immutable');
    const hashes = tileHashesFromBytes(new Uint8Array(full.rawPayload), 256);
    hashes.forEach((h, i) => {
      expect(Buffer.from(h)).toEqual(Buffer.from(leaves[i]!));
    });

    const width = n - 256;
    const partial = await p.call('GET', `/tile/0/001.p/${width}`);
    expect(partial.statusCode).toBe(200);
    expect(partial.headers['cache-control']).not.toContain('immutable');
    const partialHashes = tileHashesFromBytes(new Uint8Array(partial.rawPayload), width);
    expect(Buffer.from(partialHashes[width - 1]!)).toEqual(Buffer.from(leaves[n - 1]!));
    // A narrower partial tile of the same tile is a prefix; a wider one does not exist yet.
    expect((await p.call('GET', '/tile/0/001.p/3')).rawPayload.length).toBe(96);
    const wider = await p.call('GET', `/tile/0/001.p/${width + 1}`);
    expect(wider.statusCode).toBe(404);
    expect(wider.json().error.code).toBe('LEDGER_TILE_NOT_FOUND');
    expect((await p.call('GET', '/tile/0/001')).statusCode).toBe(404);

    // Level 1 holds nodes of level 8: node (8, 0) is the root of the first 256 leaves.
    const level1 = await p.call('GET', '/tile/1/000.p/1');
    expect(level1.statusCode).toBe(200);
    expect(Buffer.from(level1.rawPayload)).toEqual(Buffer.from(rootFromLeafHashes(leaves.slice(0, 256))));
    expect((await p.call('GET', '/tile/1/000.p/2')).statusCode).toBe(404);
    expect((await p.call('GET', '/tile/2/000.p/1')).statusCode).toBe(404);

    const bundle = await p.call('GET', '/tile/entries/000');
    expect(bundle.statusCode).toBe(200);
    const entries = parseEntryBundle(new Uint8Array(bundle.rawPayload), 256);
    const first = await p.call('GET', '/v1/ledger/entries/0');
    expect(Buffer.from(entries[0]!).toString('base64')).toBe(first.json().entry);
    const partialBundle = await p.call('GET', `/tile/entries/001.p/${width}`);
    expect(parseEntryBundle(new Uint8Array(partialBundle.rawPayload), width)).toHaveLength(width);

    for (const bad of [
      '/tile/0/0',
      '/tile/0/000.p/0',
      '/tile/0/000.p/256',
      '/tile/00/000',
      '/tile/0/x000/000',
      '/tile/64/000',
    ]) {
      const res = await p.call('GET', bad);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code, bad).toBe('LEDGER_TILE_PATH_INVALID');
    }
  });

  it('documents every ledger route in the OpenAPI document', async () => {
    const res = await p.call('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const path of [
      '/v1/ledger/checkpoint',
      '/v1/ledger/checkpoints/{size}',
      '/v1/ledger/key',
      '/v1/ledger/entries/{index}',
      '/v1/ledger/proofs/inclusion',
      '/v1/ledger/proofs/consistency',
      '/checkpoint',
      '/v1/ledger/witnesses',
      '/v1/ledger/witnesses/{name}/cosignatures',
      '/v1/robots/{robotId}/history-proof',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('signs a checkpoint of new appends within a second, without being asked', async () => {
    await time.advance(60_000); // whatever the set-up left pending has run
    const before = (await p.ctx.checkpointer.latest())!;
    await appendTestEntries(p, 3, 'late');
    const { size } = await p.ctx.ledger.head();
    expect(size).toBeGreaterThan(before.size);
    const appendedMs = time.nowMs;
    expect(time.pendingDelays()).toEqual([1000]);
    await time.advance(999);
    expect((await p.ctx.checkpointer.latest())!.size).toBe(before.size);
    await time.advance(1);
    const latest = (await p.ctx.checkpointer.latest())!;
    expect(latest.size).toBe(size);
    expect(latest.signedAt.getTime() - appendedMs).toBe(1000);
    // And it is the one the API serves.
    const res = await p.call('GET', '/v1/ledger/checkpoint');
    expect(res.body).toBe(latest.note);
  });
});
