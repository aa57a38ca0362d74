// `serve --demo`: a registry token for the demo (kept in the data directory so restarts keep
// it), and the demo fleet seeded once, when the database holds nothing but the registry.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformConfig } from '../config.js';
import type { RunningPlatform } from '../platform.js';
import { type DemoFleet, seedDemoFleet } from './demo-fleet.js';

export const DEMO_FLEET_FILE = 'demo-fleet.json';
/** The simulator's fleet file: the live demo robots with their keys and next sequence numbers. */
export const DEMO_SIM_FILE = 'demo-sim-fleet.json';
/** The demo's own registry token, when ROBOLEDGER_ADMIN_TOKEN is not set (0600). */
export const DEMO_TOKEN_FILE = 'demo-admin-token';

/** The config with an admin token: the configured one, or the demo's own. */
export async function demoConfig(config: PlatformConfig): Promise<PlatformConfig> {
  if (config.adminToken) return config;
  const file = join(config.dataDir, DEMO_TOKEN_FILE);
  let token = await readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );
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

/** Statuses in which a demo robot is out working and reporting telemetry. */
const STREAMING: readonly string[] = ['in_service', 'maintenance'];

/**
 * Streams the live demo robots' telemetry through the public ingest route, as the robots
 * themselves would: one signed batch of 10 samples every 10 s per robot. Returns a stop function.
 */
export async function streamDemoTelemetry(
  fleet: DemoFleet,
  config: PlatformConfig,
  platform: Pick<RunningPlatform, 'url' | 'ctx'>,
): Promise<() => Promise<void>> {
  const { url } = platform;
  const log = platform.ctx.log;
  // Loaded here so that a platform without --demo never loads the simulator.
  const { runSimulation } = await import('../simulator/fleet-simulator.js');
  const file = join(config.dataDir, DEMO_SIM_FILE);
  // No file yet is the first demo start; any other failure to read it is not.
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!existing) {
    const robots = fleet.robots
      .filter((r) => STREAMING.includes(r.status))
      .map((r) => ({
        robotId: r.robotId,
        jointCount: r.jointCount,
        privateKeyJwk: r.privateKeyJwk,
        nextSeq: r.nextSeq ?? 1,
      }));
    await writeFile(file, JSON.stringify({ url, robots }, null, 2), { mode: 0o600 });
  }
  const abort = new AbortController();
  const done = runSimulation({
    url,
    token: file,
    robots: 0,
    rate: 1,
    samplesPerBatch: 10,
    transport: 'http',
    mqttUrl: '',
    duration: 0,
    seed: Date.now() % 100_000,
    timeScale: 3600,
    fleetFile: file,
    log: (line) => log.debug(line),
    signal: abort.signal,
  }).catch((error: unknown) => {
    log.error({ err: error }, 'the demo telemetry simulator stopped');
  });
  return async () => {
    abort.abort();
    await done;
  };
}

/**
 * The demo's banner. It names where the registry token and the API keys are kept (files 0600 in
 * the data directory), never the secrets themselves: the banner goes to stdout, which is a log.
 */
export function describeDemo(fleet: DemoFleet, config: PlatformConfig, url: string): string {
  const byStatus = new Map<string, number>();
  for (const r of fleet.robots) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const sample = fleet.robots.find((r) => r.status === 'in_service');
  const tokenFile = join(config.dataDir, DEMO_TOKEN_FILE);
  const ownToken = (() => {
    try {
      return readFileSync(tokenFile, 'utf8').trim() === config.adminToken;
    } catch {
      return false;
    }
  })();
  const token = ownToken ? `$(cat ${tokenFile})` : '$ROBOLEDGER_ADMIN_TOKEN';
  return [
    `Demo fleet: ${fleet.organisations.length} organisations, ${fleet.robots.length} robots (${[...byStatus]
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')})`,
    ownToken
      ? `  registry token: in ${tokenFile}   (demo only; set ROBOLEDGER_ADMIN_TOKEN for real use)`
      : '  registry token: the ROBOLEDGER_ADMIN_TOKEN you set',
    `  every demo organisation's API key: in ${join(config.dataDir, DEMO_FLEET_FILE)}`,
    sample ? `  try: curl ${url}/v1/public/robots/${sample.robotId}` : '',
    `       curl -H "Authorization: Bearer ${token}" ${url}/v1/robots`,
    sample
      ? `       curl -H "Authorization: Bearer ${token}" "${url}/v1/robots/${sample.robotId}/telemetry?resolution=1m"`
      : '',
    fleet.reports
      ? `       curl -H "Authorization: Bearer ${token}" -H "Accept: text/html" ${url}/v1/robots/${fleet.reports.invalidCertificate}/report > report.html`
      : '',
    `  telemetry: the demo robots in service stream signed batches (simulator, 1 sample/s each)`,
    '',
  ]
    .filter((line, i, all) => line !== '' || i === all.length - 1)
    .join('\n');
}
