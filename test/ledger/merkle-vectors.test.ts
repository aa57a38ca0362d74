// The repository's own RFC 9162 proof vectors (test/vectors/merkle/README.md), made by a naive
// reference that shares no code with src/ledger. src/ledger must verify every valid case,
// reject every corrupted one with a LedgerError, and generate exactly the valid proofs from
// the nodes its own frontier stores.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  consistencyProofNodes,
  inclusionProofNodes,
  proofFromNodes,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import {
  type ConsistencyCase,
  consistencyCases,
  type InclusionCase,
  inclusionCases,
  mth,
  vectorFile,
} from '../vectors/merkle/generate.js';
import { buildTree, expectLedgerError, fromBase64 } from './support.js';

const read = (name: string) => readFileSync(new URL(`../vectors/merkle/${name}`, import.meta.url), 'utf8');
const inclusion = JSON.parse(read('inclusion.json')) as InclusionCase[];
const consistency = JSON.parse(read('consistency.json')) as ConsistencyCase[];
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

// The tree the vectors are over: leaf i is `leaf i`, stored as src/ledger's frontier stores it.
const tree = buildTree(100, 'leaf');

describe('the naive reference the vectors come from', () => {
  it('reproduces the RFC 6962 test tree (the 8 inputs of RFC 6962 §2.1.3 test data)', () => {
    // Roots published with the RFC 6962 test inputs (certificate-transparency, merkle_tree_test):
    // the empty tree, one leaf (the empty string), and all eight inputs.
    const inputs = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ].map((hex) => Buffer.from(hex, 'hex'));
    expect(mth([]).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(mth(inputs.slice(0, 1)).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(mth(inputs).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
  });

  it('the committed files are exactly what the generator makes (regenerate, never hand-edit)', () => {
    expect(read('inclusion.json')).toBe(vectorFile(inclusionCases()));
    expect(read('consistency.json')).toBe(vectorFile(consistencyCases()));
  });

  it('covers valid and corrupted cases of both kinds', () => {
    for (const cases of [inclusion, consistency] as { wantErr: boolean }[][]) {
      expect(cases.filter((c) => !c.wantErr).length).toBeGreaterThan(100);
      expect(cases.filter((c) => c.wantErr).length).toBeGreaterThan(100);
    }
  });
});

describe('src/ledger against the inclusion vectors (RFC 9162 §2.1.3)', () => {
  for (const c of inclusion) {
    it(`leaf ${c.leafIdx} of ${c.treeSize}: ${c.desc} (${c.wantErr ? 'rejected' : 'verifies'})`, () => {
      const run = () =>
        verifyInclusion(
          fromBase64(c.leafHash),
          c.leafIdx,
          c.treeSize,
          c.proof.map(fromBase64),
          fromBase64(c.root),
        );
      if (c.wantErr) {
        expectLedgerError(run);
        return;
      }
      expect(run).not.toThrow();
      expect(b64(rootFromLeafHashes(tree.leaves.slice(0, c.treeSize)))).toBe(c.root);
      expect(proofFromNodes(inclusionProofNodes(c.leafIdx, c.treeSize), tree.lookup).map(b64)).toEqual(
        c.proof,
      );
    });
  }
});

describe('src/ledger against the consistency vectors (RFC 9162 §2.1.4)', () => {
  for (const c of consistency) {
    it(`${c.size1} → ${c.size2}: ${c.desc} (${c.wantErr ? 'rejected' : 'verifies'})`, () => {
      const run = () =>
        verifyConsistency(
          c.size1,
          c.size2,
          c.proof.map(fromBase64),
          fromBase64(c.root1),
          fromBase64(c.root2),
        );
      if (c.wantErr) {
        expectLedgerError(run);
        return;
      }
      expect(run).not.toThrow();
      expect(proofFromNodes(consistencyProofNodes(c.size1, c.size2), tree.lookup).map(b64)).toEqual(c.proof);
    });
  }
});
