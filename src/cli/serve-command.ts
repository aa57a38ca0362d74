import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the platform: REST API, ledger, telemetry ingest (HTTP and MQTT). Reads PORT (default 8080), ' +
        'HOST (default 127.0.0.1; 0.0.0.0 for every interface), ' +
        'DATABASE_URL (unset: embedded PGlite in ROBOLEDGER_DATA_DIR, default ./data), ROBOLEDGER_ADMIN_TOKEN, ' +
        'MQTT_URL (unset: an embedded broker on MQTT_PORT, default 1884). SIGTERM drains within ' +
        'ROBOLEDGER_DRAIN_TIMEOUT_MS (default 20000); several nodes on one database: docs/operations-runbook.md',
    )
    .option('--demo', 'seed a demo fleet when the database is empty, and stream its telemetry')
    .option('--port <port>', 'listen on this port (overrides PORT)')
    .action(async (options: { demo?: boolean; port?: string }) => {
      const { runServe } = await import('./serve.js');
      process.exitCode = await runServe(options);
    });
}
