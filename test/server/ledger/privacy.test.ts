// The public log discloses nothing a record's access policy hides (docs/ledger-formats.md
// "Version 2", docs/security.md). A marker string goes into every free-text field of every kind
// of record the platform writes about organisations and robots; then every public route (the
// log's entries, tiles, proofs, checkpoints, witnesses, the public ID check, health, metrics,
// the API document) and every other route asked without credentials is read, and none may
// show the marker, a robot ID, an organisation id or an organisation name. The regression for
// version 1, whose public entries held incident notes and deployment locations in the clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommitmentEntry } from '../../../src/ledger/index.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { grantAccess, newDeviceKey, type OrgRef, recordEvent, transferRobot } from '../../support/fleet.js';
import { healthySamples, signBatch } from '../../support/telemetry-fleet.js';

const MARKER = 'zq-private-marker-7731';

describe(`the public log and public routes disclose no private record (${backend})`, () => {
  let p: TestPlatform;
  const secrets: string[] = [MARKER];
  let robotIds: string[] = [];

  /** An organisation; a manufacturer's name is public (the public check shows it), others are not. */
  async function org(kind: string): Promise<OrgRef> {
    const suffix = Math.random().toString(36).slice(2, 6);
    const name = kind === 'manufacturer' ? `Maker ${suffix}` : `${kind} ${MARKER} ${suffix}`;
    const res = await p.call('POST', '/v1/orgs', { token: ADMIN_TOKEN, body: { name, kind, country: 'CN' } });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    secrets.push(created.id);
    if (kind !== 'manufacturer') secrets.push(name);
    return { id: created.id, apiKey: created.apiKey };
  }

  beforeAll(async () => {
    p = await startTestPlatform();
    const maker = await org('manufacturer');
    const operator = await org('operator');
    const buyer = await org('operator');
    const maintainer = await org('maintainer');
    // The model's name and the maker's name are what the public check shows by design; the
    // site is private, so it carries the marker.
    const model = await p.call('POST', '/v1/models', {
      token: maker.apiKey,
      body: {
        modelCode: '0A',
        category: 'B',
        name: 'Walker A',
        jointCount: 2,
        hardwareRevisions: [{ code: '1', params: { note: MARKER } }],
        limits: { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 },
      },
    });
    expect(model.statusCode).toBe(201);
    expect(
      (
        await p.call('POST', '/v1/sites', {
          token: maker.apiKey,
          body: { code: '1', name: `Plant ${MARKER}`, region: '420100' },
        })
      ).statusCode,
    ).toBe(201);
    const key = await p.call('POST', `/v1/orgs/${operator.id}/keys`, {
      token: operator.apiKey,
      body: { label: `laptop ${MARKER}` },
    });
    expect(key.statusCode).toBe(201);
    await p.call('DELETE', `/v1/orgs/${operator.id}/keys/${key.json().keyId}`, { token: operator.apiKey });

    const device = newDeviceKey();
    const filed = await p.call('POST', '/v1/robots', {
      token: maker.apiKey,
      body: {
        modelId: model.json().id,
        hardwareRevision: '1',
        siteCode: '1',
        productionDate: '2026-05-01',
        intelligenceLevel: 3,
        devicePublicKey: device.publicKey,
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const robotId = filed.json().robotId as string;
    robotIds = [robotId];
    secrets.push(robotId);

    await transferRobot(p, robotId, maker, operator);
    await recordEvent(p, robotId, operator, 'deployment', {
      siteName: `Hall ${MARKER}`,
      location: `Dock ${MARKER}`,
      purpose: MARKER,
    });
    const grant = await grantAccess(p, robotId, operator, maintainer, ['maintenance', 'telemetry']);
    await recordEvent(p, robotId, maintainer, 'maintenance', {
      phase: 'performed',
      description: `worker bruised ${MARKER}`,
      parts: [MARKER],
    });
    await recordEvent(p, robotId, operator, 'suspension', { reason: 'incident', note: `incident ${MARKER}` });
    await recordEvent(p, robotId, operator, 'reinstatement', { note: `cleared ${MARKER}` });
    await p.call('DELETE', `/v1/robots/${robotId}/grants/${grant.grantId}`, { token: operator.apiKey });

    // Telemetry that raises an alert, acknowledged with a note.
    const robot = { robotId, jointCount: 2, device };
    const now = p.ctx.clock().getTime();
    const samples = healthySamples(2, 3, now).map((s) => ({
      ...s,
      battery: { ...s.battery, sohPct: 50 },
    }));
    const sent = await p.call('POST', '/v1/telemetry', {
      body: signBatch(robot, { seq: 1, samples }),
      headers: { 'content-type': 'application/jose' },
    });
    expect(sent.statusCode).toBe(202);
    const alerts = await p.call('GET', `/v1/alerts?robotId=${robotId}`, { token: operator.apiKey });
    const alert = alerts.json().items[0];
    expect(alert).toBeDefined();
    expect(
      (
        await p.call('POST', `/v1/alerts/${alert.alertId}/ack`, {
          token: operator.apiKey,
          body: { note: `ack ${MARKER}` },
        })
      ).statusCode,
    ).toBe(200);

    // An incident with free text everywhere it takes some: only digests of it reach the log.
    const regulator = await org('regulator');
    const reported = await p.call('POST', '/v1/incidents', {
      token: operator.apiKey,
      body: {
        robotId,
        occurredAt: new Date(now).toISOString(),
        kind: 'data_breach',
        severity: 'minor',
        description: `leak ${MARKER}`,
        location: `Room ${MARKER}`,
      },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const incidentUrl = `/v1/incidents/${reported.json().incidentId}`;
    const attached = await p.call('POST', `${incidentUrl}/attachments`, {
      token: operator.apiKey,
      body: `log ${MARKER}`,
      headers: { 'content-type': 'text/plain', 'x-filename': `${MARKER}.txt` },
    });
    expect(attached.statusCode, attached.body).toBe(201);
    for (const [path, body] of [
      ['hold', { active: true, note: `hold ${MARKER}` }],
      ['hold', { active: false, note: `release ${MARKER}` }],
      ['investigation', { status: 'investigating', summary: `opened ${MARKER}` }],
      [
        'findings',
        {
          parties: [
            { role: 'operator', orgId: operator.id, responsibility: 'primary', basis: [], note: MARKER },
          ],
          conclusion: `found ${MARKER}`,
        },
      ],
    ] as const) {
      const res = await p.call('POST', `${incidentUrl}/${path}`, { token: regulator.apiKey, body });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }

    // A type approval of the model and a brand with a note: the public check names the brand,
    // never its note (the record holds only the note's digest).
    const approval = await p.call('POST', `/v1/models/${model.json().id}/approvals`, {
      token: regulator.apiKey,
      body: {
        approvalId: 'TA-PRIVACY-1',
        scheme: `scheme ${MARKER}`,
        standards: [MARKER],
        hardwareRevisions: ['1'],
        software: { [MARKER]: [MARKER] },
        validUntil: '2036-01-01',
      },
    });
    expect(approval.statusCode, approval.body).toBe(201);
    const branded = await p.call('POST', `/v1/robots/${robotId}/brands`, {
      token: regulator.apiKey,
      body: { brand: 'water_damage', note: `flooded ${MARKER}`, incidentId: reported.json().incidentId },
    });
    expect(branded.statusCode, branded.body).toBe(201);

    // An offer still pending, to a second operator.
    expect(
      (
        await p.call('POST', `/v1/robots/${robotId}/transfers`, {
          token: operator.apiKey,
          body: { toOrgId: buyer.id, usage: { operatingHours: 1532.4, status: 'actual' } },
        })
      ).statusCode,
    ).toBe(201);
    await p.ctx.checkpointer.checkpointNow();
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  });

  /** Fails naming the route if `text` holds any secret. */
  function expectNothingPrivate(route: string, text: string): void {
    for (const secret of secrets) {
      expect(text.includes(secret), `${route} shows ${secret}`).toBe(false);
    }
  }

  it('the marker did reach the stored records (so the search below can find it)', async () => {
    const { rows } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ledger_entries WHERE position($1::bytea in record) > 0',
      [Buffer.from(MARKER)],
    );
    // 3 organisation names, hardware revision, site, API key label, deployment, maintenance,
    // suspension, reinstatement, alert acknowledgement
    expect(rows[0]!.n).toBeGreaterThanOrEqual(11);
  });

  it('every entry is a bare commitment, and its bytes, tiles and bundles show nothing private', async () => {
    const size = (await p.ctx.ledger.head()).size;
    expect(size).toBeGreaterThan(20);
    for (let index = 0; index < size; index++) {
      const res = await p.call('GET', `/v1/ledger/entries/${index}`);
      expect(res.statusCode).toBe(200);
      expectNothingPrivate(`/v1/ledger/entries/${index}`, res.body);
      const entry = Buffer.from(res.json().entry, 'base64');
      expectNothingPrivate(`entry ${index}`, entry.toString('latin1'));
      expect(Object.keys(JSON.parse(entry.toString('utf8'))).sort()).toEqual(['commitment', 'kind', 'v']);
      expect(() => parseCommitmentEntry(entry)).not.toThrow();
    }
    const width = size % 256;
    const bundle = await p.call('GET', `/tile/entries/000.p/${width}`);
    expect(bundle.statusCode).toBe(200);
    expectNothingPrivate('/tile/entries/000', bundle.rawPayload.toString('latin1'));
    const tile = await p.call('GET', `/tile/0/000.p/${width}`);
    expect(tile.statusCode).toBe(200);
    expectNothingPrivate('/tile/0/000', tile.rawPayload.toString('latin1'));
  });

  it('checkpoints, proofs, witnesses, the public check, health, metrics and the API document show nothing private', async () => {
    const size = (await p.ctx.checkpointer.current()).size;
    const routes = [
      '/v1/ledger/checkpoint',
      '/checkpoint',
      `/v1/ledger/checkpoints/${size}`,
      '/v1/ledger/key',
      '/v1/ledger/witnesses',
      `/v1/ledger/proofs/inclusion?index=3&treeSize=${size}`,
      `/v1/ledger/proofs/consistency?from=1&to=${size}`,
      // Another robot ID than the private one: the check answers about the ID it is asked.
      '/v1/public/robots/CNB7K2B0A3T511000000000123455',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
    ];
    for (const route of routes) {
      const res = await p.call('GET', route);
      expect(res.statusCode, route).toBeLessThan(500);
      expectNothingPrivate(route, res.body);
    }
  });

  it('every other route, asked without credentials, shows nothing private', async () => {
    const document = (await p.call('GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const [robotId] = robotIds;
    let asked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const method of Object.keys(methods)) {
        const url = path
          .replace('{robotId}', robotId!)
          .replace(/\{[A-Za-z]+Id\}/g, secrets[1]!)
          .replace(/\{[a-z]+\}/g, '1');
        const res = await p.call(method.toUpperCase() as 'GET', url, method === 'get' ? {} : { body: {} });
        asked++;
        expect(res.statusCode, `${method} ${url}`).toBeLessThan(500);
        // The robot ID and org id were put in the URL by this test; the answer must not add any.
        const body = res.body.replaceAll(robotId!, '').replaceAll(secrets[1]!, '');
        expectNothingPrivate(`${method.toUpperCase()} ${path}`, body);
      }
    }
    expect(asked).toBeGreaterThan(30);
  });
});
