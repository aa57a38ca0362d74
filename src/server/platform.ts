// The composition root: reads nothing itself (the config comes in), builds every long-lived
// service, starts them, listens, and closes them again. `roboledger serve` calls it; so do the
// crash tests and benchmarks.
//
// Start, in this order (each step uses only what the steps before it built):
//   1. the database: opened and migrated;
//   2. the log's signing key: loaded, or created in the data directory;
//   3. the context (context.ts): logger, record kinds, ledger writer, checkpointer, and the
//      telemetry ingest pipeline;
//   4. the HTTP app (routes only: they start and close nothing);
//   5. the telemetry runtime: partitions, and MQTT (embedded broker or subscriber);
//   6. the leader duties (leader-duties.ts), the periodic work one node of a cluster runs: the
//      checkpointer (checkpoints at once whatever an earlier run committed unsigned, then
//      follows the head), the partition timer, the incident runtime (late telemetry joining
//      incident evidence), the webhook dispatcher (the notification outbox,
//      docs/notifications.md), the health runtime (the sweep that assesses robots and raises
//      advisories), the recall runtime (the sweep that settles software remedies,
//      docs/recalls.md) and the ledger audit. On PGlite this process is always the leader; on
//      PostgreSQL the leadership (leadership.ts, an advisory lock) is contended for before the
//      context is built, and the duties start and stop as it comes and goes;
//   7. listening on config.host:config.port.
// Close (drain), in this order (each after whatever feeds it):
//   1. the HTTP server: new requests are refused (503 DRAINING) and the listener closes; those
//      in flight finish;
//   2. the telemetry runtime: MQTT leaves the shared subscription, then finishes and
//      acknowledges the messages under way;
//   3. the leader duties: the sweeps and the dispatcher stop (a pass under way finishes);
//   4. the context (closeAppContext): the ingest pipeline (admitted batches commit), the ledger
//      writer (queued units of work commit), the checkpointer (a final checkpoint of them, if
//      this node leads; the leader also checkpoints what other nodes committed);
//   5. the leadership: released, so another node takes the periodic work over at once;
//   6. the databases.
import { mkdir } from 'node:fs/promises';
import { type Logger, pino } from 'pino';
import type { App } from './app.js';
import { buildApp } from './app.js';
import type { AppContext } from './app-context.js';
import type { PlatformConfig } from './config.js';
import { closeAppContext, createAppContext } from './context.js';
import { DataDirError } from './db/data-dir.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open-database.js';
import type { Database } from './db/sql-client.js';
import { startTelemetryRuntime, type TelemetryRuntime } from './features/telemetry/telemetry-runtime.js';
import { type LeaderDuties, startLeaderDuties } from './leader-duties.js';
import { type Leadership, soleLeader, startAdvisoryLeadership } from './leadership.js';
import { LedgerFormatError, requireLedgerV2 } from './ledger/ledger-format.js';
import { LedgerKeyError, loadLedgerKey } from './ledger/ledger-key.js';

export interface RunningPlatform {
  app: App;
  ctx: AppContext;
  /** Base URL the API listens on. */
  url: string;
  /** The embedded MQTT broker's port, when one runs. */
  mqttPort: number | undefined;
  /** Drains and stops: refuses new requests at once (503 DRAINING), then closes in order. */
  close(): Promise<void>;
}

/** The server's logger settings: credentials never reach the logs. */
export function platformLogger(level: PlatformConfig['logLevel']) {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-report-token"]'],
  };
}

/** The platform's logger (pino), writing to `stream` or stdout. */
export function createPlatformLogger(
  level: PlatformConfig['logLevel'],
  stream?: NodeJS.WritableStream,
): Logger {
  return stream ? pino(platformLogger(level), stream) : pino(platformLogger(level));
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function startPlatform(config: PlatformConfig): Promise<RunningPlatform> {
  let db: Database | undefined;
  let readDb: Database | undefined;
  let leadership: Leadership | undefined;
  let ctx: AppContext | undefined;
  let app: App | undefined;
  let telemetry: TelemetryRuntime | undefined;
  let duties: LeaderDuties | undefined;
  // The close order of the comment above; each step skips what was never started.
  const close = async () => {
    if (ctx) ctx.node.draining = true;
    await app?.close();
    await telemetry?.close();
    await duties?.close();
    if (ctx) {
      await closeAppContext(ctx);
      // The leader also covers what other nodes committed since its last checkpoint.
      if (ctx.leadership.isLeader && ctx.checkpointer.signing) {
        await ctx.checkpointer
          .checkpointNow()
          .catch((error: unknown) => ctx?.log.error({ err: error }, 'the last checkpoint failed'));
      }
    }
    await leadership?.close();
    await readDb?.close();
    await db?.close();
  };
  try {
    if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }).catch(
      (error: unknown) => {
        // Another process on the data directory, or one others may write: one line, no trace.
        throw error instanceof DataDirError ? new StartupError(error.message) : error;
      },
    );
    try {
      await migrate(db);
    } catch (error) {
      throw new StartupError(
        `cannot prepare the database: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      await requireLedgerV2(db, config.databaseUrl ? 'the database' : `the data directory ${config.dataDir}`);
    } catch (error) {
      if (error instanceof LedgerFormatError) throw new StartupError(error.message);
      throw error;
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
    const log = createPlatformLogger(config.logLevel);
    // A replica is never migrated: it replays the primary's schema.
    if (config.readDatabaseUrl) readDb = await openDatabase({ databaseUrl: config.readDatabaseUrl });
    leadership = config.databaseUrl
      ? await startAdvisoryLeadership({
          connectionString: config.databaseUrl,
          retryMs: config.leaderRetryMs,
          log,
        })
      : soleLeader();
    ctx = await createAppContext(db, config, {
      log,
      leadership,
      ...(readDb ? { readDb } : {}),
      ...(ledgerKey ? { ledgerKey: ledgerKey.key } : {}),
    });
    app = await buildApp(ctx);
    telemetry = await startTelemetryRuntime(ctx);
    duties = await startLeaderDuties(ctx, leadership);
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
    return { app, ctx, url: `http://${host}:${port}`, mqttPort: telemetry.mqttPort, close };
  } catch (error) {
    // The start failed: stop what did start; the start's own error is the one reported.
    await close().catch((closeError: unknown) =>
      process.stderr.write(`roboledger: while stopping after a failed start: ${String(closeError)}\n`),
    );
    throw error;
  }
}
