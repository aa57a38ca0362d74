import { describe, expect, it } from 'vitest';
import {
  decideTransition,
  EVENT_TYPES,
  type LifecycleEventInput,
  type MaintenancePhase,
  ROBOT_STATUSES,
  type RobotStatus,
} from '../../src/core/lifecycle.js';

// Every status × every event (maintenance once per phase): the status it leads to, or `-` for
// a refusal. This table is the state machine of docs/lifecycle.md; change both together.
const EVENTS = [
  'deployment',
  'maintenance:started',
  'maintenance:completed',
  'maintenance:performed',
  'software_update',
  'evaluation',
  'certification',
  'suspension',
  'reinstatement',
  'decommission',
  'recycling',
  'key_rotation',
  'sanitization',
] as const;

const S = 'suspended';
const D = 'decommissioned';
// biome-ignore format: the table reads as a table
const TABLE: Record<RobotStatus, (RobotStatus | '-')[]> = {
  //               deploy        m:start        m:complete    m:performed    sw_update      evaluation     certification  suspension reinstate     decommission recycling   key_rotation   sanitization
  filed:          ['in_service', 'maintenance', '-',          'filed',       'filed',       'filed',       'filed',       S,         '-',          D,           '-',        'filed', 'filed'],
  in_service:     ['in_service', 'maintenance', '-',          'in_service',  'in_service',  'in_service',  'in_service',  S,         '-',          D,           '-',        'in_service', 'in_service'],
  maintenance:    ['in_service', '-',           'in_service', 'maintenance', 'maintenance', 'maintenance', 'maintenance', S,         '-',          D,           '-',        'maintenance', 'maintenance'],
  suspended:      ['-',          '-',           '-',          S,             S,             S,             S,             '-',       'in_service', D,           '-',        S, S],
  decommissioned: ['-',          '-',           '-',          '-',           '-',           '-',           '-',           '-',       '-',          '-',         'recycled', '-', D],
  recycled:       ['-',          '-',           '-',          '-',           '-',           '-',           '-',           '-',       '-',          '-',         '-',        '-', '-'],
};

function eventOf(name: (typeof EVENTS)[number]): LifecycleEventInput {
  const [type, phase] = name.split(':') as [LifecycleEventInput['type'], MaintenancePhase | undefined];
  return phase ? { type, maintenancePhase: phase } : { type };
}

describe('decideTransition', () => {
  it('the table covers every status and every event type', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...ROBOT_STATUSES].sort());
    expect(new Set(EVENTS.map((e) => e.split(':')[0]))).toEqual(new Set(EVENT_TYPES));
  });

  for (const status of ROBOT_STATUSES) {
    for (const [column, name] of EVENTS.entries()) {
      const expected = TABLE[status][column];
      it(`${status} + ${name} → ${expected === '-' ? 'refused' : expected}`, () => {
        const before = status === 'suspended' ? 'in_service' : null;
        const decision = decideTransition({ status, statusBeforeSuspension: before }, eventOf(name));
        expect(decision.from).toBe(status);
        if (expected === '-') {
          expect(decision.ok).toBe(false);
          if (!decision.ok) expect(decision.reason.length).toBeGreaterThan(5);
        } else {
          expect(decision).toMatchObject({ ok: true, to: expected });
        }
      });
    }
  }

  it('maintenance without a phase starts maintenance', () => {
    expect(
      decideTransition({ status: 'in_service', statusBeforeSuspension: null }, { type: 'maintenance' }),
    ).toMatchObject({ ok: true, to: 'maintenance' });
  });

  it('suspension remembers where it came from, reinstatement returns there and forgets it', () => {
    for (const from of ['filed', 'in_service', 'maintenance'] as const) {
      const suspended = decideTransition(
        { status: from, statusBeforeSuspension: null },
        { type: 'suspension' },
      );
      expect(suspended).toEqual({ ok: true, from, to: 'suspended', statusBeforeSuspension: from });
      const back = decideTransition(
        { status: 'suspended', statusBeforeSuspension: from },
        { type: 'reinstatement' },
      );
      expect(back).toEqual({ ok: true, from: 'suspended', to: from, statusBeforeSuspension: null });
    }
  });

  it('events that keep a robot suspended keep its way back; decommissioning drops it', () => {
    const state = { status: 'suspended', statusBeforeSuspension: 'maintenance' } as const;
    for (const type of ['software_update', 'evaluation', 'certification', 'key_rotation'] as const) {
      expect(decideTransition(state, { type })).toMatchObject({
        ok: true,
        statusBeforeSuspension: 'maintenance',
      });
    }
    expect(decideTransition(state, { type: 'decommission' })).toMatchObject({
      ok: true,
      to: 'decommissioned',
      statusBeforeSuspension: null,
    });
  });
});
