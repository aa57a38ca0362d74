// Builds the AppContext over an open, migrated database: the long-lived services every entry
// point (server, tests, benchmarks, demo seeding) shares, and closes them in one order.
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AppContext } from './app-context.js';
import { hashApiKey } from './auth/api-keys.js';
import type { PlatformConfig } from './config.js';
import { ReplicaLag } from './db/read-routing.js';
import type { Database } from './db/sql-client.js';
import { platformRecordKinds } from './features/ledgered-records.js';
import { ensureRegistryOrganisation } from './features/orgs/org-service.js';
import { TelemetryIngest } from './features/telemetry/telemetry-ingest.js';
import { type Leadership, soleLeader } from './leadership.js';
import { type CheckpointTimers, LedgerCheckpointer } from './ledger/checkpointer.js';
import { ephemeralLedgerKey, type LedgerKey, ledgerKeyFromSignerKey } from './ledger/ledger-key.js';
import { type CommittedTree, LedgerWriter } from './ledger/ledger-writer.js';
import { OnDemand } from './on-demand.js';

export interface ContextOptions {
  clock?: () => Date;
  onLedgerCommit?: (tree: CommittedTree) => void;
  /** The log's signing key (platform.ts loads or creates it); else config.ledgerSignerKey, else an
   *  in-memory key for tests and benchmarks. */
  ledgerKey?: LedgerKey;
  /** Most time from an append to its checkpoint (default 1000 ms). */
  checkpointDelayMs?: number;
  /** The platform's logger (platform.ts makes it from config.logLevel); default: silent. */
  log?: FastifyBaseLogger;
  /** The checkpointer's timer (default: real timers; tests move time on by hand). */
  checkpointTimers?: CheckpointTimers;
  /** A replica for ledger and history reads (platform.ts opens DATABASE_READ_URL); default: `db`. */
  readDb?: Database;
  /** Who runs the periodic work (platform.ts contends on PostgreSQL); default: this process. */
  leadership?: Leadership;
}

export async function createAppContext(
  db: Database,
  config: PlatformConfig,
  options: ContextOptions = {},
): Promise<AppContext> {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? pino({ level: 'silent' });
  const ledgerKey =
    options.ledgerKey ??
    (config.ledgerSignerKey
      ? ledgerKeyFromSignerKey(config.ledgerSignerKey, config.ledgerOrigin)
      : ephemeralLedgerKey(config.ledgerOrigin));
  const checkpointer = new LedgerCheckpointer(db, ledgerKey, {
    clock,
    onError: (error) => log.error({ err: error }, 'ledger checkpoint failed'),
    ...(options.checkpointDelayMs === undefined ? {} : { delayMs: options.checkpointDelayMs }),
    ...(options.checkpointTimers === undefined ? {} : { timers: options.checkpointTimers }),
  });
  const leadership = options.leadership ?? soleLeader();
  // Only the leader signs, from its first commit on (the bootstrap's own appends included).
  checkpointer.signing = leadership.isLeader;
  const recordKinds = platformRecordKinds();
  const onLedgerCommit = options.onLedgerCommit;
  const ledger = new LedgerWriter(db, {
    recordKinds,
    now: clock,
    onCommit: (tree) => {
      checkpointer.notify(tree);
      onLedgerCommit?.(tree);
    },
  });
  const registryOrgId = await ensureRegistryOrganisation({ db, ledger, clock }, config.registryCountry);
  const readDb = options.readDb ?? db;
  const ctx: AppContext = {
    db,
    readDb,
    // Without a replica there is nothing to measure: history reads go to the primary.
    replicaLag: new ReplicaLag(readDb === db ? undefined : readDb),
    leadership,
    node: { draining: false, lastAudit: undefined },
    ledger,
    checkpointer,
    recordKinds,
    telemetryIngest: new OnDemand(
      'telemetry ingest',
      () =>
        new TelemetryIngest(ctx, {
          maxPending: config.ingestMaxPending,
          rawRetentionDays: config.telemetryRetentionDays,
          ...(config.verifierThreads === undefined ? {} : { verifierThreads: config.verifierThreads }),
        }),
    ),
    config,
    log,
    clock,
    metrics: new Registry(),
    registryOrgId,
    adminTokenHash: config.adminToken ? hashApiKey(config.adminToken) : undefined,
  };
  return ctx;
}

/**
 * Closes the context's services, each after what feeds it: the telemetry ingest (admitted
 * batches commit), then the ledger writer (queued units of work commit), then the checkpointer
 * (its final checkpoint covers those last commits). The database stays open: its owner closes it.
 * Whatever takes requests (the HTTP app, MQTT) must be closed before.
 */
export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.telemetryIngest.close();
  await ctx.ledger.close();
  await ctx.checkpointer.close();
}
