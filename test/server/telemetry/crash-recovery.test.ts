// The durability promise of ingest: a 202 means committed. The real server process (`roboledger
// serve` from dist/, rebuilt by the test run's global setup when src/ changed) takes batches from several clients, is killed
// with SIGKILL mid-stream, and restarted on the same database: every batch that got a 202 is
// there exactly once (its samples once, its ledger leaf once), and sending it again is a duplicate.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, openTestDatabase, type TestDatabase } from '../../support/database.js';
import { PROCESS_START_MS, spawnRoboledger } from '../../support/process.js';
import {
  type ApiCaller,
  fileTelemetryFleet,
  healthySamples,
  httpCaller,
  postBatch,
  signBatch,
  type TelemetryFleet,
} from '../../support/telemetry-fleet.js';

const ADMIN = 'crash-test-admin-token-0123456789';
/** Batches acknowledged before the kill: enough that every robot has several in flight. */
const ACKED_BEFORE_KILL = 150;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Server {
  process: ChildProcess;
  url: string;
  output: { stdout: string; stderr: string };
}

/** What the server wrote, for failure messages. */
const said = (server: Server) =>
  `server stderr:\n${server.output.stderr}\nserver stdout:\n${server.output.stdout}`;

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  // HTTP only: no embedded broker, no external one.
  const { child, output } = spawnRoboledger(['serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    MQTT_PORT: '-1',
    MQTT_URL: '',
    LOG_LEVEL: 'warn',
  });
  child.stdin.end();
  const server = { process: child, url: `http://127.0.0.1:${port}`, output };
  const deadline = performance.now() + PROCESS_START_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode ?? child.signalCode}) before it was ready\n${said(server)}`,
      );
    }
    try {
      if ((await fetch(`${server.url}/readyz`)).status === 200) return server;
    } catch {}
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${PROCESS_START_MS} ms\n${said(server)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kill9(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) return resolve();
    server.process.once('exit', () => resolve());
    server.process.kill('SIGKILL');
  });
}

describe(`crash recovery of telemetry ingest (${backend}, real server process)`, () => {
  let database: TestDatabase | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  let server: Server | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rl-crash-'));
    env = { ROBOLEDGER_ADMIN_TOKEN: ADMIN, ROBOLEDGER_DATA_DIR: dataDir };
    if (backend === 'postgres') {
      // An empty database the server migrates itself.
      database = await openTestDatabase({ migrate: false });
      env.DATABASE_URL = database.url!;
    }
  });
  afterAll(async () => {
    if (server) await kill9(server);
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'keeps every acknowledged batch exactly once across kill -9 and restart',
    async () => {
      server = await startServer(env);
      const fleet: TelemetryFleet = await fileTelemetryFleet(httpCaller(server.url), ADMIN, {
        count: 6,
        jointCount: 8,
      });
      const SAMPLES = 5;
      const acked = new Map<string, Map<number, string>>();
      const api: ApiCaller = httpCaller(server.url);
      let stop = false;
      let killedAfter = 0;
      // Resolved by the clients once enough batches were acknowledged, or once every client
      // stopped (each stops only on an error, which the test then reports).
      let ackedCount = 0;
      let enoughAcked!: () => void;
      const enough = new Promise<void>((resolve) => {
        enoughAcked = resolve;
      });
      // One client per robot, each sending numbered batches as fast as they are acknowledged.
      const clients = fleet.robots.map(async (robot) => {
        const mine = new Map<number, string>();
        acked.set(robot.robotId, mine);
        for (let seq = 0; !stop; seq++) {
          const jws = signBatch(robot, { seq, samples: healthySamples(8, SAMPLES, Date.now() - 1000) });
          try {
            const res = await postBatch(api, jws);
            if (res.statusCode === 202) {
              mine.set(seq, jws);
              if (++ackedCount >= ACKED_BEFORE_KILL) enoughAcked();
            } else if (res.statusCode !== 429) throw new Error(`unexpected ${res.statusCode} ${res.body}`);
          } catch (error) {
            if (stop) return;
            if ((error as Error).message.startsWith('unexpected')) throw error;
            return; // the connection died: the server is gone
          }
        }
      });
      // Kill once a good number of batches were acknowledged, while the clients keep sending.
      await Promise.race([enough, Promise.allSettled(clients)]);
      killedAfter = [...acked.values()].reduce((n, m) => n + m.size, 0);
      await kill9(server);
      stop = true;
      await Promise.all(clients);
      expect(killedAfter, said(server)).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);

      server = await startServer(env);
      const after = httpCaller(server.url);
      let total = 0;
      for (const robot of fleet.robots) {
        const mine = acked.get(robot.robotId)!;
        const res = await after.call(
          'GET',
          `/v1/robots/${robot.robotId}/telemetry?resolution=raw&from=${new Date(Date.now() - 3_600_000).toISOString()}&limit=10000`,
          { token: fleet.manufacturer.apiKey },
        );
        expect(res.statusCode, `${res.body}\n${said(server)}`).toBe(200);
        const perSeq = new Map<number, number>();
        for (const item of res.json().items as { seq: number }[])
          perSeq.set(item.seq, (perSeq.get(item.seq) ?? 0) + 1);
        for (const seq of mine.keys())
          expect({ seq, samples: perSeq.get(seq) }).toEqual({ seq, samples: SAMPLES });
        // Anything beyond the acknowledged was committed or not, but never twice.
        for (const [seq, n] of perSeq) expect({ seq, samples: n }).toEqual({ seq, samples: SAMPLES });
        total += mine.size;
        // Sent again after the restart: recognised, stored once.
        for (const jws of [...mine.values()].slice(-3)) {
          const again = await postBatch(after, jws);
          expect(again.statusCode).toBe(202);
          expect(again.json().duplicate).toBe(true);
        }
      }
      expect(total).toBeGreaterThanOrEqual(killedAfter);
      if (database) {
        const { rows } = await database.db.query<{ batches: number; leaves: number; dup: number }>(
          `SELECT (SELECT count(*) FROM telemetry_batches)::int AS batches,
                (SELECT count(*) FROM ledger_entries WHERE record_kind = 'telemetry_batch')::int AS leaves,
                (SELECT count(*) FROM (SELECT robot_uuid, seq, t FROM telemetry_samples
                   GROUP BY 1, 2, 3 HAVING count(*) > 1) d)::int AS dup`,
        );
        expect(rows[0]!.batches).toBe(rows[0]!.leaves);
        expect(rows[0]!.batches).toBeGreaterThanOrEqual(total);
        expect(rows[0]!.dup).toBe(0);
      }
    },
    2 * PROCESS_START_MS + 120_000,
  ); // two starts, each within its deadline, and the stream
});
