// Backdated records (docs/api.md "Lifecycle", docs/lifecycle.md "Recording an event"): an event
// cannot be dated before the robot's production day, and one recorded more than 24 h after
// it occurred reads `late: true` wherever the platform returns it.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { StoppableClock } from '../../support/clock.js';
import { backend } from '../../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  type OrgRef,
  postEvent,
  recordEvent,
  registrySnapshot,
  SAMPLE_EVENT_DATA,
  transferRobot,
} from '../../support/fleet.js';

const DAY = 24 * 3_600_000;
/** What fileRobot files as the production date. */
const PRODUCTION_DATE = '2026-05-01';

describe(`backdated records (${backend})`, () => {
  let p: TestPlatform;
  let maker: OrgRef;
  let owner: OrgRef;
  let stranger: OrgRef;
  const clock = new StoppableClock();

  beforeAll(async () => {
    p = await startTestPlatform({ clock: clock.now });
    [maker, owner, stranger] = await Promise.all([
      createOrg(p, 'manufacturer'),
      createOrg(p, 'operator'),
      createOrg(p, 'operator'),
    ]);
  });
  afterAll(async () => {
    await p?.close();
  });

  /** A robot of `maker` produced on PRODUCTION_DATE, sold to `owner` and in service. */
  async function robotInService(): Promise<FiledRobot> {
    const robot = await fileRobot(p, maker);
    expect(robot.filing.productionDate).toBe(PRODUCTION_DATE);
    await transferRobot(p, robot.robotId, maker, owner);
    await recordEvent(p, robot.robotId, owner, 'deployment', SAMPLE_EVENT_DATA.deployment!);
    return robot;
  }

  async function eventsOf(robotId: string, query = ''): Promise<Record<string, unknown>[]> {
    const res = await p.call('GET', `/v1/robots/${robotId}/events${query}`, { token: owner.apiKey });
    expect(res.statusCode).toBe(200);
    return res.json().items;
  }

  it('refuses a maintenance event dated 2011 on a robot produced in 2026: 400, nothing stored', async () => {
    const robot = await robotInService();
    const before = await registrySnapshot(p);
    const eventsBefore = await eventsOf(robot.robotId);

    const res = await postEvent(
      p,
      robot.robotId,
      owner,
      'maintenance',
      SAMPLE_EVENT_DATA.maintenance!,
      '2011-03-04T10:00:00.000Z',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'OCCURRED_AT_BEFORE_PRODUCTION',
      details: {
        field: 'occurredAt',
        occurredAt: '2011-03-04T10:00:00.000Z',
        productionDate: PRODUCTION_DATE,
      },
    });
    // The last millisecond before the production day, written with an offset, is refused too.
    const justBefore = await postEvent(
      p,
      robot.robotId,
      owner,
      'maintenance',
      SAMPLE_EVENT_DATA.maintenance!,
      '2026-05-01T07:59:59.999+08:00',
    );
    expect(justBefore.statusCode).toBe(400);
    expect(justBefore.json().error.code).toBe('OCCURRED_AT_BEFORE_PRODUCTION');
    // Who may act is checked first: the refusal names the production date, which a caller
    // that may not even see the robot must not learn.
    const hidden = await postEvent(
      p,
      robot.robotId,
      stranger,
      'maintenance',
      SAMPLE_EVENT_DATA.maintenance!,
      '2011-03-04T10:00:00.000Z',
    );
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('ROBOT_NOT_FOUND');

    expect(await eventsOf(robot.robotId)).toEqual(eventsBefore);
    expect(await registrySnapshot(p)).toEqual(before);
  });

  it('accepts an event exactly at the start (00:00 UTC) of the production day', async () => {
    const robot = await robotInService();
    const res = await postEvent(
      p,
      robot.robotId,
      owner,
      'maintenance',
      SAMPLE_EVENT_DATA.maintenance!,
      `${PRODUCTION_DATE}T00:00:00.000Z`,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ occurredAt: `${PRODUCTION_DATE}T00:00:00.000Z`, late: true });
  });

  it('marks an event recorded more than 24 h after it occurred late on every read, a fresh one not', async () => {
    const robot = await robotInService();
    const now = clock.stop();
    onTestFinished(() => clock.resume());
    const at = (ms: number) => new Date(now.getTime() - ms).toISOString();

    const post = async (occurredAt: string) => {
      const res = await postEvent(
        p,
        robot.robotId,
        owner,
        'maintenance',
        SAMPLE_EVENT_DATA.maintenance!,
        occurredAt,
      );
      expect(res.statusCode).toBe(201);
      return res.json() as { eventId: string; late: boolean; recordedAt: string };
    };
    const late = await post(at(3 * DAY));
    const boundary = await post(at(DAY)); // exactly 24 h: not more than 24 h, so not late
    const fresh = await post(at(0));
    expect(late.recordedAt).toBe(now.toISOString());
    expect([late.late, boundary.late, fresh.late]).toEqual([true, false, false]);

    const expected = new Map([
      [late.eventId, true],
      [boundary.eventId, false],
      [fresh.eventId, false],
    ]);
    const lateness = (events: Record<string, unknown>[]) =>
      new Map(
        events.filter((e) => expected.has(e.eventId as string)).map((e) => [e.eventId as string, e.late]),
      );

    const listed = await eventsOf(robot.robotId);
    expect(lateness(listed)).toEqual(expected);
    // The platform's own events (filing, transfer) and the deployment were recorded as they happened.
    for (const event of listed.filter((e) => !expected.has(e.eventId as string)))
      expect(event.late, String(event.type)).toBe(false);
    expect(lateness(await eventsOf(robot.robotId, '?type=maintenance'))).toEqual(expected);

    const history = await p.call('GET', `/v1/robots/${robot.robotId}/history-proof`, {
      token: owner.apiKey,
    });
    expect(history.statusCode).toBe(200);
    // Each record of the history, opened: a robot event's id is its eventId.
    const historyEvents = (
      history.json().records as { opening: { record: string }; late: boolean }[]
    ).flatMap((r) => {
      const record = JSON.parse(Buffer.from(r.opening.record, 'base64').toString('utf8'));
      return record.kind === 'robot_event' ? [{ eventId: record.id, type: record.type, late: r.late }] : [];
    });
    expect(lateness(historyEvents)).toEqual(expected);
    expect(historyEvents).toHaveLength(listed.length);
    for (const event of historyEvents.filter((e) => !expected.has(e.eventId as string)))
      expect(event.late, String(event.type)).toBe(false);
  });

  it('shows `late` in the OpenAPI document of every answer that carries an event', async () => {
    const doc = (await p.call('GET', '/openapi.json')).json();
    const ok = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content['application/json'].schema;
    const resolve = (schema: Record<string, unknown>) =>
      typeof schema.$ref === 'string'
        ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
        : schema;
    const event = resolve(ok('/v1/robots/{robotId}/events', 'post', '201'));
    const listed = resolve(resolve(ok('/v1/robots/{robotId}/events', 'get', '200')).properties.items.items);
    const proven = resolve(ok('/v1/robots/{robotId}/history-proof', 'get', '200')).properties.records.items;
    for (const schema of [event, listed, proven]) {
      expect(schema.properties.late).toMatchObject({ type: 'boolean' });
      expect(schema.required).toContain('late');
    }
  });
});
