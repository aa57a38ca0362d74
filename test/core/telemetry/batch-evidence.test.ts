// A stored batch as evidence (src/core/telemetry/batch-evidence.ts): its bytes are the ones the
// ledger record digests, it is the robot's batch of that seq, and it is signed by the robot's
// device key that was live when the platform received it: the filed key until a rotation,
// the rotated one after, by receive time.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import { batchEvidenceProblem, deviceKeySpans } from '../../../src/core/telemetry/batch-evidence.js';

const ROBOT = 'CNB7K2B0A3T511000000000123455';

function deviceKey(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ format: 'jwk' }).x! };
}

const event = (type: string, recordedAt: string, devicePublicKey: string) => ({
  kind: 'robot_event',
  type,
  recordedAt,
  data: { devicePublicKey },
});

function record(jws: string, seq: number, receivedAt: string) {
  return {
    robotId: ROBOT,
    seq,
    jwsSha256: createHash('sha256').update(jws).digest('hex'),
    receivedAt,
  };
}

describe('telemetry batches as evidence', () => {
  const filed = deviceKey();
  const rotated = deviceKey();
  const keys = deviceKeySpans([
    event('filing', '2026-05-01T00:00:00.000Z', filed.publicKey),
    { kind: 'robot_event', type: 'deployment', recordedAt: '2026-05-02T00:00:00.000Z', data: {} },
    event('key_rotation', '2026-06-01T00:00:00.000Z', rotated.publicKey),
  ]);
  const batch = (key: KeyObject, seq = 7, robotId = ROBOT) =>
    signTelemetryBatch({ robotId, seq, samples: [] }, key, ROBOT);

  it('reads the key spans from the robot own records: the filed key until the rotation, then the new one', () => {
    expect(keys.map((k) => [k.fromMs, k.untilMs])).toEqual([
      [Date.parse('2026-05-01T00:00:00.000Z'), Date.parse('2026-06-01T00:00:00.000Z')],
      [Date.parse('2026-06-01T00:00:00.000Z'), undefined],
    ]);
  });

  it.each([
    ['the filed key, received before the rotation', 'filed', '2026-05-31T23:59:59.999Z', undefined],
    ['the rotated key, received at the rotation', 'rotated', '2026-06-01T00:00:00.000Z', undefined],
    ['the filed key, received at the rotation', 'filed', '2026-06-01T00:00:00.000Z', 'live'],
    ['the rotated key, received before the rotation', 'rotated', '2026-05-15T00:00:00.000Z', 'live'],
    ['any key, received before the filing', 'filed', '2026-04-30T00:00:00.000Z', 'no device key'],
  ])('%s', (_what, which, receivedAt, problem) => {
    const jws = batch(which === 'filed' ? filed.privateKey : rotated.privateKey);
    const found = batchEvidenceProblem(jws, record(jws, 7, receivedAt), keys);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('refuses bytes the record does not digest, another robot or seq, and a key not the robot', () => {
    const jws = batch(filed.privateKey);
    const at = '2026-05-10T00:00:00.000Z';
    expect(batchEvidenceProblem(`${jws}x`, record(jws, 7, at), keys)).toContain('jwsSha256');
    expect(batchEvidenceProblem(jws, record(jws, 8, at), keys)).toContain('seq 7');
    const other = batch(filed.privateKey, 7, 'CNB7K2B0A3T511000000000999994');
    expect(batchEvidenceProblem(other, record(other, 7, at), keys)).toContain('the batch of');
    const stranger = batch(deviceKey().privateKey);
    expect(batchEvidenceProblem(stranger, record(stranger, 7, at), keys)).toContain('does not verify');
  });
});
