// One robot's batch must never sink another's. A group commit writes many robots' batches in one
// transaction, so a value the database refuses used to roll back the whole group and answer every
// batch in it 400 (by contract "nothing written, do not resend"): with a sample dated
// 2026-11-31, which Date.parse took for 1 December and PostgreSQL refused, 56 of 60 concurrent
// batches of other robots were lost so. Over MQTT the offender was never acknowledged and came
// back, again and again. These tests put one offender in the same group as 50 batches of other
// robots (the ledger is held until all of them wait for the same commit) and over MQTT, on the
// backend and broker under test.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTelemetryRuntime,
  type TelemetryRuntime,
} from '../../../src/server/features/telemetry/telemetry-runtime.js';
import { rejectedTopic, telemetryTopic } from '../../../src/server/mqtt/topics.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { holdExternalBroker } from '../../support/broker-lock.js';
import { backend } from '../../support/database.js';
import { type ConnectedRobots, connectRobots } from '../../support/mqtt-robots.js';
import {
  fileTelemetryFleet,
  healthySample,
  healthySamples,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';

const JOINTS = 4;
/** The platform's clock: fixed, so that 2026-11-31 lies inside raw retention whenever this runs. */
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
const IMPOSSIBLE_DATE = '2026-11-31T12:00:00Z';
/** A batch with this seq is refused by a CHECK constraint the tests add: a refusal the checks cannot see. */
const REFUSED_SEQ = 666;
/** A batch with this seq makes the database fail with a unique violation, which is no batch's fault. */
const FAULT_SEQ = 667;

async function waitFor(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A batch of robot `robot` whose one sample is dated `t` (an RFC 3339 text, taken as is). */
function batchDated(robot: TelemetryFleet['robots'][number], seq: number, t: string): string {
  return signBatch(robot, { seq, samples: [{ ...healthySample(JOINTS, NOW - 60_000), t }] });
}

async function refuseInDatabase(p: TestPlatform): Promise<void> {
  await p.ctx.db.query(
    `ALTER TABLE telemetry_batches ADD CONSTRAINT test_refused_seq CHECK (seq <> ${REFUSED_SEQ})`,
  );
  await p.ctx.db.query(`CREATE FUNCTION test_platform_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.seq = ${FAULT_SEQ} THEN
        RAISE EXCEPTION 'a fault of the platform' USING ERRCODE = 'unique_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await p.ctx.db.query(`CREATE TRIGGER test_platform_fault BEFORE INSERT ON telemetry_batches
    FOR EACH ROW EXECUTE FUNCTION test_platform_fault()`);
}

describe(`a poison batch among others over HTTP (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  let nextSeq = 1000;

  beforeAll(async () => {
    // Raw samples kept forever: no retention bound stands between a sample time and the database.
    p = await startTestPlatform({
      clock: () => new Date(NOW),
      env: { ROBOLEDGER_TELEMETRY_RETENTION_DAYS: '0' },
    });
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 10, jointCount: JOINTS });
    await refuseInDatabase(p);
    // Warm up: every robot cached, the partitions of 1 and 2 December made, alert hints loaded,
    // so that while the ledger is held (PGlite is one connection) checks need no query.
    for (const robot of fleet.robots) {
      const jws = signBatch(robot, {
        seq: nextSeq++,
        samples: [
          healthySample(JOINTS, Date.parse('2026-12-01T12:00:00Z')),
          healthySample(JOINTS, NOW - 1000),
        ],
      });
      expect((await postBatch(p, jws)).statusCode).toBe(202);
    }
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  const storedSeqs = async (seqs: number[]) => {
    const { rows } = await p.ctx.db.query<{ seq: number }>(
      'SELECT seq FROM telemetry_batches WHERE seq = ANY($1::bigint[]) ORDER BY seq',
      [seqs],
    );
    return rows.map((r) => Number(r.seq));
  };

  /**
   * Posts `others` and `offender` so that they are all committed in ONE group: the ledger is held
   * while a first batch takes the commit, and released once everything else waits in the queue.
   */
  async function inOneGroup(others: string[], offender: string) {
    const ingest = p.ctx.telemetryIngest.get();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    const held = p.ctx.ledger.run(async () => {
      holding = true;
      await released;
    });
    await waitFor(() => holding, 'the ledger to be held');
    const [plug, ...rest] = others;
    const first = postBatch(p, plug!);
    await waitFor(() => ingest.committing && ingest.queued === 0, 'the first batch to take the commit');
    let settled = 0;
    const answers = [...rest, offender].map((body) =>
      postBatch(p, body).finally(() => {
        settled++;
      }),
    );
    await waitFor(() => ingest.queued + settled === rest.length + 1, 'every batch in the queue');
    expect(ingest.queued).toBeGreaterThanOrEqual(rest.length); // the next group holds them all
    release();
    await held;
    const all = await Promise.all([first, ...answers]);
    return { others: all.slice(0, -1), offender: all[all.length - 1]! };
  }

  function otherBatches(count: number) {
    return Array.from({ length: count }, (_, i) => {
      const robot = fleet.robots[1 + (i % (fleet.robots.length - 1))]!;
      return {
        seq: nextSeq,
        jws: signBatch(robot, { seq: nextSeq++, samples: healthySamples(JOINTS, 3, NOW - i * 1000) }),
      };
    });
  }

  it('refuses a sample dated 2026-11-31 alone, and stores the 50 batches of other robots in its group', async () => {
    const others = otherBatches(50);
    const offender = batchDated(fleet.robots[0]!, nextSeq++, IMPOSSIBLE_DATE);
    const answers = await inOneGroup(
      others.map((o) => o.jws),
      offender,
    );
    expect(answers.others.map((a) => a.statusCode)).toEqual(others.map(() => 202));
    expect(await storedSeqs(others.map((o) => o.seq))).toEqual(others.map((o) => o.seq));
    expect(answers.offender.statusCode).toBe(400);
    expect(answers.offender.json().error).toMatchObject({
      code: 'TELEMETRY_MALFORMED_PAYLOAD',
      details: { path: '/samples/0/t' },
    });
  }, 120_000);

  it('isolates a batch the database refuses: 50 others stored, only the offender refused (422, do not resend)', async () => {
    const others = otherBatches(50);
    const offender = signBatch(fleet.robots[0]!, {
      seq: REFUSED_SEQ,
      samples: healthySamples(JOINTS, 2, NOW - 5000),
    });
    const answers = await inOneGroup(
      others.map((o) => o.jws),
      offender,
    );
    expect(answers.others.map((a) => a.statusCode)).toEqual(others.map(() => 202));
    expect(await storedSeqs(others.map((o) => o.seq))).toEqual(others.map((o) => o.seq));
    // Each of them got a ledger leaf of its own.
    const indices = answers.others.map((a) => a.json().ledgerIndex as number);
    expect(new Set(indices).size).toBe(others.length);
    expect(answers.offender.statusCode).toBe(422);
    expect(answers.offender.json().error.code).toBe('TELEMETRY_UNPROCESSABLE');
    expect(await storedSeqs([REFUSED_SEQ])).toEqual([]);
  }, 120_000);

  it('answers a database fault that is no batch’s own with a 5xx (send again), never a 4xx; the others are stored', async () => {
    const others = otherBatches(40);
    const offender = signBatch(fleet.robots[0]!, {
      seq: FAULT_SEQ,
      samples: healthySamples(JOINTS, 2, NOW - 5000),
    });
    const answers = await inOneGroup(
      others.map((o) => o.jws),
      offender,
    );
    expect(answers.others.map((a) => a.statusCode)).toEqual(others.map(() => 202));
    expect(await storedSeqs(others.map((o) => o.seq))).toEqual(others.map((o) => o.seq));
    expect(answers.offender.statusCode).toBe(500);
    expect(answers.offender.json().error.code).toBe('INTERNAL_ERROR');
  }, 120_000);

  it('refuses a year 0000 sample at the check when raw samples are kept forever (PostgreSQL has no year 0)', async () => {
    const res = await postBatch(p, batchDated(fleet.robots[0]!, nextSeq++, '0000-06-01T00:00:00Z'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'TELEMETRY_MALFORMED_PAYLOAD',
      details: { path: '/samples/0/t' },
    });
  });
});

const external = process.env.MQTT_URL;
const brokerName = external ? 'Mosquitto, shared subscription' : 'embedded aedes';

describe(`a poison batch over MQTT (${backend}, ${brokerName})`, () => {
  let p: TestPlatform;
  let runtime: TelemetryRuntime;
  let fleet: TelemetryFleet;
  let robots: ConnectedRobots;
  const clientOf = (robot: { robotId: string }) => robots.clientOf(robot);
  let releaseBroker: (() => void) | undefined;

  beforeAll(async () => {
    if (external) releaseBroker = await holdExternalBroker();
    p = await startTestPlatform({
      clock: () => new Date(NOW),
      env: {
        ...(external ? { MQTT_URL: external } : {}),
        MQTT_PORT: '0',
        HOST: '127.0.0.1',
        ROBOLEDGER_MQTT_SHARE_GROUP: `test${randomBytes(4).toString('hex')}`,
        ROBOLEDGER_MQTT_CONNECTIONS: '2',
      },
    });
    await refuseInDatabase(p);
    runtime = await startTelemetryRuntime(p.ctx);
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 2, jointCount: JOINTS });
    // One connection per robot, logged in as that robot (the embedded broker is closed), with a
    // token signed at the platform's own now, which this test holds still.
    robots = await connectRobots(external ?? `mqtt://127.0.0.1:${runtime.mqttPort}`, fleet.robots, {
      external: external !== undefined,
      nowMs: NOW,
    });
  }, 240_000); // it may wait for another file to release the broker
  afterAll(async () => {
    await robots?.close();
    await runtime?.close();
    await p?.close();
    releaseBroker?.();
  });

  it('acknowledges an impossible date and a batch the database refuses, each with its refusal, and carries on', async () => {
    const [a, b] = fleet.robots as [TelemetryFleet['robots'][0], TelemetryFleet['robots'][0]];
    const impossible = batchDated(a, 1, IMPOSSIBLE_DATE);
    const refused = signBatch(b, { seq: REFUSED_SEQ, samples: healthySamples(JOINTS, 2, NOW - 5000) });
    const good = signBatch(a, { seq: 2, samples: healthySamples(JOINTS, 2, NOW - 5000) });
    // Each publish resolves on its PUBACK: the broker will not deliver them again.
    await clientOf(a).publishAsync(telemetryTopic(a.robotId), impossible, { qos: 1 });
    await clientOf(b).publishAsync(telemetryTopic(b.robotId), refused, { qos: 1 });
    await clientOf(a).publishAsync(telemetryTopic(a.robotId), good, { qos: 1 });
    await waitFor(() => robots.rejections.length >= 2, 'two refusals', 30_000);
    const codes = Object.fromEntries(robots.rejections.map((r) => [r.topic, r.body.error.code]));
    expect(codes).toEqual({
      [rejectedTopic(a.robotId)]: 'TELEMETRY_MALFORMED_PAYLOAD',
      [rejectedTopic(b.robotId)]: 'TELEMETRY_UNPROCESSABLE',
    });
    await waitFor(async () => {
      const { rows } = await p.ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM telemetry_batches WHERE robot_id = $1 AND seq = 2',
        [a.robotId],
      );
      return rows[0]!.n === 1;
    }, 'the good batch to be stored');
    // Not redelivered: no third refusal comes while the good batch was carried.
    expect(robots.rejections).toHaveLength(2);
  }, 120_000);
});
