// The metrics an operator alerts on (ops/prometheus/alerts.yml): whether this node leads or
// drains, how far checkpoints trail the ledger, checkpoint failures, how far the read replica
// trails the primary, and the last ledger audit. Read at scrape time from the database and the
// services, so a value is never older than the scrape; a read that fails leaves the previous
// value (the scrape itself still answers).
import { Counter, Gauge } from 'prom-client';
import type { AppContext } from '../app-context.js';
import { latestCheckpointSize } from '../db/read-routing.js';
import { readHead } from '../ledger/ledger-nodes.js';

export function registerNodeMetrics(ctx: AppContext): void {
  const registers = [ctx.metrics];
  const quietly = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      ctx.log.warn({ err: error }, 'a metric could not be read');
    }
  };
  new Gauge({
    name: 'roboledger_leader',
    help: '1 while this node is the leader that runs the periodic work (checkpoints, sweeps), else 0',
    registers,
    collect() {
      this.set(ctx.leadership.isLeader ? 1 : 0);
    },
  });
  new Gauge({
    name: 'roboledger_draining',
    help: '1 once this node got SIGTERM and takes no new requests',
    registers,
    collect() {
      this.set(ctx.node.draining ? 1 : 0);
    },
  });
  new Gauge({
    name: 'roboledger_ledger_unsigned_entries',
    help: 'Ledger entries committed on the primary but not yet covered by a signed checkpoint',
    registers,
    async collect() {
      await quietly(async () => {
        const head = await readHead(ctx.db);
        this.set(head.size - (await latestCheckpointSize(ctx.db)));
      });
    },
  });
  new Gauge({
    name: 'roboledger_checkpoint_age_seconds',
    help: 'Seconds since the latest checkpoint was signed (0 before the first)',
    registers,
    async collect() {
      await quietly(async () => {
        const latest = await ctx.checkpointer.latest();
        this.set(latest ? Math.max(0, (ctx.clock().getTime() - latest.signedAt.getTime()) / 1000) : 0);
      });
    },
  });
  new Counter({
    name: 'roboledger_checkpoint_failures_total',
    help: 'Checkpoints this node failed to sign (the log refuses to sign a rewritten tree, or the database failed)',
    registers,
    collect() {
      this.reset();
      this.inc(ctx.checkpointer.failures);
    },
  });
  new Gauge({
    name: 'roboledger_replica_lag_entries',
    help: 'Tree size of the latest checkpoint on the primary minus that on the read replica (0 without one)',
    registers,
    async collect() {
      if (ctx.readDb === ctx.db) return this.set(0);
      await quietly(async () => {
        const [primary, replica] = await Promise.all([
          latestCheckpointSize(ctx.db),
          latestCheckpointSize(ctx.readDb),
        ]);
        this.set(Math.max(0, primary - replica));
      });
    },
  });
  new Gauge({
    name: 'roboledger_audit_mismatches',
    help: 'Mismatches the last ledger audit by this node found (0 before its first audit)',
    registers,
    collect() {
      this.set(ctx.node.lastAudit?.mismatches ?? 0);
    },
  });
  new Gauge({
    name: 'roboledger_audit_last_run_timestamp_seconds',
    help: 'When this node last completed a ledger audit, POSIX seconds (0: never)',
    registers,
    collect() {
      this.set((ctx.node.lastAudit?.at.getTime() ?? 0) / 1000);
    },
  });
}
