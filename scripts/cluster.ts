// The platform as a cluster on one machine: HAProxy in front of three `roboledger serve` nodes,
// the machine's PostgreSQL (127.0.0.1:5432) as primary plus a streaming replica made here with
// `pg_basebackup -R`, and a Mosquitto of the cluster's own that the nodes share through one MQTT 5
// shared-subscription group. A topology for correctness, not speed (docs/scaling.md).
//
//   npm run cluster -- up       start it (prints the addresses; state in <dir>/cluster.json)
//   npm run cluster -- status   what runs, what answers, how far the replica is behind
//   npm run cluster -- down     stop everything, drop the database and the replication slot
//
// The test suite of test/cluster/ drives the same functions (clusterUp, clusterDown, startNode,
// signalNode). Every process is started detached with its pid in the state file, so `down` from
// another shell stops exactly what `up` started, and nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateSignerKey } from '../src/ledger/index.js';
import { mosquittoConfig } from './mosquitto.js';
import { portOpen } from './ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'roboledger.js');

export interface ClusterOptions {
  /** Names the database (`rl_cluster_<name>`), the replication slot and the default directory. */
  name?: string;
  /** Working directory (state, logs, replica data, node data); default <tmp>/roboledger-cluster-<name>. */
  dir?: string;
  /** The primary, as a superuser on the database the script connects to for administration. */
  primaryAdminUrl?: string;
  /** Ports: balancer HTTP = base, MQTT through the balancer = base+10, the broker = base+11, nodes base+1… */
  basePort?: number;
  replicaPort?: number;
  nodes?: number;
  /** Redis for the rate-limit counters shared by the nodes (unset: each node counts alone). */
  redisUrl?: string | undefined;
  /** Extra environment for every node (e.g. small rate limits in a test). */
  nodeEnv?: Record<string, string>;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

export interface ClusterNode {
  index: number;
  port: number;
  url: string;
  dataDir: string;
  logFile: string;
  pid: number | undefined;
}

export interface ClusterState {
  name: string;
  dir: string;
  database: string;
  /** The cluster database on the primary / on the replica. */
  primaryUrl: string;
  replicaUrl: string;
  primaryAdminUrl: string;
  slot: string;
  replicaPort: number;
  replicaDataDir: string;
  pgBinDir: string;
  balancerUrl: string;
  /** MQTT through HAProxy (what robots use) and the broker itself (what nodes use). */
  mqttUrl: string;
  brokerUrl: string;
  adminToken: string;
  metricsToken: string;
  ledgerKeyFile: string;
  redisUrl: string | undefined;
  nodeEnv: Record<string, string>;
  nodes: ClusterNode[];
  haproxyPid: number | undefined;
  mosquittoPid: number | undefined;
}

const STATE_FILE = 'cluster.json';
/** The line `up` adds to pg_hba.conf when the primary refuses replication connections from loopback. */
export const HBA_REPLICATION_LINE =
  'host replication all 127.0.0.1/32 trust # roboledger cluster (scripts/cluster.ts)';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function defaults(options: ClusterOptions) {
  const name = (options.name ?? 'dev').toLowerCase();
  if (!/^[a-z0-9_]{1,40}$/.test(name)) throw new Error(`cluster name must be [a-z0-9_]{1,40}, got "${name}"`);
  return {
    name,
    dir: options.dir ?? join(tmpdir(), `roboledger-cluster-${name}`),
    primaryAdminUrl: options.primaryAdminUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
    basePort: options.basePort ?? 18080,
    replicaPort: options.replicaPort ?? 5433,
    nodes: options.nodes ?? 3,
    log: options.log ?? ((line: string) => process.stderr.write(`cluster: ${line}\n`)),
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Runs a command to completion; throws with its output when it fails. */
function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${what}: \`${command} ${args.join(' ')}\` exited ${result.status}\n${result.stderr}${result.stdout}${result.error ?? ''}`,
    );
  }
  return result.stdout;
}

function which(tool: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, deadlineMs: number, logFile?: string) {
  const deadline = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      const tail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : '';
      throw new Error(`waited ${deadlineMs} ms for ${what}${tail ? `; log ${logFile}:\n${tail}` : ''}`);
    }
    await sleep(200);
  }
}

/** Starts `command` detached, stdout and stderr to `logFile`; returns its pid. */
function startDetached(
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: ROOT });
    child.unref();
    if (!child.pid) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function readState(dir: string): ClusterState | undefined {
  const file = join(dir, STATE_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : undefined;
}

function writeState(state: ClusterState): void {
  writeFileSync(join(state.dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// The primary and its replica

/**
 * The primary must stream WAL to a replica: wal_level replica (or logical), a free WAL sender,
 * and a pg_hba.conf line admitting replication connections from loopback. The first two need
 * a restart of the machine's PostgreSQL, which this script never does: it stops with what to
 * change. The third it adds (and reloads), because a reload drops nobody's connection.
 */
async function preparePrimary(adminUrl: string, log: (line: string) => void): Promise<void> {
  const [settings] = await sql<{ wal_level: string; senders: string; used: string }>(
    adminUrl,
    `SELECT current_setting('wal_level') AS wal_level, current_setting('max_wal_senders') AS senders,
            (SELECT count(*) FROM pg_stat_replication)::text AS used`,
  );
  if (!settings || !['replica', 'logical'].includes(settings.wal_level)) {
    throw new Error(
      `the primary's wal_level is ${settings?.wal_level}: set it to replica and restart PostgreSQL`,
    );
  }
  if (Number(settings.senders) <= Number(settings.used)) {
    throw new Error(
      `the primary has no free WAL sender (max_wal_senders ${settings.senders}): raise it and restart`,
    );
  }
  const u = new URL(adminUrl);
  const probe = () =>
    spawnSync(
      'psql',
      [
        `host=${u.hostname} port=${u.port || 5432} user=${decodeURIComponent(u.username) || 'postgres'} replication=true dbname=replication`,
        '-Atc',
        'IDENTIFY_SYSTEM',
      ],
      {
        encoding: 'utf8',
      },
    );
  if (probe().status === 0) return;
  const [{ hba_file: hbaFile } = { hba_file: '' }] = await sql<{ hba_file: string }>(
    adminUrl,
    'SHOW hba_file',
  );
  log(
    `the primary refuses replication from 127.0.0.1: adding "${HBA_REPLICATION_LINE}" to ${hbaFile} and reloading`,
  );
  const hba = readFileSync(hbaFile, 'utf8');
  writeFileSync(hbaFile, `${hba.endsWith('\n') ? hba : `${hba}\n`}${HBA_REPLICATION_LINE}\n`);
  await sql(adminUrl, 'SELECT pg_reload_conf()');
  for (let i = 0; i < 50 && probe().status !== 0; i++) await sleep(100);
  const last = probe();
  if (last.status !== 0)
    throw new Error(`replication connections are still refused after the reload:\n${last.stderr}`);
}

/** The primary's settings a hot standby must at least match (PostgreSQL refuses to start otherwise). */
const STANDBY_MUST_MATCH = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
];

async function createReplica(state: ClusterState, log: (line: string) => void): Promise<void> {
  const settings = await sql<{ name: string; setting: string }>(
    state.primaryAdminUrl,
    'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
    [STANDBY_MUST_MATCH],
  );
  await sql(state.primaryAdminUrl, 'SELECT pg_create_physical_replication_slot($1)', [state.slot]);
  const u = new URL(state.primaryAdminUrl);
  log(`pg_basebackup into ${state.replicaDataDir} (slot ${state.slot})`);
  run(
    join(state.pgBinDir, 'pg_basebackup'),
    [
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username) || 'postgres',
      '-D',
      state.replicaDataDir,
      '-X',
      'stream',
      '-S',
      state.slot,
      '-R',
      '-c',
      'fast',
    ],
    'pg_basebackup',
  );
  // A Debian cluster keeps its configuration outside the data directory, so the copy has none:
  // the replica gets its own (its port, its socket directory, loopback only, small buffers).
  const conf = [
    `port = ${state.replicaPort}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${state.replicaDataDir}'`,
    `hba_file = '${join(state.replicaDataDir, 'pg_hba.conf')}'`,
    'hot_standby = on',
    'shared_buffers = 32MB',
    ...settings.map((s) => `${s.name} = ${s.setting}`),
  ];
  writeFileSync(join(state.replicaDataDir, 'postgresql.conf'), `${conf.join('\n')}\n`);
  writeFileSync(
    join(state.replicaDataDir, 'pg_hba.conf'),
    'local all all trust\nhost all all 127.0.0.1/32 trust\n',
  );
  run('chown', ['-R', 'postgres:postgres', state.replicaDataDir], 'chown the replica');
  chmodSync(state.replicaDataDir, 0o700);
  runAsPostgres(
    join(state.pgBinDir, 'pg_ctl'),
    ['-D', state.replicaDataDir, '-l', join(state.replicaDataDir, 'replica.log'), '-w', '-t', '120', 'start'],
    'start the replica',
  );
  log(`replica streaming on 127.0.0.1:${state.replicaPort}`);
}

/** PostgreSQL refuses to run as root: the replica runs as the machine's `postgres` user. */
function runAsPostgres(command: string, args: string[], what: string): string {
  return process.getuid?.() === 0
    ? run('runuser', ['-u', 'postgres', '--', command, ...args], what)
    : run(command, args, what);
}

async function pgBinDir(adminUrl: string): Promise<string> {
  const [row] = await sql<{ v: string }>(adminUrl, "SELECT current_setting('server_version_num') AS v");
  const dir = `/usr/lib/postgresql/${Math.floor(Number(row!.v) / 10000)}/bin`;
  return existsSync(join(dir, 'pg_ctl')) ? dir : '/usr/bin';
}

// ---------------------------------------------------------------------------------------------
// Broker, balancer, nodes

function startMosquitto(state: ClusterState, brokerPort: number): number {
  const conf = join(state.dir, 'mosquitto.conf');
  writeFileSync(conf, mosquittoConfig(brokerPort));
  return startDetached(
    which('mosquitto') ?? '/usr/sbin/mosquitto',
    ['-c', conf],
    join(state.dir, 'mosquitto.log'),
  );
}

function haproxyConfig(
  state: ClusterState,
  balancerPort: number,
  mqttPort: number,
  brokerPort: number,
): string {
  const servers = state.nodes.map((n) => `  server node${n.index} 127.0.0.1:${n.port} check`);
  return `${[
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A connection the node refused (it is down) is tried on another node; a request that
    // reached a node which then died is NOT replayed: HAProxy cannot know whether it was
    // applied, so the client gets a 502/503 and retries (idempotent by (robot, seq)).
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure',
    'frontend api',
    `  bind 127.0.0.1:${balancerPort}`,
    '  default_backend nodes',
    'backend nodes',
    '  balance roundrobin',
    // /healthz answers 503 while a node starts or drains: it leaves the rotation within ~1 s.
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 2',
    ...servers,
    'frontend mqtt',
    '  mode tcp',
    `  bind 127.0.0.1:${mqttPort}`,
    '  timeout client 10m',
    '  default_backend broker',
    'backend broker',
    '  mode tcp',
    '  timeout server 10m',
    `  server broker 127.0.0.1:${brokerPort} check`,
  ].join('\n')}\n`;
}

export function nodeEnvironment(state: ClusterState, node: ClusterNode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(node.port),
    HOST: '127.0.0.1',
    DATABASE_URL: state.primaryUrl,
    DATABASE_READ_URL: state.replicaUrl,
    ROBOLEDGER_DATA_DIR: node.dataDir,
    ROBOLEDGER_ADMIN_TOKEN: state.adminToken,
    ROBOLEDGER_METRICS_TOKEN: state.metricsToken,
    ROBOLEDGER_LEDGER_KEY_FILE: state.ledgerKeyFile,
    MQTT_URL: state.brokerUrl,
    MQTT_PORT: '-1',
    ROBOLEDGER_MQTT_SHARE_GROUP: `cluster_${state.name}`,
    // Three nodes share two cores with the database: fewer threads and connections each.
    ROBOLEDGER_VERIFIER_THREADS: '1',
    ROBOLEDGER_MQTT_CONNECTIONS: '4',
    LOG_LEVEL: 'warn',
    ...state.nodeEnv,
  };
  if (state.redisUrl) env.REDIS_URL = state.redisUrl;
  else delete env.REDIS_URL;
  return env;
}

/** (Re)starts node `index` and waits until it answers /healthz with 200. */
export async function startNode(
  state: ClusterState,
  index: number,
  deadlineMs = 180_000,
): Promise<ClusterNode> {
  const node = state.nodes.find((n) => n.index === index);
  if (!node) throw new Error(`no node ${index}`);
  if (alive(node.pid)) throw new Error(`node ${index} runs already (pid ${node.pid})`);
  mkdirSync(node.dataDir, { recursive: true, mode: 0o700 });
  node.pid = startDetached(process.execPath, [BIN, 'serve'], node.logFile, nodeEnvironment(state, node));
  writeState(state);
  await waitFor(
    `node ${index} on ${node.url}/healthz`,
    async () => {
      if (!alive(node.pid))
        throw new Error(
          `node ${index} exited; log ${node.logFile}:\n${readFileSync(node.logFile, 'utf8').slice(-3000)}`,
        );
      try {
        return (await fetch(`${node.url}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    deadlineMs,
    node.logFile,
  );
  return node;
}

/** Sends `signal` to node `index`; resolves when the process is gone, with nothing else. */
export async function signalNode(
  state: ClusterState,
  index: number,
  signal: NodeJS.Signals,
  deadlineMs = 60_000,
) {
  const node = state.nodes.find((n) => n.index === index)!;
  const pid = node.pid;
  if (!alive(pid)) return;
  process.kill(pid!, signal);
  await waitFor(`node ${index} (pid ${pid}) to exit after ${signal}`, async () => !alive(pid), deadlineMs);
  node.pid = undefined;
  writeState(state);
}

async function stopPid(pid: number | undefined, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid!, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// up / down / status

export async function clusterUp(options: ClusterOptions = {}): Promise<ClusterState> {
  const o = defaults(options);
  for (const tool of ['haproxy', 'mosquitto', 'psql', 'runuser']) {
    if (!which(tool) && !existsSync(`/usr/sbin/${tool}`))
      throw new Error(
        `${tool} is not installed (apt-get install -y ${tool === 'psql' ? 'postgresql-client' : tool})`,
      );
  }
  if (readState(o.dir)) throw new Error(`a cluster is already up in ${o.dir} (run: npm run cluster -- down)`);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    o.log('building dist/ (npm run build)');
    run('npm', ['run', '-s', 'build'], 'npm run build');
  }
  mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  const database = `rl_cluster_${o.name}`;
  const primaryUrl = withDatabase(o.primaryAdminUrl, database);
  const brokerPort = o.basePort + 11;
  const state: ClusterState = {
    name: o.name,
    dir: o.dir,
    database,
    primaryUrl,
    replicaUrl: withPort(primaryUrl, o.replicaPort),
    primaryAdminUrl: o.primaryAdminUrl,
    slot: database,
    replicaPort: o.replicaPort,
    replicaDataDir: join(o.dir, 'replica'),
    pgBinDir: await pgBinDir(o.primaryAdminUrl),
    balancerUrl: `http://127.0.0.1:${o.basePort}`,
    mqttUrl: `mqtt://127.0.0.1:${o.basePort + 10}`,
    brokerUrl: `mqtt://127.0.0.1:${brokerPort}`,
    adminToken: randomBytes(24).toString('base64url'),
    metricsToken: randomBytes(24).toString('base64url'),
    ledgerKeyFile: join(o.dir, 'ledger-signer.key'),
    redisUrl: options.redisUrl,
    nodeEnv: options.nodeEnv ?? {},
    nodes: Array.from({ length: o.nodes }, (_, i) => ({
      index: i + 1,
      port: o.basePort + 1 + i,
      url: `http://127.0.0.1:${o.basePort + 1 + i}`,
      dataDir: join(o.dir, `node${i + 1}`),
      logFile: join(o.dir, `node${i + 1}.log`),
      pid: undefined,
    })),
    haproxyPid: undefined,
    mosquittoPid: undefined,
  };
  const busy = [];
  for (const port of [
    o.basePort,
    o.basePort + 10,
    brokerPort,
    o.replicaPort,
    ...state.nodes.map((n) => n.port),
  ]) {
    if (await portOpen(port)) busy.push(port);
  }
  if (busy.length > 0)
    throw new Error(`ports in use: ${busy.join(', ')} (another cluster? choose another --base-port)`);
  writeState(state); // from here on, `down` can undo whatever was started
  try {
    // One signer key for the log, shared by every node: the nodes sign one log.
    writeFileSync(state.ledgerKeyFile, `${generateSignerKey('roboledger.local/ledger').signerKey}\n`, {
      mode: 0o600,
    });
    await preparePrimary(o.primaryAdminUrl, o.log);
    await sql(o.primaryAdminUrl, `CREATE DATABASE ${database}`);
    await createReplica(state, o.log);
    state.mosquittoPid = startMosquitto(state, brokerPort);
    writeState(state);
    await waitFor(
      `Mosquitto on ${brokerPort}`,
      () => portOpen(brokerPort),
      30_000,
      join(o.dir, 'mosquitto.log'),
    );
    // The first node migrates the empty database alone; then the others start side by side.
    const [first, ...rest] = state.nodes;
    o.log(`node ${first!.index} on ${first!.url} (migrates the database)`);
    await startNode(state, first!.index);
    await Promise.all(rest.map((n) => startNode(state, n.index)));
    const haproxyConf = join(o.dir, 'haproxy.cfg');
    writeFileSync(haproxyConf, haproxyConfig(state, o.basePort, o.basePort + 10, brokerPort));
    run(which('haproxy') ?? '/usr/sbin/haproxy', ['-c', '-q', '-f', haproxyConf], 'haproxy -c');
    state.haproxyPid = startDetached(
      which('haproxy') ?? '/usr/sbin/haproxy',
      ['-f', haproxyConf, '-db'],
      join(o.dir, 'haproxy.log'),
    );
    writeState(state);
    await waitFor(
      `HAProxy on ${state.balancerUrl}`,
      async () => {
        try {
          return (await fetch(`${state.balancerUrl}/healthz`)).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
      join(o.dir, 'haproxy.log'),
    );
    o.log(
      `up: API ${state.balancerUrl}, MQTT ${state.mqttUrl}, nodes ${state.nodes.map((n) => n.port).join(', ')}`,
    );
    return state;
  } catch (error) {
    o.log(`up failed, tearing down: ${(error as Error).message.split('\n')[0]}`);
    await clusterDown(state, { log: o.log });
    throw error;
  }
}

/** Stops what `up` started (by the pids it recorded), drops the database and the slot, removes the directory. */
export async function clusterDown(
  stateOrDir: ClusterState | string,
  {
    log = (line: string) => process.stderr.write(`cluster: ${line}\n`),
  }: { log?: (line: string) => void } = {},
): Promise<void> {
  const state = typeof stateOrDir === 'string' ? readState(stateOrDir) : stateOrDir;
  if (!state) {
    log(`no cluster in ${String(stateOrDir)}`);
    return;
  }
  await stopPid(state.haproxyPid);
  await Promise.all(state.nodes.map((n) => stopPid(n.pid)));
  await stopPid(state.mosquittoPid);
  if (existsSync(join(state.replicaDataDir, 'postmaster.pid'))) {
    try {
      runAsPostgres(
        join(state.pgBinDir, 'pg_ctl'),
        ['-D', state.replicaDataDir, '-m', 'immediate', '-w', 'stop'],
        'stop the replica',
      );
    } catch (error) {
      log((error as Error).message);
    }
  }
  // An abandoned slot would make the primary keep WAL forever: it goes with the cluster.
  try {
    const rows = await sql<{ active: boolean }>(
      state.primaryAdminUrl,
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [state.slot],
    );
    if (rows.length > 0) {
      for (
        let i = 0;
        i < 50 &&
        (
          await sql<{ active: boolean }>(
            state.primaryAdminUrl,
            'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
            [state.slot],
          )
        )[0]?.active;
        i++
      )
        await sleep(100);
      await sql(state.primaryAdminUrl, 'SELECT pg_drop_replication_slot($1)', [state.slot]);
    }
    await sql(state.primaryAdminUrl, `DROP DATABASE IF EXISTS ${state.database} WITH (FORCE)`);
  } catch (error) {
    log(`cleaning the primary: ${(error as Error).message}`);
  }
  rmSync(state.dir, { recursive: true, force: true });
  log(`down: ${state.dir} removed, database ${state.database} and slot ${state.slot} dropped`);
}

export interface ClusterStatus {
  nodes: {
    index: number;
    url: string;
    pid: number | undefined;
    running: boolean;
    healthz: number | string;
  }[];
  haproxy: boolean;
  mosquitto: boolean;
  replica: { streaming: boolean; replayLagBytes: number | undefined };
}

export async function clusterStatus(state: ClusterState): Promise<ClusterStatus> {
  const nodes = await Promise.all(
    state.nodes.map(async (n) => {
      let healthz: number | string;
      try {
        healthz = (await fetch(`${n.url}/healthz`)).status;
      } catch (error) {
        healthz = (error as Error).message;
      }
      return { index: n.index, url: n.url, pid: n.pid, running: alive(n.pid), healthz };
    }),
  );
  let replica: ClusterStatus['replica'] = { streaming: false, replayLagBytes: undefined };
  try {
    const [row] = await sql<{ lag: string | null }>(
      state.primaryAdminUrl,
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::text AS lag
         FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1`,
      [state.slot],
    );
    if (row) replica = { streaming: true, replayLagBytes: row.lag === null ? undefined : Number(row.lag) };
  } catch {
    // the primary is unreachable: reported as not streaming
  }
  return { nodes, haproxy: alive(state.haproxyPid), mosquitto: alive(state.mosquittoPid), replica };
}

// ---------------------------------------------------------------------------------------------
// The command line

function parseArgs(argv: string[]): { command: string | undefined; options: ClusterOptions } {
  const options: ClusterOptions = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--name') options.name = value();
    else if (arg === '--dir') options.dir = value();
    else if (arg === '--base-port') options.basePort = Number(value());
    else if (arg === '--replica-port') options.replicaPort = Number(value());
    else if (arg === '--primary') options.primaryAdminUrl = value();
    else if (arg === '--redis') options.redisUrl = value();
    else if (!arg.startsWith('-') && command === undefined) command = arg;
    else throw new Error(`unknown argument ${arg}`);
  }
  options.redisUrl ??= process.env.REDIS_URL;
  return { command, options };
}

const USAGE = `usage: npm run cluster -- up|down|status [--name dev] [--dir DIR] [--base-port 18080]
       [--replica-port 5433] [--primary postgres://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379]
`;

async function main(argv: string[]): Promise<number> {
  const { command, options } = parseArgs(argv);
  const dir = defaults(options).dir;
  if (command === 'up') {
    const state = await clusterUp(options);
    process.stdout.write(
      `${JSON.stringify({ api: state.balancerUrl, mqtt: state.mqttUrl, nodes: state.nodes.map((n) => n.url), primary: state.primaryUrl, replica: state.replicaUrl, state: join(state.dir, STATE_FILE) }, null, 2)}\n` +
        `admin token and metrics token: in ${join(state.dir, STATE_FILE)} (readable by you only)\n`,
    );
    return 0;
  }
  if (command === 'down') {
    await clusterDown(dir);
    return 0;
  }
  if (command === 'status') {
    const state = readState(dir);
    if (!state) {
      process.stdout.write(`no cluster in ${dir}\n`);
      return 1;
    }
    const status = await clusterStatus(state);
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return status.nodes.every((n) => n.healthz === 200) &&
      status.haproxy &&
      status.mosquitto &&
      status.replica.streaming
      ? 0
      : 1;
  }
  process.stderr.write(USAGE);
  return 2;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`cluster: ${error.message}\n`);
      process.exit(1);
    },
  );
}
