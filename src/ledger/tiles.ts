// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the Merkle tree served as static "tiles" of
// height 8. The tile (L, N) holds the hashes of nodes (8·L, N·256 + i) for i < width, in the
// storage model of merkle.ts; a full tile has 256 of them, a partial one 1 to 255. Entry
// bundles `tile/entries/<N>` hold the entries of the level-0 tile N.

import { DECIMAL, isSafeCount } from './encoding.js';
import { LedgerError } from './errors.js';
import { HASH_SIZE, type NodeId } from './merkle.js';

export const TILE_HEIGHT = 8;
/** Hashes in a full tile, entries in a full bundle: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
export const MAX_TILE_LEVEL = 63;
/** Entries in bundles are prefixed with a big-endian uint16 length. */
export const MAX_BUNDLED_ENTRY_SIZE = 0xffff;

/** A tile or entry bundle; `width` is 256 for a full one. */
export interface TileId {
  readonly level: number | 'entries';
  readonly index: number;
  readonly width: number;
}

/** One tile level of a tree: how many full tiles, and the partial tile if any. */
export interface TileLevel {
  readonly level: number;
  readonly fullTiles: number;
  readonly partial: TileId | undefined;
}

function pathError(message: string): LedgerError {
  return new LedgerError('TILE_PATH_MALFORMED', message);
}

/** The first leaf a tile covers: N·256^(L+1) (N·256 for an entry bundle). */
function startLeaf(level: number | 'entries', index: number): number {
  return index * TILE_WIDTH ** ((level === 'entries' ? 0 : level) + 1);
}

function checkTile(tile: { level: number | 'entries'; index: number; width?: number }): TileId {
  const { level, index } = tile;
  const width = tile.width ?? TILE_WIDTH;
  if (level !== 'entries' && !(Number.isInteger(level) && level >= 0 && level <= MAX_TILE_LEVEL)) {
    throw pathError(`the tile level must be 0 to ${MAX_TILE_LEVEL} or 'entries'`);
  }
  if (!isSafeCount(index)) throw pathError('the tile index must be a safe non-negative integer');
  if (!(Number.isInteger(width) && width >= 1 && width <= TILE_WIDTH))
    throw pathError('the tile width must be 1 to 256');
  if (startLeaf(level, index) > Number.MAX_SAFE_INTEGER)
    throw pathError('the tile starts beyond leaf 2^53-1');
  return { level, index, width };
}

/** `x001/x234/067` for 1234067: 3-digit groups, all but the last prefixed with `x`. */
function formatTileIndex(index: number): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` for an entry bundle. */
export function formatTilePath(tile: { level: number | 'entries'; index: number; width?: number }): string {
  const { level, index, width } = checkTile(tile);
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/${level}/${formatTileIndex(index)}${partial}`;
}

/**
 * Parses a tile or entry-bundle path (relative to the log prefix, no leading slash). Paths
 * come from HTTP requests: only the one canonical spelling of each tile is accepted (no
 * leading zeros in L or W, no all-zero leading groups, W from 1 to 255, L at most 63).
 */
export function parseTilePath(path: string): TileId {
  if (typeof path !== 'string' || !path.startsWith('tile/')) throw pathError('a tile path starts with tile/');
  const segments = path.slice('tile/'.length).split('/');
  const levelText = segments.shift();
  let level: number | 'entries';
  if (levelText === 'entries') {
    level = 'entries';
  } else {
    if (levelText === undefined || !DECIMAL.test(levelText) || levelText.length > 2)
      throw pathError('bad tile level');
    level = Number(levelText);
  }
  let width = TILE_WIDTH;
  const beforeLast = segments[segments.length - 2];
  if (beforeLast?.endsWith('.p')) {
    const widthText = segments.pop()!;
    if (!DECIMAL.test(widthText) || widthText.length > 3) throw pathError('bad partial tile width');
    width = Number(widthText);
    if (width < 1 || width >= TILE_WIDTH) throw pathError('a partial tile has 1 to 255 hashes');
    segments[segments.length - 1] = beforeLast.slice(0, -'.p'.length);
  }
  if (segments.length === 0) throw pathError('missing tile index');
  let digits = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const match = last ? /^[0-9]{3}$/.test(segment) : /^x[0-9]{3}$/.test(segment);
    if (!match) throw pathError('the tile index is 3-digit groups, all but the last prefixed with x');
    digits += last ? segment : segment.slice(1);
  });
  if (digits.length > 18) throw pathError('the tile index is too large');
  const index = Number(digits);
  if (!Number.isSafeInteger(index)) throw pathError('the tile index is too large');
  const tile = checkTile({ level, index, width });
  // One spelling per tile: this refuses leading x000 groups and any other variant.
  if (formatTilePath(tile) !== path) throw pathError('not the canonical path of its tile');
  return tile;
}

/**
 * The stored nodes a tile holds: level 8·L, indices [begin, end) = [N·256, N·256 + width).
 * For an entry bundle, the leaves (level 0) whose entries it holds.
 */
export function tileNodeRange(tile: { level: number | 'entries'; index: number; width?: number }): {
  level: number;
  begin: number;
  end: number;
} {
  const { level, index, width } = checkTile(tile);
  const nodeLevel = level === 'entries' ? 0 : level * TILE_HEIGHT;
  const begin = index * TILE_WIDTH;
  return { level: nodeLevel, begin, end: begin + width };
}

/** The ids of the nodes a tile holds, in order. */
export function tileNodeIds(tile: { level: number | 'entries'; index: number; width?: number }): NodeId[] {
  const { level, begin, end } = tileNodeRange(tile);
  const ids: NodeId[] = [];
  for (let index = begin; index < end; index++) ids.push({ level, index });
  return ids;
}

function checkSize(size: number): void {
  if (!isSafeCount(size)) throw pathError('the tree size must be a safe non-negative integer');
}

/**
 * The width of tile (level, index) in a tree of `size`: 256 when full, the partial width
 * floor(size / 256^level) - index·256 otherwise, 0 when the tile has no hash yet.
 */
export function tileWidth(level: number | 'entries', index: number, size: number): number {
  checkTile({ level, index });
  checkSize(size);
  const unit = TILE_WIDTH ** (level === 'entries' ? 0 : level);
  const width = Math.floor(size / unit) - index * TILE_WIDTH;
  return Math.max(0, Math.min(width, TILE_WIDTH));
}

/**
 * The tiles of a tree of `size`, level by level (tlog-tiles "Partial Tiles"): `fullTiles` full
 * tiles (indices 0 .. fullTiles-1), then the partial tile of width floor(size / 256^L) mod 256
 * if that is not 0. Levels with no hash are left out; a tree of size 0 has no tiles.
 */
export function tilesForSize(size: number): TileLevel[] {
  checkSize(size);
  const levels: TileLevel[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL && TILE_WIDTH ** level <= size; level++) {
    const hashes = Math.floor(size / TILE_WIDTH ** level);
    const fullTiles = Math.floor(hashes / TILE_WIDTH);
    const width = hashes % TILE_WIDTH;
    levels.push({ level, fullTiles, partial: width > 0 ? { level, index: fullTiles, width } : undefined });
  }
  return levels;
}

/** The bytes of a tile: its hashes concatenated. */
export function tileHashesToBytes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length < 1 || hashes.length > TILE_WIDTH)
    throw new LedgerError('TILE_MALFORMED', 'a tile has 1 to 256 hashes');
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      throw new LedgerError('HASH_WRONG_LENGTH', `tile hash ${i} is not ${HASH_SIZE} bytes`);
    }
    out.set(hash, i * HASH_SIZE);
  });
  return out;
}

/** Splits fetched tile bytes into hashes; with `width`, the tile must have exactly that many. */
export function tileHashesFromBytes(bytes: Uint8Array, width?: number): Uint8Array[] {
  const count = bytes.length / HASH_SIZE;
  if (!Number.isInteger(count) || count < 1 || count > TILE_WIDTH) {
    throw new LedgerError('TILE_MALFORMED', 'tile bytes are not 1 to 256 hashes of 32 bytes');
  }
  if (width !== undefined && count !== width) {
    throw new LedgerError('TILE_MALFORMED', `the tile has ${count} hashes, want ${width}`);
  }
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) hashes.push(bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return hashes;
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes. */
export function formatEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) {
    throw new LedgerError('ENTRY_BUNDLE_MALFORMED', 'a bundle has 1 to 256 entries');
  }
  let length = 0;
  for (const entry of entries) {
    if (entry.length > MAX_BUNDLED_ENTRY_SIZE) {
      throw new LedgerError(
        'ENTRY_TOO_LARGE',
        `an entry of ${entry.length} bytes does not fit a uint16 length`,
      );
    }
    length += 2 + entry.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const entry of entries) {
    out[offset] = entry.length >>> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/**
 * Splits an entry bundle (fetched, so untrusted) into entries; with `width`, the bundle must
 * hold exactly that many. A truncated entry or more than 256 entries is ENTRY_BUNDLE_MALFORMED.
 */
export function parseEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length === TILE_WIDTH)
      throw new LedgerError('ENTRY_BUNDLE_MALFORMED', 'more than 256 entries');
    if (offset + 2 > bytes.length) throw new LedgerError('ENTRY_BUNDLE_MALFORMED', 'truncated entry length');
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const end = offset + 2 + length;
    if (end > bytes.length) throw new LedgerError('ENTRY_BUNDLE_MALFORMED', 'truncated entry');
    entries.push(bytes.slice(offset + 2, end));
    offset = end;
  }
  if (entries.length === 0) throw new LedgerError('ENTRY_BUNDLE_MALFORMED', 'an empty bundle');
  if (width !== undefined && entries.length !== width) {
    throw new LedgerError(
      'ENTRY_BUNDLE_MALFORMED',
      `the bundle has ${entries.length} entries, want ${width}`,
    );
  }
  return entries;
}
