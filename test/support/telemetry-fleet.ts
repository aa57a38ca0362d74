// Robots that stream telemetry, made through the HTTP API as a manufacturer would: a model with
// the joint count and limits a test needs, a site, robots filed with real Ed25519 device keys
// (kept here to sign with) and deployed. Works in-process (inject) and against a real server.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signTelemetryBatch } from '../../src/core/simulation/index.js';
import type { TelemetryPayload, TelemetrySample } from '../../src/core/telemetry/index.js';
import { S34 } from '../../src/robot-id/index.js';

/** What the fixture needs of a platform: the in-process TestPlatform or a real server over HTTP. */
export interface ApiCaller {
  call(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options?: { token?: string | undefined; body?: unknown; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field in tests
  ): Promise<{ statusCode: number; body: string; json(): any; headers: Record<string, unknown> }>;
}

/** An ApiCaller over real HTTP (keep-alive fetch). */
export function httpCaller(baseUrl: string): ApiCaller {
  return {
    async call(method, url, { token, body, headers } = {}) {
      const res = await fetch(`${baseUrl}${url}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        statusCode: res.status,
        body: text,
        json: () => JSON.parse(text),
        headers: Object.fromEntries(res.headers.entries()),
      };
    },
  };
}

export interface DeviceKeyPair {
  privateKey: KeyObject;
  /** base64url of the 32 raw bytes (the JWK `x`): POST /v1/robots `devicePublicKey`. */
  publicKey: string;
}

export function newDeviceKeyPair(): DeviceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ format: 'jwk' }).x! };
}

export interface TelemetryRobot {
  robotId: string;
  jointCount: number;
  device: DeviceKeyPair;
}

export interface Limits {
  minBatterySohPct: number;
  maxJointWear: number;
  maxPositionErrorMm: number;
}

export interface TelemetryFleet {
  manufacturer: { id: string; apiKey: string };
  modelId: string;
  limits: Limits;
  robots: TelemetryRobot[];
}

export const DEFAULT_LIMITS: Limits = { minBatterySohPct: 80, maxJointWear: 0.6, maxPositionErrorMm: 5 };

// biome-ignore lint/suspicious/noExplicitAny: the created resource, read field by field
async function expect201(res: Awaited<ReturnType<ApiCaller['call']>>, what: string): Promise<any> {
  if (res.statusCode !== 201) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.json();
}

let modelCounter = 0;

/** Files `count` robots of a new model (as a new manufacturer unless one is given), deployed. */
export async function fileTelemetryFleet(
  api: ApiCaller,
  adminToken: string,
  options: {
    count: number;
    jointCount?: number;
    limits?: Limits;
    deploy?: boolean;
    manufacturer?: { id: string; apiKey: string };
    concurrency?: number;
  },
): Promise<TelemetryFleet> {
  const jointCount = options.jointCount ?? 4;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const manufacturer =
    options.manufacturer ??
    (await expect201(
      await api.call('POST', '/v1/orgs', {
        token: adminToken,
        body: {
          name: `Maker ${Math.random().toString(36).slice(2, 8)}`,
          kind: 'manufacturer',
          country: 'CN',
        },
      }),
      'POST /v1/orgs',
    ));
  const n = modelCounter++;
  const modelCode = S34[Math.floor(n / S34.length) % S34.length]! + S34[n % S34.length]!;
  const model = await expect201(
    await api.call('POST', '/v1/models', {
      token: manufacturer.apiKey,
      body: {
        modelCode,
        category: 'B',
        name: `Walker ${modelCode}`,
        jointCount,
        hardwareRevisions: [{ code: '1', params: {} }],
        limits,
      },
    }),
    'POST /v1/models',
  );
  const site = await api.call('POST', '/v1/sites', {
    token: manufacturer.apiKey,
    body: { code: '1', name: 'Wuhan plant', region: '420100' },
  });
  if (site.statusCode !== 201 && site.statusCode !== 409)
    throw new Error(`POST /v1/sites: ${site.statusCode} ${site.body}`);
  const robots: TelemetryRobot[] = [];
  const fileOne = async () => {
    const device = newDeviceKeyPair();
    const filed = await expect201(
      await api.call('POST', '/v1/robots', {
        token: manufacturer.apiKey,
        body: {
          modelId: model.id,
          hardwareRevision: '1',
          siteCode: '1',
          productionDate: '2026-05-01',
          intelligenceLevel: 3,
          devicePublicKey: device.publicKey,
        },
      }),
      'POST /v1/robots',
    );
    if (options.deploy !== false) {
      await expect201(
        await api.call('POST', `/v1/robots/${filed.robotId}/events`, {
          token: manufacturer.apiKey,
          body: { type: 'deployment', data: {} },
        }),
        'deployment',
      );
    }
    robots.push({ robotId: filed.robotId, jointCount, device });
  };
  const concurrency = options.concurrency ?? 8;
  for (let i = 0; i < options.count; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, options.count - i) }, fileOne));
  }
  return { manufacturer, modelId: model.id, limits, robots };
}

/** A healthy sample at `atMs`; `overrides` replace whole sections. */
export function healthySample(
  jointCount: number,
  atMs: number,
  overrides: Partial<TelemetrySample> = {},
): TelemetrySample {
  return {
    t: new Date(atMs).toISOString(),
    battery: { socPct: 87.5, sohPct: 96.2, cycles: 152, tempC: 31.2 },
    joints: {
      wear: Array.from({ length: jointCount }, (_, j) => 0.01 + j * 0.001),
      tempC: Array.from({ length: jointCount }, (_, j) => 38 + j * 0.1),
    },
    accuracy: { positionErrorMm: 1.8, taskSuccessRate: 0.991 },
    operatingHours: 1532.4,
    faults: [],
    ...overrides,
  };
}

/** `count` healthy samples one second apart, the last at `endMs`. */
export function healthySamples(jointCount: number, count: number, endMs: number): TelemetrySample[] {
  return Array.from({ length: count }, (_, i) => healthySample(jointCount, endMs - (count - 1 - i) * 1000));
}

export function signBatch(
  robot: TelemetryRobot,
  payload: Omit<TelemetryPayload, 'robotId'> & { robotId?: string },
  kid?: string,
): string {
  return signTelemetryBatch(
    { robotId: robot.robotId, ...payload },
    robot.device.privateKey,
    kid ?? robot.robotId,
  );
}

/** POSTs a JWS to /v1/telemetry. */
export function postBatch(api: ApiCaller, jws: string, contentType = 'application/jose') {
  return api.call('POST', '/v1/telemetry', { body: jws, headers: { 'content-type': contentType } });
}
