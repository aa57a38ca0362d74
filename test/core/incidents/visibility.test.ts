// Who sees what of an incident (docs/incidents.md "Who sees what"), as a table: every kind of
// caller × every action → allow, deny (403) or conceal (404).
import { describe, expect, it } from 'vitest';
import {
  decideIncidentAccess,
  type IncidentAction,
  incidentRelation,
} from '../../../src/core/incidents/visibility.js';
import type { OrgKind } from '../../../src/core/organisation.js';

const incident = {
  reportedBy: 'reporter',
  parties: [
    { role: 'manufacturer', orgId: 'maker' },
    { role: 'operator', orgId: 'owner' },
  ],
};

const ACTIONS: IncidentAction[] = [
  'incident.read',
  'incident.evidence.read',
  'incident.evidence.add',
  'incident.govern',
];

// caller, kind, then one outcome per action in ACTIONS order: A allow, D deny (403), C conceal (404).
const TABLE: [string, OrgKind, string][] = [
  ['registry', 'registry', 'A A A A'],
  ['regulator', 'regulator', 'A A A A'],
  ['maker', 'manufacturer', 'A A A D'],
  ['owner', 'operator', 'A A A D'],
  ['reporter', 'assessor', 'A D A D'],
  ['stranger', 'operator', 'C C C C'],
  ['other maker', 'manufacturer', 'C C C C'],
];

describe('incident visibility', () => {
  for (const [orgId, kind, outcomes] of TABLE) {
    it(`${orgId} (${kind}): ${outcomes}`, () => {
      const rel = incidentRelation(orgId, incident);
      const got = ACTIONS.map((action) => {
        const d = decideIncidentAccess({ kind }, action, rel);
        return d.allow ? 'A' : d.conceal ? 'C' : 'D';
      });
      expect(got.join(' ')).toBe(outcomes);
    });
  }

  it('a reporter that is also a party gets the evidence', () => {
    const rel = incidentRelation('owner', { ...incident, reportedBy: 'owner' });
    expect(decideIncidentAccess({ kind: 'operator' }, 'incident.evidence.read', rel).allow).toBe(true);
  });
});
