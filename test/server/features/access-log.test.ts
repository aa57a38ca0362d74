// The data access log (docs/access-log.md): every read of a robot's telemetry, batches, events,
// history proof and alerts is recorded before the answer, with the reading organisation, its
// API key and what was read; refused reads and reads of the log itself are not. The log is the
// owner's and the authorities' to read, newest first, by time window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTelemetryBatch } from '../../../src/core/simulation/index.js';
import { readAccessLog, recordRobotAccess } from '../../../src/server/features/access-log/access-log.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { type FiledRobot, fileRobot, grantAccess, recordEvent, transferRobot } from '../../support/fleet.js';

type Org = { id: string; apiKey: string; keyId: string };

const HOUR = 3_600_000;

describe(`data access log (${backend})`, () => {
  let p: TestPlatform;
  /** The platform's clock runs with real time, shifted by this much (reads at other times). */
  let offsetMs = 0;
  let maker: Org;
  let owner: Org;
  let otherOperator: Org;
  let maintainer: Org;
  let regulator: Org;
  let robot: FiledRobot;
  let robotUuid: string;
  let registryOrgId: string;
  let seq = 1;

  const logged = async () =>
    (
      await p.ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM data_access_log WHERE robot_uuid = $1',
        [robotUuid],
      )
    ).rows[0]!.n;
  const accessLog = (token: string | undefined, query = '') =>
    p.call('GET', `/v1/robots/${robot.robotId}/access-log${query}`, { token });

  async function sendBatch(r: FiledRobot, sohPct = 96): Promise<void> {
    const t = new Date(p.ctx.clock().getTime() - 1000).toISOString();
    const jws = signTelemetryBatch(
      {
        robotId: r.robotId,
        seq: seq++,
        samples: [
          {
            t,
            battery: { socPct: 80, sohPct, cycles: 10, tempC: 30 },
            joints: { wear: [0.01, 0.02], tempC: [38, 39] },
            accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
            operatingHours: seq,
            faults: [],
            control: { mode: 'autonomous', source: 'nav-stack 4.2.0' },
          },
        ],
      },
      r.device.privateKey,
    );
    const res = await p.call('POST', '/v1/telemetry', {
      body: jws,
      headers: { 'content-type': 'application/jose' },
    });
    expect(res.statusCode, res.body).toBe(202);
  }

  beforeAll(async () => {
    p = await startTestPlatform({ clock: () => new Date(Date.now() + offsetMs) });
    registryOrgId = p.ctx.registryOrgId;
    maker = (await createOrg(p, 'manufacturer')) as Org;
    owner = (await createOrg(p, 'operator')) as Org;
    otherOperator = (await createOrg(p, 'operator')) as Org;
    maintainer = (await createOrg(p, 'maintainer')) as Org;
    regulator = (await createOrg(p, 'regulator')) as Org;
    robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    await recordEvent(p, robot.robotId, owner, 'deployment', { siteName: 'Hall 3', purpose: 'logistics' });
    await grantAccess(p, robot.robotId, owner, maintainer, ['maintenance', 'telemetry']);
    await sendBatch(robot, 40); // below the model's SoH limit: an alert
    const { rows } = await p.ctx.db.query<{ robot_uuid: string }>(
      'SELECT robot_uuid FROM robot_ids WHERE robot_id = $1',
      [robot.robotId],
    );
    robotUuid = rows[0]!.robot_uuid;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('records each read of the robot’s data with the organisation, its key and what', async () => {
    expect(await logged()).toBe(0); // filing, transfer, deployment and ingest are not reads
    const reads: [string, string | undefined, string][] = [
      [`/v1/robots/${robot.robotId}/telemetry`, owner.apiKey, 'telemetry'],
      [`/v1/robots/${robot.robotId}/telemetry?resolution=1m`, owner.apiKey, 'telemetry'],
      [`/v1/robots/${robot.robotId}/telemetry/latest`, maintainer.apiKey, 'telemetry'],
      [`/v1/robots/${robot.robotId}/telemetry/batches`, regulator.apiKey, 'telemetry_batches'],
      [`/v1/robots/${robot.robotId}/events`, ADMIN_TOKEN, 'events'],
      [`/v1/robots/${robot.robotId}/history-proof`, owner.apiKey, 'history_proof'],
      [`/v1/alerts?robotId=${robot.robotId}`, maintainer.apiKey, 'alerts'],
    ];
    for (const [url, token] of reads) {
      const res = await p.call('GET', url, { token });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    const res = await accessLog(owner.apiKey);
    expect(res.statusCode, res.body).toBe(200);
    const orgOf = (token: string | undefined) =>
      token === ADMIN_TOKEN
        ? { orgId: registryOrgId, keyId: null }
        : [owner, maintainer, regulator]
            .filter((o) => o.apiKey === token)
            .map((o) => ({ orgId: o.id, keyId: o.keyId }))[0];
    expect(res.json().items.map((i: Record<string, unknown>) => ({ ...i, at: undefined }))).toEqual(
      reads.map(([, token, what]) => ({ ...orgOf(token), what, at: undefined })).reverse(),
    );
    for (const item of res.json().items) expect(Date.parse(item.at)).not.toBeNaN();
    expect(res.json().nextCursor).toBeNull();
  });

  it('records no refused read, and no read of the access log itself', async () => {
    const before = await logged();
    const refused: [string, string, number][] = [
      [`/v1/robots/${robot.robotId}/telemetry`, maker.apiKey, 403], // sold: sees the robot, not its data
      [`/v1/robots/${robot.robotId}/telemetry`, otherOperator.apiKey, 404],
      [`/v1/robots/${robot.robotId}/events`, otherOperator.apiKey, 404],
      [`/v1/robots/${robot.robotId}/history-proof`, otherOperator.apiKey, 404],
      [`/v1/alerts?robotId=${robot.robotId}`, maker.apiKey, 403],
    ];
    for (const [url, token, status] of refused) {
      expect((await p.call('GET', url, { token })).statusCode, url).toBe(status);
    }
    expect((await accessLog(owner.apiKey)).statusCode).toBe(200);
    expect((await accessLog(regulator.apiKey)).statusCode).toBe(200);
    expect(await logged()).toBe(before);
  });

  it('an alerts page across robots records one read for each robot in it', async () => {
    const second = await fileRobot(p, maker);
    await transferRobot(p, second.robotId, maker, owner);
    await recordEvent(p, second.robotId, owner, 'deployment', { siteName: 'Hall 4', purpose: 'logistics' });
    await sendBatch(second, 40);
    const res = await p.call('GET', '/v1/alerts', { token: owner.apiKey });
    expect(res.statusCode).toBe(200);
    expect(new Set(res.json().items.map((a: { robotId: string }) => a.robotId))).toEqual(
      new Set([robot.robotId, second.robotId]),
    );
    const { rows } = await p.ctx.db.query<{ robot_id: string; what: string; org_id: string }>(
      `SELECT i.robot_id, l.what, l.org_id FROM data_access_log l JOIN robots i ON i.id = l.robot_uuid
        WHERE l.org_id = $1 AND l.what = 'alerts' AND l.at >= $2`,
      [owner.id, new Date(p.ctx.clock().getTime() - 60_000)],
    );
    expect(rows.map((r) => r.robot_id.trim()).sort()).toEqual([robot.robotId, second.robotId].sort());
  });

  it('the owner and authorities read the log; the manufacturer, grantees and strangers do not', async () => {
    expect((await accessLog(undefined)).statusCode).toBe(401);
    expect((await accessLog(ADMIN_TOKEN)).statusCode).toBe(200);
    expect((await accessLog(regulator.apiKey)).statusCode).toBe(200);
    expect((await accessLog(owner.apiKey)).statusCode).toBe(200);
    const byMaker = await accessLog(maker.apiKey);
    expect(byMaker.statusCode).toBe(403);
    expect(byMaker.json().error.code).toBe('FORBIDDEN');
    expect((await accessLog(maintainer.apiKey)).statusCode).toBe(403);
    const byStranger = await accessLog(otherOperator.apiKey);
    expect(byStranger.statusCode).toBe(404);
    expect(byStranger.json().error.code).toBe('ROBOT_NOT_FOUND');
  });

  it('filters by [from, to) and pages newest first', async () => {
    // Reads a day later, two hours apart.
    const start = p.ctx.clock().getTime();
    offsetMs += 24 * HOUR;
    const dayLater = p.ctx.clock().getTime();
    expect(
      (await p.call('GET', `/v1/robots/${robot.robotId}/events`, { token: owner.apiKey })).statusCode,
    ).toBe(200);
    offsetMs += 2 * HOUR;
    for (let i = 0; i < 3; i++) {
      const res = await p.call('GET', `/v1/robots/${robot.robotId}/telemetry`, { token: regulator.apiKey });
      expect(res.statusCode).toBe(200);
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    const window = await accessLog(owner.apiKey, `?from=${iso(dayLater - HOUR)}&to=${iso(dayLater + HOUR)}`);
    expect(window.json().items).toEqual([
      { at: expect.any(String), orgId: owner.id, keyId: owner.keyId, what: 'events' },
    ]);
    const earlier = await accessLog(owner.apiKey, `?to=${iso(start + HOUR)}`);
    expect(earlier.json().items.length).toBeGreaterThanOrEqual(7);
    expect(earlier.json().items.every((i: { at: string }) => Date.parse(i.at) < start + HOUR)).toBe(true);
    // Pages of two, newest first, across the whole log, none twice.
    const seen: { at: string; what: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2&from=${iso(start - 2 * HOUR)}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await accessLog(owner.apiKey, query);
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json().items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json().items);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen.slice(0, 4).map((i) => i.what)).toEqual(['telemetry', 'telemetry', 'telemetry', 'events']);
    const times = seen.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(seen).toHaveLength(await logged());
    // A reversed window and a foreign cursor are refused.
    expect((await accessLog(owner.apiKey, `?from=${iso(dayLater)}&to=${iso(dayLater)}`)).statusCode).toBe(
      400,
    );
    expect((await accessLog(owner.apiKey, '?cursor=abc')).statusCode).toBe(400);
  });

  it('recordRobotAccess and readAccessLog: what the incident feature records and reads', async () => {
    const at = new Date(p.ctx.clock().getTime() + 10 * HOUR);
    await recordRobotAccess(p.ctx.db, {
      robotUuid,
      orgId: regulator.id,
      keyId: undefined,
      what: 'evidence',
      at,
    });
    await recordRobotAccess(p.ctx.db, {
      robotUuid,
      orgId: owner.id,
      keyId: owner.keyId,
      what: 'incident',
      at: new Date(at.getTime() + 1000),
    });
    const read = await readAccessLog(p.ctx.db, robotUuid, at, new Date(at.getTime() + 1000));
    expect(read).toEqual([{ at: at.toISOString(), orgId: regulator.id, keyId: null, what: 'evidence' }]);
    const both = await readAccessLog(p.ctx.db, robotUuid, at, new Date(at.getTime() + 1001));
    expect(both.map((r) => r.what)).toEqual(['evidence', 'incident']);
  });
});
