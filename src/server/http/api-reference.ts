// The OpenAPI document at /openapi.json and the readable reference at /docs (docs/api.md
// "OpenAPI and /docs"). Route files declare their request and response schemas; what every
// route needs besides (its security requirement, an example for every answer, the operational
// routes) is added here, in one place, so no route file has to repeat it. The reference page
// is Swagger UI served from the package's own files: no CDN, it works offline.
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { exampleOf, type JsonSchema } from './openapi-examples.js';

/** Security schemes: both are bearer tokens; which one a caller holds decides who it acts for. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An organisation API key (`Authorization: Bearer rlk_...`). Issued once, stored only as a hash; ' +
      'a revoked key stops working at once.',
  },
  adminToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The registry operator token, `ROBOLEDGER_ADMIN_TOKEN`, read at start. It acts for the one ' +
      'organisation of kind `registry`, which creates every other organisation.',
  },
} as const;

/** What a non-public operation accepts: an organisation key or the registry operator token. */
const AUTHENTICATED: Record<string, string[]>[] = [{ apiKey: [] }, { adminToken: [] }];

const ERROR_ENVELOPE: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable error code, listed in docs/errors.md' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: {} },
      },
    },
  },
};

/**
 * Operational routes the platform answers without credentials, documented here because they
 * are not a feature's: liveness, readiness (503 while the database is unreachable), metrics.
 */
const OPERATIONAL_ROUTES: Record<string, { summary: string; response: Record<number, unknown> }> = {
  '/healthz': {
    summary: 'Liveness: the process answers',
    response: {
      200: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] } },
      },
    },
  },
  '/readyz': {
    summary: 'Readiness: the database answers; 503 NOT_READY otherwise',
    response: {
      200: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ready'] } },
      },
      503: { description: 'the database is not reachable', ...ERROR_ENVELOPE },
    },
  },
  '/metrics': {
    summary: 'Prometheus metrics (text exposition format)',
    response: {
      200: {
        description: 'Prometheus text',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
};

/** Examples of the answers that are not JSON, keyed by path. */
const TEXT_EXAMPLES: Record<string, string> = {
  '/metrics':
    '# HELP roboledger_http_requests_total HTTP requests by route and status\n' +
    '# TYPE roboledger_http_requests_total counter\n' +
    'roboledger_http_requests_total{method="GET",route="/v1/robots/:robotId",status="200"} 17\n',
  '/v1/ledger/checkpoint': checkpointExample(),
  '/v1/ledger/checkpoints/{size}': checkpointExample(),
  '/checkpoint': checkpointExample(),
  '/v1/ledger/key': 'roboledger.example/log+9ea10efd+AVk3DqvlZgfUgy5/h2zRCRPDRgsC2WXQs654sV9cZUE/',
  '/v1/robots/{robotId}/head':
    'roboledger.example/log/robot-head\nCNB7K2B0A3T511000000000123455\n1024\n' +
    'records 7 1001 fSSnyX8WKcQTqrpvAYnt8Dy2594oMJ0zZa+XAOk6Skg=\n' +
    'batches 4411 1019 H7x8O6wVfzfb8gnXS5R5QyrNgViLVm/w/Sto7UZ9YV0=\n\n' +
    '— roboledger.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n',
  '/v1/telemetry':
    'eyJhbGciOiJFZERTQSIsImtpZCI6IkNOQjdLMkIwQTNUNTExMDAwMDAwMDAwMTIzNDU1In0.eyJyb2JvdElkIjoiQ05CN0syQjBBM1Q1MTEwMDAwMDAwMDAxMjM0NTUiLCJzZXEiOjQyLCJzYW1wbGVzIjpbXX0.c2lnbmF0dXJl',
};

/** A checkpoint of 1,024 entries, really signed by the key of the /v1/ledger/key example. */
function checkpointExample(): string {
  return (
    'roboledger.example/log\n1024\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n\n' +
    '— roboledger.example/log nqEO/ZdqcV47QI05j6nABAMsea/poX6GSFarOlNoSiyjARLPs5Wh54BibhhALiOSDXlwsEt6ozlV+lns5pi+GV/OxAQ=\n'
  );
}

/** The error an answer of each status most often carries, as its example. */
const ERROR_EXAMPLE_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'NOT_READY',
};

/** Route-specific codes where the generic one would mislead, matched on the path. */
const ERROR_EXAMPLE_OVERRIDES: { path: RegExp; status: number; code: ErrorCode }[] = [
  { path: /^\/v1\/telemetry$/, status: 422, code: 'TELEMETRY_SIGNATURE_INVALID' },
  { path: /^\/v1\/telemetry$/, status: 409, code: 'TELEMETRY_ROBOT_INACTIVE' },
  { path: /^\/v1\/telemetry$/, status: 429, code: 'TELEMETRY_QUEUE_FULL' },
  { path: /^\/v1\/telemetry$/, status: 400, code: 'TELEMETRY_MALFORMED_JWS' },
  { path: /\/cosignatures$/, status: 422, code: 'LEDGER_COSIGNATURE_INVALID' },
  { path: /\/cosignatures$/, status: 403, code: 'LEDGER_WITNESS_UNKNOWN' },
  { path: /^\/tile\//, status: 422, code: 'LEDGER_BUNDLE_UNAVAILABLE' },
  { path: /\/transfers$/, status: 422, code: 'TRANSFER_RECIPIENT_INVALID' },
  { path: /\/transfers/, status: 409, code: 'TRANSFER_NOT_PENDING' },
  { path: /\/grants$/, status: 422, code: 'GRANT_SCOPE_NOT_ALLOWED' },
  { path: /\/storage-media$/, status: 409, code: 'STORAGE_MEDIUM_CONFLICT' },
  { path: /\/events$/, status: 409, code: 'ILLEGAL_TRANSITION' },
  { path: /^\/v1\/robots(\/\{robotId\}\/recode)?$/, status: 422, code: 'HARDWARE_REVISION_UNKNOWN' },
  { path: /^\/v1\/(public\/)?robots\/\{robotId\}/, status: 404, code: 'ROBOT_NOT_FOUND' },
  { path: /^\/v1\/public\/robots\/\{robotId\}$/, status: 400, code: 'ID_CHECK_MISMATCH' },
  { path: /^\/v1\/ledger\//, status: 404, code: 'LEDGER_TREE_SIZE_UNKNOWN' },
];

export function errorExample(path: string, status: number): { error: { code: string; message: string } } {
  const code =
    ERROR_EXAMPLE_OVERRIDES.find((o) => o.status === status && o.path.test(path))?.code ??
    ERROR_EXAMPLE_CODES[status] ??
    'VALIDATION_FAILED';
  return { error: { code, message: ERROR_CODES[code].doc } };
}

/** Per route, at document time: security (public or not), and the operational routes shown. */
export function describeRoute({
  schema,
  url,
  route,
}: {
  schema: FastifySchema;
  url: string;
  route: RouteOptions;
}): {
  schema: FastifySchema;
  url: string;
} {
  const operational = OPERATIONAL_ROUTES[url];
  const base = operational
    ? {
        ...schema,
        hide: false,
        tags: ['operations'],
        summary: operational.summary,
        response: operational.response,
      }
    : { ...schema };
  const isPublic = route.config?.public === true && route.config?.ownCredentials !== true;
  return { schema: { ...base, security: isPublic ? [] : AUTHENTICATED } as FastifySchema, url };
}

interface MediaObject {
  schema?: JsonSchema;
  example?: unknown;
}
interface OperationObject {
  responses?: Record<string, { description?: string; content?: Record<string, MediaObject> }>;
  requestBody?: { content?: Record<string, MediaObject> };
  security?: unknown[];
}
interface OpenApiObject {
  paths?: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** Fills in the example of every answer and request body the route files left without one. */
export function completeDocument<T>({ openapiObject }: { openapiObject: T }): T {
  const doc = openapiObject as OpenApiObject;
  const definitions = doc.components?.schemas ?? {};
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const op of Object.values(methods)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const code = Number(status);
        if (response.description === 'Default Response')
          response.description = code < 300 ? 'Success' : 'Error';
        if (!response.content) {
          // An answer without a body (204): state it, so the document says what comes back.
          response.content = { 'text/plain': { schema: { type: 'string', maxLength: 0 }, example: '' } };
          continue;
        }
        for (const [type, media] of Object.entries(response.content)) {
          if (media.example !== undefined) continue;
          if (code >= 400) media.example = errorExample(path, code);
          else if (type === 'application/json' && media.schema)
            media.example = exampleOf(media.schema, definitions);
          else if (TEXT_EXAMPLES[path] !== undefined) media.example = TEXT_EXAMPLES[path];
          else if (media.schema?.format === 'binary') media.example = '(binary)';
        }
      }
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (media.example !== undefined) continue;
        if (type === 'application/json' && media.schema) media.example = exampleOf(media.schema, definitions);
        else if (TEXT_EXAMPLES[path] !== undefined) media.example = TEXT_EXAMPLES[path];
      }
    }
  }
  return openapiObject;
}

export const OPENAPI_OPTIONS: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'RoboLedger API',
      version: '1',
      description:
        'Humanoid robot full lifecycle management: registry, lifecycle, ledger and telemetry. ' +
        'Every error is `{"error": {"code", "message", "details"}}` with the HTTP status of its code ' +
        '(docs/errors.md lists them); lists take `?limit=&cursor=` and answer `{"items", "nextCursor"}`. ' +
        'The contract in prose is docs/api.md.',
    },
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { ErrorEnvelope: ERROR_ENVELOPE as object },
    },
    security: AUTHENTICATED,
  },
  transform: describeRoute,
  transformObject: completeDocument as FastifyDynamicSwaggerOptions['transformObject'],
};

/** Registers the OpenAPI generator; must come before the routes it describes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, OPENAPI_OPTIONS);
}

/**
 * The reference's Content-Security-Policy: scripts, styles and images from this origin only
 * (Swagger UI's page has no inline script or style), so a browser offline loses nothing.
 */
const REFERENCE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * Swagger UI at /docs, its assets served from node_modules (no CDN), all of it public. The
 * onRoute hook lives in the plugin's own scope, so it marks only the reference's routes.
 */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await scope.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: false },
      validatorUrl: false,
      staticCSP: REFERENCE_CSP,
      theme: { title: 'RoboLedger API reference' },
    });
  });
}
