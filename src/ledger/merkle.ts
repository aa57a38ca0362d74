// RFC 9162 §2.1 Merkle trees: hashing, proof verification, and proof generation from stored
// complete-subtree nodes.
//
// Sizes and indices are JavaScript numbers kept to safe integers (< 2^53), and all arithmetic
// on them is done with `*`, `/` and Math.floor by powers of two, which are exact in that range;
// the 32-bit bitwise operators would silently truncate.
//
// Storage model: node (level, index) is the hash of the COMPLETE subtree over leaves
// [index·2^level, (index+1)·2^level). Such a node never changes once the tree has grown past
// its last leaf, so it can be stored once. Hashes on the right edge of a tree whose size is
// not a power of two are "ephemeral": they are recomputed from stored nodes when needed.

import { sha256 } from './crypto.js';
import { bytesEqual, isSafeCount } from './encoding.js';
import { LedgerError } from './errors.js';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** A complete subtree: the hash of leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A node with its hash, as the sequencer stores it. */
export interface NodeRecord extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * What a proof is made of, in terms of stored nodes: fetch the hashes of `ids` in order and
 * pass them to rehashProof. When `begin < end`, ids[begin..end) are the complete subtrees of
 * one ephemeral right-edge node, smallest (rightmost) first, and are folded into one hash.
 */
export interface ProofNodes {
  readonly ids: readonly NodeId[];
  readonly begin: number;
  readonly end: number;
}

/** RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, entry);
}

/** RFC 9162 §2.1.1: the hash of an interior node, SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

/** RFC 9162 §2.1.1: the root of the empty tree, SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

function checkCount(value: unknown, what: string): asserts value is number {
  if (!isSafeCount(value)) {
    throw new LedgerError(
      'PROOF_INVALID_SIZE',
      `${what} must be a safe non-negative integer, got ${String(value)}`,
    );
  }
}

function checkHash(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new LedgerError('HASH_WRONG_LENGTH', `${what} must be ${HASH_SIZE} bytes, got ${got}`);
  }
}

function checkProof(proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof))
    throw new LedgerError('PROOF_WRONG_LENGTH', 'the proof is not an array of hashes');
}

function checkHashes(hashes: readonly unknown[], what: string): void {
  for (let i = 0; i < hashes.length; i++) checkHash(hashes[i], `${what}[${i}]`);
}

function trailingZeros(value: number): number {
  let zeros = 0;
  while (value > 0 && value % 2 === 0) {
    value /= 2;
    zeros++;
  }
  return zeros;
}

/** RFC 9162 §2.1.1 MTH(D[n]) over a list of leaf hashes, by its recursive definition. */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  checkHashes(hashes, 'leaf hash');
  const mth = (begin: number, end: number): Uint8Array => {
    const n = end - begin;
    if (n === 0) return emptyRoot();
    if (n === 1) return hashes[begin]!;
    let k = 1; // the largest power of two smaller than n
    while (k * 2 < n) k *= 2;
    return nodeHash(mth(begin, begin + k), mth(begin + k, end));
  };
  return mth(0, hashes.length);
}

// ---------------------------------------------------------------------------------------------
// Verification. Every argument may come from an attacker (a log, a mirror, a proof in a
// report): types, lengths and ranges are checked before anything is hashed, and the proof
// length is checked against the one the sizes imply, so a proof can neither be padded nor cut.

/**
 * Number of hashes on the path from node (level, index) to the root of a tree of `size`:
 * one per level where the node has a sibling (the right-edge sibling may be ephemeral).
 */
function pathLength(level: number, index: number, size: number): number {
  let fn = index;
  let sn = Math.floor((size - 1) / 2 ** level);
  let length = 0;
  while (sn > 0) {
    if (fn % 2 === 1 || fn < sn) length++;
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return length;
}

/**
 * Climbs from node (level, index) to the root of a tree of `size`, consuming proof hashes from
 * `offset` (RFC 9162 §2.1.3.2, written level by level). `root` is the computed root; `left`
 * folds in only the left siblings, which is the root of the tree that ends where the node ends
 * (the first tree of a consistency proof, RFC 9162 §2.1.4.2).
 */
function climb(
  seed: Uint8Array,
  level: number,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  offset: number,
): { root: Uint8Array; left: Uint8Array } {
  let fn = index;
  let sn = Math.floor((size - 1) / 2 ** level);
  let root = seed;
  let left = seed;
  let next = offset;
  while (sn > 0) {
    if (fn % 2 === 1) {
      const sibling = proof[next++]!;
      root = nodeHash(sibling, root);
      left = nodeHash(sibling, left);
    } else if (fn < sn) {
      root = nodeHash(root, proof[next++]!);
    }
    // Otherwise the node is the last one of its level and has no sibling: it moves up as is.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return { root, left };
}

/**
 * The root that an inclusion proof implies for leaf `index` in a tree of `treeSize`
 * (RFC 9162 §2.1.3.2). Throws LedgerError for out-of-range sizes, malformed hashes, or a proof
 * of the wrong length.
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkCount(index, 'index');
  checkCount(treeSize, 'tree size');
  if (index >= treeSize) {
    throw new LedgerError('PROOF_INVALID_SIZE', `index ${index} is out of range for tree size ${treeSize}`);
  }
  checkHash(leaf, 'leaf hash');
  checkProof(proof);
  checkHashes(proof, 'proof');
  const want = pathLength(0, index, treeSize);
  if (proof.length !== want) {
    throw new LedgerError('PROOF_WRONG_LENGTH', `inclusion proof has ${proof.length} hashes, want ${want}`);
  }
  return climb(leaf, 0, index, treeSize, proof, 0).root;
}

/**
 * RFC 9162 §2.1.3.2: checks that `leaf` is leaf `index` of the tree of `treeSize` with root
 * `root`. Returns nothing on success and throws LedgerError otherwise.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  // Sizes first, then hash lengths, then the proof length (docs/ledger-formats.md "Verification").
  checkCount(index, 'index');
  checkCount(treeSize, 'tree size');
  if (index >= treeSize) {
    throw new LedgerError('PROOF_INVALID_SIZE', `index ${index} is out of range for tree size ${treeSize}`);
  }
  checkHash(root, 'root');
  const computed = rootFromInclusionProof(leaf, index, treeSize, proof);
  if (!bytesEqual(computed, root)) {
    throw new LedgerError('PROOF_ROOT_MISMATCH', 'the inclusion proof leads to a different root');
  }
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of `size2` with root `root2` extends the tree of
 * `size1` with root `root1`. Returns nothing on success and throws LedgerError otherwise.
 *
 * size1 = 0 is refused (every tree extends the empty tree; RFC 9162 defines consistency proofs
 * for 0 < size1). When size1 = size2 the proof must be empty and the roots byte-for-byte equal;
 * that comparison is the whole check, so the roots' lengths are not checked there, as in
 * transparency-dev/merkle.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2)
    throw new LedgerError('PROOF_INVALID_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0)
    throw new LedgerError('PROOF_INVALID_SIZE', 'a consistency proof from the empty tree proves nothing');
  checkProof(proof);
  if (size1 === size2) {
    if (proof.length !== 0) {
      throw new LedgerError(
        'PROOF_WRONG_LENGTH',
        `equal sizes need an empty proof, got ${proof.length} hashes`,
      );
    }
    if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) {
      throw new LedgerError('HASH_WRONG_LENGTH', 'roots must be byte arrays');
    }
    if (!bytesEqual(root1, root2)) {
      throw new LedgerError('PROOF_ROOT_MISMATCH', 'trees of equal size have different roots');
    }
    return;
  }
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  checkHashes(proof, 'proof');

  // The last complete subtree of the first tree, node (level, index): its path to the root of
  // the second tree is the proof, preceded by its own hash unless it is the whole first tree
  // (size1 a power of two), which the verifier already knows as root1.
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  const start = index === 0 ? 0 : 1;
  const want = start + pathLength(level, index, size2);
  if (proof.length !== want) {
    throw new LedgerError('PROOF_WRONG_LENGTH', `consistency proof has ${proof.length} hashes, want ${want}`);
  }
  const seed = index === 0 ? root1 : proof[0]!;
  const { root, left } = climb(seed, level, index, size2, proof, start);
  if (!bytesEqual(left, root1)) {
    throw new LedgerError('PROOF_ROOT_MISMATCH', 'the consistency proof leads to a different first root');
  }
  if (!bytesEqual(root, root2)) {
    throw new LedgerError('PROOF_ROOT_MISMATCH', 'the consistency proof leads to a different second root');
  }
}

// ---------------------------------------------------------------------------------------------
// Generation from stored nodes (the scheme of transparency-dev/merkle's proof package).

/** The leaf range [begin, end) a node covers. */
export function nodeCoverage(id: NodeId): { begin: number; end: number } {
  const width = 2 ** id.level;
  return { begin: id.index * width, end: (id.index + 1) * width };
}

/**
 * The complete subtrees that exactly cover leaves [begin, end), left to right: at each step
 * the largest aligned subtree that starts at `begin` and fits (a "compact range").
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  checkCount(begin, 'range begin');
  checkCount(end, 'range end');
  if (begin > end) throw new LedgerError('PROOF_INVALID_SIZE', `range [${begin}, ${end}) is reversed`);
  const ids: NodeId[] = [];
  let at = begin;
  while (at < end) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    ids.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return ids;
}

/** The complete subtrees that make up a tree of `size` (its binary decomposition), largest first. */
export function treeRootNodes(size: number): NodeId[] {
  return rangeNodes(0, size);
}

/** The root of a tree from the hashes of treeRootNodes(size), in that order (RFC 9162 §2.1.1). */
export function rootFromNodeHashes(hashes: readonly Uint8Array[]): Uint8Array {
  checkHashes(hashes, 'node hash');
  if (hashes.length === 0) return emptyRoot();
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
  return root;
}

/** A read of stored nodes: the hash of a node, or undefined when it is not stored. */
export type NodeLookup = (id: NodeId) => Uint8Array | undefined;

function lookupAll(ids: readonly NodeId[], lookup: NodeLookup): Uint8Array[] {
  return ids.map((id) => {
    const hash = lookup(id);
    if (hash === undefined) {
      throw new LedgerError('NODE_MISSING', `node (level ${id.level}, index ${id.index}) is not stored`);
    }
    checkHash(hash, `node (level ${id.level}, index ${id.index})`);
    return hash;
  });
}

/** The root of the tree of `size` computed from stored nodes (a historical root, for instance). */
export function rootFromNodes(size: number, lookup: NodeLookup): Uint8Array {
  return rootFromNodeHashes(lookupAll(treeRootNodes(size), lookup));
}

/**
 * The nodes on the path from the complete node (level, index) to the root of a tree of
 * `size`, bottom-up, the node itself first. The one sibling that may not be complete (on the
 * right edge) is replaced by the complete subtrees that cover it, smallest first, and marked
 * by [begin, end) for rehashProof.
 */
function pathNodes(level: number, index: number, size: number): ProofNodes {
  const ids: NodeId[] = [{ level, index }];
  let begin = 0;
  let end = 0;
  let l = level;
  let i = index;
  while (2 ** l < size) {
    if (i % 2 === 1) {
      ids.push({ level: l, index: i - 1 });
    } else {
      const siblingBegin = (i + 1) * 2 ** l;
      if (siblingBegin < size) {
        if (siblingBegin + 2 ** l <= size) {
          ids.push({ level: l, index: i + 1 });
        } else {
          const right = rangeNodes(siblingBegin, size).reverse();
          if (right.length > 1) {
            begin = ids.length;
            end = begin + right.length;
          }
          ids.push(...right);
        }
      }
    }
    i = Math.floor(i / 2);
    l++;
  }
  return { ids, begin, end };
}

function skipFirst(nodes: ProofNodes): ProofNodes {
  const shift = nodes.begin < nodes.end ? 1 : 0;
  return { ids: nodes.ids.slice(1), begin: nodes.begin - shift, end: nodes.end - shift };
}

/** Which stored nodes make up the inclusion proof of leaf `index` in a tree of `size`. */
export function inclusionProofNodes(index: number, size: number): ProofNodes {
  checkCount(index, 'index');
  checkCount(size, 'tree size');
  if (index >= size)
    throw new LedgerError('PROOF_INVALID_SIZE', `index ${index} is out of range for tree size ${size}`);
  return skipFirst(pathNodes(0, index, size));
}

/** Which stored nodes make up the consistency proof from a tree of `size1` to one of `size2`. */
export function consistencyProofNodes(size1: number, size2: number): ProofNodes {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2)
    throw new LedgerError('PROOF_INVALID_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0)
    throw new LedgerError('PROOF_INVALID_SIZE', 'a consistency proof from the empty tree proves nothing');
  if (size1 === size2) return { ids: [], begin: 0, end: 0 };
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  const nodes = pathNodes(level, index, size2);
  // When size1 is a power of two its last complete subtree is the whole tree, whose root the
  // verifier already has.
  return index === 0 ? skipFirst(nodes) : nodes;
}

/** Turns the fetched hashes of `nodes.ids` (same order) into the RFC 9162 proof. */
export function rehashProof(nodes: ProofNodes, hashes: readonly Uint8Array[]): Uint8Array[] {
  checkProof(hashes);
  if (hashes.length !== nodes.ids.length) {
    throw new LedgerError('PROOF_WRONG_LENGTH', `got ${hashes.length} node hashes, want ${nodes.ids.length}`);
  }
  if (!(nodes.begin <= nodes.end && nodes.begin >= 0 && nodes.end <= hashes.length)) {
    throw new LedgerError(
      'PROOF_WRONG_LENGTH',
      `rehash range [${nodes.begin}, ${nodes.end}) is out of bounds`,
    );
  }
  checkHashes(hashes, 'node hash');
  const proof: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i++) {
    if (i === nodes.begin && nodes.begin < nodes.end) {
      let ephemeral = hashes[i]!;
      for (let j = i + 1; j < nodes.end; j++) ephemeral = nodeHash(hashes[j]!, ephemeral);
      proof.push(ephemeral);
      i = nodes.end - 1;
    } else {
      proof.push(hashes[i]!);
    }
  }
  return proof;
}

/** Fetches the nodes of a proof through `lookup` and rehashes them. */
export function proofFromNodes(nodes: ProofNodes, lookup: NodeLookup): Uint8Array[] {
  return rehashProof(nodes, lookupAll(nodes.ids, lookup));
}

// ---------------------------------------------------------------------------------------------
// Appending.

/**
 * The right edge of a tree being appended to (a compact range [0, size)): the hashes of the
 * complete subtrees of the binary decomposition of `size`, largest first. Appending a leaf
 * returns every node it completes, so that the sequencer stores each complete node once.
 */
export class MerkleFrontier {
  #size: number;
  readonly #hashes: Uint8Array[];

  constructor() {
    this.#size = 0;
    this.#hashes = [];
  }

  /** Restores the frontier of a tree of `size` from the stored nodes of treeRootNodes(size). */
  static fromNodes(size: number, lookup: NodeLookup): MerkleFrontier {
    return MerkleFrontier.fromHashes(size, lookupAll(treeRootNodes(size), lookup));
  }

  /** Restores the frontier from the hashes of treeRootNodes(size), in that order. */
  static fromHashes(size: number, hashes: readonly Uint8Array[]): MerkleFrontier {
    const ids = treeRootNodes(size);
    checkProof(hashes);
    if (hashes.length !== ids.length) {
      throw new LedgerError(
        'PROOF_WRONG_LENGTH',
        `a tree of size ${size} has ${ids.length} frontier nodes, got ${hashes.length}`,
      );
    }
    checkHashes(hashes, 'frontier hash');
    const frontier = new MerkleFrontier();
    frontier.#size = size;
    frontier.#hashes.push(...hashes);
    return frontier;
  }

  get size(): number {
    return this.#size;
  }

  /** The frontier nodes with their hashes, largest first (the ids of treeRootNodes(size)). */
  nodes(): NodeRecord[] {
    return treeRootNodes(this.#size).map((id, i) => ({ ...id, hash: this.#hashes[i]! }));
  }

  /** Appends one leaf hash; returns the new complete nodes, the level-0 leaf node first. */
  append(leaf: Uint8Array): NodeRecord[] {
    checkHash(leaf, 'leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new LedgerError('PROOF_INVALID_SIZE', 'the tree cannot grow beyond 2^53-1 leaves');
    }
    const created: NodeRecord[] = [{ level: 0, index: this.#size, hash: leaf }];
    let hash = leaf;
    let level = 0;
    let index = this.#size;
    // While the new node is a right child, its left sibling is the last frontier hash.
    while (index % 2 === 1) {
      hash = nodeHash(this.#hashes.pop()!, hash);
      index = (index - 1) / 2;
      level++;
      created.push({ level, index, hash });
    }
    this.#hashes.push(hash);
    this.#size++;
    return created;
  }

  /** The root of the tree of the current size (RFC 9162 §2.1.1). */
  root(): Uint8Array {
    return rootFromNodeHashes(this.#hashes);
  }

  clone(): MerkleFrontier {
    return MerkleFrontier.fromHashes(this.#size, this.#hashes);
  }
}
