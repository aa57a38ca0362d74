// Filing throughput on PostgreSQL: robots filed per second through the whole platform
// (buildApp + inject: authentication, validation, Ed25519 key check, unit-sequence
// allocation, four rows and a ledger leaf per robot, group-committed) by concurrent clients.
// Baseline, same run, same database server, same concurrency: plain autocommitted INSERTs of
// the same rows (robot, ID, device key, filing event) with nothing checked and no ledger.
// Run: npx tsx bench/filing.ts
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { encodeUnitSequence } from '../src/core/filing.js';
import { encodeRobotId } from '../src/robot-id/index.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { createAppContext } from '../src/server/context.js';
import type { Database } from '../src/server/db/sql-client.js';
import { type BenchResult, freshPostgres, isMain, printBench } from './support.js';

const CLIENTS = 32;
const WARM_UP = 300;
const FILINGS = 3000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

function deviceKeys(count: number): string[] {
  return Array.from(
    { length: count },
    () => generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!,
  );
}

/** Runs `count` tasks with `clients` workers; returns tasks per second. */
async function throughput(
  count: number,
  clients: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) await task(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function platformRate(db: Database, keys: string[]): Promise<number> {
  // One key files every robot: the per-key limiter is not what this measures.
  const config = loadConfig({
    ROBOLEDGER_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ROBOLEDGER_KEY_RATE_LIMIT: '10000000',
  });
  const ctx = await createAppContext(db, config);
  const app = await buildApp(ctx);
  await app.ready();
  try {
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
      hardwareRevisions: [{ code: '1', params: { battery: '2.1 kWh' } }],
      limits: { minBatterySohPct: 70, maxJointWear: 0.4, maxPositionErrorMm: 5 },
    });
    await call('/v1/sites', maker.apiKey, { code: '1', name: 'Bench plant', region: '420100' });
    const file = async (i: number) => {
      await call('/v1/robots', maker.apiKey, {
        modelId: model.id,
        hardwareRevision: '1',
        siteCode: '1',
        productionDate: '2026-05-14',
        intelligenceLevel: 3,
        devicePublicKey: keys[i]!,
      });
    };
    await throughput(WARM_UP, CLIENTS, file);
    return await throughput(FILINGS, CLIENTS, (i) => file(WARM_UP + i));
  } finally {
    await app.close();
    await ctx.ledger.close();
  }
}

/** The same four rows per robot, one autocommitted statement each robot, nothing checked. */
async function plainInsertRate(db: Database, keys: string[]): Promise<number> {
  const org = randomUUID();
  const model = randomUUID();
  const site = randomUUID();
  const now = new Date();
  await db.query(
    `INSERT INTO organisations (id, name, kind, country, enterprise_code, created_at, ledger_index)
     VALUES ($1, 'Baseline Robotics', 'manufacturer', 'CN', 'BASE', $2, -1)`,
    [org, now],
  );
  await db.query(
    `INSERT INTO models (id, manufacturer_id, model_code, category, name, joint_count, min_battery_soh_pct,
                         max_joint_wear, max_position_error_mm, created_at, ledger_index)
     VALUES ($1, $2, '0A', 'B', 'Baseline', 28, 70, 0.4, 5, $3, -2)`,
    [model, org, now],
  );
  await db.query(`INSERT INTO hardware_revisions (model_id, code, params) VALUES ($1, '1', '{}')`, [model]);
  await db.query(
    `INSERT INTO sites (id, manufacturer_id, code, name, region, created_at, ledger_index)
     VALUES ($1, $2, '1', 'Baseline plant', '420100', $3, -3)`,
    [site, org, now],
  );
  let ledgerIndex = -1_000_000;
  const insert = async (i: number) => {
    const unit = encodeUnitSequence(i + 1);
    const robotId = encodeRobotId({
      country: 'CN',
      enterprise: 'BASE',
      category: 'B',
      model: '0A',
      level: 3,
      productionYear: 2026,
      productionMonth: 5,
      hardwareRevision: '1',
      site: '1',
      unitSequence: unit,
    });
    const robot = randomUUID();
    const at = new Date();
    await db.query(
      `WITH robot AS (
         INSERT INTO robots (id, robot_id, model_id, manufacturer_id, hardware_revision, site_id, production_date,
                             intelligence_level_filed, intelligence_level, owner_id, status, filed_at, updated_at)
         VALUES ($1, $2, $3, $4, '1', $5, '2026-05-14', 3, 3, $4, 'filed', $6, $6)),
       issued AS (
         INSERT INTO robot_ids (robot_id, robot_uuid, manufacturer_id, model_id, unit_sequence, issued_at)
         VALUES ($2, $1, $4, $3, $7, $6)),
       device_key AS (
         INSERT INTO device_keys (robot_uuid, public_key, valid_from) VALUES ($1, $8, $6))
       INSERT INTO robot_events (id, robot_uuid, robot_id, type, occurred_at, recorded_at, actor_org_id,
                                 from_status, to_status, data, ledger_index)
       VALUES ($9, $1, $2, 'filing', $6, $6, $4, NULL, 'filed', $10::text::jsonb, $11)`,
      [
        robot,
        robotId,
        model,
        org,
        site,
        at,
        unit,
        Buffer.from(keys[i]!, 'base64url'),
        randomUUID(),
        JSON.stringify({ modelId: model, unitSequence: unit }),
        ledgerIndex--,
      ],
    );
  };
  await throughput(WARM_UP, CLIENTS, insert);
  return throughput(FILINGS, CLIENTS, (i) => insert(WARM_UP + i));
}

export async function run(): Promise<BenchResult> {
  const keys = deviceKeys(WARM_UP + FILINGS);
  const platformDb = await freshPostgres(20);
  const baselineDb = await freshPostgres(20);
  try {
    const value = await platformRate(platformDb.db, keys);
    const baseline = await plainInsertRate(baselineDb.db, keys);
    return {
      name: 'filing',
      value: Math.round(value),
      unit: 'robots/s',
      baseline: Math.round(baseline),
      ratio: Math.round((value / baseline) * 1000) / 1000,
    };
  } finally {
    await platformDb.drop();
    await baselineDb.drop();
  }
}

if (isMain(import.meta.url)) printBench(await run());
