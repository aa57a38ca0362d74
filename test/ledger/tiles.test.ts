import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, rootFromLeafHashes } from '../../src/ledger/merkle.js';
import {
  formatEntryBundle,
  formatTilePath,
  parseEntryBundle,
  parseTilePath,
  TILE_WIDTH,
  tileHashesFromBytes,
  tileHashesToBytes,
  tileNodeIds,
  tileNodeRange,
  tilesForSize,
  tileWidth,
} from '../../src/ledger/tiles.js';
import { buildTree, expectLedgerError } from './support.js';

describe('tile paths (c2sp.org/tlog-tiles)', () => {
  it('formats the examples of the specification', () => {
    expect(formatTilePath({ level: 0, index: 1234067 })).toBe('tile/0/x001/x234/067');
    expect(formatTilePath({ level: 1, index: 0, width: 17 })).toBe('tile/1/000.p/17');
    expect(formatTilePath({ level: 0, index: 273, width: 112 })).toBe('tile/0/273.p/112');
    expect(formatTilePath({ level: 2, index: 1000, width: TILE_WIDTH })).toBe('tile/2/x001/000');
    expect(formatTilePath({ level: 'entries', index: 5, width: 3 })).toBe('tile/entries/005.p/3');
    expect(formatTilePath({ level: 63, index: 0 })).toBe('tile/63/000');
  });

  it('parses what it formats', () => {
    // Any level, and an index whose first leaf N·256^(L+1) is still below 2^53.
    const tileAt = fc
      .oneof(fc.integer({ min: 0, max: 6 }), fc.constant('entries' as const))
      .chain((lvl) =>
        fc.tuple(
          fc.constant(lvl),
          fc.nat(Math.floor(Number.MAX_SAFE_INTEGER / TILE_WIDTH ** ((lvl === 'entries' ? 0 : lvl) + 1))),
        ),
      );
    fc.assert(
      fc.property(tileAt, fc.integer({ min: 1, max: TILE_WIDTH }), ([lvl, index], width) => {
        const path = formatTilePath({ level: lvl, index, width });
        expect(parseTilePath(path)).toEqual({ level: lvl, index, width });
      }),
    );
    expect(parseTilePath('tile/0/x001/x234/067.p/112')).toEqual({ level: 0, index: 1234067, width: 112 });
  });

  it('rejects every non-canonical or malformed path with TILE_PATH_MALFORMED', () => {
    const bad = [
      '',
      'tile',
      'tile/',
      'tile/0',
      'tile/0/',
      '/tile/0/000',
      'tiles/0/000',
      'tile/00/000', // leading zero in L
      'tile/01/000',
      'tile/64/000', // L beyond 63
      'tile/-1/000',
      'tile/a/000',
      'tile/0/00', // not 3 digits
      'tile/0/0000',
      'tile/0/1',
      'tile/0/001/234', // missing x
      'tile/0/x001/x234', // last group with x
      'tile/0/x000/001', // all-zero leading group
      'tile/0/x1/000',
      'tile/0/X001/000',
      'tile/0/000/',
      'tile/0/000.p',
      'tile/0/000.p/',
      'tile/0/000.p/0', // empty partial tile
      'tile/0/000.p/256', // a full tile is not partial
      'tile/0/000.p/300',
      'tile/0/000.p/017', // leading zero in W
      'tile/0/000.p/1x',
      'tile/0/x001.p/1/000',
      'tile/entries/',
      'tile/entries/00',
      'tile/entry/000',
      'tile/0/x999/x999/x999/x999/x999/999', // beyond 2^53
      'tile/3/x002/x097/152', // tile 2^21 of level 3 starts at leaf 2^21·256^4 = 2^53
      'tile/0/000?x=1',
      'tile/0/000%2F',
    ];
    for (const path of bad) expectLedgerError(() => parseTilePath(path), 'TILE_PATH_MALFORMED');
    expectLedgerError(() => formatTilePath({ level: 64, index: 0 }), 'TILE_PATH_MALFORMED');
    expectLedgerError(() => formatTilePath({ level: 0, index: -1 }), 'TILE_PATH_MALFORMED');
    expectLedgerError(() => formatTilePath({ level: 0, index: 0, width: 0 }), 'TILE_PATH_MALFORMED');
    expectLedgerError(() => formatTilePath({ level: 0, index: 0, width: 257 }), 'TILE_PATH_MALFORMED');
    expectLedgerError(() => formatTilePath({ level: 0.5, index: 0 }), 'TILE_PATH_MALFORMED');
  });
});

describe('tiles of a tree', () => {
  it('lays out the trees of the specification examples (sizes 70,000 and 256)', () => {
    expect(tilesForSize(70_000)).toEqual([
      { level: 0, fullTiles: 273, partial: { level: 0, index: 273, width: 112 } },
      { level: 1, fullTiles: 1, partial: { level: 1, index: 1, width: 17 } },
      { level: 2, fullTiles: 0, partial: { level: 2, index: 0, width: 1 } },
    ]);
    expect(tilesForSize(256)).toEqual([
      { level: 0, fullTiles: 1, partial: undefined },
      { level: 1, fullTiles: 0, partial: { level: 1, index: 0, width: 1 } },
    ]);
    expect(tilesForSize(0)).toEqual([]);
    expect(tilesForSize(1)).toEqual([{ level: 0, fullTiles: 0, partial: { level: 0, index: 0, width: 1 } }]);
  });

  it('gives each tile the width floor(size / 256^L) - 256·N, capped to 0..256', () => {
    expect(tileWidth(0, 273, 70_000)).toBe(112);
    expect(tileWidth(0, 272, 70_000)).toBe(256);
    expect(tileWidth(0, 274, 70_000)).toBe(0);
    expect(tileWidth(1, 1, 70_000)).toBe(17);
    expect(tileWidth(2, 0, 70_000)).toBe(1);
    expect(tileWidth('entries', 273, 70_000)).toBe(112);
    fc.assert(
      fc.property(fc.nat(Number.MAX_SAFE_INTEGER), (size) => {
        for (const { level, fullTiles, partial } of tilesForSize(size)) {
          if (fullTiles > 0) expect(tileWidth(level, fullTiles - 1, size)).toBe(TILE_WIDTH);
          expect(tileWidth(level, fullTiles, size)).toBe(partial?.width ?? 0);
        }
      }),
    );
  });

  it('maps tiles to the stored nodes they hold', () => {
    expect(tileNodeRange({ level: 0, index: 2, width: 88 })).toEqual({ level: 0, begin: 512, end: 600 });
    expect(tileNodeRange({ level: 1, index: 3 })).toEqual({ level: 8, begin: 768, end: 1024 });
    expect(tileNodeRange({ level: 'entries', index: 1, width: 2 })).toEqual({
      level: 0,
      begin: 256,
      end: 258,
    });
    expect(tileNodeIds({ level: 2, index: 0, width: 2 })).toEqual([
      { level: 16, index: 0 },
      { level: 16, index: 1 },
    ]);
  });

  it('holds hashes whose MTH is the node one tile level up', () => {
    const tree = buildTree(600, 'tile');
    // Level-0 tiles 0 and 1 are full, tile 2 is partial (88); the level-1 tile has 2 hashes.
    const [level0, level1] = tilesForSize(600);
    expect(level0).toEqual({ level: 0, fullTiles: 2, partial: { level: 0, index: 2, width: 88 } });
    expect(level1).toEqual({ level: 1, fullTiles: 0, partial: { level: 1, index: 0, width: 2 } });
    const tile = (level: number, index: number, width: number) =>
      tileNodeIds({ level, index, width }).map((id) => tree.lookup(id)!);
    const upper = tile(1, 0, 2);
    expect(upper[0]).toEqual(rootFromLeafHashes(tile(0, 0, 256)));
    expect(upper[1]).toEqual(rootFromLeafHashes(tile(0, 1, 256)));
    expect(tile(0, 2, 88)).toEqual(tree.leaves.slice(512, 600));
    // Bytes round trip.
    const bytes = tileHashesToBytes(tile(0, 2, 88));
    expect(bytes).toHaveLength(88 * 32);
    expect(tileHashesFromBytes(bytes, 88)).toEqual(tree.leaves.slice(512, 600));
  });

  it('refuses malformed tile bytes', () => {
    expectLedgerError(() => tileHashesFromBytes(new Uint8Array(33)), 'TILE_MALFORMED');
    expectLedgerError(() => tileHashesFromBytes(new Uint8Array(0)), 'TILE_MALFORMED');
    expectLedgerError(() => tileHashesFromBytes(new Uint8Array(257 * 32)), 'TILE_MALFORMED');
    expectLedgerError(() => tileHashesFromBytes(new Uint8Array(64), 3), 'TILE_MALFORMED');
    expectLedgerError(() => tileHashesToBytes([]), 'TILE_MALFORMED');
    expectLedgerError(() => tileHashesToBytes([new Uint8Array(31)]), 'HASH_WRONG_LENGTH');
  });
});

describe('entry bundles', () => {
  it('round-trips entries as uint16 big-endian length + bytes', () => {
    expect(formatEntryBundle([Uint8Array.of(0xaa), new Uint8Array(0), Uint8Array.of(1, 2)])).toEqual(
      Uint8Array.of(0, 1, 0xaa, 0, 0, 0, 2, 1, 2),
    );
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }),
        (entries) => {
          const bundle = formatEntryBundle(entries);
          expect(parseEntryBundle(bundle, entries.length)).toEqual(entries);
          // Every entry hashes to its level-0 tile hash.
          expect(parseEntryBundle(bundle).map(leafHash)).toEqual(entries.map(leafHash));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('accepts a 65535-byte entry and refuses a larger one', () => {
    expect(parseEntryBundle(formatEntryBundle([new Uint8Array(0xffff)]))[0]).toHaveLength(0xffff);
    expectLedgerError(() => formatEntryBundle([new Uint8Array(0x10000)]), 'ENTRY_TOO_LARGE');
  });

  it('refuses truncated, empty, overfull and wrong-width bundles', () => {
    const bundle = formatEntryBundle([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    expectLedgerError(
      () => parseEntryBundle(bundle.subarray(0, bundle.length - 1)),
      'ENTRY_BUNDLE_MALFORMED',
    );
    expectLedgerError(() => parseEntryBundle(Uint8Array.of(0)), 'ENTRY_BUNDLE_MALFORMED');
    expectLedgerError(() => parseEntryBundle(new Uint8Array(0)), 'ENTRY_BUNDLE_MALFORMED');
    expectLedgerError(() => parseEntryBundle(bundle, 3), 'ENTRY_BUNDLE_MALFORMED');
    expectLedgerError(() => parseEntryBundle(new Uint8Array(2 * 257)), 'ENTRY_BUNDLE_MALFORMED');
    expectLedgerError(() => formatEntryBundle([]), 'ENTRY_BUNDLE_MALFORMED');
    expectLedgerError(
      () => formatEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0))),
      'ENTRY_BUNDLE_MALFORMED',
    );
  });
});
