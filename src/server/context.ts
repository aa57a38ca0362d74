// Builds the AppContext over an open, migrated database: the pieces every entry point
// (server, tests, benchmarks, demo seeding) shares.
import { Registry } from 'prom-client';
import type { AppContext } from './app-context.js';
import { hashApiKey } from './auth/api-keys.js';
import type { PlatformConfig } from './config.js';
import type { Database } from './db/sql-client.js';
import { ensureRegistryOrganisation } from './features/orgs/org-service.js';
import { type CheckpointTimers, LedgerCheckpointer } from './ledger/checkpointer.js';
import { ephemeralLedgerKey, type LedgerKey, ledgerKeyFromSignerKey } from './ledger/ledger-key.js';
import { type CommittedTree, LedgerWriter } from './ledger/ledger-writer.js';

export interface ContextOptions {
  clock?: () => Date;
  onLedgerCommit?: (tree: CommittedTree) => void;
  /** The log's signing key (platform.ts loads or creates it); else config.ledgerSignerKey, else an
   *  in-memory key for tests and benchmarks. */
  ledgerKey?: LedgerKey;
  /** Most time from an append to its checkpoint (default 1000 ms). */
  checkpointDelayMs?: number;
  /** The checkpointer's timer (default: real timers; tests move time on by hand). */
  checkpointTimers?: CheckpointTimers;
}

export async function createAppContext(
  db: Database,
  config: PlatformConfig,
  options: ContextOptions = {},
): Promise<AppContext> {
  const clock = options.clock ?? (() => new Date());
  const ledgerKey =
    options.ledgerKey ??
    (config.ledgerSignerKey
      ? ledgerKeyFromSignerKey(config.ledgerSignerKey, config.ledgerOrigin)
      : ephemeralLedgerKey(config.ledgerOrigin));
  const checkpointer = new LedgerCheckpointer(db, ledgerKey, {
    clock,
    ...(options.checkpointDelayMs === undefined ? {} : { delayMs: options.checkpointDelayMs }),
    ...(options.checkpointTimers === undefined ? {} : { timers: options.checkpointTimers }),
  });
  const onLedgerCommit = options.onLedgerCommit;
  const ledger = new LedgerWriter(db, {
    now: clock,
    onCommit: (tree) => {
      checkpointer.notify(tree);
      onLedgerCommit?.(tree);
    },
  });
  const registryOrgId = await ensureRegistryOrganisation({ db, ledger, clock }, config.registryCountry);
  return {
    db,
    ledger,
    checkpointer,
    config,
    clock,
    metrics: new Registry(),
    registryOrgId,
    adminTokenHash: config.adminToken ? hashApiKey(config.adminToken) : undefined,
  };
}
