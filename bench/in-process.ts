// The platform in the benchmark's own process, on a fresh PostgreSQL database, with the calls
// the benchmarks that build their data through the API share: a manufacturer, and one robot
// filed with its model and site. What a benchmark then writes by SQL or times is its own.
import { generateKeyPairSync } from 'node:crypto';
import { type App, buildApp } from '../src/server/app.js';
import type { AppContext } from '../src/server/app-context.js';
import { loadConfig } from '../src/server/config.js';
import { closeAppContext, createAppContext } from '../src/server/context.js';
import { type BenchDatabase, freshPostgres } from './support.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export type Call = (
  method: 'GET' | 'POST',
  url: string,
  token: string,
  payload?: object,
) => Promise<Awaited<ReturnType<App['inject']>>>;

export interface InProcessPlatform {
  bench: BenchDatabase;
  ctx: AppContext;
  app: App;
  /** An API call through the in-process app; anything but a 2xx throws. */
  call: Call;
  close(): Promise<void>;
}

/** The app on a fresh database (8 connections), the per-key rate limit out of the way. */
export async function inProcessPlatform(): Promise<InProcessPlatform> {
  const bench = await freshPostgres(8);
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  });
  const ctx = await createAppContext(bench.db, config);
  const app = await buildApp(ctx);
  const close = async () => {
    await app.close();
    await closeAppContext(ctx);
    await bench.drop();
  };
  try {
    await app.ready();
  } catch (error) {
    await close();
    throw error;
  }
  const call: Call = async (method, url, token, payload) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };
  return { bench, ctx, app, call, close };
}

/** The benchmarks' manufacturer. */
export async function benchMaker(call: Call): Promise<{ id: string; apiKey: string }> {
  return (
    await call('POST', '/v1/orgs', ADMIN_TOKEN, {
      name: 'Bench Robotics',
      kind: 'manufacturer',
      country: 'CN',
    })
  ).json();
}

/** Site `1` of `maker` (Wuhan plant); its id. */
export async function benchSite(call: Call, maker: { apiKey: string }): Promise<string> {
  return (
    await call('POST', '/v1/sites', maker.apiKey, { code: '1', name: 'Wuhan plant', region: '420100' })
  ).json().id;
}

/** A model `0A` of `jointCount` joints, site `1`, and one robot filed on them: its IDs. */
export async function fileBenchRobot(
  platform: InProcessPlatform,
  maker: { apiKey: string },
  options: { jointCount: number; maxJointWear: number; productionDate: string },
): Promise<{ robotId: string; robot: string }> {
  const { call, bench } = platform;
  const model = (
    await call('POST', '/v1/models', maker.apiKey, {
      modelCode: '0A',
      category: 'B',
      name: 'Walker A',
      jointCount: options.jointCount,
      hardwareRevisions: [{ code: '1', params: {} }],
      limits: { minBatterySohPct: 80, maxJointWear: options.maxJointWear, maxPositionErrorMm: 5 },
    })
  ).json();
  await benchSite(call, maker);
  const device = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
  const filed = (
    await call('POST', '/v1/robots', maker.apiKey, {
      modelId: model.id,
      hardwareRevision: '1',
      siteCode: '1',
      productionDate: options.productionDate,
      intelligenceLevel: 3,
      devicePublicKey: device,
    })
  ).json();
  const robotId = filed.robotId as string;
  const { rows } = await bench.db.query<{ id: string }>('SELECT id FROM robots WHERE robot_id = $1', [
    robotId,
  ]);
  return { robotId, robot: rows[0]!.id };
}
