// Load shedding (issue 10): every route is rate limited, public ones per client address and
// authenticated ones per API key, in memory or in Redis; telemetry bodies draw on a budget of
// bytes in flight, refused with 429 before they are read.
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrg, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';

describe(`a burst of unauthenticated oversized telemetry (${backend})`, () => {
  let p: TestPlatform;
  const budgetBytes = 4 * 1024 * 1024;

  beforeAll(async () => {
    p = await startTestPlatform({ env: { ROBOLEDGER_TELEMETRY_INFLIGHT_BYTES: String(budgetBytes) } });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
  }, 240_000);
  afterAll(async () => {
    await p?.close();
  });

  it('is answered 429 with Retry-After before the bodies are read; the bytes held stay within the budget', async () => {
    const port = (p.app.server.address() as { port: number }).port;
    const agent = new Agent({ keepAlive: false, maxSockets: 100 });
    const bodyBytes = 1_000_000; // fits the 1 MiB batch limit; 4 of them fit the budget, 5 do not
    const body = Buffer.alloc(bodyBytes, 0x61); // not a JWS: a bad batch, as in the probe
    const burst = 20;
    const answers: { status: number; retryAfter: string | undefined; code: string }[] = [];
    const requests = Array.from({ length: burst }, () => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/telemetry',
        agent,
        headers: { 'content-type': 'application/jose', 'content-length': String(bodyBytes) },
      });
      const answered = new Promise<void>((resolve, reject) => {
        req.on('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            answers.push({
              status: res.statusCode!,
              retryAfter: res.headers['retry-after'] as string | undefined,
              code: (JSON.parse(text) as { error: { code: string } }).error.code,
            });
            resolve();
          });
        });
        req.on('error', reject);
      });
      // Headers and the first 64 KiB only: every request is in flight at once.
      req.write(body.subarray(0, 64 * 1024));
      return { req, answered };
    });
    // The ones over budget are answered while their bodies are still unsent.
    const deadline = Date.now() + 120_000;
    while (answers.length < burst - 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answers.length).toBe(burst - 4);
    for (const a of answers)
      expect(a).toEqual({ status: 429, retryAfter: '1', code: 'TELEMETRY_QUEUE_FULL' });
    expect(p.app.telemetryBodyBudget.inFlightBytes).toBe(4 * bodyBytes);
    // Now the four admitted bodies arrive in full and are refused for what they are.
    for (const { req } of requests) req.end(body.subarray(64 * 1024));
    await Promise.all(requests.map((r) => r.answered));
    const admitted = answers.filter((a) => a.status !== 429);
    expect(admitted).toHaveLength(4);
    for (const a of admitted) expect(a.status).toBeGreaterThanOrEqual(400);
    for (const a of admitted) expect(a.status).toBeLessThan(500);
    const budget = p.app.telemetryBodyBudget;
    expect(budget.shed).toBe(burst - 4);
    expect(budget.peakInFlightBytes).toBeLessThanOrEqual(budgetBytes);
    while (budget.inFlightBytes !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(budget.inFlightBytes).toBe(0);
    agent.destroy();
  }, 180_000);
});

describe(`rate limits per client address and per API key (${backend})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({
      env: {
        ROBOLEDGER_PUBLIC_RATE_LIMIT: '2',
        ROBOLEDGER_KEY_RATE_LIMIT: '3',
        ROBOLEDGER_TELEMETRY_RATE_LIMIT: '2',
      },
    });
  }, 240_000);
  afterAll(async () => {
    await p?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const from = (remoteAddress: string, url: string, token?: string) =>
    p.app.inject({
      method: 'GET',
      url,
      remoteAddress,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('limits the public ledger routes per client address, with Retry-After and a coded 429', async () => {
    const url = '/v1/ledger/proofs/consistency?from=1&to=2';
    expect((await from('198.51.100.1', url)).statusCode).not.toBe(429);
    expect((await from('198.51.100.1', url)).statusCode).not.toBe(429);
    const refused = await from('198.51.100.1', '/v1/ledger/checkpoint');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    // Another address has its own count.
    expect((await from('198.51.100.2', url)).statusCode).not.toBe(429);
  });

  it('limits telemetry per client address, apart from the other public routes', async () => {
    const post = () =>
      p.app.inject({
        method: 'POST',
        url: '/v1/telemetry',
        remoteAddress: '198.51.100.7',
        headers: { 'content-type': 'application/jose' },
        payload: 'not.a.jws',
      });
    expect((await post()).statusCode).toBe(400);
    expect((await post()).statusCode).toBe(400);
    const refused = await post();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect((await from('198.51.100.7', '/v1/ledger/checkpoint')).statusCode).not.toBe(429);
    // Every answered request gave its bytes back.
    expect(p.app.telemetryBodyBudget.inFlightBytes).toBe(0);
  });

  it('limits authenticated routes per API key, whatever the address; another key keeps its own', async () => {
    const a = await createOrg(p, 'operator');
    const b = await createOrg(p, 'operator');
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      expect((await from(address, '/v1/robots', a.apiKey)).statusCode).toBe(200);
    const refused = await from('203.0.113.4', '/v1/robots', a.apiKey);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 3, windowSeconds: 60 },
    });
    expect((await from('203.0.113.1', '/v1/robots', b.apiKey)).statusCode).toBe(200);
  });

  it('says the window and the time until reset apart in the 429 message', async () => {
    const a = await createOrg(p, 'operator');
    const start = Date.now();
    const now = vi.spyOn(Date, 'now').mockReturnValue(start);
    expect((await from('203.0.113.9', '/v1/robots', a.apiKey)).statusCode).toBe(200);
    // 30 s into the window: the count resets in 30 s, the window is still a minute.
    now.mockReturnValue(start + 30_000);
    await from('203.0.113.9', '/v1/robots', a.apiKey);
    await from('203.0.113.9', '/v1/robots', a.apiKey);
    const refused = await from('203.0.113.9', '/v1/robots', a.apiKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toBe(
      'rate limit of 3 requests per 1 minute exceeded; retry in 30 seconds',
    );
    expect(refused.headers['retry-after']).toBe('30');
  });
});

// The shared store: Redis at REDIS_URL (CI starts one), else the machine's own if it answers.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0 });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
})();
if (!redisUp && process.env.CI) throw new Error(`CI runs Redis, but ${redisUrl} does not answer`);

describe.skipIf(!redisUp)(`rate limits shared through Redis (${backend}, ${redisUrl})`, () => {
  let p: TestPlatform;
  let redis: Redis;
  beforeAll(async () => {
    p = await startTestPlatform({ env: { REDIS_URL: redisUrl, ROBOLEDGER_KEY_RATE_LIMIT: '3' } });
    redis = new Redis(redisUrl);
  }, 240_000);
  afterAll(async () => {
    await redis?.quit();
    await p?.close();
  });

  it('counts a key in Redis, so a count spent by another process is spent here too', async () => {
    // The admin token's count is shared by every platform on this Redis (as it should be), so a
    // run of this file on the other backend may have spent it: start each setup call afresh.
    const adminCount = 'roboledger-rate-limit:key:admin-token';
    await redis.del(adminCount);
    const a = await createOrg(p, 'operator');
    await redis.del(adminCount);
    const b = await createOrg(p, 'operator');
    const keyIdOf = async (orgId: string) =>
      (await p.ctx.db.query<{ id: string }>('SELECT id FROM api_keys WHERE org_id = $1', [orgId])).rows[0]!
        .id;
    const call = (token: string) => p.call('GET', '/v1/robots', { token });
    expect((await call(a.apiKey)).statusCode).toBe(200);
    expect((await call(a.apiKey)).statusCode).toBe(200);
    expect(await redis.get(`roboledger-rate-limit:key:${await keyIdOf(a.id)}`)).toBe('2');
    // Another platform process spent b's count for this minute.
    await redis.set(`roboledger-rate-limit:key:${await keyIdOf(b.id)}`, '3', 'PX', 60_000);
    const refused = await call(b.apiKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
  });
});
