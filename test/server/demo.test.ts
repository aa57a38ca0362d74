import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROBOT_STATUSES } from '../../src/core/lifecycle.js';
import { verifyHistoryReport } from '../../src/core/report/report-verify.js';
import { type DemoFleet, seedDemoFleet } from '../../src/server/demo/demo-fleet.js';
import { DEMO_FLEET_FILE, DEMO_TOKEN_FILE, describeDemo } from '../../src/server/demo/demo-setup.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';

describe(`the demo fleet of npm start (${backend})`, () => {
  let p: TestPlatform;
  let fleet: DemoFleet;
  beforeAll(async () => {
    p = await startTestPlatform();
    fleet = await seedDemoFleet(p.app, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('has every kind of organisation and robots in every lifecycle status', async () => {
    expect(new Set(fleet.organisations.map((o) => o.kind))).toEqual(
      new Set([
        'manufacturer',
        'operator',
        'maintainer',
        'assessor',
        'software_provider',
        'recycler',
        'regulator',
      ]),
    );
    expect(fleet.robots.length).toBeGreaterThanOrEqual(30);
    const { rows } = await p.ctx.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM robots GROUP BY status',
    );
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(ROBOT_STATUSES));
    for (const robot of fleet.robots) {
      const res = await p.call('GET', `/v1/public/robots/${robot.robotId}`);
      expect(res.json()).toMatchObject({ registered: true, status: robot.status });
    }
  });

  it('holds robots whose history reports show a clean history, an incident and brand, an invalid and a valid certificate', async () => {
    const reports = fleet.reports!;
    const key = p.ctx.checkpointer.key.verifierKey;
    const summary = async (robotId: string) => {
      const res = await p.call('GET', `/v1/robots/${robotId}/report`, { token: ADMIN_TOKEN });
      expect(res.statusCode, res.body).toBe(200);
      verifyHistoryReport(res.json(), key);
      return res.json().summary;
    };
    expect(await summary(reports.clean)).toMatchObject({ incidents: 0, brands: [], openRecalls: 0 });
    expect(await summary(reports.incident)).toMatchObject({ incidents: 1, brands: ['structural_damage'] });
    expect((await summary(reports.invalidCertificate)).certificate).toEqual({
      valid: false,
      reasons: ['software_not_approved'],
      approvalId: 'DEMO-TA-1',
    });
    expect((await summary(reports.validCertificate)).certificate).toEqual({
      valid: true,
      reasons: [],
      approvalId: 'DEMO-TA-2',
    });
  });

  it('its organisations can use their keys, and owners see their robots', async () => {
    const inService = fleet.robots.find((r) => r.status === 'in_service')!;
    const res = await p.call('GET', `/v1/robots/${inService.robotId}`, { token: inService.ownerKey });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('in_service');
  });

  it('carries incidents at three stages, each showing what it is there to show', async () => {
    const regulator = fleet.organisations.find((o) => o.kind === 'regulator')!;
    const provider = fleet.organisations.find((o) => o.kind === 'software_provider')!;
    const list = await p.call('GET', '/v1/incidents', { token: regulator.apiKey });
    expect(list.statusCode).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read field by field
    const byKind = new Map<string, any>(list.json().items.map((i: { kind: string }) => [i.kind, i]));
    const fall = byKind.get('fall');
    expect(fall).toMatchObject({ severity: 'serious', status: 'investigating', hold: { active: true } });
    const analysis = async (id: string) =>
      (await p.call('GET', `/v1/incidents/${id}/analysis`, { token: regulator.apiKey })).json();
    const fallAnalysis = await analysis(fall.incidentId);
    const blamed = fallAnalysis.parties.find(
      (x: { orgId: string; component?: string }) => x.orgId === provider.id && x.component === 'locomotion',
    );
    expect(blamed.indicators.map((i: { rule: string }) => i.rule)).toEqual([
      'software-fault-code',
      'recent-software-update',
    ]);
    const nearMiss = await analysis(byKind.get('near_miss').incidentId);
    const operator = nearMiss.parties.find((x: { role: string }) => x.role === 'operator');
    expect(operator.indicators.map((i: { rule: string }) => i.rule)).toEqual(['human-control']);
    const breach = byKind.get('data_breach');
    const accessItem = breach.evidence.items.find((i: { kind: string }) => i.kind === 'access_log');
    const accessLog = await p.call(
      'GET',
      `/v1/incidents/${breach.incidentId}/evidence/${accessItem.itemId}`,
      {
        token: regulator.apiKey,
      },
    );
    expect(accessLog.json().content.items.length).toBeGreaterThanOrEqual(3);
    expect(breach.reportingDeadline).not.toBeNull();
  });

  it('has a robot sanitized and recycled with a handover record, whose identity reporting again is alerted', async () => {
    const regulator = fleet.organisations.find((o) => o.kind === 'regulator')!;
    const alerts = await p.call('GET', '/v1/alerts?condition=retired_id_reporting', {
      token: regulator.apiKey,
    });
    expect(alerts.statusCode).toBe(200);
    const [alert, ...others] = alerts.json().items;
    expect(others).toEqual([]);
    const robot = fleet.robots.find((r) => r.robotId === alert.robotId)!;
    expect(robot.status).toBe('recycled');
    const events = await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: regulator.apiKey });
    // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read field by field
    const byType = new Map<string, any>(events.json().items.map((e: { type: string }) => [e.type, e]));
    expect(byType.get('sanitization').data.media.map((m: { result: string }) => m.result)).toEqual([
      'passed',
      'passed',
    ]);
    expect(byType.get('recycling').data).toMatchObject({
      receiverCreditCode: '91420100MA4KGL0018',
      treatment: 'material_recovery',
      items: expect.arrayContaining([expect.objectContaining({ kind: 'battery_pack' })]),
    });
  });

  it('every demo model declares its fault codes, a software and a hardware one among them', async () => {
    const { rows } = await p.ctx.db.query<{ id: string }>('SELECT id FROM models');
    expect(rows).toHaveLength(3);
    for (const { id } of rows) {
      const robot = fleet.robots.find((r) => r.status === 'in_service')!;
      const res = await p.call('GET', `/v1/models/${id}/fault-codes`, { token: robot.ownerKey });
      expect(res.statusCode).toBe(200);
      const codes = res.json().faultCodes as { code: string; component: string; origin: string }[];
      expect(codes).toContainEqual(
        expect.objectContaining({ code: 'LOCO_BAL_SW', component: 'locomotion', origin: 'software' }),
      );
      expect(codes).toContainEqual(
        expect.objectContaining({
          code: 'JOINT_OVERTEMP_HW',
          component: 'knee_actuator',
          origin: 'hardware',
        }),
      );
    }
  });

  it('gives its organisations a feed of what they must act on (notifications, no webhooks)', async () => {
    const feedOf = async (apiKey: string) => {
      const res = await p.call('GET', '/v1/notifications?limit=500', { token: apiKey });
      expect(res.statusCode).toBe(200);
      return (res.json().items as { type: string }[]).map((i) => i.type);
    };
    const regulator = fleet.organisations.find((o) => o.kind === 'regulator')!;
    expect(new Set(await feedOf(regulator.apiKey))).toEqual(new Set(['incident.reported']));
    // Every operator bought its robots: each was offered them first.
    for (const operator of fleet.organisations.filter((o) => o.kind === 'operator')) {
      expect(await feedOf(operator.apiKey)).toContain('transfer.offered');
    }
    const { rows } = await p.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhooks');
    expect(rows[0]!.n).toBe(0);
  });

  it('has a robot wearing out: open health advisories, one closed by a coded maintenance', async () => {
    const regulator = fleet.organisations.find((o) => o.kind === 'regulator')!;
    const list = await p.call('GET', '/v1/fleet/health?grade=watch', { token: regulator.apiKey });
    expect(list.statusCode, list.body).toBe(200);
    const [degrading] = list.json().items;
    expect(degrading.advisories.map((a: { kind: string }) => a.kind)).toEqual(['battery_soh']);
    const health = (
      await p.call('GET', `/v1/robots/${degrading.robotId}/health`, { token: regulator.apiKey })
    ).json();
    expect(health.battery.projectedMinSohAt).not.toBeNull();
    const closed = health.advisories.find((a: { status: string }) => a.status === 'closed');
    expect(closed).toMatchObject({ kind: 'joint_wear', component: 'joint:7' });
    const events = (
      await p.call('GET', `/v1/robots/${degrading.robotId}/events?type=maintenance`, {
        token: regulator.apiKey,
      })
    ).json();
    const closing = events.items.find((e: { eventId: string }) => e.eventId === closed.closedByEventId);
    expect(closing.data).toMatchObject({
      advisoryId: closed.advisoryId,
      item: 'leg.left.knee.gearbox',
      activity: 'replace',
    });
  });

  it('has a recall: the owners told, one unit remedied by an inspection, the public check counting the rest', async () => {
    const regulator = fleet.organisations.find((o) => o.kind === 'regulator')!;
    const campaign = (await p.call('GET', '/v1/recalls/R-DEMO-001', { token: regulator.apiKey })).json();
    expect(campaign.affected).toBeGreaterThan(1);
    expect(campaign).toMatchObject({ remedied: 1, open: campaign.affected - 1 - campaign.unavailable });
    const units = (
      await p.call('GET', '/v1/recalls/R-DEMO-001/units?limit=500&status=open', { token: regulator.apiKey })
    ).json().items as { robotId: string }[];
    const open = fleet.robots.find((r) => r.robotId === units[0]!.robotId)!;
    expect((await p.call('GET', `/v1/public/robots/${open.robotId}`)).json().openRecalls).toBe(1);
    const feed = (await p.call('GET', '/v1/notifications?limit=500', { token: open.ownerKey })).json().items;
    expect(
      feed.some(
        (n: { type: string; subject: string }) => n.type === 'recall.opened' && n.subject === 'R-DEMO-001',
      ),
    ).toBe(true);
  });

  it('wrote everything to the ledger with gapless indices', async () => {
    const { rows } = await p.ctx.db.query<{ n: number; max: number }>(
      'SELECT count(*)::int AS n, max(idx)::int AS max FROM ledger_entries',
    );
    expect(rows[0]!.n).toBe(rows[0]!.max + 1);
    expect((await p.ctx.ledger.head()).size).toBe(rows[0]!.n);
  });

  it('prints where the registry token and the API keys are kept, never the secrets (stdout is a log)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rl-demo-banner-'));
    try {
      await writeFile(join(dataDir, DEMO_TOKEN_FILE), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
      const config = { ...p.ctx.config, dataDir, adminToken: ADMIN_TOKEN };
      const secrets = [
        ADMIN_TOKEN,
        ...fleet.organisations.map((o) => o.apiKey),
        ...fleet.robots.map((r) => r.ownerKey),
      ];
      const own = describeDemo(fleet, config, 'http://127.0.0.1:8080');
      for (const secret of secrets) expect(own).not.toContain(secret);
      expect(own).toContain(join(dataDir, DEMO_TOKEN_FILE));
      expect(own).toContain(join(dataDir, DEMO_FLEET_FILE));
      // A token the operator set is not the demo's: the banner names the variable.
      const configured = describeDemo(fleet, { ...config, adminToken: 'operator-set-token-0123456789' }, 'x');
      expect(configured).not.toContain('operator-set-token-0123456789');
      expect(configured).toContain('ROBOLEDGER_ADMIN_TOKEN');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
