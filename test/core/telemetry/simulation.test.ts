import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTROL_MODES } from '../../../src/core/incidents/control-timeline.js';
import {
  SIM_AUTONOMY_SOURCE,
  SIM_SOFTWARE,
  seededRandom,
  signTelemetryBatch,
  simulateFleet,
} from '../../../src/core/simulation/index.js';
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

  it('says who is in control of every sample: mostly its autonomy stack, sometimes an operator', () => {
    const [robot] = simulateFleet([{ robotId: ID, jointCount: 4 }], { seed: 11 });
    const modes = new Map<string, number>();
    const sources = new Set<string>();
    // Six simulated hours at one sample a second.
    for (let i = 0; i < 360; i++) {
      const batch = robot!.nextBatch(60, 1000, 1_000_000 + (i + 1) * 60_000);
      for (const s of batch.samples) {
        expect(s.control, `sample ${s.t}`).toBeDefined();
        expect(CONTROL_MODES).toContain(s.control!.mode);
        modes.set(s.control!.mode, (modes.get(s.control!.mode) ?? 0) + 1);
        sources.add(`${s.control!.mode} ${s.control!.source}`);
      }
    }
    const total = [...modes.values()].reduce((a, b) => a + b, 0);
    const share = (mode: string) => (modes.get(mode) ?? 0) / total;
    expect(share('autonomous')).toBeGreaterThan(0.5);
    expect(share('teleoperated')).toBeGreaterThan(0);
    expect(share('teleoperated')).toBeLessThan(share('autonomous'));
    expect(sources).toContain(`autonomous ${SIM_AUTONOMY_SOURCE}`);
    expect([...sources].some((s) => /^teleoperated teleop-station-\d$/.test(s))).toBe(true);
  });

  it('reports its software in its first batch and again after an update, not in between', () => {
    const [robot] = simulateFleet([{ robotId: ID, jointCount: 4 }], { seed: 2 });
    const first = robot!.nextBatch(2, 1000, 1_000_000);
    expect(first.software).toEqual({ locomotion: '2.3.1', perception: '5.0.0' });
    expect(SIM_SOFTWARE).toEqual(first.software);
    expect(robot!.nextBatch(2, 1000, 1_002_000).software).toBeUndefined();
    robot!.install('perception', '5.0.0'); // the same version: no change
    expect(robot!.nextBatch(2, 1000, 1_004_000).software).toBeUndefined();
    robot!.install('perception', '5.1.0');
    expect(robot!.nextBatch(2, 1000, 1_006_000).software).toEqual({
      locomotion: '2.3.1',
      perception: '5.1.0',
    });
    expect(robot!.nextBatch(2, 1000, 1_008_000).software).toBeUndefined();
    // Every batch, software or not, is one the platform's rules accept.
    const check = validatePayload(JSON.parse(JSON.stringify(first)), {
      jointCount: 4,
      nowMs: Number.MAX_SAFE_INTEGER,
      oldestMs: 0,
    });
    expect(check.ok).toBe(true);
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
