// A fleet for tests, made through the HTTP API as a manufacturer and its customers would:
// a model and a site per manufacturer, robots filed with real Ed25519 device keys, and the
// transfers, grants and events that put them where a test needs them.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { TestPlatform } from './app.js';

export interface OrgRef {
  id: string;
  apiKey: string;
}

export interface DeviceKey {
  privateKey: KeyObject;
  /** base64url of the 32 raw bytes: the JWK `x`. */
  publicKey: string;
}

export interface FiledRobot {
  robotId: string;
  modelId: string;
  manufacturerId: string;
  device: DeviceKey;
  /** The whole 201 answer of POST /v1/robots. */
  filing: Record<string, unknown>;
}

export interface FileRobotOptions {
  intelligenceLevel?: number;
  serial?: string;
  device?: DeviceKey;
}

export function newDeviceKey(): DeviceKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicKey: jwk.x! };
}

function expectStatus(res: LightMyRequestResponse, status: number, what: string): Record<string, unknown> {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? {} : res.json();
}

/** The model (code 0A, category B) and site (code 1) of a manufacturer, registered once per platform. */
const catalogues = new WeakMap<TestPlatform, Map<string, Promise<string>>>();

async function registerCatalogue(p: TestPlatform, manufacturer: OrgRef): Promise<string> {
  const model = expectStatus(
    await p.call('POST', '/v1/models', {
      token: manufacturer.apiKey,
      body: {
        modelCode: '0A',
        category: 'B',
        name: 'Walker A',
        jointCount: 2,
        hardwareRevisions: [{ code: '1', params: {} }],
        limits: { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 },
      },
    }),
    201,
    'POST /v1/models',
  );
  expectStatus(
    await p.call('POST', '/v1/sites', {
      token: manufacturer.apiKey,
      body: { code: '1', name: 'Wuhan plant', region: '420100' },
    }),
    201,
    'POST /v1/sites',
  );
  return model.id as string;
}

function modelOf(p: TestPlatform, manufacturer: OrgRef): Promise<string> {
  let byManufacturer = catalogues.get(p);
  if (!byManufacturer) {
    byManufacturer = new Map();
    catalogues.set(p, byManufacturer);
  }
  let model = byManufacturer.get(manufacturer.id);
  if (!model) {
    model = registerCatalogue(p, manufacturer);
    byManufacturer.set(manufacturer.id, model);
  }
  return model;
}

/** Files a robot as `manufacturer` (which owns it until it transfers it). */
export async function fileRobot(
  p: TestPlatform,
  manufacturer: OrgRef,
  opts: FileRobotOptions = {},
): Promise<FiledRobot> {
  const modelId = await modelOf(p, manufacturer);
  const device = opts.device ?? newDeviceKey();
  const filing = expectStatus(
    await p.call('POST', '/v1/robots', {
      token: manufacturer.apiKey,
      body: {
        modelId,
        hardwareRevision: '1',
        siteCode: '1',
        productionDate: '2026-05-01',
        intelligenceLevel: opts.intelligenceLevel ?? 3,
        devicePublicKey: device.publicKey,
        ...(opts.serial === undefined ? {} : { serial: opts.serial }),
      },
    }),
    201,
    'POST /v1/robots',
  );
  return { robotId: filing.robotId as string, modelId, manufacturerId: manufacturer.id, device, filing };
}

/** Offers `robotId` from its owner to `to` and has `to` accept; returns the transfer. */
export async function transferRobot(
  p: TestPlatform,
  robotId: string,
  from: OrgRef,
  to: OrgRef,
): Promise<Record<string, unknown>> {
  const offer = expectStatus(
    await p.call('POST', `/v1/robots/${robotId}/transfers`, { token: from.apiKey, body: { toOrgId: to.id } }),
    201,
    'offer transfer',
  );
  return expectStatus(
    await p.call('POST', `/v1/transfers/${offer.transferId}/accept`, { token: to.apiKey }),
    200,
    'accept transfer',
  );
}

/** `owner` grants `grantee` the scopes on `robotId` until `expiresAt` (default: in 30 days). */
export async function grantAccess(
  p: TestPlatform,
  robotId: string,
  owner: OrgRef,
  grantee: OrgRef,
  scopes: string[],
  expiresAt: Date = new Date(p.ctx.clock().getTime() + 30 * 24 * 3600 * 1000),
): Promise<Record<string, unknown>> {
  return expectStatus(
    await p.call('POST', `/v1/robots/${robotId}/grants`, {
      token: owner.apiKey,
      body: { orgId: grantee.id, scopes, expiresAt: expiresAt.toISOString() },
    }),
    201,
    'grant access',
  );
}

/** Posts a lifecycle event as `actor`; the raw answer, for tests that check refusals. */
export function postEvent(
  p: TestPlatform,
  robotId: string,
  actor: OrgRef,
  type: string,
  data: Record<string, unknown> = {},
  occurredAt?: string,
): Promise<LightMyRequestResponse> {
  return p.call('POST', `/v1/robots/${robotId}/events`, {
    token: actor.apiKey,
    body: { type, data, ...(occurredAt === undefined ? {} : { occurredAt }) },
  });
}

/** Posts an event that must be accepted; returns the event. */
export async function recordEvent(
  p: TestPlatform,
  robotId: string,
  actor: OrgRef,
  type: string,
  data: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return expectStatus(await postEvent(p, robotId, actor, type, data), 201, `event ${type}`);
}

/** Data that satisfies each event type, for tests about something else. */
export const SAMPLE_EVENT_DATA: Record<string, Record<string, unknown>> = {
  deployment: { siteName: 'Hall 3', purpose: 'logistics' },
  maintenance: { phase: 'performed', description: 'joint inspection' },
  software_update: { component: 'motion-controller', fromVersion: '1.0.0', toVersion: '1.1.0' },
  evaluation: { intelligenceLevel: 4, standard: 'T/CIE 298-2025' },
  certification: { certificate: 'CR-2026-001', scheme: 'CR', validUntil: '2030-01-01' },
  suspension: { reason: 'incident' },
  reinstatement: { note: 'cleared' },
  decommission: { reason: 'end of life' },
  recycling: { recycler: 'GreenLoop', certificate: 'RC-1' },
};

/** Counts of the tables events, transfers and grants write, and the ledger size. */
export async function registrySnapshot(p: TestPlatform): Promise<Record<string, unknown>> {
  const { rows } = await p.ctx.db.query(
    `SELECT (SELECT count(*) FROM robot_events)::int AS events,
            (SELECT count(*) FROM transfers)::int AS transfers,
            (SELECT count(*) FROM grants)::int AS grants,
            (SELECT count(*) FROM grants WHERE revoked_at IS NOT NULL)::int AS revoked_grants,
            (SELECT count(*) FROM device_keys)::int AS device_keys,
            (SELECT count(*) FROM ledger_entries)::int AS ledger_entries,
            (SELECT json_agg(json_build_array(id, status, owner_id, intelligence_level, suspended_by,
                                              status_before_suspension) ORDER BY id)
               FROM robots)::text AS robots`,
  );
  const head = await p.ctx.ledger.head();
  return { ...rows[0], ledgerSize: head.size };
}
