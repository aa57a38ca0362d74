// Single-sample batches are group-committed inline, and on PostgreSQL two such group commits are
// in flight at once: each transaction asks for the ledger lock first and takes its group from
// the queue only once it holds it (TelemetryIngest #drain). These tests hold the ledger while a
// flood of single-sample batches queues up behind it, then let go: every batch must be stored
// exactly once with a leaf of its own, acknowledged only after its commit, a batch the database
// refuses isolated without sinking the others, and the ledger must still audit clean. On PGlite
// the same assertions hold for the one-at-a-time commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../../src/server/ledger/ledger-audit.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import {
  fileTelemetryFleet,
  healthySample,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';

const JOINTS = 4;
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
/** A batch with this seq is refused by a CHECK constraint the tests add: a refusal the checks cannot see. */
const REFUSED_SEQ = 666;

async function waitFor(probe: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`pipelined group commits of single-sample batches (${backend})`, () => {
  let p: TestPlatform;
  let fleet: TelemetryFleet;
  let nextSeq = 1;

  beforeAll(async () => {
    p = await startTestPlatform({ clock: () => new Date(NOW) });
    fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 8, jointCount: JOINTS });
    await p.ctx.db.query(
      `ALTER TABLE telemetry_batches ADD CONSTRAINT test_refused_seq CHECK (seq <> ${REFUSED_SEQ})`,
    );
    // Warm up: robots cached, partition made, alert hints loaded.
    for (const robot of fleet.robots) {
      const jws = signBatch(robot, { seq: nextSeq, samples: [healthySample(JOINTS, NOW - 60_000)] });
      expect((await postBatch(p, jws)).statusCode).toBe(202);
    }
    nextSeq++;
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  /** `perRobot` single-sample batches of every robot, each robot's seqs ascending. */
  function flood(perRobot: number): string[] {
    const bodies: string[] = [];
    for (let k = 0; k < perRobot; k++) {
      for (const robot of fleet.robots) {
        bodies.push(
          signBatch(robot, { seq: nextSeq + k, samples: [healthySample(JOINTS, NOW - 50_000 + k * 100)] }),
        );
      }
    }
    nextSeq += perRobot;
    return bodies;
  }

  /** Posts `bodies` while the ledger is held, waits until all are checked and queued, lets go. */
  async function behindHeldLedger(bodies: string[]) {
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
    let answered = 0;
    const answers = bodies.map((body) =>
      postBatch(p, body).finally(() => {
        answered++;
      }),
    );
    // Pipelined (PostgreSQL), the waiting transactions take their groups only once they hold the
    // lock: all of them queue. One at a time (PGlite), the first batch formed a group at once.
    const queued = bodies.length - (p.ctx.db.dialect === 'postgres' ? 0 : 1);
    await waitFor(() => ingest.queued === queued, 'every batch in the queue');
    // Nothing is acknowledged while nothing can commit.
    expect(answered).toBe(0);
    release();
    await held;
    return Promise.all(answers);
  }

  it('stores a flood once each, one leaf each, gapless; sent again, every batch is a duplicate', async () => {
    const bodies = flood(25);
    const answers = await behindHeldLedger(bodies);
    expect(answers.map((a) => a.statusCode)).toEqual(bodies.map(() => 202));
    const indices = answers.map((a) => a.json().ledgerIndex as number).sort((x, y) => x - y);
    expect(new Set(indices).size).toBe(bodies.length);
    expect(indices[indices.length - 1]! - indices[0]!).toBe(bodies.length - 1);
    const again = await Promise.all(bodies.map((body) => postBatch(p, body)));
    expect(again.map((a) => [a.statusCode, a.json().duplicate])).toEqual(bodies.map(() => [202, true]));
    const { rows } = await p.ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_batches WHERE seq >= $1',
      [nextSeq - 25],
    );
    expect(rows[0]!.n).toBe(bodies.length);
  }, 120_000);

  it('isolates a single-sample batch the database refuses; the others of the flood are stored', async () => {
    const bodies = flood(10);
    const offender = signBatch(fleet.robots[0]!, {
      seq: REFUSED_SEQ,
      samples: [healthySample(JOINTS, NOW - 40_000)],
    });
    const answers = await behindHeldLedger([...bodies.slice(0, 40), offender, ...bodies.slice(40)]);
    const refused = answers.splice(40, 1)[0]!;
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('TELEMETRY_UNPROCESSABLE');
    expect(answers.map((a) => a.statusCode)).toEqual(bodies.map(() => 202));
    expect(new Set(answers.map((a) => a.json().ledgerIndex)).size).toBe(bodies.length);
  }, 120_000);

  it('acknowledges a robot’s batches sent one after another in seq order, in ledger order, amid a flood', async () => {
    const robot = fleet.robots[0]!;
    const others = flood(10).filter((_, i) => i % fleet.robots.length !== 0);
    const flooding = Promise.all(others.map((body) => postBatch(p, body)));
    const own: number[] = [];
    for (let k = 0; k < 10; k++) {
      const jws = signBatch(robot, { seq: nextSeq + k, samples: [healthySample(JOINTS, NOW - 30_000 + k)] });
      const res = await postBatch(p, jws);
      expect(res.statusCode).toBe(202);
      own.push(res.json().ledgerIndex as number);
    }
    nextSeq += 10;
    expect((await flooding).every((a) => a.statusCode === 202)).toBe(true);
    expect(own).toEqual([...own].sort((x, y) => x - y));
  }, 120_000);

  it('leaves a ledger that audit rebuilds from the stored rows', async () => {
    const report = await auditLedger(p.ctx.db, { recordKinds: p.ctx.recordKinds });
    expect(report.findings).toEqual([]);
  }, 120_000);
});
