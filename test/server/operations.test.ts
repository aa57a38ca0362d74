// The operator's side of a node (src/server/http/operational-routes.ts, node-metrics.ts):
// /metrics behind ROBOLEDGER_METRICS_TOKEN, the metrics the shipped alerts use, and the drain
// gate (503 DRAINING for new requests, /healthz 503) once the node drains.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';

const METRICS_TOKEN = 'operations-metrics-token-0123456789';

describe(`operations: metrics and draining (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { ROBOLEDGER_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(async () => {
    await p?.close();
  });

  const scrape = (token?: string) => p.call('GET', '/metrics', { token });

  it('answers /metrics only to the metrics token', async () => {
    for (const token of [undefined, ADMIN_TOKEN, 'not-the-metrics-token-0123456789']) {
      const refused = await scrape(token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('METRICS_UNAUTHENTICATED');
    }
    const metrics = await scrape(METRICS_TOKEN);
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('roboledger_http_requests_total');
  });

  it('tells whether the node leads, how far checkpoints trail, and their failures', async () => {
    const created = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: { name: 'metrics org', kind: 'operator', country: 'CN' },
    });
    expect(created.statusCode).toBe(201);
    const trailing = (await scrape(METRICS_TOKEN)).body;
    expect(trailing).toMatch(/^roboledger_leader 1$/m);
    expect(trailing).toMatch(/^roboledger_draining 0$/m);
    expect(Number(/^roboledger_ledger_unsigned_entries (\d+)$/m.exec(trailing)?.[1])).toBeGreaterThan(0);
    await p.ctx.checkpointer.checkpointNow();
    const signed = (await scrape(METRICS_TOKEN)).body;
    expect(signed).toMatch(/^roboledger_ledger_unsigned_entries 0$/m);
    expect(signed).toMatch(/^roboledger_checkpoint_failures_total 0$/m);
    expect(signed).toMatch(/^roboledger_checkpoint_age_seconds \d/m);
    expect(signed).toMatch(/^roboledger_audit_mismatches 0$/m);
  });

  it('while draining refuses new requests with 503 DRAINING and Connection: close, and /healthz says so', async () => {
    p.ctx.node.draining = true;
    try {
      const refused = await p.call('GET', '/v1/ledger/checkpoint');
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe('DRAINING');
      expect(refused.headers.connection).toBe('close');
      const health = await p.call('GET', '/healthz');
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'draining', leader: true });
      expect((await p.call('GET', '/readyz')).statusCode).toBe(200);
    } finally {
      p.ctx.node.draining = false;
    }
    expect((await p.call('GET', '/v1/ledger/checkpoint')).statusCode).toBe(200);
  });
});
