// webhook-throughput: webhook deliveries per second to a local receiver, and the latency of a
// write with and without webhooks subscribed to what it notifies (docs/notifications.md
// "Benchmarks"), on PostgreSQL.
//
// 1. Deliveries: an outbox of BENCH_DELIVERIES notifications for one webhook, POSTed by the real
//    dispatcher (signed, each attempt recorded) to a receiver in a CHILD PROCESS on 127.0.0.1
//    answering 204. Baseline, same run, same receiver: the same number of bare POSTs of the
//    same body at the same concurrency (the dispatcher's batch), no database, no signature.
// 2. Write path: an ownership offer and its cancellation (each notifies the recipient) over the
//    in-process app, p50 and p99: first with the recipient holding no webhook (the baseline of
//    each line), then with three subscribed to every type, the dispatcher stopped (the outbox
//    rows' own cost), then with it delivering concurrently in the same process (sharing the
//    CPU with the writes). Ratio: with / without (1.0: webhooks cost the write nothing).
// Run: npx tsx bench/webhook-throughput.ts
import { fork } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { closeAppContext, createAppContext } from '../src/server/context.js';
import { notify } from '../src/server/features/notifications/notify.js';
import { WebhookDispatcher } from '../src/server/features/notifications/webhook-dispatcher.js';
import { type ApiCaller, fileTelemetryFleet } from '../test/support/telemetry-fleet.js';
import { freshPostgres, isMain, percentile, printBench, timeEach } from './support.js';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5000);
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const WRITES = Number(process.env.BENCH_WRITES ?? 300);
const BATCH = 64;

/** The receiver, in its own process: answers every POST 204 once its body has arrived. */
function runReceiver(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

async function startReceiver(): Promise<{ url: string; stop(): void }> {
  const child = fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.disconnect() };
}

/** Bare POSTs of `body`, `concurrency` at a time, keep-alive: the baseline's rate per second. */
async function barePosts(url: string, body: string, count: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  for (let done = 0; done < count; done += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - done) }, post));
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return count / seconds;
}

export async function run(): Promise<void> {
  const receiver = await startReceiver();
  const database = await freshPostgres(20);
  const config = loadConfig({
    DATABASE_URL: database.url,
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
    ROBOLEDGER_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  });
  const ctx = await createAppContext(database.db, config);
  const app = await buildApp(ctx);
  await app.ready();
  const p: ApiCaller = {
    call: (method, url, o = {}) =>
      app.inject({
        method,
        url,
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
        ...(o.body === undefined ? {} : { payload: o.body as object }),
      }) as ReturnType<ApiCaller['call']>,
  };
  const createOrg = async (kind: string): Promise<{ id: string; apiKey: string }> => {
    const res = await p.call('POST', '/v1/orgs', {
      token: ADMIN_TOKEN,
      body: { name: `${kind} ${Math.random().toString(36).slice(2, 8)}`, kind, country: 'CN' },
    });
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json();
  };
  try {
    // 1. Deliveries per second.
    const receiverOrg = await createOrg('operator');
    const hook = await p.call('POST', '/v1/webhooks', {
      token: receiverOrg.apiKey,
      body: { url: `${receiver.url}/hook`, types: [] },
    });
    const data = {
      transferId: '00000000-0000-4000-8000-000000000000',
      robotId: 'CNB7K2B0A3T511000000000123455',
    };
    for (let done = 0; done < DELIVERIES; done += 500) {
      await ctx.ledger.run(async (tx) => {
        for (let i = done; i < Math.min(DELIVERIES, done + 500); i++) {
          await notify(tx, {
            orgIds: [receiverOrg.id],
            type: 'transfer.offered',
            subject: `s-${i}`,
            data,
            at: ctx.clock(),
          });
        }
      });
    }
    const dispatcher = new WebhookDispatcher(ctx, { batchSize: BATCH });
    const started = performance.now();
    let delivered = 0;
    while (delivered < DELIVERIES) {
      const n = await dispatcher.deliverDue();
      if (n === 0) break;
      delivered += n;
    }
    const perSecond = delivered / ((performance.now() - started) / 1000);
    const { rows } = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'",
    );
    if (rows[0]!.n !== DELIVERIES) throw new Error(`delivered ${rows[0]!.n} of ${DELIVERIES}`);
    await dispatcher.close();
    const sampleBody = JSON.stringify({
      id: data.transferId,
      type: 'transfer.offered',
      at: new Date().toISOString(),
      subject: 's-0',
      data,
    });
    const bare = await barePosts(`${receiver.url}/hook`, sampleBody, DELIVERIES, BATCH);
    printBench({
      name: 'webhook-throughput',
      value: Math.round(perSecond),
      unit: 'deliveries/s',
      baseline: Math.round(bare),
      ratio: Number((perSecond / bare).toFixed(3)),
    });
    void hook;

    // 2. The write path's latency, without and with webhooks.
    // The manufacturer owns its robot until it sells it: it offers, and cancels.
    const fleet = await fileTelemetryFleet(p, ADMIN_TOKEN, { count: 1, deploy: false });
    const owner = fleet.manufacturer;
    const buyer = await createOrg('operator');
    const robot = fleet.robots[0]!;
    const offerAndCancel = async () => {
      const offer = await p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
        token: owner.apiKey,
        body: { toOrgId: buyer.id },
      });
      if (offer.statusCode !== 201) throw new Error(offer.body);
      const cancel = await p.call('POST', `/v1/transfers/${offer.json().transferId}/cancel`, {
        token: owner.apiKey,
      });
      if (cancel.statusCode !== 200) throw new Error(cancel.body);
    };
    await timeEach(30, offerAndCancel); // warm-up
    const without = await timeEach(WRITES, offerAndCancel);
    for (let i = 0; i < 3; i++) {
      await p.call('POST', '/v1/webhooks', {
        token: buyer.apiKey,
        body: { url: `${receiver.url}/w${i}`, types: [] },
      });
    }
    // The outbox rows alone (nothing delivering), then with the dispatcher delivering them.
    const outboxOnly = await timeEach(WRITES, offerAndCancel);
    const live = new WebhookDispatcher(ctx, { batchSize: BATCH, intervalMs: 50 });
    live.start();
    const withHooks = await timeEach(WRITES, offerAndCancel);
    await live.close();
    const p50 = (xs: number[]) => Number(percentile(xs, 50).toFixed(2));
    const p99 = (xs: number[]) => Number(percentile(xs, 99).toFixed(2));
    for (const [name, unit, measured] of [
      [
        'webhook-write-latency-p50-outbox',
        'ms p50 (offer + cancel, 3 webhooks, dispatcher stopped)',
        p50(outboxOnly),
      ],
      [
        'webhook-write-latency-p50',
        'ms p50 (offer + cancel, 3 webhooks, dispatcher delivering)',
        p50(withHooks),
      ],
      [
        'webhook-write-latency-p99',
        'ms p99 (offer + cancel, 3 webhooks, dispatcher delivering)',
        p99(withHooks),
      ],
    ] as const) {
      const baseline = name.endsWith('p99') ? p99(without) : p50(without);
      printBench({ name, value: measured, unit, baseline, ratio: Number((measured / baseline).toFixed(3)) });
    }
  } finally {
    await app.close();
    await closeAppContext(ctx);
    await database.drop();
    receiver.stop();
  }
}

if (process.argv[2] === 'receiver') runReceiver();
else if (isMain(import.meta.url)) await run();
