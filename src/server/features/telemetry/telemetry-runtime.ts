// The running parts of telemetry, closable as one: the ingest pipeline (verifier threads and
// group commit), the MQTT side (an embedded broker, or a shared subscription on MQTT_URL) and
// the partition timer (partitions created ahead, expired raw partitions dropped).
//
// The pipeline belongs to the AppContext: the HTTP route and the MQTT side of one platform
// share it, and it is made on first use, so an app that never ingests starts no threads.
import type { AppContext } from '../../app-context.js';
import { registryCredentialSource } from '../../mqtt/broker-auth.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../mqtt/embedded-broker.js';
import { type MqttIngestSubscriber, startMqttSubscriber } from '../../mqtt/mqtt-subscriber.js';
import { DAY_MS } from './partitions.js';
import { INGEST_DEFAULTS, TelemetryIngest, type TelemetryIngestOptions } from './telemetry-ingest.js';

const ingests = new WeakMap<AppContext, TelemetryIngest>();
const ingestOptions = new WeakMap<AppContext, TelemetryIngestOptions>();

function positiveInt(env: Record<string, string | undefined>, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

/** Telemetry settings from the environment (docs/telemetry.md "Settings"). */
export function telemetryOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): TelemetryIngestOptions {
  const options: TelemetryIngestOptions = {};
  const retention = positiveInt(env, 'ROBOLEDGER_TELEMETRY_RETENTION_DAYS', 0);
  if (retention !== undefined) options.rawRetentionDays = retention;
  const pending = positiveInt(env, 'ROBOLEDGER_INGEST_MAX_PENDING', 1);
  if (pending !== undefined) options.maxPending = pending;
  const threads = positiveInt(env, 'ROBOLEDGER_VERIFIER_THREADS', 1);
  if (threads !== undefined) options.verifierThreads = threads;
  return options;
}

/** Sets the pipeline's options for `ctx` before its first use (tests, benchmarks). */
export function configureTelemetryIngest(ctx: AppContext, options: TelemetryIngestOptions): void {
  if (ingests.has(ctx)) throw new Error('telemetry ingest already started for this context');
  ingestOptions.set(ctx, options);
}

/** The pipeline of `ctx`, made on first use unless `create` is false. */
export function telemetryIngestFor(ctx: AppContext, { create = true } = {}): TelemetryIngest | undefined {
  let ingest = ingests.get(ctx);
  if (!ingest && create) {
    ingest = new TelemetryIngest(ctx, ingestOptions.get(ctx) ?? telemetryOptionsFromEnv());
    ingests.set(ctx, ingest);
  }
  return ingest;
}

/** Creates partitions for yesterday to `aheadDays` ahead and drops those past retention. */
export async function maintainPartitions(
  ctx: AppContext,
  aheadDays = 3,
): Promise<{ created: number[]; dropped: number[] }> {
  const ingest = telemetryIngestFor(ctx)!;
  const now = ctx.clock().getTime();
  const created = await ingest.partitions.ensureRange(now - DAY_MS, now + aheadDays * DAY_MS);
  const days = ingest.rawRetentionDays;
  const dropped = days > 0 ? await ingest.partitions.dropBefore(ingest.oldestAcceptedMs(now)) : [];
  return { created, dropped };
}

export interface TelemetryRuntimeOptions {
  /** An external broker (Mosquitto, EMQX): subscribe there with a shared subscription. */
  mqttUrl?: string | undefined;
  /** Port of the embedded broker when mqttUrl is unset; 0 picks one, -1 runs none. */
  mqttPort?: number | undefined;
  mqttHost?: string | undefined;
  /** The shared-subscription group (several processes in one group split the load). */
  mqttShareGroup?: string | undefined;
  /** MQTT connections of this process in the group. */
  mqttConnections?: number | undefined;
  /** How often partitions are maintained. */
  partitionIntervalMs?: number | undefined;
  ingest?: TelemetryIngestOptions | undefined;
}

export interface TelemetryRuntime {
  /** The embedded broker's port, when one runs. */
  mqttPort: number | undefined;
  /** The embedded broker, when one runs. */
  broker: EmbeddedBroker | undefined;
  close(): Promise<void>;
}

/**
 * Starts telemetry for a platform: the pipeline, partitions now and on a timer, and MQTT.
 * `close()` stops them in order (MQTT, timer, pipeline: admitted batches still commit).
 */
export async function startTelemetryRuntime(
  ctx: AppContext,
  options: TelemetryRuntimeOptions = {},
): Promise<TelemetryRuntime> {
  if (options.ingest && !ingests.has(ctx)) configureTelemetryIngest(ctx, options.ingest);
  const ingest = telemetryIngestFor(ctx)!;
  await maintainPartitions(ctx);
  const timer = setInterval(() => {
    maintainPartitions(ctx).catch(() => {});
  }, options.partitionIntervalMs ?? 3_600_000);
  timer.unref();
  let broker: EmbeddedBroker | undefined;
  let subscriber: MqttIngestSubscriber | undefined;
  try {
    if (options.mqttUrl) {
      subscriber = await startMqttSubscriber(ingest, {
        url: options.mqttUrl,
        shareGroup: options.mqttShareGroup ?? (process.env.ROBOLEDGER_MQTT_SHARE_GROUP || 'roboledger'),
        connections: options.mqttConnections ?? Number(process.env.ROBOLEDGER_MQTT_CONNECTIONS || 16),
      });
    } else if ((options.mqttPort ?? -1) >= 0) {
      broker = await startEmbeddedBroker(ingest, {
        port: options.mqttPort!,
        // The broker listens where the API does (HOST), never wider.
        host: options.mqttHost ?? ctx.config.host,
        credentials: registryCredentialSource(ctx.db, ctx.clock),
      });
    }
  } catch (error) {
    clearInterval(timer);
    await ingest.close();
    throw error;
  }
  return {
    mqttPort: broker?.port,
    broker,
    async close() {
      await subscriber?.close();
      await broker?.close();
      clearInterval(timer);
      await ingest.close();
    },
  };
}

export { INGEST_DEFAULTS };
