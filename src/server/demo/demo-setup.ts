// `serve --demo`: a registry token for the demo (kept in the data directory so restarts keep
// it), and the demo fleet seeded once, when the database holds nothing but the registry.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformConfig } from '../config.js';
import type { RunningPlatform } from '../platform.js';
import { type DemoFleet, seedDemoFleet } from './demo-fleet.js';

export const DEMO_FLEET_FILE = 'demo-fleet.json';
const DEMO_TOKEN_FILE = 'demo-admin-token';

/** The config with an admin token: the configured one, or the demo's own. */
export async function demoConfig(config: PlatformConfig): Promise<PlatformConfig> {
  if (config.adminToken) return config;
  const file = join(config.dataDir, DEMO_TOKEN_FILE);
  let token = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
  if (token.length < 16) {
    token = `demo-${randomBytes(18).toString('base64url')}`;
    await writeFile(file, `${token}\n`, { mode: 0o600 });
  }
  return { ...config, adminToken: token };
}

/** Seeds the demo fleet if the platform is empty; returns it (or the one seeded before). */
export async function ensureDemoFleet(platform: RunningPlatform, config: PlatformConfig): Promise<DemoFleet> {
  const file = join(config.dataDir, DEMO_FLEET_FILE);
  const { rows } = await platform.ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM organisations WHERE kind <> 'registry'",
  );
  if ((rows[0]?.n ?? 0) > 0) {
    const saved = await readFile(file, 'utf8').catch(() => undefined);
    return saved ? (JSON.parse(saved) as DemoFleet) : { organisations: [], robots: [] };
  }
  const fleet = await seedDemoFleet(platform.app, config.adminToken!);
  await writeFile(file, JSON.stringify(fleet, null, 2), { mode: 0o600 });
  return fleet;
}

export function describeDemo(fleet: DemoFleet, config: PlatformConfig, url: string): string {
  const byStatus = new Map<string, number>();
  for (const r of fleet.robots) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const sample = fleet.robots.find((r) => r.status === 'in_service');
  const operator = fleet.organisations.find((o) => o.kind === 'operator');
  return [
    `Demo fleet: ${fleet.organisations.length} organisations, ${fleet.robots.length} robots (${[...byStatus]
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')})`,
    `  registry token: ${config.adminToken}   (demo only; set ROBOLEDGER_ADMIN_TOKEN for real use)`,
    `  every demo organisation's API key: ${join(config.dataDir, DEMO_FLEET_FILE)}`,
    sample ? `  try: curl ${url}/v1/public/robots/${sample.robotId}` : '',
    sample && operator
      ? `       curl -H "Authorization: Bearer ${operator.apiKey}" ${url}/v1/robots`
      : '',
    '',
  ]
    .filter((line, i, all) => line !== '' || i === all.length - 1)
    .join('\n');
}
