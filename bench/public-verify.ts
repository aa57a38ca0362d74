// Public robot check throughput: requests per second on GET /v1/public/robots/{robotId}
// (no credentials, rate limited, one indexed query, schema-serialised answer) against the
// platform listening on 127.0.0.1 over PostgreSQL with a few hundred filed robots; a quarter
// of the asks are well-formed IDs nobody registered. Baseline, same run, measured the same
// way: a bare Fastify app whose one route returns a constant. autocannon, 50 connections, the
// two measured in alternating 2-second rounds (10 s each) so both see the same machine load.
// Run: npx tsx bench/public-verify.ts
import { generateKeyPairSync } from 'node:crypto';
// @ts-expect-error autocannon ships no type declarations (and @types/autocannon is not installed)
import autocannonUntyped from 'autocannon';
import Fastify from 'fastify';
import { encodeRobotId } from '../src/robot-id/index.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createAppContext } from '../src/server/context.js';
import { type BenchResult, freshPostgres, isMain, printBench } from './support.js';

const ROBOTS = 300;
const CONNECTIONS = 50;
/** Measured in alternating rounds, so that both sides see the same machine: ~10 s each. */
const ROUNDS = 5;
const ROUND_S = 2;
const WARM_UP_S = 2;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The part of autocannon's API used here. */
interface AutocannonRequest {
  method: string;
  path: string;
}
interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
}
const autocannon = autocannonUntyped as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

/** Requests per second that autocannon measured against `url`, each connection cycling through `paths`. */
export async function measure(url: string, paths: string[], duration: number): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result.requests.average;
}

export async function startPlatform(): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const database = await freshPostgres(20);
  const config = loadConfig(
    { ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' },
    { publicRateLimit: 10_000_000 },
  );
  const ctx = await createAppContext(database.db, config);
  const app = await buildApp(ctx);
  const call = async (url: string, token: string, payload: object) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}` },
      payload,
    });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const maker = await call('/v1/orgs', ADMIN_TOKEN, {
    name: 'Bench Robotics',
    kind: 'manufacturer',
    country: 'CN',
  });
  const model = await call('/v1/models', maker.apiKey, {
    modelCode: '0A',
    category: 'B',
    name: 'Bench Walker',
    jointCount: 28,
    hardwareRevisions: [{ code: '1', params: {} }],
    limits: { minBatterySohPct: 70, maxJointWear: 0.4, maxPositionErrorMm: 5 },
  });
  await call('/v1/sites', maker.apiKey, { code: '1', name: 'Bench plant', region: '420100' });
  const ids = await Promise.all(
    Array.from({ length: ROBOTS }, async () => {
      const robot = await call('/v1/robots', maker.apiKey, {
        modelId: model.id,
        hardwareRevision: '1',
        siteCode: '1',
        productionDate: '2026-05-14',
        intelligenceLevel: 3,
        devicePublicKey: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!,
      });
      return robot.robotId as string;
    }),
  );
  const unregistered = Array.from({ length: ROBOTS / 3 }, (_, i) =>
    encodeRobotId({
      country: 'US',
      enterprise: 'T5N8',
      category: 'B',
      model: '02',
      level: 0,
      productionYear: 2027,
      productionMonth: 1,
      hardwareRevision: '2',
      site: '1',
      unitSequence: String(i + 1),
    }),
  );
  const paths = [...ids, ...unregistered].map((id) => `/v1/public/robots/${id}`);
  // Planner statistics, as autovacuum keeps them on a live database.
  await database.db.query('ANALYZE');
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    paths,
    async close() {
      await app.close();
      await ctx.ledger.close();
      await database.drop();
    },
  };
}

async function bareFastify(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get('/v1/public/robots/:robotId', async () => ({ ok: true }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

export async function run(): Promise<BenchResult> {
  const platform = await startPlatform();
  const bare = await bareFastify();
  try {
    await measure(platform.url, platform.paths, WARM_UP_S);
    await measure(bare.url, platform.paths, WARM_UP_S);
    let value = 0;
    let baseline = 0;
    for (let round = 0; round < ROUNDS; round++) {
      value += (await measure(platform.url, platform.paths, ROUND_S)) / ROUNDS;
      baseline += (await measure(bare.url, platform.paths, ROUND_S)) / ROUNDS;
    }
    return {
      name: 'public-verify',
      value: Math.round(value),
      unit: 'requests/s',
      baseline: Math.round(baseline),
      ratio: Math.round((value / baseline) * 1000) / 1000,
    };
  } finally {
    await bare.close();
    await platform.close();
  }
}

if (isMain(import.meta.url)) printBench(await run());
