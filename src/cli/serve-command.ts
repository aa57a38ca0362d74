import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../server/config.js';
import { demoConfig, describeDemo, ensureDemoFleet } from '../server/demo/demo-setup.js';
import { StartupError, startPlatform } from '../server/platform.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the platform: REST API, ledger, telemetry ingest (HTTP and MQTT). Reads PORT (default 8080), ' +
        'DATABASE_URL (unset: embedded PGlite in ROBOLEDGER_DATA_DIR, default ./data), ROBOLEDGER_ADMIN_TOKEN, MQTT_URL',
    )
    .option('--demo', 'seed a demo fleet when the database is empty')
    .option('--port <port>', 'listen on this port (overrides PORT)')
    .action(async (options: { demo?: boolean; port?: string }) => {
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(
          { ...process.env, ...(options.port ? { PORT: options.port } : {}) },
          { demo: Boolean(options.demo) },
        );
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(`roboledger serve: ${error.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
      let platform: Awaited<ReturnType<typeof startPlatform>>;
      try {
        if (config.demo) {
          await mkdir(config.dataDir, { recursive: true });
          config = await demoConfig(config);
        }
        platform = await startPlatform(config);
      } catch (error) {
        if (error instanceof StartupError) {
          process.stderr.write(`roboledger serve: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
      const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
      process.stdout.write(
        [
          `RoboLedger is listening on ${platform.url}`,
          `  database:      ${where}`,
          `  API reference: ${platform.url}/docs  (OpenAPI: ${platform.url}/openapi.json)`,
          `  health:        ${platform.url}/healthz`,
          config.adminToken
            ? '  registry:      authenticate with  Authorization: Bearer $ROBOLEDGER_ADMIN_TOKEN'
            : '  registry:      ROBOLEDGER_ADMIN_TOKEN is not set, so no one can act as the registry',
          '',
        ].join('\n'),
      );
      if (config.demo) {
        try {
          const fleet = await ensureDemoFleet(platform, config);
          process.stdout.write(describeDemo(fleet, config, platform.url));
        } catch (error) {
          process.stderr.write(`roboledger serve: the demo fleet could not be seeded: ${String(error)}\n`);
        }
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stdout.write('RoboLedger is stopping\n');
      await platform.close();
    });
}
