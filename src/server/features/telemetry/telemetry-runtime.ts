// The running parts of telemetry besides the pipeline, closable as one: the MQTT side (an
// embedded broker, or a shared subscription on MQTT_URL), after partitions are made ready once
// at start. Keeping them ready afterwards (partitions created ahead, expired raw partitions
// dropped) is periodic work, which only the cluster's leader does: startPartitionSweep, run by
// the leader duties (leader-duties.ts). Every setting comes from ctx.config.
//
// The pipeline itself (ctx.telemetryIngest) belongs to the AppContext: the HTTP route and the
// MQTT side of one platform share it, and closeAppContext closes it after this runtime.
import type { AppContext } from '../../app-context.js';
import { registryCredentialSource } from '../../mqtt/broker-auth.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../mqtt/embedded-broker.js';
import { type MqttIngestSubscriber, startMqttSubscriber } from '../../mqtt/mqtt-subscriber.js';
import { type PeriodicSweep, startPeriodicSweep } from '../../periodic-sweep.js';
import { DAY_MS } from './partitions.js';

/** Creates partitions for yesterday to `aheadDays` ahead and drops those past retention. */
export async function maintainPartitions(
  ctx: AppContext,
  aheadDays = 3,
): Promise<{ created: number[]; dropped: number[] }> {
  const ingest = ctx.telemetryIngest.get();
  const now = ctx.clock().getTime();
  const created = await ingest.partitions.ensureRange(now - DAY_MS, now + aheadDays * DAY_MS);
  const days = ingest.rawRetentionDays;
  const dropped = days > 0 ? await ingest.partitions.dropBefore(ingest.oldestAcceptedMs(now)) : [];
  return { created, dropped };
}

/** Partition upkeep every config.partitionIntervalMs; a failed round is logged and retried. */
export function startPartitionSweep(ctx: AppContext): PeriodicSweep {
  return startPeriodicSweep(
    ctx,
    'telemetry partition maintenance',
    ctx.config.partitionIntervalMs,
    async () => {
      await maintainPartitions(ctx);
    },
  );
}

export interface TelemetryRuntime {
  /** The embedded broker's port, when one runs. */
  mqttPort: number | undefined;
  /** The embedded broker, when one runs. */
  broker: EmbeddedBroker | undefined;
  close(): Promise<void>;
}

/**
 * Starts telemetry for a platform: partitions now, and MQTT (the external broker of
 * config.mqttUrl, else the embedded one on config.mqttPort unless it is -1). close() stops MQTT
 * (leaving the shared subscription, then finishing the messages under way); the pipeline is
 * the context's to close.
 */
export async function startTelemetryRuntime(ctx: AppContext): Promise<TelemetryRuntime> {
  const { config } = ctx;
  const ingest = ctx.telemetryIngest.get();
  await maintainPartitions(ctx);
  let broker: EmbeddedBroker | undefined;
  let subscriber: MqttIngestSubscriber | undefined;
  if (config.mqttUrl) {
    subscriber = await startMqttSubscriber(ingest, {
      url: config.mqttUrl,
      shareGroup: config.mqttShareGroup,
      connections: config.mqttConnections,
    });
  } else if (config.mqttPort >= 0) {
    broker = await startEmbeddedBroker(ingest, {
      port: config.mqttPort,
      // The broker listens where the API does (HOST), never wider.
      host: config.host,
      credentials: registryCredentialSource(ctx.db, ctx.clock),
    });
  }
  return {
    mqttPort: broker?.port,
    broker,
    async close() {
      await subscriber?.close();
      await broker?.close();
    },
  };
}
