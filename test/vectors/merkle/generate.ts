// Generates RoboLedger's own RFC 9162 Merkle proof vectors (test/vectors/merkle/README.md):
//   npx tsx test/vectors/merkle/generate.ts          writes inclusion.json and consistency.json
// A deliberately naive reference, written from the definitions of RFC 9162 §2.1 and sharing
// no code with src/ledger: MTH, PATH and SUBPROOF are the RFC's recursions, slow and obvious.
// Corrupted variants are judged by the same definitions read backwards: a proof is a list of
// opaque subtree hashes, so it is valid exactly when PATH's (or SUBPROOF's) recursion for its
// sizes, fed those hashes, rebuilds the claimed roots. A variant that passes (a proof for leaf
// 0 of 3 is also one for leaf 0 of 4 whose last leaf nobody knows) is left out, not mislabelled.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The entries: leaf i is the UTF-8 text `leaf i`. */
export const entry = (i: number): Buffer => Buffer.from(`leaf ${i}`, 'utf8');
const leafData = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => entry(i));

/** The largest power of two smaller than n (RFC 9162 §2.1.1), for n > 1. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]), RFC 9162 §2.1.1. */
export function mth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Buffer.from([0x00]), d[0]!);
  const k = split(d.length);
  return sha256(Buffer.from([0x01]), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** PATH(m, D[n]), RFC 9162 §2.1.3.1: the inclusion proof of leaf m. */
export function path(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

/** SUBPROOF(m, D[n], b), RFC 9162 §2.1.4.1. */
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

/** PROOF(m, D[n]) for 0 < m <= n, RFC 9162 §2.1.4.1: the consistency proof. */
export function consistency(m: number, d: readonly Uint8Array[]): Buffer[] {
  return subproof(m, d, true);
}

const node = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.from([0x01]), left, right);

/**
 * The root PATH(m, D[n]) implies when its subtree hashes are `proof` (RFC 9162 §2.1.3.1 read
 * backwards: each step appends the sibling subtree's MTH); undefined if the length is wrong.
 */
export function rootFromPath(
  m: number,
  n: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer | undefined {
  if (n === 1) return proof.length === 0 ? Buffer.from(leaf) : undefined;
  if (proof.length === 0) return undefined;
  const k = split(n);
  const sibling = proof[proof.length - 1]!;
  const rest = proof.slice(0, -1);
  if (m < k) {
    const left = rootFromPath(m, k, leaf, rest);
    return left && node(left, sibling);
  }
  const right = rootFromPath(m - k, n - k, leaf, rest);
  return right && node(sibling, right);
}

/**
 * The (old, new) roots SUBPROOF(m, D[n], b) implies when its subtree hashes are `proof`
 * (RFC 9162 §2.1.4.1 read backwards); `known` is MTH(D[m]) when b is true (the verifier's
 * first root); undefined if the length is wrong.
 */
function rootsFromSubproof(
  m: number,
  n: number,
  b: boolean,
  proof: readonly Uint8Array[],
  known: Uint8Array,
): { old: Buffer; new: Buffer } | undefined {
  if (m === n) {
    if (b) return proof.length === 0 ? { old: Buffer.from(known), new: Buffer.from(known) } : undefined;
    return proof.length === 1 ? { old: Buffer.from(proof[0]!), new: Buffer.from(proof[0]!) } : undefined;
  }
  if (proof.length === 0) return undefined;
  const k = split(n);
  const last = proof[proof.length - 1]!;
  const rest = proof.slice(0, -1);
  if (m <= k) {
    const inner = rootsFromSubproof(m, k, b, rest, known);
    return inner && { old: inner.old, new: node(inner.new, last) };
  }
  const inner = rootsFromSubproof(m - k, n - k, false, rest, known);
  return inner && { old: node(last, inner.old), new: node(last, inner.new) };
}

/** Whether an inclusion case is valid by the definitions (0 <= leafIdx < treeSize). */
export function inclusionHolds(c: InclusionCase): boolean {
  if (!(Number.isSafeInteger(c.leafIdx) && c.leafIdx >= 0 && c.leafIdx < c.treeSize)) return false;
  const root = rootFromPath(c.leafIdx, c.treeSize, Buffer.from(c.leafHash, 'base64'), c.proof.map(unb64));
  return root !== undefined && b64(root) === c.root;
}

/** Whether a consistency case is valid by the definitions (0 < size1 <= size2). */
export function consistencyHolds(c: ConsistencyCase): boolean {
  if (!(Number.isSafeInteger(c.size1) && c.size1 > 0 && c.size1 <= c.size2)) return false;
  const roots = rootsFromSubproof(c.size1, c.size2, true, c.proof.map(unb64), unb64(c.root1));
  return roots !== undefined && b64(roots.old) === c.root1 && b64(roots.new) === c.root2;
}

const unb64 = (text: string) => Buffer.from(text, 'base64');

export interface InclusionCase {
  desc: string;
  leafIdx: number;
  treeSize: number;
  leafHash: string;
  root: string;
  proof: string[];
  wantErr: boolean;
}

export interface ConsistencyCase {
  desc: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
  wantErr: boolean;
}

const flipBit = (b64text: string, bit = 0): string => {
  const bytes = Buffer.from(b64text, 'base64');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return b64(bytes);
};

// Sizes across the shapes that matter: one leaf, powers of two and their neighbours, odd sizes.
const ALL_UP_TO = 16;
const LARGE_SIZES = [31, 32, 33, 100];
const LARGEST = 100;

export function inclusionCases(): InclusionCase[] {
  const d = leafData(LARGEST);
  const cases: InclusionCase[] = [];
  const valid = (leafIdx: number, treeSize: number): InclusionCase => ({
    desc: 'valid',
    leafIdx,
    treeSize,
    leafHash: b64(mth([d[leafIdx]!])),
    root: b64(mth(d.slice(0, treeSize))),
    proof: path(leafIdx, d.slice(0, treeSize)).map(b64),
    wantErr: false,
  });
  for (let n = 1; n <= ALL_UP_TO; n++) for (let m = 0; m < n; m++) cases.push(valid(m, n));
  for (const n of LARGE_SIZES) {
    for (const m of [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1])]) cases.push(valid(m, n));
  }

  // Corrupted variants of some valid cases: each must be rejected.
  for (const n of [1, 2, 3, 7, 8, 13, 33]) {
    for (const m of [...new Set([0, Math.floor(n / 2), n - 1])]) {
      const base = valid(m, n);
      const variants: [string, Partial<InclusionCase>][] = [
        ['wrong leaf hash', { leafHash: b64(mth([entry(LARGEST + 1)])) }],
        ['leaf hash of the entry, not of the leaf (no 0x00 prefix)', { leafHash: b64(sha256(d[m]!)) }],
        ['leafIdx + 1', { leafIdx: m + 1 }],
        ['leafIdx - 1', { leafIdx: m - 1 }],
        ['leafIdx = treeSize', { leafIdx: n }],
        ['treeSize + 1', { treeSize: n + 1 }],
        ['treeSize - 1', { treeSize: n - 1 }],
        ['treeSize * 2', { treeSize: n * 2 }],
        ['root bit flipped', { root: flipBit(base.root, 5) }],
        ['root of the empty tree', { root: b64(mth([])) }],
        ['extra proof hash appended', { proof: [...base.proof, base.root] }],
        ['extra proof hash prepended', { proof: [base.leafHash, ...base.proof] }],
      ];
      base.proof.forEach((_, i) => {
        variants.push([
          `proof[${i}] bit flipped`,
          { proof: base.proof.map((h, j) => (j === i ? flipBit(h, 9) : h)) },
        ]);
        variants.push([`proof[${i}] removed`, { proof: base.proof.filter((_, j) => j !== i) }]);
      });
      if (base.proof.length > 1) {
        variants.push(['proof reversed', { proof: [...base.proof].reverse() }]);
      }
      for (const [desc, change] of variants) {
        const c: InclusionCase = { ...base, ...change, desc, wantErr: true };
        if (!inclusionHolds(c)) cases.push(c);
      }
    }
  }
  return checked(cases, inclusionHolds);
}

export function consistencyCases(): ConsistencyCase[] {
  const d = leafData(LARGEST);
  const cases: ConsistencyCase[] = [];
  const valid = (size1: number, size2: number): ConsistencyCase => ({
    desc: 'valid',
    size1,
    size2,
    root1: b64(mth(d.slice(0, size1))),
    root2: b64(mth(d.slice(0, size2))),
    proof: consistency(size1, d.slice(0, size2)).map(b64),
    wantErr: false,
  });
  for (let n = 1; n <= ALL_UP_TO; n++) for (let m = 1; m <= n; m++) cases.push(valid(m, n));
  for (const [m, n] of [
    [1, 100],
    [31, 32],
    [32, 33],
    [33, 100],
    [64, 100],
    [99, 100],
    [100, 100],
  ] as const) {
    cases.push(valid(m, n));
  }

  for (const [m, n] of [
    [1, 1],
    [1, 2],
    [1, 8],
    [3, 7],
    [4, 8],
    [6, 13],
    [7, 8],
    [8, 8],
    [13, 33],
    [32, 33],
  ] as const) {
    const base = valid(m, n);
    const variants: [string, Partial<ConsistencyCase>][] = [
      ['size1 = 0 (RFC 9162 defines proofs for 0 < size1)', { size1: 0, root1: b64(mth([])), proof: [] }],
      ['size1 + 1', { size1: m + 1 }],
      ['size1 - 1', { size1: m - 1 }],
      ['size2 + 1', { size2: n + 1 }],
      ['size2 - 1', { size2: n - 1 }],
      ['sizes swapped', { size1: n, size2: m }],
      ['root1 bit flipped', { root1: flipBit(base.root1, 3) }],
      ['root2 bit flipped', { root2: flipBit(base.root2, 3) }],
      ['roots swapped', { root1: base.root2, root2: base.root1 }],
      ['extra proof hash appended', { proof: [...base.proof, base.root2] }],
      ['extra proof hash prepended', { proof: [base.root1, ...base.proof] }],
    ];
    if (base.proof.length > 0) variants.push(['empty proof', { proof: [] }]);
    base.proof.forEach((_, i) => {
      variants.push([
        `proof[${i}] bit flipped`,
        { proof: base.proof.map((h, j) => (j === i ? flipBit(h, 9) : h)) },
      ]);
      variants.push([`proof[${i}] removed`, { proof: base.proof.filter((_, j) => j !== i) }]);
    });
    for (const [desc, change] of variants) {
      const c: ConsistencyCase = { ...base, ...change, desc, wantErr: true };
      if (!consistencyHolds(c)) cases.push(c);
    }
  }
  return checked(cases, consistencyHolds);
}

/** Both readings of the definitions agree on every valid case, or nothing is written. */
function checked<T extends { wantErr: boolean }>(cases: T[], holds: (c: T) => boolean): T[] {
  for (const c of cases) {
    if (holds(c) === c.wantErr) throw new Error(`the reference contradicts itself on ${JSON.stringify(c)}`);
  }
  return cases;
}

/** The files' text, one case a line so a diff shows which case changed. */
export function vectorFile(cases: readonly object[]): string {
  return `[\n${cases.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n]\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = new URL('./', import.meta.url);
  writeFileSync(new URL('inclusion.json', dir), vectorFile(inclusionCases()));
  writeFileSync(new URL('consistency.json', dir), vectorFile(consistencyCases()));
}
