// The access policy as a pure function: (actor, action, relationship to the robot) → a
// decision with a reason. Routes ask it once per request; the authorization matrix test runs
// every role against every route through the real app.
//
// Rules (issue "Registry", docs/api.md):
// - the registry and regulators read everything;
// - a manufacturer its own models and units (also after it sold them: it follows its products);
// - the owner its robots;
// - the manufacturer may suspend its product for a recall, and lift its own suspension;
//   it may install the software remedy of an open recall without a grant (docs/recalls.md);
// - maintainers, assessors, software providers and recyclers act only under a live, scoped,
//   expiring grant from the owner, and a grant gives exactly its scopes: any live grant lets
//   its holder see the robot and its events (it must find what it works on), but telemetry
//   needs the `telemetry` scope, alerts `telemetry` or `maintenance`, each event type its own;
// - one rule for refusals: a caller that may not see the robot at all gets "not found" (even
//   "forbidden" would confirm that it exists); a caller that sees it (a manufacturer after the
//   sale, a grantee outside its scopes) gets "forbidden".
import type { EventType, SuspensionReason } from './lifecycle.js';
import { type Actor, type OrgKind, seesEverything } from './organisation.js';

export const GRANT_SCOPES = [
  'maintenance',
  'software_update',
  'evaluation',
  'certification',
  'recycling',
  'telemetry',
] as const;
export type GrantScope = (typeof GRANT_SCOPES)[number];

/** Which scopes an organisation of each kind can be granted; others cannot receive grants. */
export const GRANTABLE_SCOPES: Partial<Record<OrgKind, readonly GrantScope[]>> = {
  maintainer: ['maintenance', 'telemetry'],
  software_provider: ['software_update', 'telemetry'],
  assessor: ['evaluation', 'certification', 'telemetry'],
  recycler: ['recycling', 'telemetry'],
};

/** The grant scopes that let their holder read a robot's telemetry. */
export const TELEMETRY_READ_SCOPES: readonly GrantScope[] = ['telemetry'];
/** The grant scopes that let their holder read a robot's alerts: a maintainer acknowledges
 *  them, so it sees them. */
export const ALERT_READ_SCOPES: readonly GrantScope[] = ['telemetry', 'maintenance'];

/** How the actor stands to one robot; computed by the caller from the registry. */
export interface RobotRelation {
  isOwner: boolean;
  isManufacturer: boolean;
  /** Scopes of the actor's live (unexpired, unrevoked) grants on this robot. */
  grantScopes: readonly GrantScope[];
  /** Whether the actor is the organisation that suspended the robot. */
  suspendedByActor: boolean;
  /**
   * For a software update: whether it installs the remedy of a recall campaign that affects
   * the robot and is not remedied on it yet (docs/recalls.md).
   */
  installsRecallRemedy?: boolean;
}

export const NO_RELATION: RobotRelation = {
  isOwner: false,
  isManufacturer: false,
  grantScopes: [],
  suspendedByActor: false,
};

export type RobotAction =
  | 'robot.read'
  | 'robot.events.read'
  | 'robot.telemetry.read'
  | 'robot.transfer.offer'
  | 'robot.grants.manage'
  | 'robot.grants.read'
  | 'robot.alerts.read'
  | 'robot.alerts.ack'
  | 'robot.alerts.ack_retired_id'
  | 'robot.access_log.read'
  | 'robot.brand'
  | `robot.event.${EventType}`;

export type Decision =
  | { allow: true; reason: string }
  /** `conceal`: answer 404, because even saying "forbidden" would confirm the robot exists. */
  | { allow: false; reason: string; conceal: boolean };

const allow = (reason: string): Decision => ({ allow: true, reason });
const deny = (reason: string): Decision => ({ allow: false, reason, conceal: false });
const conceal = (reason: string): Decision => ({ allow: false, reason, conceal: true });

function visible(actor: Actor, rel: RobotRelation): boolean {
  return seesEverything(actor.kind) || rel.isOwner || rel.isManufacturer || rel.grantScopes.length > 0;
}

function byOwnerOrScope(rel: RobotRelation, scope: GrantScope, what: string): Decision {
  if (rel.isOwner) return allow(`the owner records ${what}`);
  if (rel.grantScopes.includes(scope)) return allow(`a live grant with scope ${scope}`);
  return deny(`${what} needs the owner or a live grant with scope ${scope}`);
}

function readsTelemetry(
  actor: Actor,
  rel: RobotRelation,
  scopes: readonly GrantScope[],
  what: string,
): Decision {
  if (seesEverything(actor.kind)) return allow(`${actor.kind} reads all ${what}`);
  if (rel.isOwner) return allow(`the owner reads its ${what}`);
  const scope = scopes.find((s) => rel.grantScopes.includes(s));
  if (scope) return allow(`a live grant with scope ${scope}`);
  return deny(`${what} is for the owner, authorities and a live grant with scope ${scopes.join(' or ')}`);
}

/** May `actor` do `action` on a robot it stands to as `rel`? */
export function decideRobotAccess(actor: Actor, action: RobotAction, rel: RobotRelation): Decision {
  if (!visible(actor, rel)) return conceal('the robot is not visible to this organisation');
  const authority = seesEverything(actor.kind);
  switch (action) {
    case 'robot.read':
    case 'robot.events.read':
      return allow('visible to this organisation');
    case 'robot.telemetry.read':
      return readsTelemetry(actor, rel, TELEMETRY_READ_SCOPES, 'telemetry');
    case 'robot.alerts.read':
      return readsTelemetry(actor, rel, ALERT_READ_SCOPES, 'alerts');
    case 'robot.alerts.ack':
      if (rel.isOwner) return allow('the owner acknowledges its alerts');
      if (rel.grantScopes.includes('maintenance')) return allow('a live maintenance grant');
      return deny('alerts are acknowledged by the owner or its maintainer');
    case 'robot.alerts.ack_retired_id':
      // A recycled robot's identity still reporting is a cloned identity: the authorities'
      // matter (docs/end-of-life.md), not something its last owner may wave away.
      return authority
        ? allow(`${actor.kind} acknowledges a retired identity reporting`)
        : deny('a retired identity reporting is acknowledged by the registry or a regulator');
    case 'robot.transfer.offer':
      return rel.isOwner ? allow('the owner transfers') : deny('only the owner can transfer a robot');
    case 'robot.grants.manage':
      return rel.isOwner ? allow('the owner grants access') : deny('only the owner grants access');
    case 'robot.grants.read':
      return rel.isOwner || authority ? allow('owner or authority') : deny('grants are the owner’s');
    case 'robot.access_log.read':
      // Who read the owner's robot data is the owner's to know, and the authorities'.
      return rel.isOwner || authority
        ? allow('owner or authority reads who read the robot’s data')
        : deny('the access log is for the owner and authorities');
    case 'robot.brand':
      // A brand is permanent and follows the robot through every sale: an authority's finding,
      // never the word of a party to the sale (docs/certificates.md).
      return authority
        ? allow(`${actor.kind} brands robots`)
        : deny('brands are recorded by the registry or a regulator');
    case 'robot.event.deployment':
    case 'robot.event.key_rotation':
      return rel.isOwner ? allow('the owner') : deny(`only the owner records ${action.slice(12)}`);
    case 'robot.event.maintenance':
      return byOwnerOrScope(rel, 'maintenance', 'maintenance');
    case 'robot.event.software_update':
      // A recall's remedy: the manufacturer installs it on its product without the owner's grant.
      if (rel.isManufacturer && rel.installsRecallRemedy === true && !rel.isOwner)
        return allow('the manufacturer installs the remedy of an open recall');
      return byOwnerOrScope(rel, 'software_update', 'software updates');
    case 'robot.event.evaluation':
      // Not the owner: a robot's intelligence level is graded by an assessor, not claimed.
      if (authority) return allow(`${actor.kind} records evaluations`);
      return rel.grantScopes.includes('evaluation')
        ? allow('a live grant with scope evaluation')
        : deny('evaluations are recorded by an assessor under grant, or by an authority');
    case 'robot.event.certification':
      if (authority) return allow(`${actor.kind} records certifications`);
      return rel.grantScopes.includes('certification')
        ? allow('a live grant with scope certification')
        : deny('certifications are recorded by an assessor under grant, or by an authority');
    case 'robot.event.suspension':
      if (authority || rel.isOwner) return allow('owner or authority suspends');
      // A recall is the manufacturer's; decideSuspensionReason keeps it to that reason.
      return rel.isManufacturer
        ? allow('the manufacturer suspends for a recall')
        : deny('only the owner, the manufacturer (recall) or an authority suspends');
    case 'robot.event.reinstatement':
      if (authority) return allow(`${actor.kind} reinstates`);
      return rel.suspendedByActor && (rel.isOwner || rel.isManufacturer)
        ? allow('the organisation that suspended the robot lifts its own suspension')
        : deny('only an authority, or the organisation that suspended it, reinstates a robot');
    case 'robot.event.decommission':
      return authority || rel.isOwner
        ? allow('owner or authority decommissions')
        : deny('only the owner decommissions');
    case 'robot.event.recycling':
      return byOwnerOrScope(rel, 'recycling', 'recycling');
    case 'robot.event.sanitization':
      // Wiping storage media before recycling: the recycler's work, or a maintainer's.
      if (rel.isOwner) return allow('the owner records sanitization');
      return rel.grantScopes.includes('recycling') || rel.grantScopes.includes('maintenance')
        ? allow('a live grant with scope recycling or maintenance')
        : deny('sanitization needs the owner or a live grant with scope recycling or maintenance');
  }
}

/** May `actor` suspend a robot for `reason`? Authorities and the owner give any reason; a
 *  manufacturer that does not own the robot suspends it only for a recall. */
export function decideSuspensionReason(actor: Actor, reason: SuspensionReason, rel: RobotRelation): Decision {
  if (seesEverything(actor.kind) || rel.isOwner) return allow('owner or authority');
  if (rel.isManufacturer && reason === 'recall') return allow('the manufacturer recalls its product');
  return deny(`a manufacturer suspends a robot it does not own only for a recall, not for "${reason}"`);
}

export type RegistryAction =
  | 'org.create'
  | 'org.list'
  | 'model.create'
  | 'site.create'
  | 'robot.file'
  | 'catalogue.read'
  | 'incident.report'
  | 'approval.issue';

/** Actions that concern no single robot. */
export function decideRegistryAccess(actor: Actor, action: RegistryAction): Decision {
  switch (action) {
    case 'org.create':
      return actor.kind === 'registry'
        ? allow('the registry creates organisations')
        : deny('only the registry creates organisations');
    case 'org.list':
      return seesEverything(actor.kind)
        ? allow('authorities list organisations')
        : deny('only authorities list organisations');
    case 'model.create':
    case 'site.create':
    case 'robot.file':
      return actor.kind === 'manufacturer'
        ? allow('a manufacturer files its products')
        : deny('only manufacturers do this');
    case 'catalogue.read':
      return allow('models and sites are product information for every organisation');
    case 'incident.report':
      return allow('any organisation may report an incident it can see');
    case 'approval.issue':
      // A type approval is a conformity finding about a model: by an authority or an assessment
      // body, never by the manufacturer whose model it approves.
      return seesEverything(actor.kind) || actor.kind === 'assessor'
        ? allow(`${actor.kind} issues type approvals`)
        : deny('type approvals are issued by the registry, a regulator or an assessor');
  }
}

/** May `actor` manage the keys of organisation `orgId`? */
export function decideKeyAccess(actor: Actor, orgId: string): Decision {
  if (actor.kind === 'registry') return allow('the registry manages every organisation’s keys');
  if (actor.orgId === orgId) return allow('an organisation manages its own keys');
  return conceal('another organisation’s keys');
}

/** May `grantee` of `kind` receive `scopes`? Returns the scopes it may not receive. */
export function ungrantableScopes(kind: OrgKind, scopes: readonly GrantScope[]): GrantScope[] {
  const allowed = GRANTABLE_SCOPES[kind] ?? [];
  return scopes.filter((s) => !allowed.includes(s));
}
