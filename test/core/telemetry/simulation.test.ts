import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom, signTelemetryBatch, simulateFleet } from '../../../src/core/simulation/index.js';
import { validatePayload } from '../../../src/core/telemetry/index.js';
import { checkBatch } from '../../../src/server/features/telemetry/batch-check.js';

const ID = 'CNB7K2B0A3T511000000000123455';

describe('fleet simulator physics', () => {
  it('is deterministic for a seed', () => {
    const a = simulateFleet([{ robotId: ID, jointCount: 8 }], { seed: 7 })[0]!.nextBatch(5, 1000, 1_000_000);
    const b = simulateFleet([{ robotId: ID, jointCount: 8 }], { seed: 7 })[0]!.nextBatch(5, 1000, 1_000_000);
    const c = simulateFleet([{ robotId: ID, jointCount: 8 }], { seed: 8 })[0]!.nextBatch(5, 1000, 1_000_000);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('ages plausibly: SoH fades with cycles, wear grows, accuracy drifts with wear; every sample is valid', () => {
    const [robot] = simulateFleet([{ robotId: ID, jointCount: 12 }], { seed: 3, timeScale: 3600 });
    const first = robot!.nextBatch(1, 1000, 0).samples[0]!;
    let last = first;
    for (let i = 0; i < 400; i++) {
      const batch = robot!.nextBatch(50, 1000, (i + 1) * 50_000);
      const result = validatePayload(JSON.parse(JSON.stringify(batch)), {
        jointCount: 12,
        nowMs: Number.MAX_SAFE_INTEGER,
        oldestMs: 0,
      });
      expect(result.ok).toBe(true);
      last = batch.samples[batch.samples.length - 1]!;
    }
    // 20,000 simulated hours later.
    expect(last.operatingHours - first.operatingHours).toBeGreaterThan(10_000);
    expect(last.battery.cycles).toBeGreaterThan(first.battery.cycles);
    expect(last.battery.sohPct).toBeLessThan(first.battery.sohPct);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(last.joints.wear)).toBeGreaterThan(sum(first.joints.wear));
    expect(last.accuracy.positionErrorMm).toBeGreaterThan(first.accuracy.positionErrorMm);
  });

  it('signs batches the platform verifies (RFC 8037 EdDSA, kid = robot ID)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const [robot] = simulateFleet([{ robotId: ID, jointCount: 4 }], { seed: 1 });
    const jws = signTelemetryBatch(robot!.nextBatch(3, 1000, Date.now()), privateKey);
    const result = checkBatch({
      jws,
      kid: ID,
      robotUuid: '00000000-0000-4000-8000-000000000000',
      keys: [{ publicKey: publicKey.export({ format: 'jwk' }).x!, retiredAtMs: null }],
      jointCount: 4,
      limits: { minBatterySohPct: 0, maxJointWear: 1, maxPositionErrorMm: 1000 },
      nowMs: Date.now(),
      oldestMs: 0,
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.lines.split('\n')).toHaveLength(4);
    expect(seededRandom(1).next()).toBe(seededRandom(1).next());
  });
});
