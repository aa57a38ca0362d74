// Configuration is read once, here, from defaults, the environment and explicit options, and
// validated before anything starts: a bad setting stops the platform with a one-line message.
// Nothing else in the platform reads the environment: every setting is a field of
// PlatformConfig, and the composition root (platform.ts) hands each service its own.
import { resolve } from 'node:path';

export interface PlatformConfig {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * A streaming replica of DATABASE_URL that ledger reads and robot-data history reads may use
   * (docs/operations-runbook.md "Read replica"); undefined: every read goes to the primary.
   */
  readDatabaseUrl: string | undefined;
  /**
   * The most replay lag (ms) of the replica at which robot-data history reads (telemetry,
   * health, events) are still served from it; 0: never (docs/operations-runbook.md "Read replica").
   */
  readMaxLagMs: number;
  dataDir: string;
  /** The registry operator's token (docs/registry.md); undefined disables it. */
  adminToken: string | undefined;
  /** An external MQTT broker; undefined runs the embedded one. */
  mqttUrl: string | undefined;
  /** Port of the embedded MQTT broker (0 picks a free one; -1 disables it). */
  mqttPort: number;
  /** The shared-subscription group on an external broker (processes in one group split the load). */
  mqttShareGroup: string;
  /** MQTT connections this process opens in that group. */
  mqttConnections: number;
  demo: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The ledger's origin line (C2SP checkpoint) and note key name. */
  ledgerOrigin: string;
  /** Signer key of the ledger (C2SP note `PRIVATE+KEY+...`); undefined: generated into dataDir. */
  ledgerSignerKey: string | undefined;
  ledgerSignerKeyFile: string | undefined;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit: number;
  /** Requests per minute per client address on the public routes. */
  publicRateLimit: number;
  /** Requests per minute per API key (or the admin token) on the authenticated routes. */
  keyRateLimit: number;
  /** Telemetry batches per minute per client address on POST /v1/telemetry. */
  telemetryRateLimit: number;
  /** Bytes of telemetry bodies read or awaiting verification at once; beyond it, 429. */
  telemetryInflightBytes: number;
  /** Redis for the rate-limit counters shared by several platform processes; undefined: in memory. */
  redisUrl: string | undefined;
  /** HTTP: the whole request (headers and body) must arrive within this many ms. */
  requestTimeoutMs: number;
  /** HTTP: the request headers must arrive within this many ms. */
  headersTimeoutMs: number;
  /** HTTP: an idle keep-alive connection is closed after this many ms. */
  keepAliveTimeoutMs: number;
  /** HTTP: a socket with no traffic either way is closed after this many ms. */
  connectionTimeoutMs: number;
  /** Country of the registry operator organisation created at bootstrap. */
  registryCountry: string;
  /** Days raw telemetry samples are kept; 0 keeps them forever (rollups are kept anyway). */
  telemetryRetentionDays: number;
  /** Telemetry batches admitted but not yet durable; beyond it, 429 (or MQTT back-pressure). */
  ingestMaxPending: number;
  /** Signature-checking worker threads; undefined: one per core. */
  verifierThreads: number | undefined;
  /** How often telemetry partitions are created ahead and expired ones dropped. */
  partitionIntervalMs: number;
  /**
   * Hosts webhooks may target even on loopback or private addresses (lower case, as in the
   * URL); every other host must resolve to public addresses only (docs/notifications.md).
   */
  webhookAllowHosts: readonly string[];
  /** Bearer token /metrics requires; undefined: /metrics answers 404. */
  metricsToken: string | undefined;
  /** Most time `serve` takes to drain after SIGTERM before it gives up and exits 1. */
  drainTimeoutMs: number;
  /** How often a node that is not the leader tries to become it (PostgreSQL only). */
  leaderRetryMs: number;
  /** How often the leader audits the ledger (as `roboledger audit` does); 0: never. */
  auditIntervalMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULTS = {
  port: 8080,
  // Loopback unless asked: the demo prints keys, and nothing here is meant for the network
  // before someone decides it is (HOST=0.0.0.0).
  host: '127.0.0.1',
  dataDir: './data',
  // Not 1883: a machine that already runs a broker (Mosquitto) keeps it, and the platform starts.
  mqttPort: 1884,
  mqttShareGroup: 'roboledger',
  mqttConnections: 16,
  logLevel: 'info',
  ledgerOrigin: 'roboledger.local/ledger',
  bodyLimit: 1024 * 1024,
  publicRateLimit: 600,
  keyRateLimit: 6000,
  telemetryRateLimit: 12_000,
  telemetryInflightBytes: 64 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  registryCountry: 'CN',
  telemetryRetentionDays: 30,
  ingestMaxPending: 20_000,
  partitionIntervalMs: 3_600_000,
  drainTimeoutMs: 20_000,
  leaderRetryMs: 2_000,
  auditIntervalMs: 6 * 3_600_000,
  readMaxLagMs: 1000,
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type IntegerField = {
  [K in keyof PlatformConfig]: PlatformConfig[K] extends number | undefined ? K : never;
}[keyof PlatformConfig];

/** Every integer setting: its variable and its range (checked on the merged configuration). */
const INTEGER_SETTINGS: Record<IntegerField, { env: string; min: number; max: number }> = {
  port: { env: 'PORT', min: 0, max: 65535 },
  mqttPort: { env: 'MQTT_PORT', min: -1, max: 65535 },
  mqttConnections: { env: 'ROBOLEDGER_MQTT_CONNECTIONS', min: 1, max: 1024 },
  bodyLimit: { env: 'ROBOLEDGER_BODY_LIMIT', min: 1024, max: 64 * 1024 * 1024 },
  publicRateLimit: { env: 'ROBOLEDGER_PUBLIC_RATE_LIMIT', min: 1, max: 10_000_000 },
  keyRateLimit: { env: 'ROBOLEDGER_KEY_RATE_LIMIT', min: 1, max: 10_000_000 },
  telemetryRateLimit: { env: 'ROBOLEDGER_TELEMETRY_RATE_LIMIT', min: 1, max: 10_000_000 },
  // At least one batch at its largest (1 MiB), or no batch could ever be accepted.
  telemetryInflightBytes: {
    env: 'ROBOLEDGER_TELEMETRY_INFLIGHT_BYTES',
    min: 1024 * 1024,
    max: 1024 * 1024 * 1024,
  },
  requestTimeoutMs: { env: 'ROBOLEDGER_REQUEST_TIMEOUT_MS', min: 100, max: 3_600_000 },
  headersTimeoutMs: { env: 'ROBOLEDGER_HEADERS_TIMEOUT_MS', min: 100, max: 3_600_000 },
  keepAliveTimeoutMs: { env: 'ROBOLEDGER_KEEP_ALIVE_TIMEOUT_MS', min: 100, max: 3_600_000 },
  connectionTimeoutMs: { env: 'ROBOLEDGER_CONNECTION_TIMEOUT_MS', min: 100, max: 3_600_000 },
  telemetryRetentionDays: { env: 'ROBOLEDGER_TELEMETRY_RETENTION_DAYS', min: 0, max: 100_000 },
  ingestMaxPending: { env: 'ROBOLEDGER_INGEST_MAX_PENDING', min: 1, max: 10_000_000 },
  verifierThreads: { env: 'ROBOLEDGER_VERIFIER_THREADS', min: 1, max: 1024 },
  // At least a second: a tighter loop would only keep the database busy.
  partitionIntervalMs: { env: 'ROBOLEDGER_PARTITION_INTERVAL_MS', min: 1000, max: 86_400_000 },
  drainTimeoutMs: { env: 'ROBOLEDGER_DRAIN_TIMEOUT_MS', min: 100, max: 3_600_000 },
  // A failed-over leader is replaced within this long; tighter only loads the database.
  leaderRetryMs: { env: 'ROBOLEDGER_LEADER_RETRY_MS', min: 100, max: 600_000 },
  auditIntervalMs: { env: 'ROBOLEDGER_AUDIT_INTERVAL_MS', min: 0, max: 30 * 86_400_000 },
  // A history read an hour behind is no longer "a moment old"; 0 keeps robot data on the primary.
  readMaxLagMs: { env: 'ROBOLEDGER_READ_MAX_LAG_MS', min: 0, max: 3_600_000 },
};

/** The variable's number, NaN if it is not one (validation names it); the fallback if unset. */
function numberFrom<T extends number | undefined>(raw: string | undefined, fallback: T): number | T {
  if (raw === undefined || raw.trim() === '') return fallback;
  return Number(raw);
}

/** Reads the environment, applies `overrides`, and validates the result (throws ConfigError). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<PlatformConfig> = {},
): PlatformConfig {
  const integer = <T extends number | undefined>(field: IntegerField, fallback: T) =>
    numberFrom(env[INTEGER_SETTINGS[field].env], fallback);
  const fromEnv: PlatformConfig = {
    port: integer('port', DEFAULTS.port),
    host: env.HOST || DEFAULTS.host,
    databaseUrl: env.DATABASE_URL || undefined,
    readDatabaseUrl: env.DATABASE_READ_URL || undefined,
    readMaxLagMs: integer('readMaxLagMs', DEFAULTS.readMaxLagMs),
    dataDir: env.ROBOLEDGER_DATA_DIR || DEFAULTS.dataDir,
    adminToken: env.ROBOLEDGER_ADMIN_TOKEN || undefined,
    mqttUrl: env.MQTT_URL || undefined,
    mqttPort: integer('mqttPort', DEFAULTS.mqttPort),
    mqttShareGroup: env.ROBOLEDGER_MQTT_SHARE_GROUP || DEFAULTS.mqttShareGroup,
    mqttConnections: integer('mqttConnections', DEFAULTS.mqttConnections),
    demo: false,
    logLevel: (env.LOG_LEVEL || DEFAULTS.logLevel) as PlatformConfig['logLevel'],
    ledgerOrigin: env.ROBOLEDGER_LEDGER_ORIGIN || DEFAULTS.ledgerOrigin,
    ledgerSignerKey: env.ROBOLEDGER_LEDGER_KEY || undefined,
    ledgerSignerKeyFile: env.ROBOLEDGER_LEDGER_KEY_FILE || undefined,
    bodyLimit: integer('bodyLimit', DEFAULTS.bodyLimit),
    publicRateLimit: integer('publicRateLimit', DEFAULTS.publicRateLimit),
    keyRateLimit: integer('keyRateLimit', DEFAULTS.keyRateLimit),
    telemetryRateLimit: integer('telemetryRateLimit', DEFAULTS.telemetryRateLimit),
    telemetryInflightBytes: integer('telemetryInflightBytes', DEFAULTS.telemetryInflightBytes),
    redisUrl: env.REDIS_URL || undefined,
    requestTimeoutMs: integer('requestTimeoutMs', DEFAULTS.requestTimeoutMs),
    headersTimeoutMs: integer('headersTimeoutMs', DEFAULTS.headersTimeoutMs),
    keepAliveTimeoutMs: integer('keepAliveTimeoutMs', DEFAULTS.keepAliveTimeoutMs),
    connectionTimeoutMs: integer('connectionTimeoutMs', DEFAULTS.connectionTimeoutMs),
    registryCountry: env.ROBOLEDGER_COUNTRY || DEFAULTS.registryCountry,
    telemetryRetentionDays: integer('telemetryRetentionDays', DEFAULTS.telemetryRetentionDays),
    ingestMaxPending: integer('ingestMaxPending', DEFAULTS.ingestMaxPending),
    verifierThreads: integer('verifierThreads', undefined),
    partitionIntervalMs: integer('partitionIntervalMs', DEFAULTS.partitionIntervalMs),
    webhookAllowHosts: hostList(env.ROBOLEDGER_WEBHOOK_ALLOW_HOSTS),
    metricsToken: env.ROBOLEDGER_METRICS_TOKEN || undefined,
    drainTimeoutMs: integer('drainTimeoutMs', DEFAULTS.drainTimeoutMs),
    leaderRetryMs: integer('leaderRetryMs', DEFAULTS.leaderRetryMs),
    auditIntervalMs: integer('auditIntervalMs', DEFAULTS.auditIntervalMs),
  };
  const config = { ...fromEnv, ...withoutUndefined(overrides) };
  validateConfig(config);
  return { ...config, dataDir: resolve(config.dataDir) };
}

/** A comma-separated list of host names or addresses, trimmed and lower-cased; IPv6 without brackets. */
function hostList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1'),
    )
    .filter((h) => h !== '');
}

/** An explicit `undefined` in the overrides means "not overridden", not "unset". */
function withoutUndefined(overrides: Partial<PlatformConfig>): Partial<PlatformConfig> {
  return Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
}

/** Throws a ConfigError naming the first setting that is out of its range. */
export function validateConfig(config: PlatformConfig): void {
  for (const [field, { env, min, max }] of Object.entries(INTEGER_SETTINGS)) {
    const value = config[field as IntegerField];
    if (value === undefined && field === 'verifierThreads') continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${env} must be an integer from ${min} to ${max}, got "${String(value)}"`);
    }
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  if (config.readDatabaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(config.readDatabaseUrl)) {
      throw new ConfigError('DATABASE_READ_URL must be a postgres:// or postgresql:// URL');
    }
    // A replica of what? Without a PostgreSQL primary there is nothing to replicate.
    if (config.databaseUrl === undefined) throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL');
  }
  // A whole-ledger audit more often than once a minute would only keep the database busy.
  if (config.auditIntervalMs !== 0 && config.auditIntervalMs < 60_000) {
    throw new ConfigError('ROBOLEDGER_AUDIT_INTERVAL_MS must be 0 (never) or at least 60000');
  }
  if (config.metricsToken !== undefined && config.metricsToken.length < 16) {
    throw new ConfigError('ROBOLEDGER_METRICS_TOKEN must be at least 16 characters');
  }
  if (config.mqttUrl !== undefined && !/^(mqtts?|wss?|tcp):\/\//.test(config.mqttUrl)) {
    throw new ConfigError('MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL');
  }
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  // Node refuses a headers timeout longer than the request's (http.createServer).
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError('ROBOLEDGER_HEADERS_TIMEOUT_MS must not exceed ROBOLEDGER_REQUEST_TIMEOUT_MS');
  }
  if (config.adminToken !== undefined && config.adminToken.length < 16) {
    throw new ConfigError('ROBOLEDGER_ADMIN_TOKEN must be at least 16 characters');
  }
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (!/^[A-Z]{2}$/.test(config.registryCountry)) {
    throw new ConfigError('ROBOLEDGER_COUNTRY must be two capital letters');
  }
  if (!/^[\x21-\x7e]+$/.test(config.ledgerOrigin) || config.ledgerOrigin.includes('+')) {
    throw new ConfigError('ROBOLEDGER_LEDGER_ORIGIN must be printable ASCII without spaces or "+"');
  }
  // A share group is one topic level of `$share/<group>/...` (MQTT 5 §4.8.2).
  if (!/^[^/+#\s]+$/.test(config.mqttShareGroup)) {
    throw new ConfigError('ROBOLEDGER_MQTT_SHARE_GROUP must be one topic level: no "/", "+", "#" or spaces');
  }
  if (config.host.trim() === '') throw new ConfigError('HOST must not be empty');
  if (config.dataDir.trim() === '') throw new ConfigError('ROBOLEDGER_DATA_DIR must not be empty');
}
