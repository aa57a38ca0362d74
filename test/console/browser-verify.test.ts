// The console's in-browser ledger verifier (console/src/ledger/browser-verify.ts), run under Node's
// WebCrypto against a checkpoint and inclusion proofs the real server makes, and against the
// same material altered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type InclusionInput,
  VerificationError,
  verifyInclusionInBrowser,
} from '../../console/src/ledger/browser-verify.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../support/app.js';

describe('browser ledger verifier', () => {
  let p: TestPlatform;
  let logKey: string;
  let checkpointNote: string;
  let size: number;

  const inputFor = async (index: number): Promise<InclusionInput> => {
    const entry = (await p.call('GET', `/v1/ledger/entries/${index}`)).json();
    const proof = (await p.call('GET', `/v1/ledger/proofs/inclusion?index=${index}&treeSize=${size}`)).json();
    return { logKey, checkpointNote, index, entry: entry.entry, proof: proof.proof };
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    // Seven organisations: a tree whose size is not a power of two, so proofs of every shape.
    for (let i = 0; i < 7; i++) await createOrg(p, 'operator');
    size = (await p.ctx.checkpointer.checkpointNow()).size;
    logKey = (await p.call('GET', '/v1/ledger/key')).body;
    checkpointNote = (await p.call('GET', '/v1/ledger/checkpoint')).body;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('verifies every entry of the tree against the signed checkpoint', async () => {
    expect(size).toBeGreaterThanOrEqual(7);
    for (let index = 0; index < size; index++) {
      const result = await verifyInclusionInBrowser(await inputFor(index));
      expect(result.checkpoint.size).toBe(size);
      const server = (await p.call('GET', `/v1/ledger/entries/${index}`)).json();
      expect(Buffer.from(result.leafHash).toString('base64')).toBe(server.leafHash);
    }
  });

  it('refuses a checkpoint whose signature or text was changed, or signed by another key', async () => {
    const input = await inputFor(1);
    const [origin, sizeLine, ...rest] = checkpointNote.split('\n');
    const otherSize = [origin, String(Number(sizeLine) + 1), ...rest].join('\n');
    await expect(verifyInclusionInBrowser({ ...input, checkpointNote: otherSize })).rejects.toThrow(
      VerificationError,
    );
    const lastLine = checkpointNote.trimEnd().split('\n').at(-1)!;
    const flipped = lastLine.slice(0, -3) + (lastLine.at(-3) === 'A' ? 'B' : 'A') + lastLine.slice(-2);
    await expect(
      verifyInclusionInBrowser({ ...input, checkpointNote: checkpointNote.replace(lastLine, flipped) }),
    ).rejects.toThrow(/signature|signed/);
    const [name, hash] = logKey.split('+');
    await expect(
      verifyInclusionInBrowser({ ...input, logKey: `${name}+${hash}+AT${'A'.repeat(41)}=` }),
    ).rejects.toThrow(VerificationError);
  });

  it('refuses an altered entry, an altered proof and a proof for another index', async () => {
    const input = await inputFor(2);
    const entry = Buffer.from(input.entry, 'base64');
    entry.writeUInt8(entry.readUInt8(entry.length - 2) ^ 1, entry.length - 2);
    await expect(verifyInclusionInBrowser({ ...input, entry: entry.toString('base64') })).rejects.toThrow(
      /root/,
    );
    const proof = [...input.proof];
    proof[0] = Buffer.alloc(32, 7).toString('base64');
    await expect(verifyInclusionInBrowser({ ...input, proof })).rejects.toThrow(/root/);
    await expect(verifyInclusionInBrowser({ ...input, index: 3 })).rejects.toThrow(VerificationError);
    await expect(verifyInclusionInBrowser({ ...input, proof: input.proof.slice(1) })).rejects.toThrow(
      VerificationError,
    );
  });
});
