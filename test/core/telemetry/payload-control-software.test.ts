// The optional signed fields an incident reads back: each sample's `control` and the batch's
// `software` (docs/telemetry.md "Software and control"), validated as strictly as the rest.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTROL_MODES } from '../../../src/core/incidents/control-timeline.js';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import {
  BatchPayloadError,
  decodeBatchPayload,
  TELEMETRY_LIMITS,
  validatePayload,
} from '../../../src/core/telemetry/index.js';

const NOW = Date.UTC(2026, 10, 26, 8);
const expect4 = { jointCount: 4, nowMs: NOW, oldestMs: NOW - 30 * 86_400_000 };
const ROBOT = 'CNB7K2B0A3T511000000000123455';

function sample(overrides: Record<string, unknown> = {}) {
  return {
    t: '2026-11-26T07:59:00.000Z',
    battery: { socPct: 87.5, sohPct: 96.2, cycles: 152, tempC: 31.2 },
    joints: { wear: [0.012, 0.013, 0.01, 0.02], tempC: [38.1, 37.9, 40, 41] },
    accuracy: { positionErrorMm: 1.8, taskSuccessRate: 0.991 },
    operatingHours: 1532.4,
    faults: [],
    ...overrides,
  };
}

const payload = (samples: unknown[], extra: Record<string, unknown> = {}) => ({
  robotId: ROBOT,
  seq: 42,
  samples,
  ...extra,
});

function problem(value: unknown) {
  const result = validatePayload(value, expect4);
  return result.ok ? undefined : result.problem;
}

const autonomous = { mode: 'autonomous', source: 'nav-stack 4.2.0' };

describe('telemetry payload: control and software', () => {
  it('accepts every control mode, a software map, and keeps both as signed', () => {
    for (const mode of CONTROL_MODES) {
      const value = payload([sample({ control: { mode, source: 'operator 17' } })], {
        software: { locomotion: '2.3.1', perception: '5.0.0' },
      });
      const result = validatePayload(value, expect4);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (result.ok) {
        expect(result.value.payload.samples[0]!.control).toEqual({ mode, source: 'operator 17' });
        expect(result.value.payload.software).toEqual({ locomotion: '2.3.1', perception: '5.0.0' });
      }
    }
  });

  it('both stay optional: a sample without control, a batch without software', () => {
    const result = validatePayload(payload([sample(), sample({ control: autonomous })]), expect4);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.payload.samples[0]!.control).toBeUndefined();
      expect(result.value.payload.software).toBeUndefined();
    }
  });

  it('counts lengths in characters: 128 astral characters are a valid source, 129 are not', () => {
    const ok = { mode: 'teleoperated', source: '🤖'.repeat(128) };
    expect(problem(payload([sample({ control: ok })]))).toBeUndefined();
    const long = { mode: 'teleoperated', source: '🤖'.repeat(129) };
    expect(problem(payload([sample({ control: long })]))).toMatchObject({
      code: 'TELEMETRY_MALFORMED_PAYLOAD',
      path: '/samples/0/control/source',
    });
    expect(
      problem(payload([sample()], { software: { ['c'.repeat(200)]: 'v'.repeat(100) } })),
    ).toBeUndefined();
  });

  it('refuses a bad control or software with the JSON path of the offending value', () => {
    const component = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, '1.0']));
    const cases: [unknown, string][] = [
      [payload([sample({ control: 'autonomous' })]), '/samples/0/control'],
      [payload([sample({ control: null })]), '/samples/0/control'],
      [payload([sample({ control: [] })]), '/samples/0/control'],
      [payload([sample({ control: { mode: 'autonomous' } })]), '/samples/0/control/source'],
      [payload([sample({ control: { source: 'x' } })]), '/samples/0/control/mode'],
      [payload([sample({ control: { ...autonomous, operator: 'x' } })]), '/samples/0/control/operator'],
      [payload([sample(), sample({ control: { mode: 'remote', source: 'x' } })]), '/samples/1/control/mode'],
      [payload([sample({ control: { mode: 'Autonomous', source: 'x' } })]), '/samples/0/control/mode'],
      [payload([sample({ control: { mode: 'unknown', source: 'x' } })]), '/samples/0/control/mode'],
      [payload([sample({ control: { mode: 'idle', source: '' } })]), '/samples/0/control/source'],
      [payload([sample({ control: { mode: 'idle', source: 7 } })]), '/samples/0/control/source'],
      [
        payload([sample({ control: { mode: 'idle', source: 'x'.repeat(129) } })]),
        '/samples/0/control/source',
      ],
      [payload([sample()], { software: null }), '/software'],
      [payload([sample()], { software: ['locomotion', '2.3.1'] }), '/software'],
      [payload([sample()], { software: 'locomotion 2.3.1' }), '/software'],
      [payload([sample()], { software: {} }), '/software'],
      [payload([sample()], { software: component(TELEMETRY_LIMITS.maxSoftwareComponents + 1) }), '/software'],
      [payload([sample()], { software: { locomotion: 2 } }), '/software/locomotion'],
      [payload([sample()], { software: { locomotion: '' } }), '/software/locomotion'],
      [payload([sample()], { software: { locomotion: 'v'.repeat(101) } }), '/software/locomotion'],
      [payload([sample()], { software: { 'a/b~c': { v: 1 } } }), '/software/a~1b~0c'],
      [payload([sample()], { software: { '': '1.0' } }), '/software/'],
      [payload([sample()], { software: { ['c'.repeat(201)]: '1.0' } }), `/software/${'c'.repeat(64)}`],
      // Text every reader shows alike, and jsonb can hold: no control character, no lone surrogate.
      [payload([sample({ control: { mode: 'idle', source: 'dock\n2' } })]), '/samples/0/control/source'],
      [payload([sample({ control: { mode: 'idle', source: 'dock\u007f' } })]), '/samples/0/control/source'],
      [payload([sample({ control: { mode: 'idle', source: 'x\ud800' } })]), '/samples/0/control/source'],
      [payload([sample({ control: { mode: 'idle', source: '\udc00x' } })]), '/samples/0/control/source'],
      [payload([sample()], { software: { locomotion: '2.3.1\u0000' } }), '/software/locomotion'],
      [payload([sample()], { software: { 'loco\tmotion': '2.3.1' } }), '/software/loco\tmotion'],
      [payload([sample()], { software: { perception: '5.0\ud83e' } }), '/software/perception'],
    ];
    for (const [value, path] of cases) {
      expect({ path, problem: problem(value) }).toMatchObject({
        path,
        problem: { code: 'TELEMETRY_MALFORMED_PAYLOAD', path },
      });
    }
    // 64 components are fine.
    expect(problem(payload([sample()], { software: component(64) }))).toBeUndefined();
  });
});

describe('decodeBatchPayload', () => {
  const { privateKey } = generateKeyPairSync('ed25519');

  it('reads control, faults and software back from a signed batch, faults filled in as ingest does', () => {
    const first = sample({ control: autonomous, faults: ['LOCO_BAL_SW'] });
    const { faults: _, ...second } = sample({ t: '2026-11-26T07:59:01.000Z' });
    const jws = signTelemetryBatch(
      payload([first, { ...second, control: { mode: 'teleoperated', source: 'teleop-station-2' } }], {
        software: { locomotion: '2.3.1' },
      }) as never,
      privateKey,
    );
    const decoded = decodeBatchPayload(jws);
    expect(decoded.robotId).toBe(ROBOT);
    expect(decoded.seq).toBe(42);
    expect(decoded.software).toEqual({ locomotion: '2.3.1' });
    expect(decoded.samples.map((s) => [s.control?.mode, s.faults])).toEqual([
      ['autonomous', ['LOCO_BAL_SW']],
      ['teleoperated', []],
    ]);
  });

  it('refuses what is not a batch JWS, naming the path where the payload is wrong', () => {
    expect(() => decodeBatchPayload('not-a-jws')).toThrow(BatchPayloadError);
    const body = (value: unknown) => `e30.${Buffer.from(JSON.stringify(value)).toString('base64url')}.c2ln`;
    expect(() => decodeBatchPayload('e30.%%%.c2ln')).toThrow(BatchPayloadError);
    expect(() => decodeBatchPayload(`e30.${Buffer.from('{').toString('base64url')}.c2ln`)).toThrow(
      'not JSON',
    );
    try {
      decodeBatchPayload(body(payload([sample({ control: { mode: 'flying', source: 'x' } })])));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BatchPayloadError);
      expect((error as BatchPayloadError).path).toBe('/samples/0/control/mode');
    }
  });
});
