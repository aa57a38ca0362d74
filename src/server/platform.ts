// The composition root: reads nothing itself (the config comes in), opens the database,
// applies migrations, builds the context and the app, starts the background runtimes and
// listens. `roboledger serve` calls it; so do the crash tests and benchmarks.
import { mkdir } from 'node:fs/promises';
import type { App } from './app.js';
import { buildApp } from './app.js';
import type { AppContext } from './app-context.js';
import type { PlatformConfig } from './config.js';
import { createAppContext } from './context.js';
import { DataDirError } from './db/data-dir.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open-database.js';
import { startTelemetryRuntime } from './features/telemetry/telemetry-runtime.js';
import { LedgerKeyError, loadLedgerKey } from './ledger/ledger-key.js';

export interface RunningPlatform {
  app: App;
  ctx: AppContext;
  /** Base URL the API listens on. */
  url: string;
  close(): Promise<void>;
}

/** The server's logger settings: credentials never reach the logs. */
export function platformLogger(level: PlatformConfig['logLevel'], stream?: NodeJS.WritableStream) {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-report-token"]'],
    ...(stream ? { stream } : {}),
  };
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Something with a close() that the platform stops, in reverse order of starting. */
interface Closable {
  close(): Promise<void> | void;
}

export async function startPlatform(config: PlatformConfig): Promise<RunningPlatform> {
  const closables: Closable[] = [];
  const closeAll = async () => {
    for (const c of closables.reverse()) await c.close();
  };
  try {
    if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }).catch(
      (error: unknown) => {
        // Another process on the data directory, or one others may write: one line, no trace.
        throw error instanceof DataDirError ? new StartupError(error.message) : error;
      },
    );
    closables.push(db);
    try {
      await migrate(db);
    } catch (error) {
      throw new StartupError(
        `cannot prepare the database: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // The log's signing key: from the environment, or kept in the data directory (created on
    // first start), also when the database is PostgreSQL (docs/ledger.md "The log's key").
    let ledgerKey: Awaited<ReturnType<typeof loadLedgerKey>>;
    try {
      ledgerKey = await loadLedgerKey(config, { create: true });
    } catch (error) {
      if (error instanceof LedgerKeyError) throw new StartupError(error.message);
      throw error;
    }
    const ctx = await createAppContext(db, config, ledgerKey ? { ledgerKey: ledgerKey.key } : {});
    // Closed after the ledger writer (closables run in reverse): the last commits get checkpointed.
    closables.push(ctx.checkpointer);
    closables.push(ctx.ledger);
    const app = await buildApp(ctx, { logger: platformLogger(config.logLevel) });
    closables.push(app);
    closables.push(await startTelemetryRuntime(ctx, { mqttUrl: config.mqttUrl, mqttPort: config.mqttPort }));
    await ctx.checkpointer.start();
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE')
        throw new StartupError(`port ${config.port} is already in use; set PORT to another`);
      if (code === 'EACCES') throw new StartupError(`no permission to listen on port ${config.port}`);
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    return { app, ctx, url: `http://${host}:${port}`, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}
