// What a robot's records chain says, read from its records alone (docs/history-report.md
// "Recomputed from the records"). The server builds the report's summary with this function and
// the offline verifier recomputes it with the same one from the opened records, so a summary
// that the records do not support is named. Pure: records in chain order in, facts out.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** One owner's time with the robot; `to` null while it still owns it. */
export interface OwnershipPeriod {
  orgId: string;
  from: string;
  to: string | null;
}

/** The software a component runs as the records tell it: the last update's version. */
export interface InstalledSoftware {
  component: string;
  version: string;
  providerOrgId: string | null;
  since: string;
}

export interface ChainFacts {
  /** The status the last status-bearing event left the robot in; null before any. */
  status: string | null;
  /** Stretches in service: from a transition into in_service to the next one out. */
  inService: { from: string; to: string | null }[];
  ownership: OwnershipPeriod[];
  modelId: string | null;
  hardwareRevision: string | null;
  intelligenceLevel: number | null;
  software: InstalledSoftware[];
  incidents: number;
  /** Fatal or serious incidents (the ones that hold a robot when reported). */
  seriousIncidents: number;
  /** Brand names in the order first recorded. */
  brands: string[];
  /** Whether any incident's hold is still active at the chain's end. */
  holdActive: boolean;
  /** The approval named by the latest certification event; null without one. */
  approvalId: string | null;
  /** Whether telemetry ever showed a usage counter running backwards (an alert in the chain). */
  usageRollback: boolean;
}

/** Reads a robot's records chain (seq 0 … head) into the facts the report summarises. */
export function chainFacts(records: readonly unknown[]): ChainFacts {
  const facts: ChainFacts = {
    status: null,
    inService: [],
    ownership: [],
    modelId: null,
    hardwareRevision: null,
    intelligenceLevel: null,
    software: [],
    incidents: 0,
    seriousIncidents: 0,
    brands: [],
    holdActive: false,
    approvalId: null,
    usageRollback: false,
  };
  const holds = new Map<string, boolean>();
  const software = new Map<string, InstalledSoftware>();
  for (const record of records) {
    if (!isObject(record)) continue;
    switch (record.kind) {
      case 'robot_event':
        robotEvent(facts, software, record);
        break;
      case 'incident': {
        facts.incidents++;
        if (typeof record.severity === 'string' && isSerious(record.severity)) facts.seriousIncidents++;
        const id = text(record.incidentId);
        if (id !== null) holds.set(id, record.hold === true);
        break;
      }
      case 'incident_hold': {
        const id = text(record.incidentId);
        if (id !== null) holds.set(id, record.active === true);
        break;
      }
      case 'robot_brand': {
        const brand = text(record.brand);
        if (brand !== null && !facts.brands.includes(brand)) facts.brands.push(brand);
        break;
      }
      case 'telemetry_alert':
        if (record.condition === 'usage_counter_rollback') facts.usageRollback = true;
        break;
    }
  }
  facts.holdActive = [...holds.values()].some(Boolean);
  facts.software = [...software.values()].sort((a, b) => (a.component < b.component ? -1 : 1));
  return facts;
}

/** Fatal or serious: as the public check counts them. */
function isSerious(severity: string): boolean {
  return severity === 'fatal' || severity === 'serious';
}

function robotEvent(facts: ChainFacts, software: Map<string, InstalledSoftware>, record: Json): void {
  const data = isObject(record.data) ? record.data : {};
  const at = text(record.occurredAt) ?? '';
  const toStatus = text(record.toStatus);
  if (toStatus !== null) {
    const wasInService = facts.status === 'in_service';
    if (toStatus === 'in_service' && !wasInService) facts.inService.push({ from: at, to: null });
    if (toStatus !== 'in_service' && wasInService) {
      const open = facts.inService[facts.inService.length - 1];
      if (open) open.to = at;
    }
    facts.status = toStatus;
  }
  switch (record.type) {
    case 'filing': {
      facts.modelId = text(data.modelId);
      facts.hardwareRevision = text(data.hardwareRevision);
      if (typeof data.intelligenceLevel === 'number') facts.intelligenceLevel = data.intelligenceLevel;
      const owner = text(data.ownerId) ?? text(record.actorOrgId);
      if (owner !== null) facts.ownership.push({ orgId: owner, from: at, to: null });
      break;
    }
    case 'recoding':
      if (typeof data.hardwareRevision === 'string') facts.hardwareRevision = data.hardwareRevision;
      if (typeof data.intelligenceLevel === 'number') facts.intelligenceLevel = data.intelligenceLevel;
      break;
    case 'evaluation':
      if (typeof data.intelligenceLevel === 'number') facts.intelligenceLevel = data.intelligenceLevel;
      break;
    case 'ownership_transfer': {
      const to = text(data.toOrgId);
      const last = facts.ownership[facts.ownership.length - 1];
      if (last) last.to = at;
      if (to !== null) facts.ownership.push({ orgId: to, from: at, to: null });
      break;
    }
    case 'software_update': {
      const component = text(data.component);
      const version = text(data.toVersion);
      if (component !== null && version !== null) {
        software.set(component, {
          component,
          version,
          providerOrgId: text(data.providerOrgId),
          since: at,
        });
      }
      break;
    }
    case 'certification':
      facts.approvalId = text(data.approvalId);
      break;
  }
}
