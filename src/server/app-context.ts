// What route plugins and services are built from. The composition root (platform.ts) makes
// one; tests make their own over a test database.
import type { Registry } from 'prom-client';
import type { PlatformConfig } from './config.js';
import type { Database } from './db/sql-client.js';
import type { LedgerCheckpointer } from './ledger/checkpointer.js';
import type { LedgerWriter } from './ledger/ledger-writer.js';

export interface AppContext {
  db: Database;
  ledger: LedgerWriter;
  /** Signs checkpoints of the ledger (and holds the log's key); see docs/ledger.md. */
  checkpointer: LedgerCheckpointer;
  config: PlatformConfig;
  /** The one source of "now", so tests can move time. */
  clock: () => Date;
  metrics: Registry;
  /** The registry operator organisation (created at bootstrap). */
  registryOrgId: string;
  /** SHA-256 of ROBOLEDGER_ADMIN_TOKEN, if set. */
  adminTokenHash: Uint8Array | undefined;
}
