// `roboledger serve`: loaded only when that command runs, so the other commands start without
// loading the server.
import { mkdir } from 'node:fs/promises';
import { DEMO_FLEET_STARTUP } from '../server/app.js';
import { ConfigError, loadConfig, type PlatformConfig } from '../server/config.js';
import { demoConfig, describeDemo, ensureDemoFleet, streamDemoTelemetry } from '../server/demo/demo-setup.js';
import { type RunningPlatform, StartupError, startPlatform } from '../server/platform.js';

export interface ServeOptions {
  demo?: boolean;
  port?: string;
}

export async function runServe(options: ServeOptions): Promise<number> {
  let config: PlatformConfig;
  try {
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...(options.port ? { PORT: options.port } : {}),
    };
    // The demo is for a person at a terminal: request logs only when asked for.
    if (options.demo && !env.LOG_LEVEL) env.LOG_LEVEL = 'warn';
    config = loadConfig(env, { demo: Boolean(options.demo) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`roboledger serve: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let platform: RunningPlatform;
  try {
    if (config.demo) {
      await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
      config = await demoConfig(config);
    }
    platform = await startPlatform(config);
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`roboledger serve: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  process.stdout.write(
    [
      `RoboLedger console: ${platform.url}/`,
      `  API:           ${platform.url}/v1  (RoboLedger is listening on ${platform.url})`,
      `  database:      ${where}`,
      `  API reference: ${platform.url}/docs  (OpenAPI: ${platform.url}/openapi.json)`,
      `  health:        ${platform.url}/healthz`,
      `  ledger:        ${platform.url}/v1/ledger/checkpoint  (verifier key: ${platform.url}/v1/ledger/key)`,
      config.adminToken
        ? '  registry:      authenticate with  Authorization: Bearer <ROBOLEDGER_ADMIN_TOKEN>'
        : '  registry:      ROBOLEDGER_ADMIN_TOKEN is not set, so no one can act as the registry',
      '',
    ].join('\n'),
  );
  let stopDemoTelemetry = async () => {};
  if (config.demo) {
    try {
      const fleet = await ensureDemoFleet(platform, config);
      stopDemoTelemetry = await streamDemoTelemetry(fleet, config, platform);
      // /healthz says ok from here on: the fleet file exists.
      platform.app.startup.release(DEMO_FLEET_STARTUP);
      process.stdout.write(describeDemo(fleet, config, platform.url));
    } catch (error) {
      process.stderr.write(`roboledger serve: the demo fleet could not be seeded: ${String(error)}\n`);
    }
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // A drain (docs/operations-runbook.md "Draining a node"): new requests are refused at once,
  // MQTT leaves the shared subscription, what is under way finishes and is acknowledged, the
  // leadership is released. Bounded: a drain that hangs must not keep a rolling restart waiting.
  process.stdout.write(`RoboLedger is stopping (${signal}): draining\n`);
  const drained = (async () => {
    await stopDemoTelemetry();
    await platform.close();
    return true;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), config.drainTimeoutMs);
  });
  const clean = await Promise.race([drained, timedOut]);
  clearTimeout(timer);
  if (!clean) {
    process.stderr.write(
      `roboledger serve: the drain did not finish within ${config.drainTimeoutMs} ms (ROBOLEDGER_DRAIN_TIMEOUT_MS); stopping anyway\n`,
    );
    // Whatever hung may hold the event loop: exit even so, once this has returned.
    setTimeout(() => process.exit(1), 100).unref();
    return 1;
  }
  process.stdout.write('RoboLedger stopped\n');
  return 0;
}
