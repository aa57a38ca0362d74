// From stored items to the analysis's input (src/core/incidents/evidence-reading.ts): the
// decoded batches' faults and control, the robot's state at the instant against its limits,
// and the components maintenance worked on.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeBatchJws,
  evidenceFromItems,
  type StoredItems,
} from '../../../src/core/incidents/evidence-reading.js';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';

const { privateKey } = generateKeyPairSync('ed25519');
const AT = Date.parse('2026-11-30T10:00:00Z');

function sample(t: number, extra: Record<string, unknown> = {}) {
  return {
    t: new Date(t).toISOString(),
    battery: { socPct: 80, sohPct: 95, cycles: 10, tempC: 30 },
    joints: { wear: [0.1, 0.2], tempC: [40, 41] },
    accuracy: { positionErrorMm: 1, taskSuccessRate: 0.99 },
    operatingHours: 100,
    faults: [],
    ...extra,
  };
}

function items(samples: ReturnType<typeof sample>[], events: StoredItems['events'] = null): StoredItems {
  const jws = signTelemetryBatch({ robotId: 'R', seq: 1, samples } as never, privateKey);
  return {
    configuration: {
      itemId: 'config',
      content: {
        model: { limits: { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 } },
        software: [],
        faultCodes: [{ code: 'KNEE_HW', component: 'knee', origin: 'hardware' }],
      },
    },
    telemetry: [{ itemId: 'batch-1', batch: decodeBatchJws(jws) }],
    controlTimeline: null,
    alerts: null,
    events,
  };
}

const incident = { occurredAt: AT, window: { from: AT - 1_800_000, to: AT + 600_000 }, parties: [] };

describe('evidenceFromItems', () => {
  it('decodes a batch: times, faults, control and software', () => {
    const jws = signTelemetryBatch(
      {
        robotId: 'R',
        seq: 7,
        software: { loco: '2' },
        samples: [sample(AT, { faults: ['X'], control: { mode: 'idle', source: 's' } })],
      } as never,
      privateKey,
    );
    expect(decodeBatchJws(jws)).toMatchObject({
      robotId: 'R',
      seq: 7,
      software: { loco: '2' },
      samples: [{ t: AT, faults: ['X'], control: { mode: 'idle', source: 's' }, sohPct: 95 }],
    });
    expect(() => decodeBatchJws('not-a-jws')).toThrow();
  });

  it('finds the robot beyond its limits at the instant from the last sample before it, citing its batch', () => {
    const evidence = evidenceFromItems(
      incident,
      items([
        sample(AT - 2000, { battery: { socPct: 50, sohPct: 70, cycles: 10, tempC: 30 } }),
        sample(AT + 1000),
      ]),
    );
    expect(evidence.limits).toEqual({
      beyondAtOccurredAt: true,
      conditions: ['battery_soh_low'],
      itemIds: ['batch-1'],
    });
  });

  it('says nothing about limits from a sample more than a minute old, or after the instant', () => {
    const stale = evidenceFromItems(
      incident,
      items([sample(AT - 61_000, { accuracy: { positionErrorMm: 9, taskSuccessRate: 0.5 } })]),
    );
    expect(stale.limits.beyondAtOccurredAt).toBe(false);
    const after = evidenceFromItems(
      incident,
      items([sample(AT + 1, { joints: { wear: [0.9, 0.9], tempC: [40, 40] } })]),
    );
    expect(after.limits.beyondAtOccurredAt).toBe(false);
  });

  it('names the part a maintenance worked on, preferring one a declared fault names', () => {
    const evidence = evidenceFromItems(
      incident,
      items([sample(AT)], {
        itemId: 'events',
        content: {
          events: [
            {
              type: 'maintenance',
              occurredAt: new Date(AT - 3_600_000).toISOString(),
              actorOrgId: 'm',
              data: { parts: ['bolt', { name: 'knee' }] },
            },
            {
              type: 'maintenance',
              occurredAt: new Date(AT - 3_000_000).toISOString(),
              actorOrgId: 'm',
              data: { description: 'look' },
            },
            {
              type: 'software_update',
              occurredAt: new Date(AT - 60_000).toISOString(),
              actorOrgId: 'p',
              data: { component: 'loco' },
            },
            {
              type: 'deployment',
              occurredAt: new Date(AT - 60_000).toISOString(),
              actorOrgId: 'o',
              data: {},
            },
          ],
        },
      }),
    );
    expect(evidence.events?.events.map((e) => [e.type, e.component])).toEqual([
      ['maintenance', 'knee'],
      ['maintenance', null],
      ['software_update', 'loco'],
    ]);
  });
});
