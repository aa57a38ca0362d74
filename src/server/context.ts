// Builds the AppContext over an open, migrated database: the pieces every entry point
// (server, tests, benchmarks, demo seeding) shares.
import { Registry } from 'prom-client';
import type { AppContext } from './app-context.js';
import { hashApiKey } from './auth/api-keys.js';
import type { PlatformConfig } from './config.js';
import type { Database } from './db/sql-client.js';
import { ensureRegistryOrganisation } from './features/orgs/org-service.js';
import { type CommittedTree, LedgerWriter } from './ledger/ledger-writer.js';

export interface ContextOptions {
  clock?: () => Date;
  onLedgerCommit?: (tree: CommittedTree) => void;
}

export async function createAppContext(
  db: Database,
  config: PlatformConfig,
  options: ContextOptions = {},
): Promise<AppContext> {
  const clock = options.clock ?? (() => new Date());
  const ledger = new LedgerWriter(db, {
    now: clock,
    ...(options.onLedgerCommit ? { onCommit: options.onLedgerCommit } : {}),
  });
  const registryOrgId = await ensureRegistryOrganisation({ db, ledger, clock }, config.registryCountry);
  return {
    db,
    ledger,
    config,
    clock,
    metrics: new Registry(),
    registryOrgId,
    adminTokenHash: config.adminToken ? hashApiKey(config.adminToken) : undefined,
  };
}
