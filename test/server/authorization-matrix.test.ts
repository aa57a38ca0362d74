// The authorization matrix (docs/architecture.md "Authorization"): every route the app registers ×
// every role → the status it answers. Requests are well-formed and aimed at prepared fixtures,
// so a status says who may do what, not that a body was wrong. Routes are collected from the
// app itself (an onRoute hook on every Fastify instance made in this file): a route without a
// row fails the first test, so whoever adds a route adds its row here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signTelemetryBatch } from '../../src/core/simulation/index.js';
import { cosignCheckpoint, generateCosignerKey, parseNote } from '../../src/ledger/index.js';
import { S34 } from '../../src/robot-id/index.js';
import { ADMIN_TOKEN, createOrg, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';
import {
  type FiledRobot,
  fileRobot,
  grantAccess,
  newDeviceKey,
  type OrgRef,
  recordEvent,
  SAMPLE_EVENT_DATA,
  transferRobot,
} from '../support/fleet.js';

const registered = vi.hoisted(() => [] as { method: string; url: string }[]);

vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const original = actual.default as unknown as (...args: unknown[]) => import('fastify').FastifyInstance;
  const withRouteLog = (...args: unknown[]) => {
    const app = original(...args);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    return app;
  };
  return { ...actual, default: Object.assign(withRouteLog, actual.default) };
});

// The columns of the matrix, in order.
const ROLES = [
  'anonymous',
  'registry', // ROBOLEDGER_ADMIN_TOKEN
  'regulator',
  'maker', // the manufacturer that filed the robot (and sold it to `owner`)
  'otherMaker',
  'owner', // the operator that owns the robot
  'otherOperator',
  'buyer', // the operator the robot is offered to (transfer rows)
  'maintainer', // live grant: maintenance, telemetry
  'maintainerNoGrant',
  'assessor', // live grant: evaluation, certification
  'recycler', // no grant
  'softwareProvider', // no grant
] as const;
type Role = (typeof ROLES)[number];

interface Call {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Row {
  method: 'GET' | 'POST' | 'DELETE';
  /** The route exactly as registered. */
  route: string;
  /** Several rows of one route differ by what they ask (e.g. the event type). */
  variant?: string;
  /** Builds the request of one cell; writes get fresh fixtures so each cell starts alike. */
  call(role: Role): Promise<Call> | Call;
  /** One status per role, in ROLES order. */
  expect: string;
}

const all = (status: number) => ROLES.map(() => status).join(' ');

/** The storage medium the matrix's model declares (end of life rows). */
const MATRIX_MEDIUM = { mediaId: 'compute.ssd', kind: 'flash', description: 'main computer SSD' };

/** A type approval of the matrix model (approval rows). */
const MATRIX_APPROVAL = {
  scheme: 'Matrix scheme',
  standards: ['ISO 13482:2014'],
  hardwareRevisions: ['1'],
  software: { locomotion: ['2.4.0'] },
  validUntil: '2036-01-01',
};

describe(`authorization matrix (${backend})`, () => {
  let p: TestPlatform;
  const orgs = {} as Record<Exclude<Role, 'anonymous' | 'registry'>, OrgRef>;
  let robot: FiledRobot;
  let pendingTransferId: string;
  let incidentId: string;
  let checkpointSize: number;
  let telemetrySeq = 1;
  let codeCounter = 0;

  const tokenOf = (role: Role) =>
    role === 'anonymous' ? undefined : role === 'registry' ? ADMIN_TOKEN : orgs[role].apiKey;

  /** A robot of `maker`, sold to `owner`, with the same grants as the main robot. */
  async function scene(options: { deployed?: boolean } = {}): Promise<FiledRobot> {
    const r = await fileRobot(p, orgs.maker);
    await transferRobot(p, r.robotId, orgs.maker, orgs.owner);
    await grantAccess(p, r.robotId, orgs.owner, orgs.maintainer, ['maintenance', 'telemetry']);
    await grantAccess(p, r.robotId, orgs.owner, orgs.assessor, ['evaluation', 'certification']);
    if (options.deployed) await recordEvent(p, r.robotId, orgs.owner, 'deployment');
    return r;
  }

  function telemetryBatch(r: FiledRobot, sohPct = 96.2): string {
    const t = new Date(p.ctx.clock().getTime() - 1000).toISOString();
    const sample = {
      t,
      battery: { socPct: 80, sohPct, cycles: 10, tempC: 30 },
      joints: { wear: [0.01, 0.02], tempC: [38, 39] },
      accuracy: { positionErrorMm: 1.2, taskSuccessRate: 0.99 },
      operatingHours: 10,
      faults: [],
    };
    return signTelemetryBatch(
      { robotId: r.robotId, seq: telemetrySeq++, samples: [sample] },
      r.device.privateKey,
    );
  }

  let approvalId: string | undefined;
  /** A type approval of the matrix model (the registry's), issued once: its rows extend it. */
  async function matrixApproval(): Promise<string> {
    if (approvalId) return approvalId;
    const res = await p.call('POST', `/v1/models/${robot.modelId}/approvals`, {
      token: ADMIN_TOKEN,
      body: { ...MATRIX_APPROVAL, approvalId: 'TA-MATRIX' },
    });
    expect(res.statusCode, res.body).toBe(201);
    approvalId = 'TA-MATRIX';
    return approvalId;
  }

  let recallId: string | undefined;
  /** A part recall over the matrix model (the registry's), opened once: its rows only read it or decline. */
  async function matrixRecall(): Promise<string> {
    if (recallId) return recallId;
    const res = await p.call('POST', '/v1/recalls', {
      token: ADMIN_TOKEN,
      body: {
        campaignId: 'R-MATRIX',
        modelIds: [robot.modelId],
        component: 'gripper',
        summary: 'The gripper may slip.',
        consequence: 'A dropped part.',
        remedy: { type: 'part' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    recallId = 'R-MATRIX';
    return recallId;
  }

  async function openAlert(): Promise<string> {
    const r = await scene({ deployed: true });
    const sent = await p.call('POST', '/v1/telemetry', {
      body: telemetryBatch(r, 40),
      headers: { 'content-type': 'application/jose' },
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const alerts = await p.call('GET', `/v1/alerts?robotId=${r.robotId}&state=open`, {
      token: orgs.owner.apiKey,
    });
    const alertId = alerts.json().items[0]?.alertId;
    expect(alertId, alerts.body).toBeDefined();
    return alertId;
  }

  /** An incident the owner reports now on a fresh scene: its parties are maker, owner and maintainer. */
  async function reportedIncident(): Promise<string> {
    const r = await scene({ deployed: true });
    const res = await p.call('POST', '/v1/incidents', {
      token: orgs.owner.apiKey,
      body: {
        robotId: r.robotId,
        occurredAt: p.ctx.clock().toISOString(),
        kind: 'collision',
        severity: 'minor',
        description: 'bumped a shelf',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incidentId;
  }

  /** A fresh incident whose investigation an authority has started. */
  async function investigatedIncident(): Promise<string> {
    const id = await reportedIncident();
    const res = await p.call('POST', `/v1/incidents/${id}/investigation`, {
      token: ADMIN_TOKEN,
      body: { status: 'investigating' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return id;
  }

  let keptWebhook: string | undefined;
  /** A webhook of the owner's: a fresh one, or the one kept for reading. */
  async function ownerWebhook(fresh: boolean): Promise<string> {
    if (!fresh && keptWebhook) return keptWebhook;
    const res = await p.call('POST', '/v1/webhooks', {
      token: orgs.owner.apiKey,
      body: { url: 'https://203.0.113.8/owner', types: [] },
    });
    expect(res.statusCode, res.body).toBe(201);
    if (!fresh) keptWebhook = res.json().webhookId;
    return res.json().webhookId;
  }

  /** A fresh 2-character model code (the fleet fixture's own model is 0A). */
  const nextModelCode = () => {
    const n = 40 + codeCounter++;
    return S34[Math.floor(n / 34) % 34]! + S34[n % 34]!;
  };

  beforeAll(async () => {
    p = await startTestPlatform();
    for (const [role, kind] of [
      ['regulator', 'regulator'],
      ['maker', 'manufacturer'],
      ['otherMaker', 'manufacturer'],
      ['owner', 'operator'],
      ['otherOperator', 'operator'],
      ['buyer', 'operator'],
      ['maintainer', 'maintainer'],
      ['maintainerNoGrant', 'maintainer'],
      ['assessor', 'assessor'],
      ['recycler', 'recycler'],
      ['softwareProvider', 'software_provider'],
    ] as const) {
      orgs[role] = await createOrg(p, kind);
    }
    // Only what the API needs to answer: a fault elsewhere (say in telemetry ingest) fails its
    // own rows, not every row.
    robot = await scene({ deployed: true });
    const offer = await p.call('POST', `/v1/robots/${robot.robotId}/transfers`, {
      token: orgs.owner.apiKey,
      body: { toOrgId: orgs.buyer.id },
    });
    pendingTransferId = offer.json().transferId;
    incidentId = await reportedIncident();
    checkpointSize = (await p.ctx.checkpointer.checkpointNow()).size;
  });
  afterAll(async () => {
    await p?.close();
  });

  //                          anon reg  regu mak  oMak own  oOp  buy  mnt  mntN ass  rec  swp
  const VISIBLE_READ = /*   */ '401 200  200  200  404  200  404  404  200  404  200  404  404';
  const AUTHENTICATED = /*  */ '401 200  200  200  200  200  200  200  200  200  200  200  200';
  const OWNER_WRITES = /*   */ '401 403  403  403  404  201  404  404  403  404  403  404  404';
  // An incident reported by the owner on a robot of `maker` with `maintainer` under grant: its
  // parties (maker, owner, maintainer) and authorities see it; everyone else is told it does not exist.
  const INCIDENT_READ = /*  */ '401 200  200  200  404  200  404  404  200  404  404  404  404';
  const INCIDENT_GOVERN = /**/ '401 200  200  403  404  403  404  404  403  404  404  404  404';

  const ROWS: Row[] = [
    // Operational and documentation routes: public.
    { method: 'GET', route: '/healthz', call: () => ({ url: '/healthz' }), expect: all(200) },
    { method: 'GET', route: '/readyz', call: () => ({ url: '/readyz' }), expect: all(200) },
    { method: 'GET', route: '/metrics', call: () => ({ url: '/metrics' }), expect: all(200) },
    { method: 'GET', route: '/openapi.json', call: () => ({ url: '/openapi.json' }), expect: all(200) },
    { method: 'GET', route: '/docs', call: () => ({ url: '/docs' }), expect: all(200) },
    // The reference page's own routes (Swagger UI, assets served from node_modules).
    { method: 'GET', route: '/docs/json', call: () => ({ url: '/docs/json' }), expect: all(200) },
    { method: 'GET', route: '/docs/yaml', call: () => ({ url: '/docs/yaml' }), expect: all(200) },
    {
      method: 'GET',
      route: '/docs/static/index.html',
      call: () => ({ url: '/docs/static/index.html' }),
      expect: all(302),
    },
    {
      method: 'GET',
      route: '/docs/static/swagger-initializer.js',
      call: () => ({ url: '/docs/static/swagger-initializer.js' }),
      expect: all(200),
    },
    {
      method: 'GET',
      route: '/docs/static/*',
      call: () => ({ url: '/docs/static/swagger-ui-bundle.js' }),
      expect: all(200),
    },

    // The web console: its page and its hashed assets are public (it calls the API with the
    // signed-in key; the files themselves hold nothing private). A missing asset is a 404.
    { method: 'GET', route: '/', call: () => ({ url: '/' }), expect: all(200) },
    { method: 'GET', route: '/assets/*', call: () => ({ url: '/assets/missing.js' }), expect: all(404) },

    // Organisations and keys (the owner's organisation is the one asked about).
    {
      method: 'POST',
      route: '/v1/orgs',
      call: () => ({
        url: '/v1/orgs',
        body: { name: `Org ${randomUUID().slice(0, 8)}`, kind: 'operator', country: 'CN' },
      }),
      expect: '401 201 403 403 403 403 403 403 403 403 403 403 403',
    },
    {
      method: 'GET',
      route: '/v1/orgs',
      call: () => ({ url: '/v1/orgs' }),
      expect: '401 200 200 403 403 403 403 403 403 403 403 403 403',
    },
    { method: 'GET', route: '/v1/me', call: () => ({ url: '/v1/me' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/directory/orgs',
      call: () => ({ url: '/v1/directory/orgs?q=a' }),
      expect: AUTHENTICATED,
    },
    {
      method: 'GET',
      route: '/v1/orgs/:orgId',
      call: () => ({ url: `/v1/orgs/${orgs.owner.id}` }),
      expect: AUTHENTICATED,
    },
    {
      method: 'POST',
      route: '/v1/orgs/:orgId/keys',
      call: () => ({ url: `/v1/orgs/${orgs.owner.id}/keys`, body: { label: 'matrix' } }),
      expect: '401 201 404 404 404 201 404 404 404 404 404 404 404',
    },
    {
      method: 'GET',
      route: '/v1/orgs/:orgId/keys',
      call: () => ({ url: `/v1/orgs/${orgs.owner.id}/keys` }),
      expect: '401 200 404 404 404 200 404 404 404 404 404 404 404',
    },
    {
      method: 'DELETE',
      route: '/v1/orgs/:orgId/keys/:keyId',
      async call() {
        const key = await p.call('POST', `/v1/orgs/${orgs.owner.id}/keys`, { token: ADMIN_TOKEN, body: {} });
        return { url: `/v1/orgs/${orgs.owner.id}/keys/${key.json().keyId}` };
      },
      expect: '401 204 404 404 404 204 404 404 404 404 404 404 404',
    },

    // Catalogue: manufacturers write their own; everyone reads (a manufacturer only its own models).
    {
      method: 'POST',
      route: '/v1/models',
      call: () => ({
        url: '/v1/models',
        body: {
          modelCode: nextModelCode(),
          category: 'W',
          name: 'Matrix model',
          jointCount: 2,
          hardwareRevisions: [{ code: '1', params: {} }],
          limits: { minBatterySohPct: 80, maxJointWear: 0.5, maxPositionErrorMm: 5 },
        },
      }),
      expect: '401 403 403 201 201 403 403 403 403 403 403 403 403',
    },
    { method: 'GET', route: '/v1/models', call: () => ({ url: '/v1/models' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/models/:modelId',
      call: () => ({ url: `/v1/models/${robot.modelId}` }),
      expect: '401 200 200 200 404 200 200 200 200 200 200 200 200',
    },
    {
      method: 'POST',
      route: '/v1/models/:modelId/hardware-revisions',
      call: () => ({
        url: `/v1/models/${robot.modelId}/hardware-revisions`,
        body: { code: '2', params: {} },
      }),
      expect: '401 403 403 201 404 403 403 403 403 403 403 403 403',
    },
    {
      method: 'POST',
      route: '/v1/models/:modelId/fault-codes',
      call: () => ({
        url: `/v1/models/${robot.modelId}/fault-codes`,
        body: {
          faultCodes: [
            { code: 'MATRIX_SW', component: 'locomotion', origin: 'software', description: 'matrix' },
          ],
        },
      }),
      expect: '401 403 403 201 404 403 403 403 403 403 403 403 403',
    },
    {
      method: 'GET',
      route: '/v1/models/:modelId/fault-codes',
      call: () => ({ url: `/v1/models/${robot.modelId}/fault-codes` }),
      expect: '401 200 200 200 404 200 200 200 200 200 200 200 200',
    },
    {
      method: 'POST',
      route: '/v1/sites',
      call: () => ({ url: '/v1/sites', body: { code: 'Z', name: 'Matrix site', region: '420100' } }),
      expect: '401 403 403 201 201 403 403 403 403 403 403 403 403',
    },
    { method: 'GET', route: '/v1/sites', call: () => ({ url: '/v1/sites' }), expect: AUTHENTICATED },

    // Robots: filing, reads, re-coding.
    {
      method: 'POST',
      route: '/v1/robots',
      call: () => ({
        url: '/v1/robots',
        body: {
          modelId: robot.modelId,
          hardwareRevision: '1',
          siteCode: '1',
          productionDate: '2026-05-01',
          intelligenceLevel: 3,
          devicePublicKey: newDeviceKey().publicKey,
        },
      }),
      expect: '401 403 403 201 404 403 403 403 403 403 403 403 403',
    },
    { method: 'GET', route: '/v1/robots', call: () => ({ url: '/v1/robots' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/robots/:robotId',
      call: () => ({ url: `/v1/robots/${robot.robotId}` }),
      expect: VISIBLE_READ,
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/recode',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/recode`,
        body: { intelligenceLevel: 4 },
      }),
      expect: '401 403 403 201 404 403 404 404 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/public/robots/:robotId',
      call: () => ({ url: `/v1/public/robots/${robot.robotId}` }),
      expect: all(200),
    },

    // Lifecycle events: who records which type (core/access-policy.ts).
    {
      method: 'POST',
      route: '/v1/robots/:robotId/events',
      variant: 'deployment',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/events`,
        body: { type: 'deployment', data: {} },
      }),
      expect: OWNER_WRITES,
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/events',
      variant: 'maintenance',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/events`,
        body: { type: 'maintenance', data: SAMPLE_EVENT_DATA.maintenance },
      }),
      expect: '401 403 403 403 404 201 404 404 201 404 403 404 404',
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/events',
      variant: 'evaluation',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/events`,
        body: { type: 'evaluation', data: { intelligenceLevel: 4 } },
      }),
      expect: '401 201 201 403 404 403 404 404 403 404 201 404 404',
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/events',
      variant: 'suspension (recall)',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/events`,
        body: { type: 'suspension', data: { reason: 'recall' } },
      }),
      expect: '401 201 201 201 404 201 404 404 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/events',
      call: () => ({ url: `/v1/robots/${robot.robotId}/events` }),
      expect: VISIBLE_READ,
    },

    // Transfers: the owner offers to `buyer`; the recipient accepts or rejects; the owner cancels.
    {
      method: 'POST',
      route: '/v1/robots/:robotId/transfers',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/transfers`,
        body: { toOrgId: orgs.buyer.id },
      }),
      expect: OWNER_WRITES,
    },
    ...(['accept', 'reject', 'cancel'] as const).map(
      (decision): Row => ({
        method: 'POST',
        route: `/v1/transfers/:transferId/${decision}`,
        async call() {
          const r = await scene();
          const offer = await p.call('POST', `/v1/robots/${r.robotId}/transfers`, {
            token: orgs.owner.apiKey,
            body: { toOrgId: orgs.buyer.id },
          });
          return { url: `/v1/transfers/${offer.json().transferId}/${decision}` };
        },
        expect:
          decision === 'cancel'
            ? '401 403 403 404 404 200 404 403 404 404 404 404 404'
            : '401 403 403 404 404 403 404 200 404 404 404 404 404',
      }),
    ),
    { method: 'GET', route: '/v1/transfers', call: () => ({ url: '/v1/transfers' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/transfers/:transferId',
      call: () => ({ url: `/v1/transfers/${pendingTransferId}` }),
      expect: '401 200 200 404 404 200 404 200 404 404 404 404 404',
    },

    // Grants: the owner gives, lists and revokes; authorities read.
    {
      method: 'POST',
      route: '/v1/robots/:robotId/grants',
      call: async () => ({
        url: `/v1/robots/${(await scene()).robotId}/grants`,
        body: {
          orgId: orgs.maintainerNoGrant.id,
          scopes: ['maintenance'],
          expiresAt: new Date(p.ctx.clock().getTime() + 24 * 3600 * 1000).toISOString(),
        },
      }),
      expect: OWNER_WRITES,
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/grants',
      call: () => ({ url: `/v1/robots/${robot.robotId}/grants` }),
      expect: '401 200 200 403 404 200 404 404 403 404 403 404 404',
    },
    // The access log: who read the robot's data is the owner's and the authorities' to see.
    {
      method: 'GET',
      route: '/v1/robots/:robotId/access-log',
      call: () => ({ url: `/v1/robots/${robot.robotId}/access-log` }),
      expect: '401 200 200 403 404 200 404 404 403 404 403 404 404',
    },
    {
      method: 'DELETE',
      route: '/v1/robots/:robotId/grants/:grantId',
      async call() {
        const r = await scene();
        const grants = await p.call('GET', `/v1/robots/${r.robotId}/grants`, { token: orgs.owner.apiKey });
        const grant = grants.json().items.find((g: { orgId: string }) => g.orgId === orgs.maintainer.id);
        return { url: `/v1/robots/${r.robotId}/grants/${grant.grantId}` };
      },
      expect: '401 403 403 403 404 204 404 404 403 404 403 404 404',
    },

    // Telemetry: robots sign their batches; reads follow robot.telemetry.read.
    {
      method: 'POST',
      route: '/v1/telemetry',
      call: () => ({
        url: '/v1/telemetry',
        body: telemetryBatch(robot),
        headers: { 'content-type': 'application/jose' },
      }),
      expect: all(202),
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/telemetry',
      call: () => ({ url: `/v1/robots/${robot.robotId}/telemetry` }),
      expect: '401 200 200 403 404 200 404 404 200 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/telemetry/batches',
      call: () => ({ url: `/v1/robots/${robot.robotId}/telemetry/batches` }),
      expect: '401 200 200 403 404 200 404 404 200 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/telemetry/latest',
      call: () => ({ url: `/v1/robots/${robot.robotId}/telemetry/latest` }),
      expect: '401 200 200 403 404 200 404 404 200 404 403 404 404',
    },
    { method: 'GET', route: '/v1/alerts', call: () => ({ url: '/v1/alerts' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/alerts',
      variant: 'one robot',
      call: () => ({ url: `/v1/alerts?robotId=${robot.robotId}` }),
      expect: '401 200 200 403 404 200 404 404 200 404 403 404 404',
    },
    {
      method: 'POST',
      route: '/v1/alerts/:alertId/ack',
      call: async () => ({ url: `/v1/alerts/${await openAlert()}/ack`, body: { note: 'seen' } }),
      expect: '401 403 403 403 404 200 404 404 200 404 403 404 404',
    },

    // End of life (docs/end-of-life.md "Who may do what").
    {
      method: 'POST',
      route: '/v1/models/:modelId/storage-media',
      call: () => ({ url: `/v1/models/${robot.modelId}/storage-media`, body: { media: [MATRIX_MEDIUM] } }),
      expect: '401 403 403 201 404 403 403 403 403 403 403 403 403',
    },
    {
      method: 'GET',
      route: '/v1/models/:modelId/storage-media',
      call: () => ({ url: `/v1/models/${robot.modelId}/storage-media` }),
      expect: '401 200 200 200 404 200 200 200 200 200 200 200 200',
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/events',
      variant: 'sanitization',
      call: async () => {
        const r = await scene();
        await p.call('POST', `/v1/models/${r.modelId}/storage-media`, {
          token: orgs.maker.apiKey,
          body: { media: [MATRIX_MEDIUM] },
        });
        return {
          url: `/v1/robots/${r.robotId}/events`,
          body: {
            type: 'sanitization',
            data: {
              media: [
                {
                  mediaId: MATRIX_MEDIUM.mediaId,
                  method: 'purge',
                  technique: 'block erase',
                  verification: 'full read-back',
                  result: 'passed',
                },
              ],
            },
          },
        };
      },
      expect: '401 403 403 403 404 201 404 404 201 404 403 404 404',
    },

    // Notifications and webhooks (docs/notifications.md): every organisation has its own feed
    // and webhooks; another's webhook is not found.
    {
      method: 'GET',
      route: '/v1/notifications',
      call: () => ({ url: '/v1/notifications' }),
      expect: AUTHENTICATED,
    },
    {
      method: 'POST',
      route: '/v1/webhooks',
      call: () => ({
        url: '/v1/webhooks',
        body: { url: 'https://203.0.113.7/hook', types: ['transfer.offered'] },
      }),
      expect: '401 201 201 201 201 201 201 201 201 201 201 201 201',
    },
    { method: 'GET', route: '/v1/webhooks', call: () => ({ url: '/v1/webhooks' }), expect: AUTHENTICATED },
    {
      method: 'DELETE',
      route: '/v1/webhooks/:webhookId',
      // The owner deletes a fresh one of its own; everyone else tries the owner's.
      call: async (role) => ({ url: `/v1/webhooks/${await ownerWebhook(role === 'owner')}` }),
      expect: '401 404 404 404 404 204 404 404 404 404 404 404 404',
    },
    {
      method: 'GET',
      route: '/v1/webhooks/:webhookId/deliveries',
      call: async () => ({ url: `/v1/webhooks/${await ownerWebhook(false)}/deliveries` }),
      expect: '401 404 404 404 404 200 404 404 404 404 404 404 404',
    },

    // Health (docs/health.md "Who sees what"): a robot's health as its telemetry; the fleet
    // view is everyone's own fleet, another owner's only for the registry and regulators.
    {
      method: 'GET',
      route: '/v1/robots/:robotId/health',
      call: () => ({ url: `/v1/robots/${robot.robotId}/health` }),
      expect: '401 200 200 403 404 200 404 404 200 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/fleet/health',
      call: () => ({ url: '/v1/fleet/health' }),
      expect: AUTHENTICATED,
    },
    {
      method: 'GET',
      route: '/v1/fleet/health',
      variant: "another owner's fleet",
      call: () => ({ url: `/v1/fleet/health?orgId=${orgs.owner.id}` }),
      expect: '401 200 200 403 403 200 403 403 403 403 403 403 403',
    },

    // Recalls (docs/recalls.md "Who does what"): a manufacturer opens them for its own models,
    // the registry and regulators for any; every organisation reads a campaign (a public
    // notice), the units list shows each the units it may see; only the owner declines.
    {
      method: 'POST',
      route: '/v1/recalls',
      call: () => ({
        url: '/v1/recalls',
        body: {
          campaignId: `R-MATRIX-${++codeCounter}`,
          modelIds: [robot.modelId],
          hardwareRevisions: ['Z'],
          component: 'gripper',
          summary: 'The gripper may slip.',
          consequence: 'A dropped part.',
          remedy: { type: 'inspection' },
        },
      }),
      // Another manufacturer's model is not one it may name: 404 MODEL_NOT_FOUND.
      expect: '401 201 201 201 404 403 403 403 403 403 403 403 403',
    },
    {
      method: 'GET',
      route: '/v1/recalls/:campaignId',
      call: async () => ({ url: `/v1/recalls/${await matrixRecall()}` }),
      expect: AUTHENTICATED,
    },
    {
      method: 'GET',
      route: '/v1/recalls/:campaignId/units',
      call: async () => ({ url: `/v1/recalls/${await matrixRecall()}/units` }),
      expect: AUTHENTICATED,
    },
    {
      method: 'POST',
      route: '/v1/recalls/:campaignId/units/:robotId/decline',
      call: async () => ({
        url: `/v1/recalls/${await matrixRecall()}/units/${robot.robotId}/decline`,
        body: { reason: 'matrix' },
      }),
      // The owner only; those that see the robot are refused, the others do not learn of it.
      expect: '401 403 403 403 404 201 404 404 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/recalls',
      call: () => ({ url: `/v1/robots/${robot.robotId}/recalls` }),
      expect: VISIBLE_READ,
    },

    // Type approvals and brands (docs/certificates.md "Who does what"): authorities and
    // assessors issue and extend approvals, whoever reads the model reads them; only the
    // registry and regulators brand a robot, whoever sees the robot reads its brands.
    {
      method: 'POST',
      route: '/v1/models/:modelId/approvals',
      call: () => ({
        url: `/v1/models/${robot.modelId}/approvals`,
        body: { ...MATRIX_APPROVAL, approvalId: `TA-MATRIX-${++codeCounter}` },
      }),
      expect: '401 201 201 403 403 403 403 403 403 403 201 403 403',
    },
    {
      method: 'GET',
      route: '/v1/models/:modelId/approvals',
      call: () => ({ url: `/v1/models/${robot.modelId}/approvals` }),
      expect: '401 200 200 200 404 200 200 200 200 200 200 200 200',
    },
    {
      method: 'POST',
      route: '/v1/models/:modelId/approvals/:approvalId/extensions',
      call: async () => ({
        url: `/v1/models/${robot.modelId}/approvals/${await matrixApproval()}/extensions`,
        body: { hardwareRevisions: [], software: { locomotion: ['2.5.0'] } },
      }),
      expect: '401 201 201 403 403 403 403 403 403 403 201 403 403',
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/brands',
      call: async () => ({ url: `/v1/robots/${(await scene()).robotId}/brands`, body: { brand: 'stolen' } }),
      // Those that see the robot are refused, the others do not learn of it.
      expect: '401 201 201 403 404 403 404 404 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/brands',
      call: () => ({ url: `/v1/robots/${robot.robotId}/brands` }),
      expect: VISIBLE_READ,
    },

    // Incidents (docs/incidents.md "Who sees what").
    {
      method: 'POST',
      route: '/v1/incidents',
      call: () => ({
        url: '/v1/incidents',
        body: {
          robotId: robot.robotId,
          occurredAt: p.ctx.clock().toISOString(),
          kind: 'near_miss',
          severity: 'near_miss',
          description: 'nearly hit a cart',
        },
      }),
      // Whoever sees the robot reports; the assessor under grant too.
      expect: '401 201 201 201 404 201 404 404 201 404 201 404 404',
    },
    { method: 'GET', route: '/v1/incidents', call: () => ({ url: '/v1/incidents' }), expect: AUTHENTICATED },
    {
      method: 'GET',
      route: '/v1/incidents/:incidentId',
      call: () => ({ url: `/v1/incidents/${incidentId}` }),
      expect: INCIDENT_READ,
    },
    {
      method: 'GET',
      route: '/v1/incidents/:incidentId/analysis',
      call: () => ({ url: `/v1/incidents/${incidentId}/analysis` }),
      expect: INCIDENT_READ,
    },
    {
      method: 'GET',
      route: '/v1/incidents/:incidentId/custody',
      call: () => ({ url: `/v1/incidents/${incidentId}/custody` }),
      expect: INCIDENT_READ,
    },
    {
      method: 'GET',
      route: '/v1/incidents/:incidentId/bundle',
      call: () => ({ url: `/v1/incidents/${incidentId}/bundle` }),
      expect: INCIDENT_READ,
    },
    {
      method: 'GET',
      route: '/v1/incidents/:incidentId/evidence/:itemId',
      async call() {
        const res = await p.call('GET', `/v1/incidents/${incidentId}`, { token: ADMIN_TOKEN });
        return { url: `/v1/incidents/${incidentId}/evidence/${res.json().evidence.items[0].itemId}` };
      },
      expect: INCIDENT_READ,
    },
    {
      method: 'POST',
      route: '/v1/incidents/:incidentId/attachments',
      call: () => ({
        url: `/v1/incidents/${incidentId}/attachments`,
        body: 'photo bytes',
        headers: { 'content-type': 'image/jpeg', 'x-filename': 'shelf.jpg' },
      }),
      expect: '401 201 201 201 404 201 404 404 201 404 404 404 404',
    },
    {
      method: 'POST',
      route: '/v1/incidents/:incidentId/hold',
      call: () => ({ url: `/v1/incidents/${incidentId}/hold`, body: { active: false } }),
      expect: INCIDENT_GOVERN,
    },
    {
      method: 'POST',
      route: '/v1/incidents/:incidentId/investigation',
      call: async () => ({
        url: `/v1/incidents/${await reportedIncident()}/investigation`,
        body: { status: 'investigating' },
      }),
      expect: INCIDENT_GOVERN,
    },
    {
      method: 'POST',
      route: '/v1/incidents/:incidentId/findings',
      call: async () => ({
        url: `/v1/incidents/${await investigatedIncident()}/findings`,
        body: {
          parties: [{ role: 'operator', orgId: orgs.owner.id, responsibility: 'none', basis: [] }],
          conclusion: 'no fault found',
        },
      }),
      expect: INCIDENT_GOVERN.replace(/200/g, '201'),
    },

    // Ledger: reads are public; witnesses are registered by authorities and authenticate by signature.
    {
      method: 'GET',
      route: '/v1/ledger/checkpoint',
      call: () => ({ url: '/v1/ledger/checkpoint' }),
      expect: all(200),
    },
    {
      method: 'GET',
      route: '/v1/ledger/checkpoints/:size',
      call: () => ({ url: `/v1/ledger/checkpoints/${checkpointSize}` }),
      expect: all(200),
    },
    { method: 'GET', route: '/v1/ledger/key', call: () => ({ url: '/v1/ledger/key' }), expect: all(200) },
    {
      method: 'GET',
      route: '/v1/ledger/entries/:index',
      call: () => ({ url: '/v1/ledger/entries/0' }),
      expect: all(200),
    },
    {
      method: 'GET',
      route: '/v1/ledger/proofs/inclusion',
      call: () => ({ url: `/v1/ledger/proofs/inclusion?index=0&treeSize=${checkpointSize}` }),
      expect: all(200),
    },
    {
      method: 'GET',
      route: '/v1/ledger/proofs/consistency',
      call: () => ({ url: `/v1/ledger/proofs/consistency?from=1&to=${checkpointSize}` }),
      expect: all(200),
    },
    { method: 'GET', route: '/checkpoint', call: () => ({ url: '/checkpoint' }), expect: all(200) },
    {
      method: 'GET',
      route: '/tile/*',
      call: () => ({ url: checkpointSize >= 256 ? '/tile/0/000' : `/tile/0/000.p/${checkpointSize}` }),
      expect: all(200),
    },
    {
      method: 'GET',
      route: '/v1/ledger/witnesses',
      call: () => ({ url: '/v1/ledger/witnesses' }),
      expect: all(200),
    },
    {
      method: 'POST',
      route: '/v1/ledger/witnesses',
      call: () => ({
        url: '/v1/ledger/witnesses',
        body: { verifierKey: generateCosignerKey(`witness.example/${randomUUID()}`).verifierKey },
      }),
      expect: '401 201 201 403 403 403 403 403 403 403 403 403 403',
    },
    {
      method: 'POST',
      route: '/v1/ledger/witnesses/:name/cosignatures',
      async call() {
        const name = `witness.example/${randomUUID()}`;
        const witness = generateCosignerKey(name);
        const added = await p.call('POST', '/v1/ledger/witnesses', {
          token: ADMIN_TOKEN,
          body: { verifierKey: witness.verifierKey },
        });
        expect(added.statusCode, added.body).toBe(201);
        const checkpoint = await p.ctx.checkpointer.current();
        const text = parseNote(checkpoint.note).text;
        const cosignature = cosignCheckpoint(text, witness.signerKey, Math.floor(Date.now() / 1000));
        return {
          url: `/v1/ledger/witnesses/${encodeURIComponent(name)}/cosignatures`,
          body: { checkpoint: checkpoint.note, cosignature },
        };
      },
      expect: all(201),
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/history-proof',
      call: () => ({ url: `/v1/robots/${robot.robotId}/history-proof` }),
      expect: VISIBLE_READ,
    },
    // The history report: authorities, the owner and manufacturer, and the recipient of the
    // pending transfer (`buyer`) read it; a grantee sees the robot but not its whole history.
    {
      method: 'GET',
      route: '/v1/robots/:robotId/report',
      call: () => ({ url: `/v1/robots/${robot.robotId}/report` }),
      expect: '401 200 200 200 404 200 404 200 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/public/robots/:robotId/report',
      call: () => ({ url: `/v1/public/robots/${robot.robotId}/report` }),
      expect: all(200),
    },
    {
      method: 'POST',
      route: '/v1/robots/:robotId/report-shares',
      call: () => ({
        url: `/v1/robots/${robot.robotId}/report-shares`,
        body: { expiresAt: new Date(p.ctx.clock().getTime() + 86_400_000).toISOString() },
      }),
      expect: OWNER_WRITES,
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/report-shares',
      call: () => ({ url: `/v1/robots/${robot.robotId}/report-shares` }),
      expect: '401 403 403 403 404 200 404 404 403 404 403 404 404',
    },
    {
      method: 'DELETE',
      route: '/v1/robots/:robotId/report-shares/:shareId',
      async call() {
        const res = await p.call('POST', `/v1/robots/${robot.robotId}/report-shares`, {
          token: orgs.owner.apiKey,
          body: { expiresAt: new Date(p.ctx.clock().getTime() + 86_400_000).toISOString() },
        });
        expect(res.statusCode, res.body).toBe(201);
        return { url: `/v1/robots/${robot.robotId}/report-shares/${res.json().shareId}` };
      },
      expect: '401 403 403 403 404 204 404 404 403 404 403 404 404',
    },
    {
      method: 'GET',
      route: '/v1/robots/:robotId/head',
      call: () => ({ url: `/v1/robots/${robot.robotId}/head` }),
      expect: VISIBLE_READ,
    },
  ];

  it('has a row for every route the app registers, and none for a route it does not', () => {
    const key = (method: string, url: string) => `${method} ${url}`;
    const routes = new Set(registered.filter((r) => r.method !== 'HEAD').map((r) => key(r.method, r.url)));
    // HEAD routes are Fastify's automatic twins of GET routes (checked below with the GET rows).
    // A plugin's '/' route under a prefix (Swagger UI's /docs) also answers at 'prefix/', whose
    // GET Fastify registers without calling onRoute: its HEAD twin stands for the slashless GET.
    for (const head of registered.filter((r) => r.method === 'HEAD')) {
      expect(routes, `HEAD ${head.url} without GET`).toContain(key('GET', head.url.replace(/(.)\/$/, '$1')));
    }
    const rows = new Set(ROWS.map((r) => key(r.method, r.route)));
    expect(
      [...routes].filter((r) => !rows.has(r)),
      'routes without a row in the matrix',
    ).toEqual([]);
    expect(
      [...rows].filter((r) => !routes.has(r)),
      'rows for routes the app does not have',
    ).toEqual([]);
    expect(registered.length).toBeGreaterThan(40);
  });

  it('every row names one status per role', () => {
    for (const row of ROWS) expect(row.expect.trim().split(/\s+/), row.route).toHaveLength(ROLES.length);
  });

  for (const row of ROWS) {
    it(`${row.method} ${row.route}${row.variant ? ` [${row.variant}]` : ''}`, async () => {
      const expected = Object.fromEntries(
        row.expect
          .trim()
          .split(/\s+/)
          .map((s, i) => [ROLES[i], Number(s)]),
      );
      const actual: Record<string, number> = {};
      const bodies: Record<string, string> = {};
      for (const role of ROLES) {
        const { url, body, headers } = await row.call(role);
        const res = await p.call(row.method, url, {
          token: tokenOf(role),
          body,
          ...(headers ? { headers } : {}),
        });
        actual[role] = res.statusCode;
        if (res.statusCode !== expected[role]) bodies[role] = res.body.slice(0, 300);
        if (row.method === 'GET') {
          const head = await p.app.inject({
            method: 'HEAD',
            url,
            headers: tokenOf(role) ? { authorization: `Bearer ${tokenOf(role)}` } : {},
          });
          expect(head.statusCode, `HEAD ${url} as ${role}`).toBe(res.statusCode);
        }
      }
      expect({ actual, bodies }).toEqual({ actual: expected, bodies: {} });
    });
  }
});
