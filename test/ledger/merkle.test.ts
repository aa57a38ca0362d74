import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/ledger/crypto.js';
import {
  consistencyProofNodes,
  emptyRoot,
  inclusionProofNodes,
  leafHash,
  MerkleFrontier,
  type NodeId,
  nodeCoverage,
  nodeHash,
  proofFromNodes,
  rangeNodes,
  rehashProof,
  rootFromInclusionProof,
  rootFromLeafHashes,
  rootFromNodeHashes,
  rootFromNodes,
  treeRootNodes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import {
  buildTree,
  expectLedgerError,
  flipBit,
  fromHex,
  hex,
  periodicTree,
  rfcVerifyConsistency,
  rfcVerifyInclusion,
  throwsLedgerError,
} from './support.js';

const MAX = 300;
const tree = buildTree(MAX);

function inclusionProof(index: number, size: number): Uint8Array[] {
  return proofFromNodes(inclusionProofNodes(index, size), tree.lookup);
}

function consistencyProof(size1: number, size2: number): Uint8Array[] {
  return proofFromNodes(consistencyProofNodes(size1, size2), tree.lookup);
}

/** Every id a proof asks for is a complete subtree of the tree it is for. */
function expectCompleteWithin(ids: readonly NodeId[], size: number): void {
  // A plain check, not expect(): this runs for every node of tens of thousands of proofs.
  for (const id of ids) {
    if (nodeCoverage(id).end > size)
      throw new Error(`node ${id.level}/${id.index} is not complete at size ${size}`);
  }
}

const sizeAndIndex = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
const twoSizes = fc
  .integer({ min: 1, max: MAX })
  .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2)));

describe('hashing (RFC 9162 §2.1.1)', () => {
  it('hashes the empty tree, leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(new Uint8Array()))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    const a = leafHash(Uint8Array.of(1));
    const b = leafHash(Uint8Array.of(2));
    expect(nodeHash(a, b)).toEqual(sha256(Uint8Array.of(1), a, b));
  });

  it('computes MTH by its recursive definition', () => {
    const leaves = tree.leaves;
    expect(rootFromLeafHashes([])).toEqual(emptyRoot());
    expect(rootFromLeafHashes(leaves.slice(0, 1))).toEqual(leaves[0]);
    expect(rootFromLeafHashes(leaves.slice(0, 3))).toEqual(
      nodeHash(nodeHash(leaves[0]!, leaves[1]!), leaves[2]!),
    );
    expect(rootFromLeafHashes(leaves.slice(0, 5))).toEqual(
      nodeHash(nodeHash(nodeHash(leaves[0]!, leaves[1]!), nodeHash(leaves[2]!, leaves[3]!)), leaves[4]!),
    );
  });

  it('rejects hashes that are not 32 bytes', () => {
    expectLedgerError(() => rootFromLeafHashes([new Uint8Array(31)]), 'HASH_WRONG_LENGTH');
  });
});

describe('MerkleFrontier', () => {
  it('has the root of rootFromLeafHashes at every size 0..300', () => {
    for (let size = 0; size <= MAX; size++) {
      expect(hex(tree.roots[size]!), `size ${size}`).toBe(
        hex(rootFromLeafHashes(tree.leaves.slice(0, size))),
      );
    }
  });

  it('creates every complete node exactly once, with the hash of its leaves', () => {
    // buildTree throws if a node is created twice; here every node's hash is checked.
    let count = 0;
    for (const [key, hash] of tree.nodes) {
      const [level, index] = key.split('/').map(Number) as [number, number];
      const { begin, end } = nodeCoverage({ level, index });
      expect(end).toBeLessThanOrEqual(MAX);
      expect(hash).toEqual(rootFromLeafHashes(tree.leaves.slice(begin, end)));
      count++;
    }
    // A tree of n leaves has 2n - popcount(n) complete nodes.
    expect(count).toBe(2 * MAX - treeRootNodes(MAX).length);
  });

  it('returns the leaf node first and each completed parent bottom-up', () => {
    const frontier = new MerkleFrontier();
    for (let i = 0; i < 7; i++) frontier.append(tree.leaves[i]!);
    const created = frontier.append(tree.leaves[7]!);
    expect(created.map(({ level, index }) => [level, index])).toEqual([
      [0, 7],
      [1, 3],
      [2, 1],
      [3, 0],
    ]);
    expect(created[3]!.hash).toEqual(tree.roots[8]);
  });

  it('restores from stored nodes at every size and keeps appending identically', () => {
    for (let size = 0; size < MAX; size++) {
      const restored = MerkleFrontier.fromNodes(size, tree.lookup);
      expect(restored.size).toBe(size);
      expect(restored.root()).toEqual(tree.roots[size]);
      expect(restored.nodes().map(({ level, index }) => ({ level, index }))).toEqual(treeRootNodes(size));
      for (const node of restored.append(tree.leaves[size]!)) {
        expect(node.hash).toEqual(tree.nodes.get(`${node.level}/${node.index}`));
      }
      expect(restored.root()).toEqual(tree.roots[size + 1]);
    }
  });

  it('refuses missing nodes and wrong frontier lengths', () => {
    expectLedgerError(() => MerkleFrontier.fromNodes(5, () => undefined), 'NODE_MISSING');
    expectLedgerError(() => MerkleFrontier.fromNodes(5, () => new Uint8Array(3)), 'HASH_WRONG_LENGTH');
    expectLedgerError(() => MerkleFrontier.fromHashes(5, [tree.leaves[0]!]), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => new MerkleFrontier().append(new Uint8Array(33)), 'HASH_WRONG_LENGTH');
  });

  it('clones independently', () => {
    const a = MerkleFrontier.fromNodes(10, tree.lookup);
    const b = a.clone();
    b.append(tree.leaves[10]!);
    expect(a.size).toBe(10);
    expect(a.root()).toEqual(tree.roots[10]);
    expect(b.root()).toEqual(tree.roots[11]);
  });
});

describe('tree decomposition', () => {
  it('decomposes a size into its binary decomposition, largest first', () => {
    expect(treeRootNodes(0)).toEqual([]);
    expect(treeRootNodes(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(rangeNodes(3, 13)).toEqual([
      { level: 0, index: 3 },
      { level: 2, index: 1 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
  });

  it('computes every historical root from stored nodes', () => {
    for (let size = 0; size <= MAX; size++) {
      expect(rootFromNodes(size, tree.lookup)).toEqual(tree.roots[size]);
      const hashes = treeRootNodes(size).map((id) => tree.lookup(id)!);
      expect(rootFromNodeHashes(hashes)).toEqual(tree.roots[size]);
    }
  });

  it('covers any range exactly with aligned complete subtrees', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(2 ** 40), (a, b) => {
        const [begin, end] = a <= b ? [a, b] : [b, a];
        let at = begin;
        for (const id of rangeNodes(begin, end)) {
          const coverage = nodeCoverage(id);
          expect(coverage.begin).toBe(at);
          at = coverage.end;
        }
        expect(at).toBe(end);
      }),
    );
  });
});

describe('proof generation from stored nodes', () => {
  it('gives inclusion proofs that verify, for every leaf of every size 1..300', () => {
    for (let size = 1; size <= MAX; size++) {
      for (let index = 0; index < size; index++) {
        const nodes = inclusionProofNodes(index, size);
        expectCompleteWithin(nodes.ids, size);
        if (nodes.ids.length > 2 * Math.ceil(Math.log2(size)) + 1)
          throw new Error(`too many nodes for ${index}/${size}`);
        const proof = rehashProof(
          nodes,
          nodes.ids.map((id) => tree.lookup(id)!),
        );
        verifyInclusion(tree.leaves[index]!, index, size, proof, tree.roots[size]!);
      }
    }
  });

  it('gives consistency proofs that verify, for every pair of sizes 1 <= size1 <= size2 <= 300', () => {
    for (let size2 = 1; size2 <= MAX; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const nodes = consistencyProofNodes(size1, size2);
        expectCompleteWithin(nodes.ids, size2);
        const proof = proofFromNodes(nodes, tree.lookup);
        verifyConsistency(size1, size2, proof, tree.roots[size1]!, tree.roots[size2]!);
      }
    }
  });

  it('marks the ephemeral right-edge nodes to rehash', () => {
    // Leaf 0 of 7: siblings leaf 1, node (1,1), then the ephemeral MTH(D[4:7]) = H((1,2), leaf 6).
    const nodes = inclusionProofNodes(0, 7);
    expect(nodes.ids).toEqual([
      { level: 0, index: 1 },
      { level: 1, index: 1 },
      { level: 0, index: 6 },
      { level: 1, index: 2 },
    ]);
    expect([nodes.begin, nodes.end]).toEqual([2, 4]);
    const proof = proofFromNodes(nodes, tree.lookup);
    expect(proof).toHaveLength(3);
    expect(proof[2]).toEqual(rootFromLeafHashes(tree.leaves.slice(4, 7)));
  });

  it('refuses out-of-range sizes and indices', () => {
    expectLedgerError(() => inclusionProofNodes(5, 5), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => inclusionProofNodes(-1, 5), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => inclusionProofNodes(0.5, 5), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => inclusionProofNodes(0, 2 ** 53), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => consistencyProofNodes(6, 5), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => consistencyProofNodes(0, 5), 'PROOF_INVALID_SIZE');
    expect(consistencyProofNodes(5, 5).ids).toEqual([]);
  });

  it('refuses the wrong number of fetched hashes', () => {
    const nodes = inclusionProofNodes(3, 11);
    const hashes = nodes.ids.map((id) => tree.lookup(id)!);
    expectLedgerError(() => rehashProof(nodes, hashes.slice(1)), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => rehashProof(nodes, [...hashes, hashes[0]!]), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => proofFromNodes(nodes, () => undefined), 'NODE_MISSING');
  });
});

describe('large trees', () => {
  it('generates and verifies proofs in a tree of 66,770 stored leaves', () => {
    const big = buildTree(66_770, 'big');
    const size = big.leaves.length;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: size }),
        fc.nat(),
        fc.integer({ min: 1, max: size }),
        (s, i, s2) => {
          const index = i % s;
          const proof = proofFromNodes(inclusionProofNodes(index, s), big.lookup);
          const root = rootFromNodes(s, big.lookup);
          verifyInclusion(big.leaves[index]!, index, s, proof, root);
          const [size1, size2] = s <= s2 ? [s, s2] : [s2, s];
          const consistency = proofFromNodes(consistencyProofNodes(size1, size2), big.lookup);
          verifyConsistency(
            size1,
            size2,
            consistency,
            rootFromNodes(size1, big.lookup),
            rootFromNodes(size2, big.lookup),
          );
        },
      ),
      { numRuns: 100 },
    );
    expect(rootFromNodes(size, big.lookup)).toEqual(big.roots[size]);
  });

  // Sizes past 2^32 catch any 32-bit bitwise arithmetic; the periodic tree is consistent at any size.
  const sizes = [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12_345, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];
  const periodic = periodicTree();

  it.each(sizes)('generates and verifies inclusion and consistency proofs at size %d', (size) => {
    const root = rootFromNodes(size, periodic.lookup);
    for (const index of [0, 1, 2 ** 31, 2 ** 32 - 2, Math.floor(size / 3), size - 2, size - 1]) {
      if (index < 0 || index >= size) continue;
      const nodes = inclusionProofNodes(index, size);
      expectCompleteWithin(nodes.ids, size);
      const proof = proofFromNodes(nodes, periodic.lookup);
      expect(proof.length).toBeLessThanOrEqual(53);
      verifyInclusion(periodic.leaf(index), index, size, proof, root);
      expect(rfcVerifyInclusion(periodic.leaf(index), index, size, proof, root)).toBe(true);
      // The neighbouring leaf differs, so the proof must not verify for it.
      expectLedgerError(() => verifyInclusion(periodic.leaf(index + 1), index, size, proof, root));
    }
    for (const size1 of [1, 3, 2 ** 31 + 5, 2 ** 32, Math.floor(size / 2) + 1, size - 1]) {
      if (size1 < 1 || size1 > size) continue;
      const nodes = consistencyProofNodes(size1, size);
      expectCompleteWithin(nodes.ids, size);
      const proof = proofFromNodes(nodes, periodic.lookup);
      const root1 = rootFromNodes(size1, periodic.lookup);
      verifyConsistency(size1, size, proof, root1, root);
      expect(rfcVerifyConsistency(size1, size, proof, root1, root)).toBe(true);
    }
  });

  it('restores a frontier at 2^40 + 5 and appends into the same nodes', () => {
    const size = 2 ** 40 + 5;
    const frontier = MerkleFrontier.fromNodes(size, periodic.lookup);
    const created = frontier.append(periodic.leaf(size));
    expect(created.map(({ level, index }) => [level, index])).toEqual([
      [0, size],
      [1, (size - 1) / 2],
    ]);
    for (const node of created) expect(node.hash).toEqual(periodic.lookup(node));
    expect(frontier.root()).toEqual(rootFromNodes(size + 1, periodic.lookup));
  });
});

describe('verification (RFC 9162 §2.1.3.2, §2.1.4.2)', () => {
  it('verifies the single-leaf tree with an empty proof', () => {
    verifyInclusion(tree.leaves[0]!, 0, 1, [], tree.leaves[0]!);
    expect(rootFromInclusionProof(tree.leaves[0]!, 0, 1, [])).toEqual(tree.leaves[0]);
  });

  it('refuses bad arguments with coded errors', () => {
    const leaf = tree.leaves[0]!;
    const root = tree.roots[4]!;
    const proof = inclusionProof(0, 4);
    expectLedgerError(() => verifyInclusion(leaf, 4, 4, proof, root), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyInclusion(leaf, 0, 0, [], emptyRoot()), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyInclusion(leaf, Number.NaN, 4, proof, root), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyInclusion(leaf, 0, 2 ** 53, proof, root), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyInclusion(leaf.subarray(1), 0, 4, proof, root), 'HASH_WRONG_LENGTH');
    expectLedgerError(() => verifyInclusion(leaf, 0, 4, proof, new Uint8Array(0)), 'HASH_WRONG_LENGTH');
    expectLedgerError(
      () => verifyInclusion(leaf, 0, 4, [proof[0]!, new Uint8Array(32 + 1)], root),
      'HASH_WRONG_LENGTH',
    );
    expectLedgerError(() => verifyInclusion(leaf, 0, 4, proof.slice(1), root), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => verifyInclusion(leaf, 0, 4, proof, tree.roots[3]!), 'PROOF_ROOT_MISMATCH');
    expectLedgerError(
      () => verifyInclusion(leaf, 0, 4, null as unknown as Uint8Array[], root),
      'PROOF_WRONG_LENGTH',
    );
    const r3 = tree.roots[3]!;
    expectLedgerError(() => verifyConsistency(4, 3, [], root, r3), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyConsistency(0, 4, [], emptyRoot(), root), 'PROOF_INVALID_SIZE');
    expectLedgerError(() => verifyConsistency(4, 4, [root], root, root), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => verifyConsistency(4, 4, [], root, r3), 'PROOF_ROOT_MISMATCH');
    expectLedgerError(() => verifyConsistency(3, 4, [], r3, root), 'PROOF_WRONG_LENGTH');
    expectLedgerError(() => verifyConsistency(3, 4, consistencyProof(3, 4), r3, r3), 'PROOF_ROOT_MISMATCH');
    verifyConsistency(4, 4, [], root, root);
  });

  it('computes one well-known root: the RFC 6962 reference tree of 8 entries', () => {
    // Leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f
    // from certificate-transparency's merkle_tree_test, whose root is 5dc9da79....
    const entries = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ];
    const root = rootFromLeafHashes(entries.map((e) => leafHash(fromHex(e))));
    expect(hex(root)).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });
});

describe('every corruption of a proof fails (properties over random trees of size 1..300)', () => {
  it('every generated inclusion proof verifies, and agrees with the RFC reference', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const proof = inclusionProof(index, size);
        verifyInclusion(tree.leaves[index]!, index, size, proof, tree.roots[size]!);
        expect(rfcVerifyInclusion(tree.leaves[index]!, index, size, proof, tree.roots[size]!)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a flipped bit in any proof hash, the leaf or the root fails the inclusion proof', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), fc.nat(255), ([size, index], which, bit) => {
        const proof = inclusionProof(index, size);
        const leaf = tree.leaves[index]!;
        const root = tree.roots[size]!;
        if (proof.length > 0) {
          const k = which % proof.length;
          const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expectLedgerError(() => verifyInclusion(leaf, index, size, bad, root), 'PROOF_ROOT_MISMATCH');
        }
        expectLedgerError(
          () => verifyInclusion(flipBit(leaf, bit), index, size, proof, root),
          'PROOF_ROOT_MISMATCH',
        );
        expectLedgerError(
          () => verifyInclusion(leaf, index, size, proof, flipBit(root, bit)),
          'PROOF_ROOT_MISMATCH',
        );
      }),
      { numRuns: 500 },
    );
  });

  it('every single bit flip in every hash of some inclusion proofs fails', () => {
    const cases: [number, number][] = [
      [2, 1],
      [7, 0],
      [7, 6],
      [13, 9],
      [64, 37],
      [255, 254],
      [300, 0],
      [300, 299],
      [300, 150],
    ];
    for (const [size, index] of cases) {
      const proof = inclusionProof(index, size);
      for (let k = 0; k < proof.length; k++) {
        for (let bit = 0; bit < 256; bit++) {
          const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expect(
            throwsLedgerError(() =>
              verifyInclusion(tree.leaves[index]!, index, size, bad, tree.roots[size]!),
            ),
          ).toBe(true);
        }
      }
    }
  });

  it('a truncated or extended inclusion proof fails', () => {
    fc.assert(
      fc.property(
        sizeAndIndex,
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ([size, index], at, extra) => {
          const proof = inclusionProof(index, size);
          const leaf = tree.leaves[index]!;
          const root = tree.roots[size]!;
          if (proof.length > 0) {
            const cut = proof.filter((_, i) => i !== at % proof.length);
            expectLedgerError(() => verifyInclusion(leaf, index, size, cut, root), 'PROOF_WRONG_LENGTH');
          }
          const position = at % (proof.length + 1);
          const longer = [...proof.slice(0, position), extra, ...proof.slice(position)];
          expectLedgerError(() => verifyInclusion(leaf, index, size, longer, root), 'PROOF_WRONG_LENGTH');
          // A copy of a proof hash appended is no better than random bytes.
          if (proof.length > 0) {
            expectLedgerError(
              () => verifyInclusion(leaf, index, size, [...proof, proof[0]!], root),
              'PROOF_WRONG_LENGTH',
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a wrong index or tree size fails exactly when the RFC 9162 algorithm fails', () => {
    // A proof does not commit to the tree size by itself (the root does): leaf 0's proof in a
    // tree of 3 also satisfies size 4 against that same root. So the property is agreement with
    // the RFC algorithm, plus: a wrong index never verifies.
    let rejected = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        sizeAndIndex,
        fc.integer({ min: 0, max: MAX + 5 }),
        fc.integer({ min: 0, max: MAX + 5 }),
        ([size, index], i2, s2) => {
          const proof = inclusionProof(index, size);
          const leaf = tree.leaves[index]!;
          const root = tree.roots[size]!;
          if (i2 !== index) {
            expectLedgerError(() => verifyInclusion(leaf, i2, size, proof, root));
            expect(rfcVerifyInclusion(leaf, i2, size, proof, root)).toBe(false);
          }
          if (s2 !== size) {
            runs++;
            const ours = throwsLedgerError(() => verifyInclusion(leaf, index, s2, proof, root));
            expect(ours).toBe(!rfcVerifyInclusion(leaf, index, s2, proof, root));
            if (ours) rejected++;
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(runs / 2);
  });

  it('every generated consistency proof verifies, and agrees with the RFC reference', () => {
    fc.assert(
      fc.property(twoSizes, ([size1, size2]) => {
        const proof = consistencyProof(size1, size2);
        verifyConsistency(size1, size2, proof, tree.roots[size1]!, tree.roots[size2]!);
        expect(rfcVerifyConsistency(size1, size2, proof, tree.roots[size1]!, tree.roots[size2]!)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a flipped bit, truncation, extension, or wrong root fails the consistency proof', () => {
    fc.assert(
      fc.property(
        twoSizes.filter(([a, b]) => a < b),
        fc.nat(),
        fc.nat(255),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ([size1, size2], which, bit, extra) => {
          const proof = consistencyProof(size1, size2);
          const root1 = tree.roots[size1]!;
          const root2 = tree.roots[size2]!;
          const k = which % proof.length;
          const flipped = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expectLedgerError(
            () => verifyConsistency(size1, size2, flipped, root1, root2),
            'PROOF_ROOT_MISMATCH',
          );
          const cut = proof.filter((_, i) => i !== k);
          expectLedgerError(() => verifyConsistency(size1, size2, cut, root1, root2), 'PROOF_WRONG_LENGTH');
          const longer = [...proof.slice(0, k), extra, ...proof.slice(k)];
          expectLedgerError(
            () => verifyConsistency(size1, size2, longer, root1, root2),
            'PROOF_WRONG_LENGTH',
          );
          expectLedgerError(
            () => verifyConsistency(size1, size2, [...proof, extra], root1, root2),
            'PROOF_WRONG_LENGTH',
          );
          expectLedgerError(
            () => verifyConsistency(size1, size2, proof, flipBit(root1, bit), root2),
            'PROOF_ROOT_MISMATCH',
          );
          expectLedgerError(
            () => verifyConsistency(size1, size2, proof, root1, flipBit(root2, bit)),
            'PROOF_ROOT_MISMATCH',
          );
          expectLedgerError(
            () => verifyConsistency(size1, size2, proof, root2, root1),
            'PROOF_ROOT_MISMATCH',
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every single bit flip in every hash of some consistency proofs fails', () => {
    const cases: [number, number][] = [
      [1, 2],
      [3, 7],
      [4, 300],
      [6, 8],
      [100, 255],
      [257, 300],
    ];
    for (const [size1, size2] of cases) {
      const proof = consistencyProof(size1, size2);
      for (let k = 0; k < proof.length; k++) {
        for (let bit = 0; bit < 256; bit++) {
          const bad = proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
          expect(
            throwsLedgerError(() =>
              verifyConsistency(size1, size2, bad, tree.roots[size1]!, tree.roots[size2]!),
            ),
          ).toBe(true);
        }
      }
    }
  });

  it('wrong sizes fail a consistency proof exactly when the RFC 9162 algorithm fails', () => {
    let rejected = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        twoSizes.filter(([a, b]) => a < b),
        fc.integer({ min: 0, max: MAX + 5 }),
        fc.integer({ min: 0, max: MAX + 5 }),
        ([size1, size2], m1, m2) => {
          const proof = consistencyProof(size1, size2);
          const root1 = tree.roots[size1]!;
          const root2 = tree.roots[size2]!;
          for (const [s1, s2] of [
            [m1, size2],
            [size1, m2],
          ] as const) {
            if (s1 === size1 && s2 === size2) continue;
            runs++;
            const ours = throwsLedgerError(() => verifyConsistency(s1, s2, proof, root1, root2));
            expect(ours).toBe(!rfcVerifyConsistency(s1, s2, proof, root1, root2));
            if (ours) rejected++;
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(runs / 2);
  });
});
