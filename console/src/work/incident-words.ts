// How the incident pages word the platform's incident codes.
const KIND: Record<string, string> = {
  injury: 'Injury',
  property_damage: 'Property damage',
  collision: 'Collision',
  fall: 'Fall',
  malfunction: 'Malfunction',
  near_miss: 'Near miss',
  data_breach: 'Data breach',
  information_leak: 'Information leak',
  cybersecurity: 'Cybersecurity',
  other: 'Other',
};
const SEVERITY: Record<string, string> = {
  fatal: 'Fatal',
  serious: 'Serious',
  moderate: 'Moderate',
  minor: 'Minor',
  near_miss: 'Near miss',
};
const STATUS: Record<string, string> = {
  reported: 'Reported',
  investigating: 'Investigating',
  preliminary_report: 'Preliminary report',
  final_report: 'Final report',
  closed: 'Closed',
};
const PARTY_ROLE: Record<string, string> = {
  manufacturer: 'Manufacturer',
  software_provider: 'Software provider',
  operator: 'Operator',
  maintainer: 'Maintainer',
};

export const kindLabel = (kind: string) => KIND[kind] ?? kind;
export const severityLabel = (severity: string) => SEVERITY[severity] ?? severity;
export const incidentStatusLabel = (status: string) => STATUS[status] ?? status;
export const partyRoleLabel = (role: string) => PARTY_ROLE[role] ?? role;
