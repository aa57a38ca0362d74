// Configuration is read once, here, from defaults, the environment and explicit options, and
// validated before anything starts: a bad setting stops the platform with a clear message.
import { resolve } from 'node:path';

export interface PlatformConfig {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The registry operator's token (docs/api.md "Conventions"); undefined disables it. */
  adminToken: string | undefined;
  /** An external MQTT broker; undefined runs the embedded one. */
  mqttUrl: string | undefined;
  /** Port of the embedded MQTT broker (0 picks a free one; -1 disables it). */
  mqttPort: number;
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
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<PlatformConfig> = {},
): PlatformConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const mqttUrl = env.MQTT_URL || undefined;
  if (mqttUrl && !/^(mqtts?|wss?|tcp):\/\//.test(mqttUrl)) {
    throw new ConfigError('MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  const adminToken = env.ROBOLEDGER_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ROBOLEDGER_ADMIN_TOKEN must be at least 16 characters');
  }
  const logLevel = (env.LOG_LEVEL || DEFAULTS.logLevel) as PlatformConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const registryCountry = env.ROBOLEDGER_COUNTRY || DEFAULTS.registryCountry;
  if (!/^[A-Z]{2}$/.test(registryCountry))
    throw new ConfigError('ROBOLEDGER_COUNTRY must be two capital letters');
  const config: PlatformConfig = {
    port: integer('PORT', env.PORT, DEFAULTS.port, 0, 65535),
    host: env.HOST || DEFAULTS.host,
    databaseUrl,
    dataDir: resolve(env.ROBOLEDGER_DATA_DIR || DEFAULTS.dataDir),
    adminToken,
    mqttUrl,
    mqttPort: integer('MQTT_PORT', env.MQTT_PORT, DEFAULTS.mqttPort, -1, 65535),
    demo: false,
    logLevel,
    ledgerOrigin: env.ROBOLEDGER_LEDGER_ORIGIN || DEFAULTS.ledgerOrigin,
    ledgerSignerKey: env.ROBOLEDGER_LEDGER_KEY || undefined,
    ledgerSignerKeyFile: env.ROBOLEDGER_LEDGER_KEY_FILE || undefined,
    bodyLimit: integer(
      'ROBOLEDGER_BODY_LIMIT',
      env.ROBOLEDGER_BODY_LIMIT,
      DEFAULTS.bodyLimit,
      1024,
      64 * 1024 * 1024,
    ),
    publicRateLimit: integer(
      'ROBOLEDGER_PUBLIC_RATE_LIMIT',
      env.ROBOLEDGER_PUBLIC_RATE_LIMIT,
      DEFAULTS.publicRateLimit,
      1,
      10_000_000,
    ),
    keyRateLimit: integer(
      'ROBOLEDGER_KEY_RATE_LIMIT',
      env.ROBOLEDGER_KEY_RATE_LIMIT,
      DEFAULTS.keyRateLimit,
      1,
      10_000_000,
    ),
    telemetryRateLimit: integer(
      'ROBOLEDGER_TELEMETRY_RATE_LIMIT',
      env.ROBOLEDGER_TELEMETRY_RATE_LIMIT,
      DEFAULTS.telemetryRateLimit,
      1,
      10_000_000,
    ),
    telemetryInflightBytes: integer(
      'ROBOLEDGER_TELEMETRY_INFLIGHT_BYTES',
      env.ROBOLEDGER_TELEMETRY_INFLIGHT_BYTES,
      DEFAULTS.telemetryInflightBytes,
      // At least one batch at its largest (1 MiB), or no batch could ever be accepted.
      1024 * 1024,
      1024 * 1024 * 1024,
    ),
    redisUrl,
    requestTimeoutMs: integer(
      'ROBOLEDGER_REQUEST_TIMEOUT_MS',
      env.ROBOLEDGER_REQUEST_TIMEOUT_MS,
      DEFAULTS.requestTimeoutMs,
      100,
      3_600_000,
    ),
    headersTimeoutMs: integer(
      'ROBOLEDGER_HEADERS_TIMEOUT_MS',
      env.ROBOLEDGER_HEADERS_TIMEOUT_MS,
      DEFAULTS.headersTimeoutMs,
      100,
      3_600_000,
    ),
    keepAliveTimeoutMs: integer(
      'ROBOLEDGER_KEEP_ALIVE_TIMEOUT_MS',
      env.ROBOLEDGER_KEEP_ALIVE_TIMEOUT_MS,
      DEFAULTS.keepAliveTimeoutMs,
      100,
      3_600_000,
    ),
    connectionTimeoutMs: integer(
      'ROBOLEDGER_CONNECTION_TIMEOUT_MS',
      env.ROBOLEDGER_CONNECTION_TIMEOUT_MS,
      DEFAULTS.connectionTimeoutMs,
      100,
      3_600_000,
    ),
    registryCountry,
  };
  // Node refuses a headers timeout longer than the request's (http.createServer).
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError('ROBOLEDGER_HEADERS_TIMEOUT_MS must not exceed ROBOLEDGER_REQUEST_TIMEOUT_MS');
  }
  if (!/^[\x21-\x7e]+$/.test(config.ledgerOrigin) || config.ledgerOrigin.includes('+')) {
    throw new ConfigError('ROBOLEDGER_LEDGER_ORIGIN must be printable ASCII without spaces or "+"');
  }
  return { ...config, ...overrides };
}
