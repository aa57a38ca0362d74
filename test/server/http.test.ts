import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import { buildApp, DEMO_FLEET_STARTUP } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { closeAppContext, createAppContext } from '../../src/server/context.js';
import { createPlatformLogger } from '../../src/server/platform.js';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend, openTestDatabase } from '../support/database.js';

describe(`HTTP conventions (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { ROBOLEDGER_BODY_LIMIT: '4096' } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('answers health, readiness, OpenAPI and the reference page without credentials, and no metrics', async () => {
    // One process on its own database leads (leadership.ts).
    expect((await p.call('GET', '/healthz')).json()).toEqual({ status: 'ok', leader: true });
    expect((await p.call('GET', '/readyz')).json()).toEqual({ status: 'ready' });
    // Without ROBOLEDGER_METRICS_TOKEN there is no /metrics (test/server/metrics.test.ts).
    const metrics = await p.call('GET', '/metrics');
    expect(metrics.statusCode).toBe(404);
    expect(metrics.json().error.code).toBe('NOT_FOUND');
    const openapi = await p.call('GET', '/openapi.json');
    expect(openapi.statusCode).toBe(200);
    const doc = openapi.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/v1/orgs');
    const page = await p.call('GET', '/docs');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-initializer.js');
  });

  it('every route whose body may be an empty object accepts a request without one', async () => {
    type Operation = {
      requestBody?: {
        content?: Record<string, { schema?: { type?: string; required?: string[]; minProperties?: number } }>;
      };
    };
    const doc = (await p.call('GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const optional: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const schema = operation.requestBody?.content?.['application/json']?.schema;
        if (schema?.type === 'object' && !(schema.required?.length ?? 0) && !(schema.minProperties ?? 0)) {
          optional.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(optional).toEqual(
      expect.arrayContaining(['POST /v1/alerts/{alertId}/ack', 'POST /v1/orgs/{orgId}/keys']),
    );
    for (const route of optional) {
      const [method, path] = route.split(' ') as ['POST', string];
      // Unknown ids, each well-formed for its kind (a robot ID that was never issued, a uuid
      // for the rest): the route must get past validation to its own "not found".
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        name === 'robotId' ? 'CNB7K2B0A3T511000000000123455' : '00000000-0000-4000-8000-000000000000',
      );
      const res = await p.call(method, url, { token: ADMIN_TOKEN });
      expect({ route, status: res.statusCode, code: res.json().error?.code }).toEqual({
        route,
        status: 404,
        code: expect.stringMatching(/NOT_FOUND$/),
      });
    }
  });

  it('unknown routes get the coded 404 envelope', async () => {
    const res = await p.call('GET', '/v1/nothing-here', { token: ADMIN_TOKEN });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('a body over the limit is 413 PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const before = await p.ctx.ledger.head();
    const res = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: { name: 'x'.repeat(10_000), kind: 'operator', country: 'CN' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await p.ctx.ledger.head()).size).toBe(before.size);
  });

  it('an unsupported Content-Type is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('malformed path parameters are a coded 400, never a 500', async () => {
    const res = await p.call('GET', '/v1/orgs/not-a-uuid', { token: ADMIN_TOKEN });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe(`/healthz of the demo (${backend})`, () => {
  it('is 503 "starting" until the demo fleet is written, then ok', async () => {
    const database = await openTestDatabase();
    try {
      const config = loadConfig({ ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' }, { demo: true });
      const ctx = await createAppContext(database.db, config);
      const app = await buildApp(ctx);
      const before = await app.inject({ method: 'GET', url: '/healthz' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toEqual({ status: 'starting', waitingFor: [DEMO_FLEET_STARTUP], leader: true });
      app.startup.release(DEMO_FLEET_STARTUP);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
        status: 'ok',
        leader: true,
      });
      await app.close();
      await ctx.ledger.close();
    } finally {
      await database.close();
    }
    // It opens a database of its own: seconds on an idle machine, up to a minute on a loaded one.
  }, 180_000);
});

describe(`request logs (${backend})`, () => {
  it('never contain API keys or the admin token', async () => {
    const { lines, sink } = logSink();
    const database = await openTestDatabase();
    try {
      const config = loadConfig({ ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN });
      const ctx = await createAppContext(database.db, config, { log: createPlatformLogger('trace', sink) });
      const app = await buildApp(ctx);
      const created = await app.inject({
        method: 'POST',
        url: '/v1/orgs',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name: 'Logged Org', kind: 'operator', country: 'CN' },
      });
      const { apiKey } = created.json();
      await app.inject({ method: 'GET', url: '/v1/orgs', headers: { authorization: `Bearer ${apiKey}` } });
      await app.inject({ method: 'GET', url: '/v1/orgs', headers: { authorization: 'Bearer rlk_wrong' } });
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      expect(log).toContain('/v1/orgs');
      expect(log).not.toContain(ADMIN_TOKEN);
      expect(log).not.toContain(apiKey);
      expect(log).not.toContain('rlk_wrong');
      await app.close();
      await closeAppContext(ctx);
    } finally {
      await database.close();
    }
    // Opens a database of its own inside the test: generous on a busy machine.
  }, 120_000);
});

describe(`internal invariant failures (${backend})`, () => {
  it('answer 500 INTERNAL_INVARIANT with a generic message, and the detail goes to the log', async () => {
    const { lines, sink } = logSink();
    const database = await openTestDatabase();
    try {
      const config = loadConfig({ ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN });
      const ctx = await createAppContext(database.db, config, { log: createPlatformLogger('error', sink) });
      const app = await buildApp(ctx);
      app.get('/test/invariant', { config: { public: true } }, async () => {
        throw new PlatformError('INTERNAL_INVARIANT', 'ledger entry 7 is secretly missing');
      });
      const res = await app.inject({ method: 'GET', url: '/test/invariant' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('INTERNAL_INVARIANT');
      expect(res.body).not.toContain('secretly');
      expect(lines.join('')).toContain('ledger entry 7 is secretly missing');
      await app.close();
      await closeAppContext(ctx);
    } finally {
      await database.close();
    }
    // Opens a database of its own inside the test: generous on a busy machine.
  }, 120_000);
});

/** A stream the platform logger writes to, and the lines it got. */
function logSink(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, sink };
}
