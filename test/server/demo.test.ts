import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROBOT_STATUSES } from '../../src/core/lifecycle.js';
import { type DemoFleet, seedDemoFleet } from '../../src/server/demo/demo-fleet.js';
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

  it('its organisations can use their keys, and owners see their robots', async () => {
    const inService = fleet.robots.find((r) => r.status === 'in_service')!;
    const res = await p.call('GET', `/v1/robots/${inService.robotId}`, { token: inService.ownerKey });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('in_service');
  });

  it('wrote everything to the ledger with gapless indices', async () => {
    const { rows } = await p.ctx.db.query<{ n: number; max: number }>(
      'SELECT count(*)::int AS n, max(idx)::int AS max FROM ledger_entries',
    );
    expect(rows[0]!.n).toBe(rows[0]!.max + 1);
    expect((await p.ctx.ledger.head()).size).toBe(rows[0]!.n);
  });
});
