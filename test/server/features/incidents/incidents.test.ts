// Incidents through the API (docs/incidents.md): a serious fall reported with its evidence
// frozen and the robot held; the hold refusing what could alter the evidence; visibility by
// role; attachments with custody; late telemetry joining; the investigation and findings; the
// analysis naming parties with evidence; and the whole thing passing audit.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIncidentBundle } from '../../../../src/core/incidents/bundle.js';
import { noteVerifier, openCheckpoint, verifyOpening } from '../../../../src/ledger/index.js';
import { joinLateTelemetry } from '../../../../src/server/features/incidents/incident-service.js';
import { auditLedger } from '../../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN } from '../../../support/app.js';
import { StoppableClock } from '../../../support/clock.js';
import { backend } from '../../../support/database.js';
import {
  buildIncidentScene,
  everySecond,
  type IncidentScene,
  sceneBatch,
  sendBatch,
} from '../../../support/incident-scene.js';
import { newDeviceKeyPair } from '../../../support/telemetry-fleet.js';
import { type LedgerTestPlatform, startLedgerPlatform } from '../../ledger/support.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe(`incidents (${backend})`, () => {
  const clock = new StoppableClock();
  let p: LedgerTestPlatform;
  let s: IncidentScene;
  let occurredAt: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read field by field
  let incident: any;
  let windowSeqs: number[];

  const get = (url: string, token: string) => p.call('GET', url, { token });
  const post = (url: string, token: string, body: unknown) => p.call('POST', url, { token, body });

  beforeAll(async () => {
    p = await startLedgerPlatform({ clock: clock.now });
    const realNow = Date.now();
    // The registry as it stood an hour ago: the robot, its grants and a locomotion update.
    clock.stop(new Date(realNow - 60 * MIN));
    s = await buildIncidentScene(p, ADMIN_TOKEN);
    clock.resume();
    occurredAt = Math.floor((realNow - 10 * MIN) / 1000) * 1000;
    // Before the window: not evidence.
    await sendBatch(p, sceneBatch(s, everySecond(occurredAt - 33 * MIN, occurredAt - 32 * MIN)).jws);
    // The window: autonomous, then teleoperated from a minute before; a software fault just before.
    windowSeqs = [];
    for (let from = occurredAt - 10 * MIN; from < occurredAt + 2 * MIN; from += MIN) {
      const batch = sceneBatch(
        s,
        everySecond(from, from + MIN, (t) => ({
          mode: t >= occurredAt - MIN ? 'teleoperated' : 'autonomous',
          source: t >= occurredAt - MIN ? 'station-7 / operator 42' : 'nav-stack 2.4.0',
          ...(t === occurredAt - 2000 ? { faults: ['LOCO_BAL_SW'] } : {}),
        })),
        from === occurredAt - 10 * MIN ? { locomotion: '2.4.0', perception: '5.0.0' } : undefined,
      );
      await sendBatch(p, batch.jws);
      windowSeqs.push(batch.seq);
    }
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  });

  it('reports a serious fall: 201, evidence frozen, robot held, parties named, one ledger record', async () => {
    const before = (await p.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries')).rows[0]!
      .n;
    const res = await post('/v1/incidents', s.operator.apiKey, {
      robotId: s.robot.robotId,
      occurredAt: new Date(occurredAt).toISOString(),
      kind: 'fall',
      severity: 'serious',
      description: 'The robot fell onto a conveyor while being teleoperated.',
      location: 'Hall 3, line B',
    });
    expect(res.statusCode, res.body).toBe(201);
    incident = res.json();
    expect(incident).toMatchObject({
      robotId: s.robot.robotId,
      kind: 'fall',
      severity: 'serious',
      status: 'reported',
      reportedBy: s.operator.id,
      hold: { active: true, releasedAt: null, releasedBy: null },
      evidence: {
        window: {
          from: new Date(occurredAt - 30 * MIN).toISOString(),
          to: new Date(occurredAt + 10 * MIN).toISOString(),
        },
      },
      findings: [],
    });
    // awareAt defaulted to the report; the deadline of a serious incident is 15 days after it.
    expect(Date.parse(incident.reportingDeadline) - Date.parse(incident.awareAt)).toBe(15 * DAY);
    expect(incident.parties).toEqual([
      { role: 'manufacturer', orgId: s.maker.id },
      { role: 'software_provider', orgId: s.provider.id, component: 'locomotion' },
      { role: 'software_provider', orgId: s.maker.id, component: 'perception' },
      { role: 'operator', orgId: s.operator.id },
      { role: 'maintainer', orgId: s.maintainer.id },
    ]);
    const kinds = incident.evidence.items.map((i: { kind: string }) => i.kind);
    expect(kinds.slice(0, 4)).toEqual(['configuration', 'control_timeline', 'alerts', 'events']);
    expect(kinds.filter((k: string) => k === 'telemetry')).toHaveLength(windowSeqs.length);
    expect(kinds).not.toContain('access_log');
    for (const item of incident.evidence.items) expect(item.ledgerIndex).toBe(incident.ledgerIndex);
    const after = (await p.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries')).rows[0]!
      .n;
    expect(Number(after) - Number(before)).toBe(1);
    const leaf = await p.ctx.db.query<{ record_kind: string }>(
      'SELECT record_kind FROM ledger_entries WHERE idx = $1',
      [incident.ledgerIndex],
    );
    expect(leaf.rows[0]!.record_kind).toBe('incident');
  });

  it('keeps each window batch byte for byte: the item digest is the batch record’s, the JWS the one sent', async () => {
    const items = incident.evidence.items.filter((i: { kind: string }) => i.kind === 'telemetry');
    const { rows } = await p.ctx.db.query<{ seq: string; jws_sha256: Uint8Array }>(
      `SELECT b.seq, b.jws_sha256 FROM telemetry_batches b JOIN robots r ON r.id = b.robot_uuid
        WHERE r.robot_id = $1 AND b.seq = ANY($2::bigint[]) ORDER BY b.seq`,
      [s.robot.robotId, windowSeqs],
    );
    expect(items.map((i: { sha256: string }) => i.sha256).sort()).toEqual(
      rows.map((r) => Buffer.from(r.jws_sha256).toString('hex')).sort(),
    );
    const read = await get(
      `/v1/incidents/${incident.incidentId}/evidence/${items[0].itemId}`,
      s.provider.apiKey,
    );
    expect(read.statusCode).toBe(200);
    const jws = read.json().jws as string;
    expect(createHash('sha256').update(jws).digest('hex')).toBe(items[0].sha256);
  });

  it('freezes the configuration: the software the robot attested, who provides it, live grants', async () => {
    const item = incident.evidence.items.find((i: { kind: string }) => i.kind === 'configuration');
    const res = await get(`/v1/incidents/${incident.incidentId}/evidence/${item.itemId}`, s.regulator.apiKey);
    expect(res.statusCode).toBe(200);
    const config = res.json().content;
    expect(config.software).toEqual([
      expect.objectContaining({
        component: 'locomotion',
        version: '2.4.0',
        providerOrgId: s.provider.id,
        attested: true,
      }),
      expect.objectContaining({
        component: 'perception',
        version: '5.0.0',
        providerOrgId: s.maker.id,
        attested: true,
      }),
    ]);
    expect(config.owner).toBe(s.operator.id);
    expect(config.faultCodes.map((f: { code: string }) => f.code)).toEqual([
      'KNEE_OVERTEMP_HW',
      'LOCO_BAL_SW',
    ]);
    expect(config.grants.map((g: { orgId: string }) => g.orgId).sort()).toEqual(
      [s.provider.id, s.maintainer.id, s.assessor.id].sort(),
    );
    const digest = createHash('sha256')
      .update(JSON.stringify(sortKeys(config)))
      .digest('hex');
    expect(digest).toBe(item.sha256);
  });

  it('refuses what could alter the evidence while held: 409 INCIDENT_HOLD naming the incident', async () => {
    const attempts = [
      post(`/v1/robots/${s.robot.robotId}/events`, s.provider.apiKey, {
        type: 'software_update',
        data: { component: 'locomotion', toVersion: '2.4.1' },
      }),
      post(`/v1/robots/${s.robot.robotId}/events`, s.operator.apiKey, {
        type: 'key_rotation',
        data: { devicePublicKey: newDeviceKeyPair().publicKey },
      }),
      post(`/v1/robots/${s.robot.robotId}/events`, s.operator.apiKey, {
        type: 'decommission',
        data: { reason: 'scrap it' },
      }),
      post(`/v1/robots/${s.robot.robotId}/transfers`, s.operator.apiKey, { toOrgId: s.stranger.id }),
    ];
    const before = (await p.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM robot_events')).rows[0]!.n;
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'INCIDENT_HOLD',
        details: { incidentId: incident.incidentId },
      });
    }
    const after = (await p.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM robot_events')).rows[0]!.n;
    expect(after).toBe(before);
    // What alters no evidence goes on: a maintainer's inspection is recorded.
    const inspection = await post(`/v1/robots/${s.robot.robotId}/events`, s.maintainer.apiKey, {
      type: 'maintenance',
      data: { phase: 'performed', description: 'post-incident inspection' },
    });
    expect(inspection.statusCode, inspection.body).toBe(201);
  });

  it('shows the incident to its parties, reporter and authorities; 404 to anyone else', async () => {
    const url = `/v1/incidents/${incident.incidentId}`;
    for (const org of [s.operator, s.maker, s.provider, s.maintainer, s.regulator]) {
      expect((await get(url, org.apiKey)).statusCode).toBe(200);
      expect((await get(`${url}/analysis`, org.apiKey)).statusCode).toBe(200);
    }
    expect((await get(url, ADMIN_TOKEN)).statusCode).toBe(200);
    // An assessor under a grant sees the robot, but is no party: the incident does not exist for it.
    for (const org of [s.stranger, s.assessor]) {
      for (const path of [
        '',
        '/analysis',
        '/bundle',
        '/custody',
        `/evidence/${incident.evidence.items[0].itemId}`,
      ]) {
        const res = await get(`${url}${path}`, org.apiKey);
        expect(res.statusCode, `${path} ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('INCIDENT_NOT_FOUND');
      }
      const list = await get(`/v1/incidents?robotId=${s.robot.robotId}`, s.stranger.apiKey);
      expect([200, 404]).toContain(list.statusCode);
    }
    const strangerList = await get('/v1/incidents', s.stranger.apiKey);
    expect(strangerList.json().items).toEqual([]);
    const regulatorList = await get('/v1/incidents', s.regulator.apiKey);
    expect(regulatorList.json().items.map((i: { incidentId: string }) => i.incidentId)).toContain(
      incident.incidentId,
    );
    expect((await get('/v1/incidents', '')).statusCode).toBe(401);
  });

  it('lets a reporter that is no party see its report but not the evidence', async () => {
    const res = await post('/v1/incidents', s.assessor.apiKey, {
      robotId: s.robot.robotId,
      occurredAt: new Date(occurredAt + MIN).toISOString(),
      kind: 'near_miss',
      severity: 'near_miss',
      description: 'Saw it sway during the evaluation.',
    });
    expect(res.statusCode, res.body).toBe(201);
    const near = res.json();
    expect(near.hold.active).toBe(false);
    expect(near.reportingDeadline).toBeNull();
    expect((await get(`/v1/incidents/${near.incidentId}`, s.assessor.apiKey)).statusCode).toBe(200);
    const evidence = await get(
      `/v1/incidents/${near.incidentId}/evidence/${near.evidence.items[0].itemId}`,
      s.assessor.apiKey,
    );
    expect(evidence.statusCode).toBe(403);
    expect((await get(`/v1/incidents/${near.incidentId}/bundle`, s.assessor.apiKey)).statusCode).toBe(403);
  });

  it('takes attachments with their digest, and logs every read in the custody log', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]);
    const added = await p.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.incidentId}/attachments`,
      headers: {
        authorization: `Bearer ${s.operator.apiKey}`,
        'content-type': 'image/png',
        'x-filename': 'fall.png',
      },
      payload: bytes,
    });
    expect(added.statusCode, added.body).toBe(201);
    const item = added.json();
    expect(item).toMatchObject({
      kind: 'attachment',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      mediaType: 'image/png',
      filename: 'fall.png',
    });
    expect(item.ledgerIndex).toBeGreaterThan(incident.ledgerIndex);
    // JSON is just bytes here too: stored as sent, not parsed.
    const json = await p.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.incidentId}/attachments`,
      headers: {
        authorization: `Bearer ${s.regulator.apiKey}`,
        'content-type': 'application/json',
        'x-filename': 'log.json',
      },
      payload: '{"b": 1,  "a": 2}',
    });
    expect(json.statusCode, json.body).toBe(201);
    expect(json.json().sha256).toBe(createHash('sha256').update('{"b": 1,  "a": 2}').digest('hex'));
    const read = await get(`/v1/incidents/${incident.incidentId}/evidence/${item.itemId}`, s.maker.apiKey);
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('image/png');
    expect(read.rawPayload.equals(bytes)).toBe(true);
    expect(read.headers['content-security-policy']).toContain('sandbox');
    expect(read.headers['repr-digest']).toBe(
      `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`,
    );
    const custody = await get(`/v1/incidents/${incident.incidentId}/custody`, s.regulator.apiKey);
    expect(custody.statusCode).toBe(200);
    expect(custody.json().items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orgId: s.operator.id, itemId: item.itemId, action: 'add' }),
        expect.objectContaining({ orgId: s.maker.id, itemId: item.itemId, action: 'read' }),
      ]),
    );
    // Refusals change nothing: a stranger, an empty body, a path as file name, too large.
    const count = async () =>
      (await p.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM incident_items')).rows[0]!.n;
    const before = await count();
    const attach = (token: string, payload: Buffer, filename = 'x.bin') =>
      p.app.inject({
        method: 'POST',
        url: `/v1/incidents/${incident.incidentId}/attachments`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'x-filename': filename,
        },
        payload,
      });
    expect((await attach(s.stranger.apiKey, bytes)).statusCode).toBe(404);
    expect((await attach(s.operator.apiKey, Buffer.alloc(0))).statusCode).toBe(400);
    expect((await attach(s.operator.apiKey, bytes, '../etc/passwd')).statusCode).toBe(400);
    const badType = await p.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.incidentId}/attachments`,
      headers: { authorization: `Bearer ${s.operator.apiKey}`, 'content-type': 'not a type' },
      payload: bytes,
    });
    expect(badType.statusCode).toBe(415);
    expect(badType.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = await attach(s.operator.apiKey, Buffer.alloc(20 * 1024 * 1024 + 1));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await count()).toBe(before);
  });

  it('lets window telemetry that arrives late join the evidence, once, with its own record', async () => {
    const late = sceneBatch(
      s,
      everySecond(occurredAt + 5 * MIN, occurredAt + 6 * MIN, () => ({ mode: 'idle' })),
    );
    await sendBatch(p, late.jws);
    // Outside the window: sent, but no evidence.
    await sendBatch(p, sceneBatch(s, everySecond(occurredAt - 45 * MIN, occurredAt - 44 * MIN)).jws);
    // It joins both incidents whose window it falls in: the fall and the near miss.
    expect(await joinLateTelemetry(p.ctx)).toBe(2);
    expect(await joinLateTelemetry(p.ctx)).toBe(0);
    const res = await get(`/v1/incidents/${incident.incidentId}`, s.regulator.apiKey);
    const items = res.json().evidence.items.filter((i: { kind: string }) => i.kind === 'telemetry');
    expect(items).toHaveLength(windowSeqs.length + 1);
    const joined = items[items.length - 1];
    expect(joined.ledgerIndex).not.toBe(incident.ledgerIndex);
    const leaf = await p.ctx.db.query<{ record_kind: string }>(
      'SELECT record_kind FROM ledger_entries WHERE idx = $1',
      [joined.ledgerIndex],
    );
    expect(leaf.rows[0]!.record_kind).toBe('incident_evidence');
  });

  it('names the parties each rule points at, citing evidence items', async () => {
    const res = await get(`/v1/incidents/${incident.incidentId}/analysis`, s.operator.apiKey);
    expect(res.statusCode).toBe(200);
    const analysis = res.json();
    expect(analysis.rulesVersion).toBe('incident-rules/1');
    const byParty = (role: string, orgId: string, component?: string) =>
      analysis.parties.find(
        (x: { role: string; orgId: string; component?: string }) =>
          x.role === role && x.orgId === orgId && x.component === component,
      );
    const provider = byParty('software_provider', s.provider.id, 'locomotion');
    expect(provider.indicators.map((i: { rule: string }) => i.rule)).toEqual([
      'software-fault-code',
      'recent-software-update',
    ]);
    const itemIds = new Set(incident.evidence.items.map((i: { itemId: string }) => i.itemId));
    for (const indicator of provider.indicators) {
      expect(indicator.evidence.length).toBeGreaterThan(0);
      for (const id of indicator.evidence) expect(itemIds.has(id)).toBe(true);
    }
    const operator = byParty('operator', s.operator.id);
    expect(operator.indicators.map((i: { rule: string }) => i.rule)).toEqual(['human-control']);
    expect(operator.indicators[0].summary).toContain('station-7 / operator 42');
    expect(byParty('manufacturer', s.maker.id).indicators).toEqual([]);
    expect(analysis.missingEvidence).toEqual([]);
  });

  it('moves the investigation forward only, by authorities; findings once investigating', async () => {
    const url = `/v1/incidents/${incident.incidentId}`;
    const findings = {
      parties: [
        {
          role: 'software_provider',
          orgId: s.provider.id,
          component: 'locomotion',
          responsibility: 'primary',
          basis: [incident.evidence.items[0].itemId],
          presumption: null,
          note: 'balance controller 2.4.0 diverged',
        },
        { role: 'operator', orgId: s.operator.id, responsibility: 'contributing', basis: [] },
      ],
      conclusion: 'The update of locomotion caused the fall; teleoperation did not recover it.',
    };
    expect((await post(`${url}/findings`, s.regulator.apiKey, findings)).json().error.code).toBe(
      'INCIDENT_STATUS_INVALID',
    );
    expect(
      (await post(`${url}/investigation`, s.operator.apiKey, { status: 'investigating' })).statusCode,
    ).toBe(403);
    const started = await post(`${url}/investigation`, s.regulator.apiKey, {
      status: 'investigating',
      summary: 'opened',
    });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json().status).toBe('investigating');
    const again = await post(`${url}/investigation`, s.regulator.apiKey, { status: 'investigating' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'INCIDENT_STATUS_INVALID',
      details: { from: 'investigating' },
    });
    expect((await post(`${url}/investigation`, s.regulator.apiKey, { status: 'reported' })).statusCode).toBe(
      400,
    );
    expect((await post(`${url}/findings`, s.operator.apiKey, findings)).statusCode).toBe(403);
    const badBasis = structuredClone(findings);
    badBasis.parties[0]!.basis = ['00000000-0000-4000-8000-000000000000'];
    expect((await post(`${url}/findings`, s.regulator.apiKey, badBasis)).statusCode).toBe(400);
    const recorded = await post(`${url}/findings`, s.regulator.apiKey, findings);
    expect(recorded.statusCode, recorded.body).toBe(201);
    expect(recorded.json().findings).toHaveLength(1);
    expect(recorded.json().findings[0]).toMatchObject({
      conclusion: findings.conclusion,
      recordedBy: s.regulator.id,
    });
    const seen = await get(url, s.provider.apiKey);
    expect(seen.json().findings[0].parties[0]).toMatchObject({
      responsibility: 'primary',
      note: 'balance controller 2.4.0 diverged',
    });
  });

  it('releases the hold by an authority only; then the update goes through', async () => {
    const url = `/v1/incidents/${incident.incidentId}/hold`;
    expect((await post(url, s.operator.apiKey, { active: false })).statusCode).toBe(403);
    expect((await post(url, s.stranger.apiKey, { active: false })).statusCode).toBe(404);
    const released = await post(url, s.regulator.apiKey, { active: false, note: 'recorder data secured' });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().hold).toMatchObject({ active: false, releasedBy: s.regulator.id });
    const update = await post(`/v1/robots/${s.robot.robotId}/events`, s.provider.apiKey, {
      type: 'software_update',
      data: { component: 'locomotion', fromVersion: '2.4.0', toVersion: '2.4.1' },
    });
    expect(update.statusCode, update.body).toBe(201);
  });

  it('exports a bundle whose every record opens against its one checkpoint', async () => {
    const res = await get(`/v1/incidents/${incident.incidentId}/bundle`, s.maintainer.apiKey);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const bundle = res.json();
    expect(bundle.format).toBe('roboledger-incident-bundle/1');
    const { checkpoint } = openCheckpoint(bundle.checkpoint, [noteVerifier(p.verifierKey)]);
    const kinds = new Set<string>();
    for (const r of bundle.records) {
      const opened = verifyOpening(
        r.opening,
        checkpoint,
        r.proof.map((h: string) => new Uint8Array(Buffer.from(h, 'base64'))),
      );
      kinds.add(opened.kind);
    }
    expect([...kinds].sort()).toEqual(
      [
        'incident',
        'incident_evidence',
        'incident_findings',
        'incident_hold',
        'incident_investigation',
        'robot_event',
        'telemetry_batch',
      ].sort(),
    );
    const telemetry = bundle.items.filter((i: { kind: string }) => i.kind === 'telemetry');
    expect(telemetry).toHaveLength(windowSeqs.length + 1);
    // What a court runs offline with the log's key alone.
    const verified = verifyIncidentBundle(bundle, p.verifierKey);
    expect(verified).toMatchObject({ incidentId: incident.incidentId, robotId: s.robot.robotId });
    expect(verified.coverage.missingTelemetry).toBe(false);
    // One byte of one signed batch changed, and the bundle no longer holds.
    const forged = structuredClone(bundle);
    const jws: string = forged.items.find((i: { kind: string }) => i.kind === 'telemetry').jws;
    forged.items.find((i: { kind: string }) => i.kind === 'telemetry').jws =
      `${jws.slice(0, 40)}${jws[40] === 'A' ? 'B' : 'A'}${jws.slice(41)}`;
    expect(() => verifyIncidentBundle(forged, p.verifierKey)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_ITEM_DIGEST' }),
    );
    const custody = await get(`/v1/incidents/${incident.incidentId}/custody`, s.regulator.apiKey);
    expect(custody.json().items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orgId: s.maintainer.id, itemId: null, action: 'export' }),
      ]),
    );
  });

  it('keeps its evidence when retention has dropped the raw batches', async () => {
    // What retention does to the raw store: the window's batches are gone from it.
    await p.ctx.db.query(
      'DELETE FROM telemetry_batch_jws WHERE robot_uuid = (SELECT robot_uuid FROM robot_ids WHERE robot_id = $1)',
      [s.robot.robotId],
    );
    const res = await get(`/v1/incidents/${incident.incidentId}/bundle`, s.regulator.apiKey);
    expect(res.statusCode).toBe(200);
    const bundle = res.json();
    expect(bundle.items.filter((i: { kind: string }) => i.kind === 'telemetry')).toHaveLength(
      windowSeqs.length + 1,
    );
    expect(verifyIncidentBundle(bundle, p.verifierKey).incidentId).toBe(incident.incidentId);
  });

  it('counts incidents on the public check, without saying more', async () => {
    const res = await p.call('GET', `/v1/public/robots/${s.robot.robotId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().incidents).toEqual({ count: 2, serious: 1 });
    expect(res.body).not.toContain('conveyor');
  });

  it('refuses bad reports with a code and writes nothing', async () => {
    const count = async () =>
      (
        await p.ctx.db.query<{ n: string }>(
          'SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM ledger_entries) AS n',
        )
      ).rows[0]!.n;
    const before = await count();
    const base = {
      robotId: s.robot.robotId,
      occurredAt: new Date(occurredAt).toISOString(),
      kind: 'collision',
      severity: 'minor',
      description: 'bump',
    };
    const cases: [Record<string, unknown>, string, number][] = [
      [{ ...base, kind: 'meteor' }, 'VALIDATION_FAILED', 400],
      [{ ...base, severity: 'bad' }, 'VALIDATION_FAILED', 400],
      [{ ...base, description: '' }, 'VALIDATION_FAILED', 400],
      [{ ...base, awareAt: new Date(occurredAt - MIN).toISOString() }, 'VALIDATION_FAILED', 400],
      [{ ...base, occurredAt: new Date(Date.now() + 60 * MIN).toISOString() }, 'OCCURRED_AT_IN_FUTURE', 400],
      [{ ...base, occurredAt: '2020-01-01T00:00:00Z' }, 'OCCURRED_AT_BEFORE_PRODUCTION', 400],
      [{ ...base, robotId: 'nonsense' }, 'ID_LENGTH', 400],
      [{ ...base, extra: 1 }, 'VALIDATION_FAILED', 400],
    ];
    for (const [body, code, status] of cases) {
      const res = await post('/v1/incidents', s.operator.apiKey, body);
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const stranger = await post('/v1/incidents', s.stranger.apiKey, base);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error.code).toBe('ROBOT_NOT_FOUND');
    expect(await count()).toBe(before);
  });

  it('lists the incidents whose due report is late', async () => {
    const overdue = async () =>
      (await get('/v1/incidents?overdue=true', s.regulator.apiKey))
        .json()
        .items.map((i: { incidentId: string }) => i.incidentId);
    expect(await overdue()).toEqual([]);
    await clock.stopped(async (now) => {
      // 31 days on: the fall's preliminary report (due 30 days after the report) is late.
      clock.stop(new Date(now.getTime() + 31 * DAY));
      expect(await overdue()).toContain(incident.incidentId);
      const seen = await get(`/v1/incidents/${incident.incidentId}`, s.regulator.apiKey);
      expect(seen.json().investigation.overdue).toBe(true);
      const moved = await post(`/v1/incidents/${incident.incidentId}/investigation`, s.regulator.apiKey, {
        status: 'preliminary_report',
        summary: 'preliminary report filed',
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(await overdue()).not.toContain(incident.incidentId);
      const notOverdue = await get('/v1/incidents?overdue=false', s.regulator.apiKey);
      expect(notOverdue.json().items.map((i: { incidentId: string }) => i.incidentId)).toContain(
        incident.incidentId,
      );
      // A year and a day on, the final report is late.
      clock.stop(new Date(now.getTime() + 366 * DAY));
      expect(await overdue()).toContain(incident.incidentId);
    });
  });

  it('passes audit: every incident record rebuilds from its rows and chains on the robot', async () => {
    await p.ctx.checkpointer.checkpointNow();
    const report = await auditLedger(p.ctx.db, {
      recordKinds: p.ctx.recordKinds,
      verifierKey: p.verifierKey,
    });
    expect(report.findings).toEqual([]);
  });
});

/** RFC 8785 key order for the plain JSON the items hold (strings, numbers, arrays, objects). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
