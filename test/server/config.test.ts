// Configuration is read and validated once (config.ts): every setting, from the environment or
// from loadConfig's overrides, is checked before anything starts, and a bad one is a one-line
// ConfigError naming the variable.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runServe } from '../../src/cli/serve.js';
import { ConfigError, DEFAULTS, loadConfig } from '../../src/server/config.js';

describe('loadConfig', () => {
  it('reads every setting the platform has, with documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mqttConnections: DEFAULTS.mqttConnections,
      mqttShareGroup: DEFAULTS.mqttShareGroup,
      telemetryRetentionDays: DEFAULTS.telemetryRetentionDays,
      ingestMaxPending: DEFAULTS.ingestMaxPending,
      partitionIntervalMs: DEFAULTS.partitionIntervalMs,
      verifierThreads: undefined,
      webhookAllowHosts: [],
      readDatabaseUrl: undefined,
      readMaxLagMs: 1000,
      metricsToken: undefined,
      drainTimeoutMs: DEFAULTS.drainTimeoutMs,
      leaderRetryMs: DEFAULTS.leaderRetryMs,
    });
    const set = loadConfig({
      ROBOLEDGER_MQTT_CONNECTIONS: '4',
      ROBOLEDGER_MQTT_SHARE_GROUP: 'ingest-eu',
      ROBOLEDGER_TELEMETRY_RETENTION_DAYS: '0',
      ROBOLEDGER_INGEST_MAX_PENDING: '100',
      ROBOLEDGER_VERIFIER_THREADS: '2',
      ROBOLEDGER_PARTITION_INTERVAL_MS: '60000',
      ROBOLEDGER_WEBHOOK_ALLOW_HOSTS: ' 127.0.0.1, Hooks.Internal ,[::1],',
      DATABASE_URL: 'postgres://primary/roboledger',
      DATABASE_READ_URL: 'postgres://replica/roboledger',
      ROBOLEDGER_READ_MAX_LAG_MS: '0',
      ROBOLEDGER_METRICS_TOKEN: 'metrics-token-0123456789',
      ROBOLEDGER_DRAIN_TIMEOUT_MS: '5000',
      ROBOLEDGER_LEADER_RETRY_MS: '500',
    });
    expect(set).toMatchObject({
      mqttConnections: 4,
      mqttShareGroup: 'ingest-eu',
      telemetryRetentionDays: 0,
      ingestMaxPending: 100,
      verifierThreads: 2,
      partitionIntervalMs: 60_000,
      webhookAllowHosts: ['127.0.0.1', 'hooks.internal', '::1'],
      readDatabaseUrl: 'postgres://replica/roboledger',
      readMaxLagMs: 0,
      metricsToken: 'metrics-token-0123456789',
      drainTimeoutMs: 5000,
      leaderRetryMs: 500,
    });
  });

  it.each([
    ['ROBOLEDGER_MQTT_CONNECTIONS', 'abc'],
    ['ROBOLEDGER_MQTT_CONNECTIONS', '0'],
    ['ROBOLEDGER_MQTT_CONNECTIONS', '2.5'],
    ['ROBOLEDGER_TELEMETRY_RETENTION_DAYS', '-1'],
    ['ROBOLEDGER_TELEMETRY_RETENTION_DAYS', 'thirty'],
    ['ROBOLEDGER_INGEST_MAX_PENDING', '0'],
    ['ROBOLEDGER_VERIFIER_THREADS', 'many'],
    ['ROBOLEDGER_PARTITION_INTERVAL_MS', '10'],
    ['ROBOLEDGER_MQTT_SHARE_GROUP', 'a/b'],
    ['ROBOLEDGER_MQTT_SHARE_GROUP', '#'],
    ['PORT', '80a'],
    ['MQTT_PORT', '-2'],
    ['ROBOLEDGER_DRAIN_TIMEOUT_MS', '0'],
    ['ROBOLEDGER_LEADER_RETRY_MS', 'soon'],
    ['ROBOLEDGER_METRICS_TOKEN', 'short'],
    ['ROBOLEDGER_READ_MAX_LAG_MS', '-1'],
    ['ROBOLEDGER_READ_MAX_LAG_MS', '1s'],
    ['ROBOLEDGER_READ_MAX_LAG_MS', '3600001'],
    // A replica without a primary to replicate.
    ['DATABASE_READ_URL', 'postgres://replica/roboledger'],
  ])('%s=%s is a ConfigError naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain(name);
    expect((thrown as ConfigError).message).not.toContain('\n');
  });

  it('validates the overrides too: the merged configuration is what is checked', () => {
    expect(() => loadConfig({}, { mqttConnections: 0 })).toThrow(ConfigError);
    expect(() => loadConfig({}, { port: 70_000 })).toThrow(/PORT/);
    expect(() => loadConfig({}, { registryCountry: 'china' })).toThrow(/ROBOLEDGER_COUNTRY/);
    expect(() => loadConfig({}, { adminToken: 'short' })).toThrow(/ROBOLEDGER_ADMIN_TOKEN/);
    expect(() => loadConfig({}, { databaseUrl: 'mysql://x' })).toThrow(/DATABASE_URL/);
    // An override fixes a bad environment value only by replacing it.
    expect(loadConfig({ ROBOLEDGER_MQTT_CONNECTIONS: 'abc' }, { mqttConnections: 3 }).mqttConnections).toBe(
      3,
    );
    // An explicit undefined is "not overridden".
    expect(loadConfig({ PORT: '9000' }, { port: undefined as unknown as number }).port).toBe(9000);
  });
});

describe('roboledger serve with a bad setting', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('exits with status 2 and one line naming the variable, starting nothing', async () => {
    vi.stubEnv('ROBOLEDGER_MQTT_CONNECTIONS', 'abc');
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const status = await runServe({});
    expect(status).toBe(2);
    const output = written.join('');
    expect(output.trimEnd().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^roboledger serve: ROBOLEDGER_MQTT_CONNECTIONS must be an integer/);
  });
});
