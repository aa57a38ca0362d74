// A fleet of simulated robots that age plausibly (core/simulation), each signing its telemetry
// batches with its own Ed25519 device key and sending them over HTTP or MQTT at a chosen rate.
// With a manufacturer API key it files (and deploys) its robots first, as units of a model the
// manufacturer already has, and writes them, private keys included, to a fleet file that later
// runs reuse. `roboledger sim` (cli/sim-command.ts) and the demo (server/demo) run it.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { mqttConnectToken } from '../../core/mqtt-credentials.js';
import { type SimulatedRobot, signTelemetryBatch, simulateFleet } from '../../core/simulation/index.js';

export interface FleetFileRobot {
  robotId: string;
  jointCount: number;
  /** The device's private key as a JWK (keep the file private). */
  privateKeyJwk: Record<string, string>;
  nextSeq: number;
  /** Usage counters at the end of the last run (absent before the first): the next run goes on from them. */
  operatingHours?: number;
  cycles?: number;
  /**
   * The last sample time sent (absent before the first run): the next run's samples start after
   * it, as a real robot's would. Samples overlapping the last run's, with counters gone on from
   * where it stopped, would read as a meter running backwards (docs/telemetry.md "Usage counters").
   */
  lastSampleAt?: string;
}

export interface FleetFile {
  url: string;
  robots: FleetFileRobot[];
}

export interface SimOptions {
  url: string;
  /** A manufacturer API key (robots are filed) or the path of a fleet file. */
  token: string;
  robots: number;
  /** Samples per second per robot. */
  rate: number;
  samplesPerBatch: number;
  transport: 'http' | 'mqtt';
  mqttUrl: string;
  /** Seconds; 0 runs until interrupted. */
  duration: number;
  seed: number;
  /** Simulated seconds per real second. */
  timeScale: number;
  fleetFile: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SimSummary {
  robots: number;
  batches: number;
  samples: number;
  accepted: number;
  duplicates: number;
  refused: Record<string, number>;
  failed: number;
  seconds: number;
}

// Each wait removes its abort listener when it ends: a long simulation waits millions of times.
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

/** The fields the simulator reads from the platform's answers. */
interface ApiBody {
  id?: string;
  robotId?: string;
  error?: { code: string };
  items?: {
    id: string;
    code?: string;
    modelCode?: string;
    jointCount?: number;
    hardwareRevisions?: { code: string }[];
  }[];
}

async function api(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as ApiBody };
}

/** The simulator cannot start as asked; the message says what to do. */
export class SimSetupError extends Error {
  override readonly name = 'SimSetupError';
}

/**
 * Files `count` robots, deployed, as the manufacturer behind `token`: units of its first model
 * at its first site. Simulated robots are units of products the manufacturer already has; the
 * simulator adds nothing to the catalogue every organisation reads.
 */
async function fileFleet(options: SimOptions): Promise<FleetFile> {
  const { url, token } = options;
  const models = await api(url, token, 'GET', '/v1/models?limit=500');
  const sites = await api(url, token, 'GET', '/v1/sites?limit=500');
  if (models.status !== 200 || sites.status !== 200) {
    throw new SimSetupError(
      `the catalogue could not be read with this key (HTTP ${models.status}, ${sites.status})`,
    );
  }
  const model = models.json.items?.[0];
  const site = sites.json.items?.[0];
  const revision = model?.hardwareRevisions?.[0]?.code;
  if (!model || !revision || !site?.code || !model.jointCount) {
    throw new SimSetupError(
      'the simulator files units of a model and site the manufacturer already has, and this key has ' +
        `${model ? 'no site' : 'no model'}: file one first (POST /v1/models, POST /v1/sites) or pass a fleet file`,
    );
  }
  const robots: FleetFileRobot[] = [];
  for (let i = 0; i < options.robots; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const filed = await api(url, token, 'POST', '/v1/robots', {
      modelId: model.id,
      hardwareRevision: revision,
      siteCode: site.code,
      productionDate: new Date().toISOString().slice(0, 10),
      intelligenceLevel: 3,
      devicePublicKey: publicKey.export({ format: 'jwk' }).x,
    });
    if (filed.status !== 201)
      throw new Error(`POST /v1/robots: ${filed.status} ${JSON.stringify(filed.json)}`);
    const robotId = filed.json.robotId as string;
    const deployed = await api(url, token, 'POST', `/v1/robots/${robotId}/events`, {
      type: 'deployment',
      data: {},
    });
    if (deployed.status !== 201) throw new Error(`deployment of ${robotId}: ${deployed.status}`);
    robots.push({
      robotId,
      jointCount: model.jointCount,
      privateKeyJwk: privateKey.export({ format: 'jwk' }) as Record<string, string>,
      nextSeq: 0,
    });
  }
  return { url, robots };
}

interface Sender {
  send(robotId: string, jws: string): Promise<{ ok: boolean; duplicate?: boolean; code?: string }>;
  close(): Promise<void>;
}

function httpSender(url: string): Sender {
  return {
    async send(_robotId, jws) {
      for (;;) {
        const res = await fetch(`${url}/v1/telemetry`, {
          method: 'POST',
          headers: { 'content-type': 'application/jose' },
          body: jws,
        });
        const body = (await res.json().catch(() => ({}))) as {
          duplicate?: boolean;
          error?: { code: string };
        };
        if (res.status === 429) {
          await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
          continue;
        }
        return res.status === 202
          ? { ok: true, duplicate: body.duplicate === true }
          : { ok: false, code: body.error?.code ?? `HTTP_${res.status}` };
      }
    },
    async close() {},
  };
}

async function mqttSender(
  mqttUrl: string,
  keys: Map<string, KeyObject>,
  onRejected: (code: string) => void,
): Promise<Sender> {
  // One connection per robot, logged in as the robot: username = robot ID, password = a token
  // signed with its device key (docs/security.md "MQTT"), fresh at every (re)connect.
  // MQTT 3.1.1: the embedded broker and Mosquitto both speak it.
  const clients = new Map<string, MqttClient>();
  for (const [robotId, key] of keys) {
    const client: MqttClient = await mqtt.connectAsync(mqttUrl, {
      protocolVersion: 4,
      clean: true,
      clientId: robotId,
      username: robotId,
      password: mqttConnectToken(robotId, key, Date.now()),
    });
    client.on('reconnect', () => {
      client.options.password = mqttConnectToken(robotId, key, Date.now());
    });
    client.on('message', (_topic, payload) => {
      try {
        onRejected((JSON.parse(payload.toString()) as { error: { code: string } }).error.code);
      } catch {
        onRejected('UNREADABLE_REJECTION');
      }
    });
    await client.subscribeAsync(`roboledger/v1/robots/${robotId}/telemetry/rejected`, { qos: 1 });
    clients.set(robotId, client);
  }
  return {
    async send(robotId, jws) {
      await clients.get(robotId)!.publishAsync(`roboledger/v1/robots/${robotId}/telemetry`, jws, { qos: 1 });
      return { ok: true };
    },
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.endAsync()));
    },
  };
}

/** Runs the simulation; resolves with what was sent and how the platform answered. */
export async function runSimulation(options: SimOptions): Promise<SimSummary> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let fleet: FleetFile;
  if (existsSync(options.token)) {
    fleet = JSON.parse(readFileSync(options.token, 'utf8')) as FleetFile;
    log(`sim: ${fleet.robots.length} robots from ${options.token}`);
  } else {
    fleet = await fileFleet(options);
    writeFileSync(options.fleetFile, JSON.stringify(fleet, null, 2), { mode: 0o600 });
    log(`sim: filed ${fleet.robots.length} robots; fleet written to ${options.fleetFile}`);
  }
  const keys = new Map<string, KeyObject>(
    fleet.robots.map((r) => [r.robotId, createPrivateKey({ key: r.privateKeyJwk, format: 'jwk' })]),
  );
  const sims: SimulatedRobot[] = simulateFleet(
    fleet.robots.map((r) => ({
      robotId: r.robotId,
      jointCount: r.jointCount,
      nextSeq: r.nextSeq,
      ...(r.operatingHours !== undefined ? { operatingHours: r.operatingHours } : {}),
      ...(r.cycles !== undefined ? { cycles: r.cycles } : {}),
    })),
    { seed: options.seed, timeScale: options.timeScale },
  );
  // Every simulated robot waits on the signal at once.
  if (options.signal) setMaxListeners(sims.length + 10, options.signal);
  const summary: SimSummary = {
    robots: sims.length,
    batches: 0,
    samples: 0,
    accepted: 0,
    duplicates: 0,
    refused: {},
    failed: 0,
    seconds: 0,
  };
  const failedRobots = new Set<string>();
  const refuse = (code: string) => {
    summary.refused[code] = (summary.refused[code] ?? 0) + 1;
  };
  const sender =
    options.transport === 'mqtt' ? await mqttSender(options.mqttUrl, keys, refuse) : httpSender(options.url);
  const started = Date.now();
  const intervalMs = 1000 / options.rate;
  const batchEveryMs = intervalMs * options.samplesPerBatch;
  const stopAt = options.duration > 0 ? started + options.duration * 1000 : Number.POSITIVE_INFINITY;
  const report = setInterval(() => {
    log(
      `sim: ${summary.batches} batches, ${summary.accepted} accepted, refused ${JSON.stringify(summary.refused)}`,
    );
  }, 5000);
  report.unref();
  try {
    await Promise.all(
      sims.map(async (sim, i) => {
        // Robots start spread over one batch interval, like a real fleet.
        // Every wait ends at --duration at the latest, however long the batch interval.
        const until = (at: number) => sleep(Math.max(0, Math.min(at, stopAt) - Date.now()), options.signal);
        const lastSent = fleet.robots[i]!.lastSampleAt;
        const resumeAt = lastSent === undefined ? 0 : Date.parse(lastSent) + batchEveryMs;
        await until(Math.max(Date.now() + (i * batchEveryMs) / sims.length, resumeAt));
        let next = Date.now();
        // A robot's sample times only go forward: a batch sent late (a busy machine delays the
        // timer, the answer comes back quickly) still starts after the last one ended.
        let lastSampleMs = resumeAt - batchEveryMs;
        while (Date.now() < stopAt && !options.signal?.aborted) {
          const endMs = Math.max(Date.now(), lastSampleMs + batchEveryMs);
          lastSampleMs = endMs;
          const payload = sim.nextBatch(options.samplesPerBatch, intervalMs, endMs);
          const jws = signTelemetryBatch(payload, keys.get(sim.robotId)!);
          summary.batches++;
          summary.samples += payload.samples.length;
          try {
            const outcome = await sender.send(sim.robotId, jws);
            if (outcome.ok && outcome.duplicate) summary.duplicates++;
            else if (outcome.ok) summary.accepted++;
            else refuse(outcome.code ?? 'UNKNOWN');
          } catch (error) {
            summary.failed++;
            // Not answered (connection refused, broker gone): counted, and said once per robot.
            if (!failedRobots.has(sim.robotId)) {
              failedRobots.add(sim.robotId);
              log(`sim: ${sim.robotId}: a batch was not sent: ${String(error)}`);
            }
          }
          fleet.robots[i]!.nextSeq = payload.seq + 1;
          fleet.robots[i]!.lastSampleAt = payload.samples[payload.samples.length - 1]?.t;
          next += batchEveryMs;
          // A timer may wake a millisecond before --duration ends: the next batch would be past it.
          if (next >= stopAt) break;
          await until(next);
        }
      }),
    );
  } finally {
    clearInterval(report);
    await sender.close();
    summary.seconds = (Date.now() - started) / 1000;
    // Continue the sequence numbers, and the usage counters, next time.
    sims.forEach((sim, i) => {
      fleet.robots[i]!.operatingHours = sim.state.operatingHours;
      fleet.robots[i]!.cycles = sim.state.cycles;
    });
    const fleetPath = existsSync(options.token) ? options.token : options.fleetFile;
    writeFileSync(fleetPath, JSON.stringify(fleet, null, 2), { mode: 0o600 });
  }
  return summary;
}
