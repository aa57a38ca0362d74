// What route plugins and services are built from. The composition root (platform.ts) makes
// one through createAppContext (context.ts); tests make their own over a test database. Every
// long-lived service in it is built there and closed by closeAppContext, never by a route plugin.
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { PlatformConfig } from './config.js';
import type { ReplicaLag } from './db/read-routing.js';
import type { Database } from './db/sql-client.js';
import type { TelemetryIngest } from './features/telemetry/telemetry-ingest.js';
import type { Leadership } from './leadership.js';
import type { LedgerCheckpointer } from './ledger/checkpointer.js';
import type { LedgerWriter } from './ledger/ledger-writer.js';
import type { RecordKinds } from './ledger/record-kinds.js';
import type { OnDemand } from './on-demand.js';

/** What this node is doing, as /healthz, /metrics and the drain hook read it. */
export interface NodeState {
  /** Set on SIGTERM (platform.ts drain): new requests get 503 DRAINING, /healthz 503. */
  draining: boolean;
  /** The last ledger audit this node ran as the leader (leader-duties.ts), if any. */
  lastAudit: { at: Date; mismatches: number } | undefined;
}

export interface AppContext {
  /** The primary: every write, and every read that must see the latest writes. */
  db: Database;
  /**
   * Where ledger reads that cite a tree size, and robot-data history reads, may go: a streaming
   * replica (DATABASE_READ_URL), or `db` itself. Only through read-routing.ts, which checks the
   * replica has replayed that size (ledger) or lags within ROBOLEDGER_READ_MAX_LAG_MS (robot data).
   */
  readDb: Database;
  /**
   * The replica's replay lag, measured on the replica and reused for a moment; robot-data
   * history reads ask it through read-routing.ts `historyReads` (no lag without a replica).
   */
  replicaLag: ReplicaLag;
  /** Whether this node runs the periodic work (leader-duties.ts); always true on PGlite. */
  leadership: Leadership;
  node: NodeState;
  ledger: LedgerWriter;
  /** Signs checkpoints of the ledger (and holds the log's key); see docs/ledger.md. */
  checkpointer: LedgerCheckpointer;
  /** The record kinds the ledger writer may append and audit rebuilds. */
  recordKinds: RecordKinds;
  /**
   * The telemetry ingest pipeline shared by HTTP and MQTT; its verifier threads start on
   * first use, so an app that never ingests starts none.
   */
  telemetryIngest: OnDemand<TelemetryIngest>;
  config: PlatformConfig;
  /** The platform's logger: the HTTP app logs through it, and so do background services. */
  log: FastifyBaseLogger;
  /** The one source of "now", so tests can move time. */
  clock: () => Date;
  metrics: Registry;
  /** The registry operator organisation (created at bootstrap). */
  registryOrgId: string;
  /** SHA-256 of ROBOLEDGER_ADMIN_TOKEN, if set. */
  adminTokenHash: Uint8Array | undefined;
}
