// Draining on SIGTERM (src/cli/serve.ts, platform.ts close): the real `roboledger serve`
// process gets SIGTERM while a request is in flight (its headers arrived, its body not yet);
// the request still completes and is acknowledged, and the process exits 0 within its drain
// timeout. The body's second half is sent only once the process said it is draining, so the
// request is in flight across the signal on any machine, however slow.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, openTestDatabase, type TestDatabase } from '../support/database.js';
import { PROCESS_START_MS, PROCESS_TEST_TIMEOUT_MS, spawnRoboledger } from '../support/process.js';
import { eventually } from '../support/wait.js';

const ADMIN = 'drain-test-admin-token-0123456789';

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

describe(`draining on SIGTERM (${backend}, real server process)`, () => {
  let database: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'rl-drain-'));
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'finishes and acknowledges the request in flight, then exits 0',
    async () => {
      const env: Record<string, string> = { ROBOLEDGER_ADMIN_TOKEN: ADMIN, ROBOLEDGER_DATA_DIR: dataDir };
      if (backend === 'postgres') {
        database = await openTestDatabase({ migrate: false });
        env.DATABASE_URL = database.url!;
      }
      const port = await freePort();
      const spawned = spawnRoboledger(['serve'], {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        MQTT_PORT: '-1',
        MQTT_URL: '',
        // Request logs: the test waits for its request's "incoming request" line.
        LOG_LEVEL: 'info',
        ROBOLEDGER_DRAIN_TIMEOUT_MS: String(PROCESS_START_MS),
      });
      child = spawned.child;
      child.stdin?.end();
      const { output } = spawned;
      const said = () => `stderr:\n${output.stderr}\nstdout:\n${output.stdout.slice(-4000)}`;
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
      const url = `http://127.0.0.1:${port}`;
      await eventually(
        'the server to be ready',
        async () =>
          (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
        { deadlineMs: PROCESS_START_MS, seen: said },
      );

      const body = JSON.stringify({ name: 'drained org', kind: 'operator', country: 'CN' });
      const half = Math.floor(body.length / 2);
      let finish = () => {};
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${url}/v1/orgs`,
          {
            method: 'POST',
            agent: false,
            headers: {
              authorization: `Bearer ${ADMIN}`,
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, half));
        finish = () => req.end(body.slice(half));
      });
      await eventually(
        'the server to log the request in flight',
        () =>
          /"msg":"incoming request"[^\n]*"\/v1\/orgs"|"\/v1\/orgs"[^\n]*"msg":"incoming request"/.test(
            output.stdout,
          )
            ? true
            : undefined,
        { deadlineMs: PROCESS_START_MS, seen: said },
      );

      child.kill('SIGTERM');
      await eventually(
        'the server to start draining',
        () => (output.stdout.includes('draining') ? true : undefined),
        {
          deadlineMs: PROCESS_START_MS,
          seen: said,
        },
      );
      // A new request is refused: the listener is closed, or (on a connection kept alive) 503.
      const late = await fetch(`${url}/v1/ledger/checkpoint`).then(
        (r) => r.status,
        () => 'refused',
      );
      expect([503, 'refused']).toContain(late);

      finish();
      const res = await answer;
      expect(res.status, `${res.body}\n${said()}`).toBe(201);
      expect(JSON.parse(res.body).ledgerIndex).toBeGreaterThanOrEqual(0);
      expect(await exited, said()).toBe(0);
      expect(output.stdout).toContain('RoboLedger stopped');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
