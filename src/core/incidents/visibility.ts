// Who may see and do what with an incident (docs/incidents.md "Who sees what"), as a pure
// decision like the robot access policy's. The registry and regulators see every incident;
// its parties (the operator, manufacturer, software providers and maintainers named at the
// report) get the incident and all of its evidence (the disclosure between parties that
// liability law expects); the reporter sees the incident it reported and may add evidence to
// it; anyone else is told the incident does not exist, since even "forbidden" would confirm
// that a robot had an incident.
import { type Actor, seesEverything } from '../organisation.js';

export type IncidentAction =
  /** The incident itself: what, when, parties, hold, status, findings. */
  | 'incident.read'
  /** Its evidence items, analysis, custody log and bundle. */
  | 'incident.evidence.read'
  /** Adding an attachment. */
  | 'incident.evidence.add'
  /** Setting or releasing the hold, moving the investigation, recording findings. */
  | 'incident.govern';

/** How an organisation stands to an incident. */
export interface IncidentRelation {
  isParty: boolean;
  isReporter: boolean;
}

export type IncidentDecision =
  | { allow: true; reason: string }
  /** `conceal`: answer 404 INCIDENT_NOT_FOUND. */
  | { allow: false; reason: string; conceal: boolean };

const allow = (reason: string): IncidentDecision => ({ allow: true, reason });
const deny = (reason: string): IncidentDecision => ({ allow: false, reason, conceal: false });
const conceal = (reason: string): IncidentDecision => ({ allow: false, reason, conceal: true });

/** The relation of `orgId` to an incident with these parties and this reporter. */
export function incidentRelation(
  orgId: string,
  incident: { reportedBy: string; parties: readonly { orgId: string }[] },
): IncidentRelation {
  return {
    isParty: incident.parties.some((p) => p.orgId === orgId),
    isReporter: incident.reportedBy === orgId,
  };
}

export function decideIncidentAccess(
  actor: Pick<Actor, 'kind'>,
  action: IncidentAction,
  rel: IncidentRelation,
): IncidentDecision {
  const authority = seesEverything(actor.kind);
  if (!authority && !rel.isParty && !rel.isReporter)
    return conceal('not a party, the reporter or an authority');
  switch (action) {
    case 'incident.read':
      return allow(authority ? 'authorities see every incident' : rel.isParty ? 'a party' : 'the reporter');
    case 'incident.evidence.read':
      if (authority) return allow('authorities see all evidence');
      if (rel.isParty) return allow('the parties get the evidence (disclosure)');
      return deny('the reporter sees the incident, not its evidence, unless it is a party');
    case 'incident.evidence.add':
      return allow('parties, the reporter and authorities add evidence');
    case 'incident.govern':
      return authority ? allow('an authority') : deny('only the registry or a regulator does this');
  }
}
