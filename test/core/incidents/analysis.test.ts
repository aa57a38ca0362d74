import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_RULES,
  analyseIncident,
  type IncidentAnalysis,
  type IncidentEvidence,
  RULES_VERSION,
} from '../../../src/core/incidents/analysis.js';
import { buildControlTimeline, type ControlMode } from '../../../src/core/incidents/control-timeline.js';
import { evidenceWindow, HOUR_MS, MINUTE_MS } from '../../../src/core/incidents/incident.js';

// One robot, its parties and its evidence items; each case changes what it is about.
const T = Date.UTC(2026, 10, 3, 14, 0, 0); // occurredAt, injected
const W = evidenceWindow(T);

const PARTIES: IncidentEvidence['parties'] = [
  { role: 'operator', orgId: 'org-owner' },
  { role: 'manufacturer', orgId: 'org-maker' },
  { role: 'software_provider', orgId: 'org-loco', component: 'locomotion' },
  { role: 'software_provider', orgId: 'org-vision', component: 'vision' },
  { role: 'maintainer', orgId: 'org-service' },
];

function timelineItem(mode: ControlMode | null, source = 'nav/2.1') {
  const samples = mode ? [{ t: T - 2_000, control: { mode, source } }] : [];
  return { itemId: 'ctl', intervals: buildControlTimeline(samples, W) };
}

function base(): IncidentEvidence {
  return {
    occurredAt: T,
    window: W,
    parties: PARTIES,
    configuration: {
      itemId: 'cfg',
      software: [
        {
          component: 'locomotion',
          version: '2.3.0',
          providerOrgId: 'org-loco',
          since: T - 90 * HOUR_MS,
          attested: true,
        },
        {
          component: 'vision',
          version: '5.1',
          providerOrgId: 'org-vision',
          since: T - 900 * HOUR_MS,
          attested: true,
        },
      ],
      faultCodes: [
        { code: 'LOCO_BAL_SW', component: 'locomotion', origin: 'software' },
        { code: 'VIS_DROP_SW', component: 'vision', origin: 'software' },
        { code: 'ARM_PLAN_SW', component: 'arm_planner', origin: 'software' }, // no such component installed
        { code: 'KNEE_ENC_HW', component: 'left_knee', origin: 'hardware' },
      ],
    },
    telemetry: [
      { itemId: 'tel-1', faults: [] },
      { itemId: 'tel-2', faults: [] },
    ],
    controlTimeline: timelineItem('autonomous'),
    limits: { beyondAtOccurredAt: false, conditions: [], itemIds: [] },
    alerts: { itemId: 'alr', alerts: [] },
    events: { itemId: 'evt', events: [] },
  };
}

type Change = (e: IncidentEvidence) => void;
const faults =
  (item: 'tel-1' | 'tel-2', ...list: [string, number][]): Change =>
  (e) => {
    e.telemetry = e.telemetry.map((b) =>
      b.itemId === item ? { ...b, faults: [...b.faults, ...list.map(([code, at]) => ({ code, at }))] } : b,
    );
  };
const event =
  (
    type: 'software_update' | 'maintenance',
    at: number,
    component: string | null,
    orgId = 'org-service',
  ): Change =>
  (e) => {
    e.events = { itemId: 'evt', events: [...(e.events?.events ?? []), { type, at, component, orgId }] };
  };
const control =
  (mode: ControlMode | null, source?: string): Change =>
  (e) => {
    e.controlTimeline = timelineItem(mode, source);
  };
const alert =
  (raisedAt: number, acknowledgedAt: number | null): Change =>
  (e) => {
    e.alerts = { itemId: 'alr', alerts: [{ condition: 'battery_soh_low', raisedAt, acknowledgedAt }] };
  };
/** Beyond the limits the configuration states, as the last batch shows (when there is one). */
const beyondLimits: Change = (e) => {
  const shownBy = e.telemetry.slice(-1).map((b) => b.itemId);
  e.limits = { beyondAtOccurredAt: true, conditions: ['joint_wear_high'], itemIds: ['cfg', ...shownBy] };
};
/** No batch: nothing derived from telemetry either. */
const noTelemetry: Change = (e) => {
  e.telemetry = [];
  e.controlTimeline = null;
  e.limits = { ...e.limits, itemIds: e.limits.itemIds.filter((id) => !id.startsWith('tel-')) };
};

function analyse(...changes: Change[]): IncidentAnalysis {
  const evidence = base();
  for (const change of changes) change(evidence);
  return analyseIncident(evidence);
}

/** Every indicator as `role orgId[/component] rule [evidence]`, in output order. */
function indicators(a: IncidentAnalysis): string[] {
  return a.parties.flatMap((p) =>
    p.indicators.map(
      (i) =>
        `${p.role} ${p.orgId}${p.component ? `/${p.component}` : ''} ${i.rule} [${i.evidence.join(',')}]`,
    ),
  );
}

const missing = (a: IncidentAnalysis) => a.missingEvidence.map((m) => m.kind);
const H = HOUR_MS;

// [case, changes, indicators, missing evidence kinds]
const CASES: [string, Change[], string[], string[]][] = [
  ['nothing points anywhere', [], [], []],

  // hardware-fault-code
  [
    'hardware fault in the window: manufacturer',
    [faults('tel-1', ['KNEE_ENC_HW', T - MINUTE_MS])],
    ['manufacturer org-maker hardware-fault-code [cfg,tel-1]'],
    [],
  ],
  [
    'hardware fault on the window start counts',
    [faults('tel-1', ['KNEE_ENC_HW', W.from])],
    ['manufacturer org-maker hardware-fault-code [cfg,tel-1]'],
    [],
  ],
  ['hardware fault just before the window does not', [faults('tel-1', ['KNEE_ENC_HW', W.from - 1])], [], []],
  ['hardware fault just after the window does not', [faults('tel-1', ['KNEE_ENC_HW', W.to + 1])], [], []],

  // software-fault-code
  [
    'software fault: the provider of its component',
    [faults('tel-2', ['LOCO_BAL_SW', T])],
    ['software_provider org-loco/locomotion software-fault-code [cfg,tel-2]'],
    [],
  ],
  [
    'the same fault in two batches: one indicator citing both',
    [faults('tel-1', ['LOCO_BAL_SW', T - 5_000]), faults('tel-2', ['LOCO_BAL_SW', T])],
    ['software_provider org-loco/locomotion software-fault-code [cfg,tel-1,tel-2]'],
    [],
  ],
  ['an undeclared fault code has origin unknown: no indicator', [faults('tel-1', ['MYSTERY_42', T])], [], []],
  [
    'a software fault of a component nobody provides: missing evidence, no indicator',
    [faults('tel-1', ['ARM_PLAN_SW', T])],
    [],
    ['software_provider'],
  ],

  // recent-software-update
  [
    'an update 72 h before, no fault: its provider',
    [event('software_update', T - 72 * H, 'vision', 'org-owner')],
    ['software_provider org-vision/vision recent-software-update [evt,cfg]'],
    [],
  ],
  [
    'an update 72 h and 1 ms before does not count',
    [event('software_update', T - 72 * H - 1, 'vision')],
    [],
    [],
  ],
  ['an update at occurredAt is not before it', [event('software_update', T, 'vision')], [], []],
  [
    'an update of another component than the faulting one does not count',
    [faults('tel-1', ['LOCO_BAL_SW', T]), event('software_update', T - H, 'vision')],
    ['software_provider org-loco/locomotion software-fault-code [cfg,tel-1]'],
    [],
  ],
  [
    'a hardware fault names no software component: any update counts',
    [faults('tel-1', ['KNEE_ENC_HW', T]), event('software_update', T - H, 'vision')],
    [
      'manufacturer org-maker hardware-fault-code [cfg,tel-1]',
      'software_provider org-vision/vision recent-software-update [evt,cfg]',
    ],
    [],
  ],

  // human-control
  ...(['teleoperated', 'operator_commanded', 'hand_guided'] as const).map(
    (mode): [string, Change[], string[], string[]] => [
      `${mode} at occurredAt: operator`,
      [control(mode, 'station-3')],
      ['operator org-owner human-control [ctl]'],
      [],
    ],
  ),
  ...(['autonomous', 'safety_stop', 'idle'] as const).map((mode): [string, Change[], string[], string[]] => [
    `${mode} at occurredAt: no indicator`,
    [control(mode)],
    [],
    [],
  ]),
  ['no control reading at occurredAt: missing evidence', [control(null)], [], ['control_mode']],

  // outside-limits
  [
    'beyond the model limits at occurredAt: operator',
    [beyondLimits],
    ['operator org-owner outside-limits [cfg,tel-2]'],
    [],
  ],
  [
    'beyond the limits with no item named for it: cites the configuration that states them',
    [
      (e) => {
        e.limits = { beyondAtOccurredAt: true, conditions: ['battery_soh_low'], itemIds: [] };
      },
    ],
    ['operator org-owner outside-limits [cfg]'],
    [],
  ],
  [
    'an alert open unacknowledged for more than 24 h: operator',
    [alert(T - 24 * H - 1, null)],
    ['operator org-owner outside-limits [alr]'],
    [],
  ],
  ['an alert open for exactly 24 h does not count', [alert(T - 24 * H, null)], [], []],
  ['an alert acknowledged before occurredAt does not count', [alert(T - 48 * H, T - 1)], [], []],
  [
    'an alert acknowledged only after occurredAt counts',
    [alert(T - 48 * H, T + 1)],
    ['operator org-owner outside-limits [alr]'],
    [],
  ],

  // recent-maintenance
  [
    'maintenance in the 72 h before, no fault: whoever did it',
    [event('maintenance', T - 10 * H, null)],
    ['maintainer org-service recent-maintenance [evt]'],
    [],
  ],
  [
    'maintenance on the faulting part: cites the fault too',
    [faults('tel-2', ['KNEE_ENC_HW', T]), event('maintenance', T - 10 * H, 'left_knee')],
    [
      'manufacturer org-maker hardware-fault-code [cfg,tel-2]',
      'maintainer org-service recent-maintenance [evt,cfg,tel-2]',
    ],
    [],
  ],
  [
    'maintenance on another part than the faulting one does not count',
    [faults('tel-2', ['KNEE_ENC_HW', T]), event('maintenance', T - 10 * H, 'gripper')],
    ['manufacturer org-maker hardware-fault-code [cfg,tel-2]'],
    [],
  ],
  [
    'maintenance naming no part does not count when a fault names one',
    [faults('tel-2', ['KNEE_ENC_HW', T]), event('maintenance', T - 10 * H, null)],
    ['manufacturer org-maker hardware-fault-code [cfg,tel-2]'],
    [],
  ],
  ['maintenance 72 h and 1 ms before does not count', [event('maintenance', T - 72 * H - 1, null)], [], []],
  [
    'maintenance by an organisation not among the parties adds it as maintainer',
    [event('maintenance', T - H, null, 'org-field-tech')],
    ['maintainer org-field-tech recent-maintenance [evt]'],
    [],
  ],

  // missing-telemetry
  [
    'no signed telemetry in the window: manufacturer, by presumption',
    [noTelemetry],
    ['manufacturer org-maker missing-telemetry [cfg]'],
    ['telemetry', 'control_mode'],
  ],

  // combinations
  [
    'two parties at once: a hardware fault under teleoperation',
    [faults('tel-1', ['KNEE_ENC_HW', T - 1_000]), control('teleoperated', 'station-3')],
    ['operator org-owner human-control [ctl]', 'manufacturer org-maker hardware-fault-code [cfg,tel-1]'],
    [],
  ],
  [
    'the worked example: a fall under a software fault after a recent update',
    [
      faults('tel-2', ['LOCO_BAL_SW', T - 3_000]),
      event('software_update', T - 20 * H, 'locomotion', 'org-owner'),
    ],
    [
      'software_provider org-loco/locomotion software-fault-code [cfg,tel-2]',
      'software_provider org-loco/locomotion recent-software-update [evt,cfg,tel-2]',
    ],
    [],
  ],
  [
    'missing telemetry with an alert left open and a recent maintenance',
    [noTelemetry, alert(T - 30 * H, null), event('maintenance', T - 5 * H, 'left_knee')],
    [
      'operator org-owner outside-limits [alr]',
      'manufacturer org-maker missing-telemetry [cfg]',
      'maintainer org-service recent-maintenance [evt]',
    ],
    ['telemetry', 'control_mode'],
  ],
];

describe('analyseIncident: the rules', () => {
  it('pins the rule names and carries the rules version', () => {
    expect(ANALYSIS_RULES).toEqual([
      'hardware-fault-code',
      'software-fault-code',
      'recent-software-update',
      'human-control',
      'outside-limits',
      'recent-maintenance',
      'missing-telemetry',
    ]);
    expect(analyse().rulesVersion).toBe(RULES_VERSION);
  });

  for (const [name, changes, expected, expectedMissing] of CASES) {
    it(name, () => {
      const analysis = analyse(...changes);
      expect(indicators(analysis)).toEqual(expected);
      expect(missing(analysis)).toEqual(expectedMissing);
    });
  }

  it('lists every party of the incident, in its order, with or without indicators', () => {
    const analysis = analyse();
    expect(analysis.parties.map(({ indicators: list, ...p }) => ({ ...p, count: list.length }))).toEqual(
      PARTIES.map((p) => ({ ...p, count: 0 })),
    );
  });

  it('outputs exactly the pinned shape, with readable summaries', () => {
    const analysis = analyse(faults('tel-2', ['LOCO_BAL_SW', T - 3_000]));
    expect(Object.keys(analysis).sort()).toEqual(['missingEvidence', 'parties', 'rulesVersion']);
    const provider = analysis.parties.find((p) => p.component === 'locomotion')!;
    expect(provider).toEqual({
      role: 'software_provider',
      orgId: 'org-loco',
      component: 'locomotion',
      indicators: [
        {
          rule: 'software-fault-code',
          summary: 'Software fault LOCO_BAL_SW of component locomotion reported at 2026-11-03T13:59:57.000Z.',
          evidence: ['cfg', 'tel-2'],
        },
      ],
    });
    expect(Object.keys(analysis.parties[0]!)).not.toContain('component'); // absent, not undefined
  });
});

describe('analyseIncident: properties', () => {
  const codes = ['LOCO_BAL_SW', 'VIS_DROP_SW', 'ARM_PLAN_SW', 'KNEE_ENC_HW', 'MYSTERY_42'];
  const instant = fc.integer({ min: T - 100 * H, max: T + HOUR_MS });
  const arbChanges = fc.array(
    fc.oneof(
      fc
        .tuple(fc.constantFrom('tel-1' as const, 'tel-2' as const), fc.constantFrom(...codes), instant)
        .map(([item, code, at]) => faults(item, [code, at])),
      fc
        .tuple(
          fc.constantFrom('software_update' as const, 'maintenance' as const),
          instant,
          fc.constantFrom('locomotion', 'vision', 'left_knee', null),
        )
        .map(([type, at, component]) => event(type, at, component)),
      fc
        .constantFrom<ControlMode | null>(null, 'autonomous', 'teleoperated', 'hand_guided')
        .map((m) => control(m)),
      fc.tuple(instant, fc.option(instant, { nil: null })).map(([r, a]) => alert(r, a)),
      fc.constant(beyondLimits),
      fc.constant(noTelemetry),
    ),
    { maxLength: 8 },
  );

  it('every indicator cites at least one evidence item, each once, and only items of the evidence', () => {
    fc.assert(
      fc.property(arbChanges, (changes) => {
        const evidence = base();
        for (const change of changes) change(evidence);
        const known = new Set(['cfg', 'ctl', 'alr', 'evt', ...evidence.telemetry.map((b) => b.itemId)]);
        const analysis = analyseIncident(evidence);
        for (const party of analysis.parties) {
          for (const indicator of party.indicators) {
            expect(indicator.evidence.length).toBeGreaterThan(0);
            expect(new Set(indicator.evidence).size).toBe(indicator.evidence.length);
            for (const id of indicator.evidence) expect(known).toContain(id);
          }
        }
        // Deterministic: the same evidence gives the same analysis.
        expect(analyseIncident(evidence)).toEqual(analysis);
      }),
    );
  });
});
