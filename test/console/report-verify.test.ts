// The console's report verifier (console/src/report/verify-report.ts) under Node's WebCrypto,
// against a report the real server signs: it holds as sent, and fails, naming where, when the
// summary, a record or the key is not what was signed. And the verifier key parser takes keys
// whose base64 holds a '+', as C2SP keys may.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogKey } from '../../console/src/ledger/browser-verify.js';
import { verifyReportInBrowser } from '../../console/src/report/verify-report.js';
import { startTestPlatform, type TestPlatform } from '../support/app.js';
import { buildReportScene, type ReportScene } from '../support/report-scene.js';

/** A C2SP Ed25519 verifier key `name+hex8+base64(0x01 ‖ key)` whose base64 has a '+'. */
function keyWithPlus(name: string): string {
  for (;;) {
    const raw = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .subarray(-32);
    const material = Buffer.concat([Buffer.of(0x01), raw]);
    const base64 = material.toString('base64');
    if (!base64.includes('+')) continue;
    const hash = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${name}\n`), material]))
      .digest()
      .subarray(0, 4)
      .toString('hex');
    return `${name}+${hash}+${base64}`;
  }
}

describe('browser report verifier', () => {
  let p: TestPlatform;
  let scene: ReportScene;
  let logKey: string;
  let report: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: a test edits the JSON freely
  const copy = () => structuredClone(report) as Record<string, any>;

  beforeAll(async () => {
    p = await startTestPlatform();
    scene = await buildReportScene(p);
    logKey = (await p.call('GET', '/v1/ledger/key')).body;
    const answer = await p.call('GET', `/v1/robots/${scene.robot.robotId}/report`, {
      token: scene.owner.apiKey,
    });
    expect(answer.statusCode, answer.body).toBe(200);
    report = answer.json();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('holds for the report as the server signed it', async () => {
    const check = await verifyReportInBrowser(report, logKey);
    expect(check.robotId).toBe(scene.robot.robotId);
    expect(check.records).toBe((report.proof as { records: unknown[] }).records.length);
    expect(check.records).toBeGreaterThan(3);
  });

  it("fails on the report's signature when only the summary was changed", async () => {
    const changed = copy();
    changed.summary.owners += 1;
    await expect(verifyReportInBrowser(changed, logKey)).rejects.toThrow(/^signature: /);
  });

  it('names the record whose opening no longer matches its leaf', async () => {
    const changed = copy();
    const opening = changed.proof.records[2].opening;
    const bytes = Buffer.from(opening.record, 'base64');
    const at = bytes.findIndex((byte) => byte >= 0x30 && byte <= 0x38);
    bytes[at] = bytes[at]! + 1;
    opening.record = bytes.toString('base64');
    await expect(verifyReportInBrowser(changed, logKey)).rejects.toThrow(
      new RegExp(`^record seq 2 \\(ledger index ${opening.index}\\): `),
    );
  });

  it('names a record left out of the chain', async () => {
    const changed = copy();
    changed.proof.records.splice(1, 1);
    await expect(verifyReportInBrowser(changed, logKey)).rejects.toThrow(/^record seq 1 /);
  });

  it("refuses another log's key at the checkpoint", async () => {
    const other = keyWithPlus(logKey.split('+')[0]!);
    await expect(verifyReportInBrowser(report, other)).rejects.toThrow(/^checkpoint: /);
  });

  it("parses a verifier key whose base64 holds a '+'", async () => {
    const key = await parseLogKey(keyWithPlus('log.example/test'));
    expect(key.name).toBe('log.example/test');
    expect(key.publicKey).toHaveLength(32);
  });
});
