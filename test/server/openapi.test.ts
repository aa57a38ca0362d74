// The OpenAPI document and the reference at /docs (docs/api.md "OpenAPI and /docs"): every
// operation documents an answer with a schema and an example that the schema accepts, and a
// security requirement that is what the route really does (checked by calling it without
// credentials); the reference page loads nothing from another host.
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';

interface Media {
  schema?: object;
  example?: unknown;
}
interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, Media> }>;
  requestBody?: { content?: Record<string, Media> };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string }>;
    schemas: Record<string, object>;
  };
}

/** Operations anyone may call; each authenticates by something else or is public by design. */
const PUBLIC_OPERATIONS = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /checkpoint',
  'GET /tile/{*}',
  'GET /v1/ledger/checkpoint',
  'GET /v1/ledger/checkpoints/{size}',
  'GET /v1/ledger/key',
  'GET /v1/ledger/entries/{index}',
  'GET /v1/ledger/proofs/inclusion',
  'GET /v1/ledger/proofs/consistency',
  'GET /v1/ledger/witnesses',
  'POST /v1/ledger/witnesses/{name}/cosignatures', // the cosignature is the credential
  'GET /v1/public/robots/{robotId}',
  'GET /v1/public/robots/{robotId}/report',
  'POST /v1/telemetry', // the robot's signature is the credential
];

const PARAMETER_VALUES: Record<string, string> = {
  robotId: 'CNB7K2B0A3T511000000000123455',
  index: '0',
  size: '1',
  name: 'witness.example',
  '*': '0/000',
};
const urlOf = (path: string) =>
  path.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => PARAMETER_VALUES[name] ?? '0f8fad5b-d9cb-469f-a165-70867728950e',
  );

/** OpenAPI 3.0's `nullable` is not JSON Schema: say it as `anyOf [..., null]` for Ajv. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, toJsonSchema(v)]));
  return nullable ? { anyOf: [converted, { type: 'null' }] } : converted;
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method,
      path,
      op,
    })),
  );

describe(`OpenAPI document and reference (${backend})`, () => {
  let p: TestPlatform;
  let doc: Document;
  beforeAll(async () => {
    p = await startTestPlatform();
    const res = await p.call('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('declares both credentials: an organisation API key and the registry operator token', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      adminToken: { type: 'http', scheme: 'bearer' },
    });
  });

  it('documents the feature routes and the operational ones', () => {
    const keys = operations(doc).map((o) => o.key);
    expect(keys.length).toBeGreaterThan(40);
    for (const key of [
      'POST /v1/orgs',
      'POST /v1/robots',
      'POST /v1/telemetry',
      'GET /healthz',
      'GET /readyz',
    ]) {
      expect(keys).toContain(key);
    }
  });

  it('every operation has an answer with a schema and an example, every error answer the envelope', () => {
    const missing: string[] = [];
    for (const { key, op } of operations(doc)) {
      const media = Object.entries(op.responses).flatMap(([status, r]) =>
        Object.values(r.content ?? {}).map((m) => ({ status, m })),
      );
      if (!media.some(({ m }) => m.schema && m.example !== undefined))
        missing.push(`${key}: no answer with both`);
      for (const { status, m } of media) {
        if (m.example === undefined) missing.push(`${key} ${status}: no example`);
        if (Number(status) >= 400) {
          const example = m.example as { error?: { code?: unknown; message?: unknown } };
          if (typeof example?.error?.code !== 'string' || typeof example.error.message !== 'string') {
            missing.push(`${key} ${status}: example is not the error envelope`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('every JSON example is accepted by the schema it illustrates', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      ajv.addSchema(toJsonSchema(schema) as object, `#/components/schemas/${name}`);
    }
    const rejected: string[] = [];
    for (const { key, op } of operations(doc)) {
      const media = [
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          Object.entries(r.content ?? {}).map(([type, m]) => ({ where: `${status} ${type}`, m })),
        ),
        ...Object.entries(op.requestBody?.content ?? {}).map(([type, m]) => ({ where: `body ${type}`, m })),
      ];
      for (const { where, m } of media) {
        if (!m.schema || m.example === undefined) continue;
        const validate = ajv.compile(toJsonSchema(m.schema) as object);
        if (!validate(m.example)) rejected.push(`${key} ${where}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(rejected).toEqual([]);
  });

  it('every operation states its security: public ones none, all others the API key or the admin token', () => {
    const publicOps: string[] = [];
    for (const { key, op } of operations(doc)) {
      expect(op.security, key).toBeDefined();
      if (op.security!.length === 0) publicOps.push(key);
      else expect(op.security, key).toEqual([{ apiKey: [] }, { adminToken: [] }]);
    }
    expect(publicOps.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
  });

  it('the stated security is what the routes do: without credentials, only public operations answer', async () => {
    const wrong: string[] = [];
    for (const { key, method, path, op } of operations(doc)) {
      const res = await p.app.inject({ method: method.toUpperCase() as 'GET', url: urlOf(path) });
      const isPublic = op.security!.length === 0;
      if (isPublic === (res.statusCode === 401)) wrong.push(`${key}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('serves /docs as Swagger UI from this origin only, over the same document', async () => {
    const page = await p.call('GET', '/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'an asset from another host').not.toMatch(/^(https?:)?\/\//);
      const res = await p.call('GET', new URL(asset, 'http://localhost/docs/').pathname);
      expect(res.statusCode, asset).toBe(200);
    }
    const initializer = await p.call('GET', '/docs/static/swagger-initializer.js');
    expect(initializer.body).not.toMatch(/url:\s*["']https?:/);
    const json = await p.call('GET', '/docs/json');
    expect(json.json()).toEqual(doc);
    // Public: the reference needs no credentials, and a key changes nothing.
    expect((await p.call('GET', '/docs', { token: ADMIN_TOKEN })).statusCode).toBe(200);
  });
});
