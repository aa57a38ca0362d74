import { describe, expect, it } from 'vitest';
import {
  decideRobotAccess,
  decideSuspensionReason,
  GRANT_SCOPES,
  GRANTABLE_SCOPES,
  type GrantScope,
  NO_RELATION,
  type RobotAction,
  type RobotRelation,
  ungrantableScopes,
} from '../../src/core/access-policy.js';
import { EVENT_TYPES, SUSPENSION_REASONS } from '../../src/core/lifecycle.js';
import { type Actor, ORG_KINDS, type OrgKind } from '../../src/core/organisation.js';

interface Role {
  kind: OrgKind;
  rel: Partial<RobotRelation>;
}

const grant = (...grantScopes: GrantScope[]): Partial<RobotRelation> => ({ grantScopes });

// Every role the platform knows, as it stands to one robot.
const ROLES = {
  registry: { kind: 'registry', rel: {} },
  regulator: { kind: 'regulator', rel: {} },
  maker: { kind: 'manufacturer', rel: { isManufacturer: true } },
  makerOwner: { kind: 'manufacturer', rel: { isManufacturer: true, isOwner: true } },
  owner: { kind: 'operator', rel: { isOwner: true } },
  otherMaker: { kind: 'manufacturer', rel: {} },
  otherOperator: { kind: 'operator', rel: {} },
  maintainer: { kind: 'maintainer', rel: grant('maintenance', 'telemetry') },
  maintainerNoGrant: { kind: 'maintainer', rel: {} },
  telemetryOnly: { kind: 'maintainer', rel: grant('telemetry') },
  softwareProvider: { kind: 'software_provider', rel: grant('software_update') },
  assessor: { kind: 'assessor', rel: grant('evaluation', 'certification') },
  recycler: { kind: 'recycler', rel: grant('recycling') },
  recyclerNoGrant: { kind: 'recycler', rel: {} },
} satisfies Record<string, Role>;
type RoleName = keyof typeof ROLES;
const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

// A = allow, D = deny (403), C = conceal (404); one letter per role, in ROLE_NAMES order:
//  registry regulator maker makerOwner owner otherMaker otherOperator maintainer maintainerNoGrant
//  telemetryOnly softwareProvider assessor recycler recyclerNoGrant
// biome-ignore format: the table reads as a table
const MATRIX: Record<RobotAction, string> = {
  'robot.read':                 'AAAAACCAC AAAAC',
  'robot.events.read':          'AAAAACCAC AAAAC',
  'robot.telemetry.read':       'AADAACCAC ADDDC',
  'robot.alerts.read':          'AADAACCAC ADDDC',
  'robot.alerts.ack':           'DDDAACCAC DDDDC',
  'robot.alerts.ack_retired_id':'AADDDCCDC DDDDC',
  'robot.transfer.offer':       'DDDAACCDC DDDDC',
  'robot.grants.manage':        'DDDAACCDC DDDDC',
  'robot.grants.read':          'AADAACCDC DDDDC',
  'robot.access_log.read':      'AADAACCDC DDDDC',
  'robot.brand':                'AADDDCCDC DDDDC',
  'robot.event.deployment':     'DDDAACCDC DDDDC',
  'robot.event.maintenance':    'DDDAACCAC DDDDC',
  'robot.event.software_update':'DDDAACCDC DADDC',
  'robot.event.evaluation':     'AADDDCCDC DDADC',
  'robot.event.certification':  'AADDDCCDC DDADC',
  'robot.event.suspension':     'AAAAACCDC DDDDC',
  'robot.event.reinstatement':  'AADDDCCDC DDDDC',
  'robot.event.decommission':   'AADAACCDC DDDDC',
  'robot.event.recycling':      'DDDAACCDC DDDAC',
  'robot.event.key_rotation':   'DDDAACCDC DDDDC',
  'robot.event.sanitization':   'DDDAACCAC DDDAC',
};

function actorOf(kind: OrgKind): Actor {
  return { orgId: '00000000-0000-4000-8000-000000000001', kind, keyId: undefined };
}

function outcome(role: Role, action: RobotAction, extra: Partial<RobotRelation> = {}): string {
  const decision = decideRobotAccess(actorOf(role.kind), action, { ...NO_RELATION, ...role.rel, ...extra });
  if (decision.allow) return 'A';
  return decision.conceal ? 'C' : 'D';
}

describe('decideRobotAccess', () => {
  it('the matrix covers every robot action', () => {
    const actions = Object.keys(MATRIX);
    for (const type of EVENT_TYPES) expect(actions).toContain(`robot.event.${type}`);
  });

  for (const [action, row] of Object.entries(MATRIX) as [RobotAction, string][]) {
    it(action, () => {
      const expected = row.replace(/ /g, '');
      expect(expected).toHaveLength(ROLE_NAMES.length);
      const actual = ROLE_NAMES.map((name) => outcome(ROLES[name], action)).join('');
      const named = (s: string) => ROLE_NAMES.map((name, i) => `${name}=${s[i]}`).join(' ');
      expect(named(actual)).toBe(named(expected));
    });
  }

  it('whoever suspended a robot (owner or manufacturer) may reinstate it; others only if authorities', () => {
    const suspendedByActor = { suspendedByActor: true };
    expect(outcome(ROLES.owner, 'robot.event.reinstatement', suspendedByActor)).toBe('A');
    expect(outcome(ROLES.maker, 'robot.event.reinstatement', suspendedByActor)).toBe('A');
    expect(outcome(ROLES.makerOwner, 'robot.event.reinstatement', suspendedByActor)).toBe('A');
    // A grantee that is somehow recorded as the suspender still is neither owner nor maker.
    expect(outcome(ROLES.maintainer, 'robot.event.reinstatement', suspendedByActor)).toBe('D');
  });

  it('a grant gives exactly its scopes: telemetry needs `telemetry`, alerts `telemetry` or `maintenance`', () => {
    for (const scope of GRANT_SCOPES) {
      const kind = (Object.keys(GRANTABLE_SCOPES) as OrgKind[]).find((k) =>
        GRANTABLE_SCOPES[k]?.includes(scope),
      )!;
      const holder = { kind, rel: grant(scope) };
      expect({ scope, telemetry: outcome(holder, 'robot.telemetry.read') }).toEqual({
        scope,
        telemetry: scope === 'telemetry' ? 'A' : 'D',
      });
      expect({ scope, alerts: outcome(holder, 'robot.alerts.read') }).toEqual({
        scope,
        alerts: scope === 'telemetry' || scope === 'maintenance' ? 'A' : 'D',
      });
      // Any live grant shows the robot it was given for.
      expect(outcome(holder, 'robot.read')).toBe('A');
    }
  });

  it('one rule for refusals: 404 exactly when the robot is not visible at all, 403 otherwise', () => {
    for (const name of ROLE_NAMES) {
      const hidden = outcome(ROLES[name], 'robot.read') === 'C';
      for (const action of Object.keys(MATRIX) as RobotAction[]) {
        const result = outcome(ROLES[name], action);
        if (result !== 'A')
          expect({ name, action, result }).toEqual({ name, action, result: hidden ? 'C' : 'D' });
      }
    }
    // The manufacturer of a sold robot sees it, so its telemetry is forbidden, not hidden.
    expect(outcome(ROLES.maker, 'robot.telemetry.read')).toBe('D');
  });

  it('every decision carries a reason', () => {
    for (const name of ROLE_NAMES) {
      for (const action of Object.keys(MATRIX) as RobotAction[]) {
        const decision = decideRobotAccess(actorOf(ROLES[name].kind), action, {
          ...NO_RELATION,
          ...ROLES[name].rel,
        });
        expect(decision.reason.length).toBeGreaterThan(3);
      }
    }
  });
});

describe('decideSuspensionReason', () => {
  it('authorities and owners give any reason; a manufacturer only recalls', () => {
    for (const reason of SUSPENSION_REASONS) {
      expect(decideSuspensionReason(actorOf('regulator'), reason, NO_RELATION).allow).toBe(true);
      expect(
        decideSuspensionReason(actorOf('operator'), reason, { ...NO_RELATION, isOwner: true }).allow,
      ).toBe(true);
      const maker = decideSuspensionReason(actorOf('manufacturer'), reason, {
        ...NO_RELATION,
        isManufacturer: true,
      });
      expect(maker.allow).toBe(reason === 'recall');
    }
  });
});

describe('grantable scopes', () => {
  it('each kind receives only scopes of its trade, all of them registered', () => {
    for (const kind of ORG_KINDS) {
      for (const scope of GRANTABLE_SCOPES[kind] ?? []) expect(GRANT_SCOPES).toContain(scope);
    }
    expect(ungrantableScopes('maintainer', ['maintenance', 'telemetry'])).toEqual([]);
    expect(ungrantableScopes('maintainer', ['maintenance', 'evaluation'])).toEqual(['evaluation']);
    expect(ungrantableScopes('assessor', ['evaluation', 'certification'])).toEqual([]);
    expect(ungrantableScopes('recycler', ['recycling', 'software_update'])).toEqual(['software_update']);
    for (const kind of ['operator', 'manufacturer', 'regulator', 'registry'] as const) {
      expect(ungrantableScopes(kind, [...GRANT_SCOPES])).toEqual([...GRANT_SCOPES]);
    }
  });
});

describe('a recall remedy (docs/recalls.md)', () => {
  it('lets the manufacturer install an open recall’s software remedy without a grant, and nothing else', () => {
    const remedy = { installsRecallRemedy: true };
    expect(outcome(ROLES.maker, 'robot.event.software_update')).toBe('D');
    expect(outcome(ROLES.maker, 'robot.event.software_update', remedy)).toBe('A');
    // Only the software update: the remedy opens no other door.
    expect(outcome(ROLES.maker, 'robot.event.maintenance', remedy)).toBe('D');
    // Another manufacturer, or an operator that does not own the robot, gains nothing by it.
    expect(outcome(ROLES.otherMaker, 'robot.event.software_update', remedy)).toBe('C');
    expect(outcome(ROLES.maintainer, 'robot.event.software_update', remedy)).toBe('D');
  });
});
