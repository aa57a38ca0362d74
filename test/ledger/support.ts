// Test helpers for the ledger: node stores, an independent RFC 9162 reference verifier, and
// an assertion on coded errors.

import { expect } from 'vitest';
import { LedgerError, type LedgerErrorCode } from '../../src/ledger/errors.js';
import { leafHash, MerkleFrontier, type NodeId, type NodeLookup, nodeHash } from '../../src/ledger/merkle.js';

export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** A tree of `count` distinct leaves, its nodes stored the way the sequencer stores them. */
export interface StoredTree {
  readonly leaves: readonly Uint8Array[];
  /** roots[size] for every size 0..count, as the frontier computed them while appending. */
  readonly roots: readonly Uint8Array[];
  readonly nodes: Map<string, Uint8Array>;
  readonly lookup: NodeLookup;
}

export function buildTree(count: number, salt = 'leaf'): StoredTree {
  const nodes = new Map<string, Uint8Array>();
  const frontier = new MerkleFrontier();
  const leaves: Uint8Array[] = [];
  const roots: Uint8Array[] = [frontier.root()];
  for (let i = 0; i < count; i++) {
    const leaf = leafHash(new TextEncoder().encode(`${salt} ${i}`));
    leaves.push(leaf);
    for (const node of frontier.append(leaf)) {
      const key = nodeKey(node);
      if (nodes.has(key)) throw new Error(`node ${key} created twice`);
      nodes.set(key, node.hash);
    }
    roots.push(frontier.root());
  }
  return { leaves, roots, nodes, lookup: (id) => nodes.get(nodeKey(id)) };
}

/**
 * A consistent Merkle tree of any size up to 2^53-1 without storing it: leaf i is one of three
 * leaves, chosen by i mod 3, so that node (level, index) depends only on level and
 * (index·2^level) mod 3 and can be computed in O(level) with a memo. Neighbouring nodes of a
 * level differ, so a proof that picks a wrong sibling fails.
 */
export function periodicTree(): { leaf(index: number): Uint8Array; lookup: NodeLookup } {
  const leaves = [0, 1, 2].map((k) => leafHash(Uint8Array.of(k)));
  const memo = new Map<string, Uint8Array>();
  const node = (level: number, residue: number): Uint8Array => {
    if (level === 0) return leaves[residue]!;
    const key = `${level}/${residue}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      const half = 2 ** (level - 1) % 3;
      hash = nodeHash(node(level - 1, residue), node(level - 1, (residue + half) % 3));
      memo.set(key, hash);
    }
    return hash;
  };
  return {
    leaf: (index) => leaves[index % 3]!,
    lookup: (id) => node(id.level, (id.index * 2 ** id.level) % 3),
  };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * RFC 9162 §2.1.3.2 verbatim, on BigInt: a reference written independently of merkle.ts.
 * Returns whether the proof verifies; expects 32-byte hashes.
 */
export function rfcVerifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && bytesEqual(r, root);
}

/** RFC 9162 §2.1.4.2 verbatim, on BigInt, for 0 < size1 < size2 (and the trivial cases around it). */
export function rfcVerifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (size1 === 0 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (proof.length === 0) return false;
  let path = [...proof];
  const first = BigInt(size1);
  if ((first & (first - 1n)) === 0n) path = [root1, ...path];
  let fn = first - 1n;
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0n;
}

/** Runs `action` and checks that it throws a LedgerError, with `code` if given; returns the error. */
export function expectLedgerError(action: () => unknown, code?: LedgerErrorCode): LedgerError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a LedgerError').toBeInstanceOf(LedgerError);
  const error = thrown as LedgerError;
  if (code !== undefined) expect(error.code).toBe(code);
  return error;
}

/** Whether `action` throws a LedgerError (any other exception fails the test). */
export function throwsLedgerError(action: () => unknown): boolean {
  try {
    action();
    return false;
  } catch (error) {
    if (error instanceof LedgerError) return true;
    throw error;
  }
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
  return copy;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Splits `name+hash+key` at its first two `+` only: the base64 key may contain `+` too. */
export function splitKey(vkey: string): [string, string, string] {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  return [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
}
