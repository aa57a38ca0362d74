// `roboledger keygen` as a process: the key pair it makes is one the platform files and whose
// signatures it accepts, and the private half is readable by its owner alone.
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../src/core/simulation/index.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';
import { fileRobot, recordEvent } from '../support/fleet.js';
import { roboledger } from './ledger-cli-support.js';

describe(`roboledger keygen (${backend})`, () => {
  let p: TestPlatform;
  let dir: string;
  beforeAll(async () => {
    p = await startTestPlatform();
    dir = await mkdtemp(join(tmpdir(), 'rl-keygen-'));
  });
  afterAll(async () => {
    await p?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a device key the platform files and verifies; the private key file is 0600', async () => {
    const out = join(dir, 'robot.key');
    const run = await roboledger(['keygen', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const made = JSON.parse(run.stdout) as { devicePublicKey: string; privateKeyFile: string };
    expect(made.privateKeyFile).toBe(out);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: made.devicePublicKey });
    expect(run.stdout).not.toContain(jwk.d!);

    const maker = await createOrg(p, 'manufacturer');
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    const robot = await fileRobot(p, maker, { device: { privateKey, publicKey: made.devicePublicKey } });
    await recordEvent(p, robot.robotId, maker, 'deployment');
    const sample = {
      t: new Date(p.ctx.clock().getTime() - 1000).toISOString(),
      battery: { socPct: 80, sohPct: 96, cycles: 10, tempC: 30 },
      joints: { wear: [0.01, 0.02], tempC: [38, 39] },
      accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
      operatingHours: 10,
      faults: [],
    };
    const sent = await p.call('POST', '/v1/telemetry', {
      body: signTelemetryBatch({ robotId: robot.robotId, seq: 1, samples: [sample] }, privateKey),
      headers: { 'content-type': 'application/jose' },
    });
    expect(sent.statusCode, sent.body).toBe(202);

    // Never over an existing key.
    const again = await roboledger(['keygen', '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists');
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(jwk);
  }, 120_000);
});
