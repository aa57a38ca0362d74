// The preliminary attribution of an incident: documented, versioned rules that read the frozen
// evidence and point indicators at the parties, each citing the evidence items it rests on
// (docs/incidents.md "Analysis rules (the pure core)"). It is a starting point for the
// investigators, not a verdict: findings are theirs to make.
//
// Pure: the evidence comes in already read from the incident's items, the analysis comes out;
// the same evidence under the same RULES_VERSION always gives the same analysis, in the same
// order, so an analysis can be recomputed and compared years later.

import { type ControlInterval, intervalAt, type TimelineMode, UNKNOWN_MODE } from './control-timeline.js';
import { HOUR_MS, inWindow, type TimeWindow } from './incident.js';

/**
 * The version of the rules below. Bump it with every change to what a rule looks at, the
 * parties it points at, its thresholds or its evidence, however small, and say what changed in
 * docs/incidents.md: an analysis is only comparable to another of the same version.
 */
export const RULES_VERSION = 'incident-rules/1';

/** The rules, in the order their indicators are listed. */
export const ANALYSIS_RULES = [
  'hardware-fault-code',
  'software-fault-code',
  'recent-software-update',
  'human-control',
  'outside-limits',
  'recent-maintenance',
  'missing-telemetry',
] as const;
export type AnalysisRule = (typeof ANALYSIS_RULES)[number];

export const PARTY_ROLES = ['manufacturer', 'software_provider', 'operator', 'maintainer'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

/** How far back an update or a maintenance counts as recent. */
export const RECENT_CHANGE_MS = 72 * HOUR_MS;
/** How long an alert may stay open unacknowledged before leaving it so counts against the operator. */
export const UNACKNOWLEDGED_ALERT_MS = 24 * HOUR_MS;

/** The control modes in which a person, not the robot's own software, commanded the robot. */
export const HUMAN_CONTROL_MODES: readonly TimelineMode[] = [
  'teleoperated',
  'operator_commanded',
  'hand_guided',
];

export interface Party {
  role: PartyRole;
  orgId: string;
  /** For a software provider: the component it provides. */
  component?: string;
}

export interface SoftwareComponent {
  component: string;
  version: string;
  providerOrgId: string;
  /** Since when (epoch ms) the robot has run this version, as the platform knows it. */
  since: number;
  /** Whether the robot's own signed telemetry reported this version before `occurredAt`. */
  attested: boolean;
}

export type FaultOrigin = 'hardware' | 'software';

/** A fault code the robot's model declares. */
export interface FaultCodeDeclaration {
  code: string;
  /** A software component (as named in the configuration and in updates) or a hardware part. */
  component: string;
  origin: FaultOrigin;
}

/** Everything the analysis reads, each fact with the id of the evidence item it comes from. */
export interface IncidentEvidence {
  occurredAt: number;
  window: TimeWindow;
  /** The incident's parties, in the incident's order. */
  parties: readonly Party[];
  /** The `configuration` item: software components and the fault codes of the robot's model. */
  configuration: {
    itemId: string;
    software: readonly SoftwareComponent[];
    faultCodes: readonly FaultCodeDeclaration[];
  };
  /** The `telemetry` items: every signed batch with a sample in the window, with its faults. */
  telemetry: readonly { itemId: string; faults: readonly { code: string; at: number }[] }[];
  /** The `control_timeline` item, or null when there is none. */
  controlTimeline: { itemId: string; intervals: readonly ControlInterval[] } | null;
  /** Whether the robot was beyond its model's limits at `occurredAt`, and the items that show it. */
  limits: { beyondAtOccurredAt: boolean; conditions: readonly string[]; itemIds: readonly string[] };
  /** The `alerts` item: the robot's alerts with when they were raised and acknowledged. */
  alerts: {
    itemId: string;
    alerts: readonly { condition: string; raisedAt: number; acknowledgedAt: number | null }[];
  } | null;
  /** The `events` item: the robot's software updates and maintenance, with who recorded them. */
  events: {
    itemId: string;
    events: readonly {
      type: 'software_update' | 'maintenance';
      at: number;
      /** The component updated or maintained; null when the event does not name one. */
      component: string | null;
      /** The organisation that recorded the event. */
      orgId: string;
    }[];
  } | null;
}

export interface Indicator {
  rule: AnalysisRule;
  summary: string;
  /** The ids of the evidence items the indicator rests on, in order, each once. */
  evidence: string[];
}

export interface PartyAnalysis extends Party {
  indicators: Indicator[];
}

export const MISSING_EVIDENCE_KINDS = ['telemetry', 'control_mode', 'software_provider'] as const;
export type MissingEvidenceKind = (typeof MISSING_EVIDENCE_KINDS)[number];

/** Evidence a rule needed and did not find. */
export interface MissingEvidence {
  kind: MissingEvidenceKind;
  summary: string;
}

export interface IncidentAnalysis {
  rulesVersion: string;
  /** Every party of the incident (with or without indicators), then any party only a rule named. */
  parties: PartyAnalysis[];
  missingEvidence: MissingEvidence[];
}

type FaultSeen = {
  code: string;
  component: string;
  origin: FaultOrigin | 'unknown';
  firstAt: number;
  itemIds: string[];
};

const iso = (ms: number) => new Date(ms).toISOString();
const unique = (ids: readonly string[]) => [...new Set(ids)];

/** The faults reported in the window, one per code, with the items that report it. */
function faultsInWindow(evidence: IncidentEvidence): FaultSeen[] {
  const declared = new Map(evidence.configuration.faultCodes.map((f) => [f.code, f]));
  const byCode = new Map<string, FaultSeen>();
  for (const batch of evidence.telemetry) {
    for (const fault of batch.faults) {
      if (!inWindow(evidence.window, fault.at)) continue;
      const seen = byCode.get(fault.code);
      if (seen) {
        seen.firstAt = Math.min(seen.firstAt, fault.at);
        if (!seen.itemIds.includes(batch.itemId)) seen.itemIds.push(batch.itemId);
        continue;
      }
      const declaration = declared.get(fault.code);
      byCode.set(fault.code, {
        code: fault.code,
        // A code the model does not declare has origin `unknown`: no fault rule can use it.
        component: declaration?.component ?? '',
        origin: declaration?.origin ?? 'unknown',
        firstAt: fault.at,
        itemIds: [batch.itemId],
      });
    }
  }
  return [...byCode.values()].sort((a, b) => a.firstAt - b.firstAt || (a.code < b.code ? -1 : 1));
}

/** Runs every rule over the evidence. */
export function analyseIncident(evidence: IncidentEvidence): IncidentAnalysis {
  const parties: PartyAnalysis[] = evidence.parties.map((p) => ({ ...p, indicators: [] }));
  const missingEvidence: MissingEvidence[] = [];
  const configId = evidence.configuration.itemId;

  const against = (party: Party, indicator: Indicator) => {
    let target = parties.find(
      (p) => p.role === party.role && p.orgId === party.orgId && p.component === party.component,
    );
    if (!target) {
      target = { ...party, indicators: [] };
      parties.push(target);
    }
    target.indicators.push({ ...indicator, evidence: unique(indicator.evidence) });
  };
  const partiesWithRole = (role: PartyRole) => evidence.parties.filter((p) => p.role === role);
  const providerOf = (component: string): Party | undefined => {
    const sw = evidence.configuration.software.find((s) => s.component === component);
    return sw && { role: 'software_provider', orgId: sw.providerOrgId, component };
  };
  const missingProvider = (component: string, why: string) => {
    const summary = `No provider is known for component ${component} (${why}): it is not in the configuration.`;
    if (!missingEvidence.some((m) => m.summary === summary)) {
      missingEvidence.push({ kind: 'software_provider', summary });
    }
  };

  const faults = faultsInWindow(evidence);
  const faultItems = (f: FaultSeen) => [configId, ...f.itemIds];

  // hardware-fault-code: a declared hardware fault in the window points at the manufacturer.
  for (const f of faults.filter((x) => x.origin === 'hardware')) {
    for (const manufacturer of partiesWithRole('manufacturer')) {
      against(manufacturer, {
        rule: 'hardware-fault-code',
        summary: `Hardware fault ${f.code} (${f.component}) reported at ${iso(f.firstAt)}.`,
        evidence: faultItems(f),
      });
    }
  }

  // software-fault-code: a declared software fault points at the provider of its component.
  for (const f of faults.filter((x) => x.origin === 'software')) {
    const provider = providerOf(f.component);
    if (!provider) {
      missingProvider(f.component, `software fault ${f.code}`);
      continue;
    }
    against(provider, {
      rule: 'software-fault-code',
      summary: `Software fault ${f.code} of component ${f.component} reported at ${iso(f.firstAt)}.`,
      evidence: faultItems(f),
    });
  }

  // Software faults name software components; hardware faults name parts, which no update
  // touches but maintenance may. So updates narrow to the components of software faults,
  // maintenance to the components of any declared fault.
  const softwareFaultComponents = new Set(
    faults.filter((f) => f.origin === 'software').map((f) => f.component),
  );
  const anyFaultComponents = new Set(faults.filter((f) => f.origin !== 'unknown').map((f) => f.component));
  const recent = (at: number) => at < evidence.occurredAt && at >= evidence.occurredAt - RECENT_CHANGE_MS;
  const events = evidence.events;

  // recent-software-update: an update in the 72 h before, of the faulting component when a
  // software fault names one, of any component otherwise.
  for (const e of events?.events ?? []) {
    if (e.type !== 'software_update' || !recent(e.at) || e.component === null) continue;
    if (softwareFaultComponents.size > 0 && !softwareFaultComponents.has(e.component)) continue;
    const provider = providerOf(e.component);
    if (!provider) {
      missingProvider(e.component, `updated at ${iso(e.at)}`);
      continue;
    }
    const faultIds = faults.filter((f) => f.component === e.component && f.origin === 'software');
    against(provider, {
      rule: 'recent-software-update',
      summary: `Component ${e.component} was updated at ${iso(e.at)}, within 72 h before the incident.`,
      evidence: [events!.itemId, configId, ...faultIds.flatMap((f) => f.itemIds)],
    });
  }

  // human-control: a person commanded the robot at occurredAt.
  const timeline = evidence.controlTimeline;
  const atIncident = timeline ? intervalAt(timeline.intervals, evidence.occurredAt) : undefined;
  if (atIncident && HUMAN_CONTROL_MODES.includes(atIncident.mode)) {
    for (const operator of partiesWithRole('operator')) {
      against(operator, {
        rule: 'human-control',
        summary: `At the incident the robot was ${atIncident.mode.replace('_', ' ')} by ${atIncident.source} (from ${iso(atIncident.from)}).`,
        evidence: [timeline!.itemId],
      });
    }
  } else if (!atIncident || atIncident.mode === UNKNOWN_MODE) {
    missingEvidence.push({
      kind: 'control_mode',
      summary: `The telemetry does not say who was in control at ${iso(evidence.occurredAt)}.`,
    });
  }

  // outside-limits: beyond the model's limits at occurredAt, or an alert left open
  // unacknowledged for more than 24 h.
  for (const operator of partiesWithRole('operator')) {
    if (evidence.limits.beyondAtOccurredAt) {
      against(operator, {
        rule: 'outside-limits',
        summary: `At the incident the robot was beyond its model's limits (${evidence.limits.conditions.join(', ')}).`,
        // The limits are the model's, stated in the configuration: cited even when nothing else is.
        evidence: [configId, ...evidence.limits.itemIds],
      });
    }
    for (const alert of evidence.alerts?.alerts ?? []) {
      const ackedBefore = alert.acknowledgedAt !== null && alert.acknowledgedAt <= evidence.occurredAt;
      if (ackedBefore || evidence.occurredAt - alert.raisedAt <= UNACKNOWLEDGED_ALERT_MS) continue;
      against(operator, {
        rule: 'outside-limits',
        summary: `Alert ${alert.condition}, raised at ${iso(alert.raisedAt)}, was still unacknowledged at the incident.`,
        evidence: [evidence.alerts!.itemId],
      });
    }
  }

  // recent-maintenance: maintenance in the 72 h before, on the faulting component when a
  // declared fault names one; it points at whoever recorded it, as maintainer.
  for (const e of events?.events ?? []) {
    if (e.type !== 'maintenance' || !recent(e.at)) continue;
    if (anyFaultComponents.size > 0 && (e.component === null || !anyFaultComponents.has(e.component)))
      continue;
    const related = faults.filter((f) => f.origin !== 'unknown' && f.component === e.component);
    against(
      { role: 'maintainer', orgId: e.orgId },
      {
        rule: 'recent-maintenance',
        summary: `Maintenance${e.component ? ` on ${e.component}` : ''} at ${iso(e.at)}, within 72 h before the incident.`,
        evidence: [
          events!.itemId,
          ...(related.length > 0 ? [configId] : []),
          ...related.flatMap((f) => f.itemIds),
        ],
      },
    );
  }

  // missing-telemetry: no signed telemetry in the window. As where legally required logs are
  // missing, the presumption falls on the manufacturer, whose robot should have kept them.
  if (evidence.telemetry.length === 0) {
    missingEvidence.unshift({
      kind: 'telemetry',
      summary: `No signed telemetry covers ${iso(evidence.window.from)} to ${iso(evidence.window.to)}.`,
    });
    for (const manufacturer of partiesWithRole('manufacturer')) {
      against(manufacturer, {
        rule: 'missing-telemetry',
        summary: 'The robot sent no signed telemetry for the evidence window (a presumption, not a finding).',
        evidence: [configId],
      });
    }
  }

  for (const p of parties) p.indicators.sort((a, b) => ruleOrder(a.rule) - ruleOrder(b.rule));
  return { rulesVersion: RULES_VERSION, parties, missingEvidence };
}

function ruleOrder(rule: AnalysisRule): number {
  return ANALYSIS_RULES.indexOf(rule);
}
