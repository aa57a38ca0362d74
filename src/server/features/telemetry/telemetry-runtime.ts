// The running parts of telemetry besides the pipeline, closable as one: the MQTT side (an
// embedded broker, or a shared subscription on MQTT_URL) and the partition timer (partitions
// created ahead, expired raw partitions dropped). Every setting comes from ctx.config.
//
// The pipeline itself (ctx.telemetryIngest) belongs to the AppContext: the HTTP route and the
// MQTT side of one platform share it, and closeAppContext closes it after this runtime.
import type { AppContext } from '../../app-context.js';
import { registryCredentialSource } from '../../mqtt/broker-auth.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../mqtt/embedded-broker.js';
import { type MqttIngestSubscriber, startMqttSubscriber } from '../../mqtt/mqtt-subscriber.js';
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

export interface TelemetryRuntime {
  /** The embedded broker's port, when one runs. */
  mqttPort: number | undefined;
  /** Stops MQTT, then the partition timer; the pipeline is the context's to close. */
  /** The embedded broker, when one runs. */
  broker: EmbeddedBroker | undefined;
  close(): Promise<void>;
}

/**
 * Starts telemetry for a platform: partitions now and on a timer, and MQTT (the external
 * broker of config.mqttUrl, else the embedded one on config.mqttPort unless it is -1).
 */
export async function startTelemetryRuntime(ctx: AppContext): Promise<TelemetryRuntime> {
  const { config } = ctx;
  const ingest = ctx.telemetryIngest.get();
  await maintainPartitions(ctx);
  const timer = setInterval(() => {
    // A failed round is retried on the next tick; it must not go unnoticed meanwhile.
    maintainPartitions(ctx).catch((error: unknown) =>
      ctx.log.error({ err: error }, 'telemetry partition maintenance failed'),
    );
  }, config.partitionIntervalMs);
  timer.unref();
  let broker: EmbeddedBroker | undefined;
  let subscriber: MqttIngestSubscriber | undefined;
  try {
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
  } catch (error) {
    clearInterval(timer);
    throw error;
  }
  return {
    mqttPort: broker?.port,
    broker,
    async close() {
      await subscriber?.close();
      await broker?.close();
      clearInterval(timer);
    },
  };
}
