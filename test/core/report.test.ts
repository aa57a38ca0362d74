// The report's pure parts: telemetry gaps, the facts read from a records chain, the tier rule,
// and that the page escapes what organisations wrote.
import { describe, expect, it } from 'vitest';
import { NO_RELATION } from '../../src/core/access-policy.js';
import { chainFacts } from '../../src/core/report/chain-facts.js';
import { decideReportTier } from '../../src/core/report/report-access.js';
import { TELEMETRY_GAP_MS, telemetryGaps } from '../../src/core/report/telemetry-gaps.js';
import { escapeHtml } from '../../src/server/features/report/report-html.js';

const H = 3_600_000;

describe('telemetry gaps', () => {
  it('finds silences over 24 h in service, clipped to the service periods', () => {
    const service = [{ fromMs: 0, toMs: 100 * H }];
    const runs = [
      { fromMs: 2 * H, toMs: 10 * H },
      { fromMs: 40 * H, toMs: 50 * H },
    ];
    expect(telemetryGaps(service, runs)).toEqual([
      { fromMs: 10 * H, toMs: 40 * H },
      { fromMs: 50 * H, toMs: 100 * H },
    ]);
  });

  it('a silence of exactly 24 h is no gap; no telemetry at all is one gap; out of service is none', () => {
    expect(telemetryGaps([{ fromMs: 0, toMs: TELEMETRY_GAP_MS }], [])).toEqual([]);
    expect(telemetryGaps([{ fromMs: 0, toMs: 30 * H }], [])).toEqual([{ fromMs: 0, toMs: 30 * H }]);
    expect(telemetryGaps([], [{ fromMs: 0, toMs: H }])).toEqual([]);
  });
});

describe('chain facts', () => {
  const event = (
    type: string,
    toStatus: string | null,
    data: object = {},
    at = '2026-01-01T00:00:00.000Z',
  ) => ({
    kind: 'robot_event',
    type,
    toStatus,
    occurredAt: at,
    data,
  });

  it('reads owners, status, service periods, software, incidents, holds and brands', () => {
    const facts = chainFacts([
      event('filing', 'filed', {
        ownerId: 'm',
        modelId: 'model',
        hardwareRevision: '1',
        intelligenceLevel: 2,
      }),
      event('ownership_transfer', 'filed', { toOrgId: 'o' }, '2026-01-02T00:00:00.000Z'),
      event('deployment', 'in_service', {}, '2026-01-03T00:00:00.000Z'),
      event('software_update', null, { component: 'loco', toVersion: '1.0' }),
      event('software_update', null, { component: 'loco', toVersion: '1.1' }),
      { kind: 'incident', incidentId: 'i1', severity: 'serious', hold: true },
      { kind: 'incident', incidentId: 'i2', severity: 'minor', hold: false },
      { kind: 'incident_hold', incidentId: 'i1', active: false },
      { kind: 'robot_brand', brand: 'water_damage' },
      { kind: 'telemetry_alert', condition: 'usage_counter_rollback' },
      event('suspension', 'suspended', {}, '2026-01-05T00:00:00.000Z'),
      event('certification', null, { approvalId: 'TA' }),
    ]);
    expect(facts).toMatchObject({
      status: 'suspended',
      modelId: 'model',
      hardwareRevision: '1',
      incidents: 2,
      seriousIncidents: 1,
      holdActive: false,
      brands: ['water_damage'],
      usageRollback: true,
      approvalId: 'TA',
    });
    expect(facts.ownership.map((o) => o.orgId)).toEqual(['m', 'o']);
    expect(facts.ownership[0]!.to).toBe('2026-01-02T00:00:00.000Z');
    expect(facts.inService).toEqual([{ from: '2026-01-03T00:00:00.000Z', to: '2026-01-05T00:00:00.000Z' }]);
    expect(facts.software).toEqual([expect.objectContaining({ component: 'loco', version: '1.1' })]);
  });
});

describe('report tiers', () => {
  const actor = (kind: 'regulator' | 'operator' | 'maintainer') => ({ orgId: 'x', kind, keyId: undefined });
  it('authority, owner, buyer; a grantee is forbidden; a stranger is told nothing', () => {
    expect(decideReportTier(actor('regulator'), NO_RELATION, false)).toEqual({
      allow: true,
      tier: 'authority',
    });
    expect(decideReportTier(actor('operator'), { ...NO_RELATION, isOwner: true }, false)).toMatchObject({
      tier: 'owner',
    });
    expect(decideReportTier(actor('operator'), NO_RELATION, true)).toMatchObject({ tier: 'buyer' });
    expect(
      decideReportTier(actor('maintainer'), { ...NO_RELATION, grantScopes: ['maintenance'] }, false),
    ).toMatchObject({
      allow: false,
      conceal: false,
    });
    expect(decideReportTier(actor('operator'), NO_RELATION, false)).toMatchObject({
      allow: false,
      conceal: true,
    });
  });
});

describe('the printable page', () => {
  it('escapes every value', () => {
    expect(escapeHtml('<script>alert("x")</script> & \'')).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;',
    );
  });
});
