// Webhooks (docs/notifications.md): registration and its request forgery guard, the outbox
// written with the cause, deliveries to a real HTTP receiver on 127.0.0.1 signed as Standard
// Webhooks says (checked here by an implementation of the test's own), retries with backoff,
// and the guard again at delivery time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../../src/server/features/notifications/webhook-dispatcher.js';
import { createOrg, startTestPlatform, type TestPlatform } from '../../support/app.js';
import { backend } from '../../support/database.js';
import { fileRobot, type OrgRef, transferRobot } from '../../support/fleet.js';
import { ManualTimers } from '../../support/manual-timers.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Standard Webhooks verification, written from the specification, not from the platform's code. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((sig) => {
      const [version, mac] = sig.split(',');
      const given = Buffer.from(mac ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe(`webhooks (${backend})`, () => {
  let p: TestPlatform;
  const timers = new ManualTimers(Date.UTC(2030, 0, 1));
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  /** Statuses the receiver answers with, in turn; 204 once they run out. */
  const answers: number[] = [];
  let maker: OrgRef;
  let other: OrgRef;
  let dispatcher: WebhookDispatcher;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.statusCode = answers.shift() ?? 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    p = await startTestPlatform({
      clock: timers.clock,
      env: { ROBOLEDGER_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' },
    });
    dispatcher = new WebhookDispatcher(p.ctx, { timers });
    [maker, other] = await Promise.all([createOrg(p, 'manufacturer'), createOrg(p, 'operator')]);
  });
  afterAll(async () => {
    await dispatcher?.close();
    await p?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  async function register(org: OrgRef, path: string, types: string[]) {
    const res = await p.call('POST', '/v1/webhooks', {
      token: org.apiKey,
      body: { url: `${base}${path}`, types },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { webhookId: string; secret: string; url: string; types: string[] };
  }

  /** Each test its own two operators, so no test's deliveries are another's. */
  async function parties(): Promise<{ owner: OrgRef; buyer: OrgRef }> {
    const [owner, buyer] = await Promise.all([createOrg(p, 'operator'), createOrg(p, 'operator')]);
    return { owner, buyer };
  }

  /** `owner` offers a fresh robot to `buyer`: one transfer.offered for the buyer. */
  async function offer({ owner, buyer }: { owner: OrgRef; buyer: OrgRef }): Promise<string> {
    const robot = await fileRobot(p, maker);
    await transferRobot(p, robot.robotId, maker, owner);
    const res = await p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
      token: owner.apiKey,
      body: { toOrgId: buyer.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().transferId;
  }

  async function deliveries(org: OrgRef, webhookId: string) {
    const res = await p.call('GET', `/v1/webhooks/${webhookId}/deliveries`, { token: org.apiKey });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as {
      deliveryId: string;
      notificationId: string;
      status: string;
      nextAttemptAt: string | null;
      deliveredAt: string | null;
      attempts: {
        attempt: number;
        at: string;
        statusCode: number | null;
        error: string | null;
        durationMs: number;
      }[];
    }[];
  }

  it('delivers a notification signed as Standard Webhooks specifies, the feed item as its body', async () => {
    const { owner, buyer } = await parties();
    const hook = await register(buyer, '/signed', ['transfer.offered']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await p.call('GET', '/v1/webhooks', { token: buyer.apiKey });
    expect(listed.json().items).toEqual([
      {
        webhookId: hook.webhookId,
        url: `${base}/signed`,
        types: ['transfer.offered'],
        createdAt: expect.any(String),
      },
    ]);
    expect(listed.body).not.toContain(hook.secret.slice(6));

    const transferId = await offer({ owner, buyer });
    // Written with the cause: pending before any dispatcher has run.
    expect((await deliveries(buyer, hook.webhookId)).map((d) => d.status)).toEqual(['pending']);
    received.length = 0;
    expect(await dispatcher.deliverDue()).toBe(1);
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['webhook-timestamp']).toBe(String(Math.floor(timers.nowMs / 1000)));
    expect(verify(hook.secret, got!.headers, got!.body)).toBe(true);
    // A different secret or a changed body does not verify.
    expect(verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, got!.headers, got!.body)).toBe(false);
    expect(verify(hook.secret, got!.headers, got!.body.replace(transferId, 'x'))).toBe(false);

    const feed = await p.call('GET', '/v1/notifications', { token: buyer.apiKey });
    const item = feed.json().items.find((i: { subject: string }) => i.subject === transferId);
    expect(JSON.parse(got!.body)).toEqual(item);
    expect(got!.headers['webhook-id']).toBe(item.id);

    const [delivery] = await deliveries(buyer, hook.webhookId);
    expect(delivery).toMatchObject({
      notificationId: item.id,
      status: 'delivered',
      nextAttemptAt: null,
      deliveredAt: new Date(timers.nowMs).toISOString(),
      attempts: [{ attempt: 1, statusCode: 204, error: null }],
    });
    // Nothing more is due.
    expect(await dispatcher.deliverDue()).toBe(0);
  });

  it('retries with exponential backoff until the receiver takes it', async () => {
    const { owner, buyer } = await parties();
    const hook = await register(owner, '/flaky', ['transfer.decided']);
    const transferId = await offer({ owner, buyer });
    expect(
      (await p.call('POST', `/v1/transfers/${transferId}/reject`, { token: buyer.apiKey })).statusCode,
    ).toBe(200);
    received.length = 0;
    answers.push(500, 503);
    const startMs = timers.nowMs;
    expect(await dispatcher.deliverDue()).toBe(1);
    let [delivery] = await deliveries(owner, hook.webhookId);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: [{ attempt: 1, statusCode: 500, error: 'HTTP 500' }],
    });
    expect(delivery!.nextAttemptAt).toBe(new Date(startMs + 30_000).toISOString());
    // Not yet due: nothing is sent.
    await timers.advance(29_999);
    expect(await dispatcher.deliverDue()).toBe(0);
    await timers.advance(1);
    expect(await dispatcher.deliverDue()).toBe(1);
    [delivery] = await deliveries(owner, hook.webhookId);
    expect(delivery!.nextAttemptAt).toBe(new Date(startMs + 90_000).toISOString());
    await timers.advance(60_000);
    expect(await dispatcher.deliverDue()).toBe(1);
    [delivery] = await deliveries(owner, hook.webhookId);
    expect(delivery).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    expect(delivery!.attempts.map((a) => [a.attempt, a.statusCode, a.at])).toEqual([
      [1, 500, new Date(startMs).toISOString()],
      [2, 503, new Date(startMs + 30_000).toISOString()],
      [3, 204, new Date(startMs + 90_000).toISOString()],
    ]);
    for (const a of delivery!.attempts) expect(a.durationMs).toBeGreaterThanOrEqual(0);
    // The same message each time (its id), each attempt signed anew for its own timestamp.
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(received.map((r) => r.headers['webhook-timestamp'])).toEqual(
      [0, 30, 90].map((s) => String(Math.floor(startMs / 1000) + s)),
    );
    for (const r of received) expect(verify(hook.secret, r.headers, r.body)).toBe(true);
  });

  it('gives up after the last attempt, the delay capped', async () => {
    const { owner, buyer } = await parties();
    const hook = await register(owner, '/down', ['transfer.decided']);
    const transferId = await offer({ owner, buyer });
    expect(
      (await p.call('POST', `/v1/transfers/${transferId}/accept`, { token: buyer.apiKey })).statusCode,
    ).toBe(200);
    answers.push(...Array(10).fill(500));
    const gaps: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(await dispatcher.deliverDue()).toBe(1);
      const [d] = await deliveries(owner, hook.webhookId);
      if (attempt < 10) {
        const gap = Date.parse(d!.nextAttemptAt!) - timers.nowMs;
        gaps.push(gap);
        await timers.advance(gap);
      } else {
        expect(d).toMatchObject({ status: 'failed', nextAttemptAt: null });
        expect(d!.attempts).toHaveLength(10);
      }
    }
    expect(gaps).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600].map((s) => s * 1000));
  });

  it('sends only the types a webhook takes, only to its organisation; an empty list takes every type', async () => {
    const { owner, buyer } = await parties();
    const incidentsOnly = await register(buyer, '/incidents', ['incident.reported']);
    const everything = await register(buyer, '/all', []);
    const others = await register(other, '/others', []);
    await offer({ owner, buyer });
    expect(await deliveries(buyer, incidentsOnly.webhookId)).toEqual([]);
    expect((await deliveries(buyer, everything.webhookId)).map((d) => d.status)).toEqual(['pending']);
    expect(await deliveries(other, others.webhookId)).toEqual([]);
    await dispatcher.deliverDue();
    expect((await deliveries(buyer, everything.webhookId)).map((d) => d.status)).toEqual(['delivered']);
  });

  it('keeps each organisation to its own webhooks', async () => {
    const { buyer } = await parties();
    const hook = await register(buyer, '/mine', ['transfer.offered']);
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${hook.webhookId}/deliveries`],
      ['DELETE', `/v1/webhooks/${hook.webhookId}`],
    ] as const) {
      const res = await p.call(method, url, { token: other.apiKey });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('WEBHOOK_NOT_FOUND');
    }
    const listed = await p.call('GET', '/v1/webhooks', { token: other.apiKey });
    expect(listed.json().items.map((w: { webhookId: string }) => w.webhookId)).not.toContain(hook.webhookId);
  });

  it('cancels what is pending when a webhook is deleted', async () => {
    const { owner, buyer } = await parties();
    const hook = await register(buyer, '/deleted', ['transfer.offered']);
    await offer({ owner, buyer });
    const pending = await p.ctx.db.query<{ status: string }>(
      'SELECT status FROM webhook_deliveries WHERE webhook_id = $1',
      [hook.webhookId],
    );
    expect(pending.rows.map((r) => r.status)).toEqual(['pending']);
    expect(
      (await p.call('DELETE', `/v1/webhooks/${hook.webhookId}`, { token: buyer.apiKey })).statusCode,
    ).toBe(204);
    expect(
      (await p.call('DELETE', `/v1/webhooks/${hook.webhookId}`, { token: buyer.apiKey })).statusCode,
    ).toBe(404);
    const after = await p.ctx.db.query<{ status: string }>(
      'SELECT status FROM webhook_deliveries WHERE webhook_id = $1',
      [hook.webhookId],
    );
    expect(after.rows.map((r) => r.status)).toEqual(['cancelled']);
    received.length = 0;
    await dispatcher.deliverDue();
    expect(received.filter((r) => r.path === '/deleted')).toEqual([]);
  });

  it.each([
    ['http://10.1.2.3/hook', 'private'],
    ['http://192.168.1.10/hook', 'private'],
    ['http://172.20.0.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://127.0.0.2:8080/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[fd12:3456::1]/hook', 'unique-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['ftp://203.0.113.7/hook', 'only http and https'],
    ['http://user:pw@203.0.113.7/hook', 'credentials'],
    ['not a url', 'not an absolute URL'],
  ])('refuses to register %s (%s)', async (url, reason) => {
    const res = await p.call('POST', '/v1/webhooks', { token: other.apiKey, body: { url, types: [] } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(res.json().error.details.reason).toContain(reason);
  });

  it('accepts a public address, and a private one only when its host is allowed', async () => {
    const pub = await p.call('POST', '/v1/webhooks', {
      token: other.apiKey,
      body: { url: 'https://203.0.113.7/hook', types: [] },
    });
    expect(pub.statusCode, pub.body).toBe(201);
    // 127.0.0.1 is allowed in this platform's setting; localhost (another host name) is not.
    const named = await p.call('POST', '/v1/webhooks', {
      token: other.apiKey,
      body: { url: 'http://localhost:1/hook', types: [] },
    });
    expect(named.statusCode, named.body).toBe(400);
    expect(named.json().error.details.reason).toMatch(/loopback/);
  });

  it('checks the target again at delivery: a host no longer allowed, or now resolving to loopback, gets nothing', async () => {
    const { owner, buyer } = await parties();
    const allowed = await register(buyer, '/no-longer-allowed', ['transfer.offered']);
    // A name that resolved to a public address when registered, and resolves to 127.0.0.1 now.
    const renamed = await register(buyer, '/rebound', ['transfer.offered']);
    const port = (receiver.address() as AddressInfo).port;
    await p.ctx.db.query('UPDATE webhooks SET url = $2 WHERE id = $1', [
      renamed.webhookId,
      `http://rebind.test:${port}/rebound`,
    ]);
    await offer({ owner, buyer });
    // The setting no longer allows 127.0.0.1; the resolver now says rebind.test is 127.0.0.1.
    const strict = new WebhookDispatcher(
      { ...p.ctx, config: { ...p.ctx.config, webhookAllowHosts: [] } },
      { timers, resolver: async () => [{ address: '127.0.0.1', family: 4 }] },
    );
    received.length = 0;
    try {
      expect(await strict.deliverDue()).toBe(2);
    } finally {
      await strict.close();
    }
    expect(received).toEqual([]);
    for (const id of [allowed.webhookId, renamed.webhookId]) {
      const [d] = await deliveries(buyer, id);
      expect(d).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, statusCode: null }] });
      expect(d!.attempts[0]!.error).toMatch(/refused.*loopback/);
    }
    // With the platform's own setting (127.0.0.1 allowed) the first arrives; rebind.test is
    // still not allowed (and does not resolve here): the guard is per delivery.
    await timers.advance(30_000);
    expect(await dispatcher.deliverDue()).toBe(2);
    expect(received.map((r) => r.path)).toEqual(['/no-longer-allowed']);
  });
});
