// The leader's duties: the periodic work of the platform, run by one node of a cluster at a
// time (leadership.ts decides which). While this node leads it signs checkpoints (its own
// commits within a second, as before, and every other node's by following the head), keeps
// telemetry partitions ready, and runs the incident, health and recall sweeps and the webhook
// dispatcher, and audits the ledger now and then. When it stops leading, the work stops here before another node takes it up; every
// piece of it is idempotent, so a pass that overlaps a change of leader does no harm.
import type { AppContext } from './app-context.js';
import { type HealthRuntime, startHealthRuntime } from './features/health/health-runtime.js';
import { type IncidentRuntime, startIncidentRuntime } from './features/incidents/incident-runtime.js';
import {
  startWebhookDispatcher,
  type WebhookDispatcher,
} from './features/notifications/webhook-dispatcher.js';
import { type RecallRuntime, startRecallRuntime } from './features/recalls/recall-runtime.js';
import { startPartitionSweep } from './features/telemetry/telemetry-runtime.js';
import type { Leadership } from './leadership.js';
import { auditLedger } from './ledger/ledger-audit.js';
import { type PeriodicSweep, startPeriodicSweep } from './periodic-sweep.js';

/** How often the leader looks for commits of other nodes to checkpoint (the checkpoint delay). */
export const CHECKPOINT_FOLLOW_MS = 1_000;

export interface LeaderDuties {
  /** Whether the periodic work runs here now. */
  readonly running: boolean;
  /** Stops the work (if it runs) and stops following the leadership. */
  close(): Promise<void>;
}

export interface LeaderDutiesOptions {
  /** Whether the partition upkeep runs (the platform's telemetry runtime is started). */
  partitions?: boolean;
  checkpointFollowMs?: number;
}

interface Running {
  incidents: IncidentRuntime;
  webhooks: WebhookDispatcher;
  health: HealthRuntime;
  recalls: RecallRuntime;
  partitions: PeriodicSweep | undefined;
  checkpoints: PeriodicSweep;
  audit: PeriodicSweep | undefined;
}

/**
 * The ledger audit of `roboledger audit`, run by the leader on the read database (a replica
 * takes the load off the primary; the audit reads one consistent snapshot): its mismatch count
 * is the metric roboledger_audit_mismatches.
 */
export async function runLedgerAudit(ctx: AppContext): Promise<number> {
  const report = await auditLedger(ctx.readDb, {
    recordKinds: ctx.recordKinds,
    verifierKey: ctx.checkpointer.key.verifierKey,
  });
  const mismatches = report.findings.length;
  ctx.node.lastAudit = { at: ctx.clock(), mismatches };
  if (mismatches > 0)
    ctx.log.error({ mismatches }, 'the ledger audit found mismatches: run `roboledger audit`');
  return mismatches;
}

export async function startLeaderDuties(
  ctx: AppContext,
  leadership: Leadership,
  options: LeaderDutiesOptions = {},
): Promise<LeaderDuties> {
  let running: Running | undefined;
  let closed = false;

  const begin = async () => {
    if (running || closed) return;
    ctx.checkpointer.signing = true;
    // At once whatever was committed and not yet checkpointed, by any node.
    await ctx.checkpointer
      .start()
      .catch((error: unknown) => ctx.log.error({ err: error }, 'ledger checkpoint failed'));
    running = {
      incidents: startIncidentRuntime(ctx),
      webhooks: startWebhookDispatcher(ctx),
      health: startHealthRuntime(ctx),
      recalls: startRecallRuntime(ctx),
      partitions: options.partitions === false ? undefined : startPartitionSweep(ctx),
      // Commits of other nodes notify only their own (non-signing) checkpointers.
      checkpoints: startPeriodicSweep(
        ctx,
        'ledger checkpoint',
        options.checkpointFollowMs ?? CHECKPOINT_FOLLOW_MS,
        async () => {
          await ctx.checkpointer.checkpointNow();
        },
      ),
      audit:
        ctx.config.auditIntervalMs > 0
          ? startPeriodicSweep(ctx, 'ledger audit', ctx.config.auditIntervalMs, async () => {
              await runLedgerAudit(ctx);
            })
          : undefined,
    };
  };

  // The close order of platform.ts: the dispatcher, then the sweeps.
  const stop = async () => {
    const was = running;
    running = undefined;
    await was?.webhooks.close();
    await was?.health.close();
    await was?.recalls.close();
    await was?.incidents.close();
    await was?.partitions?.close();
    await was?.checkpoints.close();
    await was?.audit?.close();
  };

  const end = async () => {
    ctx.checkpointer.signing = false;
    await stop();
  };

  leadership.onChange((leader) => (leader ? begin() : end()));
  if (leadership.isLeader) await begin();
  else ctx.checkpointer.signing = false;

  return {
    get running() {
      return running !== undefined;
    },
    async close() {
      closed = true;
      // Still the leader: the checkpointer keeps signing until the context closes (its last checkpoint).
      await stop();
    },
  };
}
