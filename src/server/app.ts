// buildApp() assembles the HTTP API from an AppContext and never listens: the composition
// root (platform.ts) listens, tests drive it in-process with app.inject().
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type preValidationHookHandler, type RouteOptions } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { PlatformError } from '../core/errors.js';
import type { AppContext } from './app-context.js';
import { registerAuthentication } from './auth/authenticate.js';
import { registerFeatureRoutes } from './features/index.js';
import { registerApiReference, registerOpenApi } from './http/api-reference.js';
import { type ConsoleServing, registerConsole } from './http/console.js';
import { sendError } from './http/error-envelope.js';
import { registerLoadShedding } from './http/load-shedding.js';
import { registerDrainGate, registerOperationalRoutes } from './http/operational-routes.js';
import { httpServerOptions } from './http/server-options.js';
import './http/fastify-types.js';

export type App = FastifyInstance;

/**
 * Startup work that /healthz waits for before it says ok: a platform that listens but whose
 * demo fleet is not seeded yet is not what a script polling /healthz is waiting for.
 */
export class StartupGate {
  readonly #pending = new Set<string>();
  hold(what: string): void {
    this.#pending.add(what);
  }
  release(what: string): void {
    this.#pending.delete(what);
  }
  get waitingFor(): string[] {
    return [...this.#pending];
  }
}

/** The demo fleet (`serve --demo`): held from the start, released once its file is written. */
export const DEMO_FLEET_STARTUP = 'demo fleet';

declare module 'fastify' {
  interface FastifyInstance {
    startup: StartupGate;
  }
}

export async function buildApp(ctx: AppContext): Promise<App> {
  const app = Fastify({
    // The context's logger: request logs and background services' logs go to one place.
    loggerInstance: ctx.log,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: false,
    ...httpServerOptions(ctx.config),
    ajv: {
      // Unknown properties are refused, not silently dropped; nothing is coerced in bodies.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The one error handler: routes throw coded errors, and a route whose body limit has a coded
  // error of its own names it in its config (bodyTooLarge) instead of handling errors itself.
  app.setErrorHandler((error, request, reply) => {
    const tooLarge = request.routeOptions.config.bodyTooLarge;
    if (tooLarge && (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(request, reply, tooLarge());
    }
    const retryAfter = error instanceof PlatformError ? error.details?.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return sendError(request, reply, error);
  });
  app.addHook('onRoute', acceptMissingOptionalBody);
  // First of the request hooks: a draining node refuses before rate limits or authentication.
  registerDrainGate(app, ctx);
  // Set once the console is registered: a console page's path answers the app's index.html.
  let webConsole: ConsoleServing | undefined;
  app.setNotFoundHandler((request, reply) => {
    if (webConsole?.serveFallback(request, reply)) return reply;
    return sendError(
      request,
      reply,
      new PlatformError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    );
  });

  const requests = new Counter({
    name: 'roboledger_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [ctx.metrics],
  });
  const latency = new Histogram({
    name: 'roboledger_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [ctx.metrics],
  });
  // Label children are looked up once per (method, route, status) and kept: resolving labels
  // on every request costs more than the public robot check itself.
  const counters = new Map<string, Counter.Internal>();
  const timers = new Map<string, Histogram.Internal<'method' | 'route'>>();
  app.addHook('onResponse', (request, reply, done) => {
    const method = request.method;
    const route = request.routeOptions.url ?? 'unmatched';
    const routeKey = `${method} ${route}`;
    const countKey = `${routeKey} ${reply.statusCode}`;
    let counter = counters.get(countKey);
    if (!counter) {
      counter = requests.labels(method, route, String(reply.statusCode));
      counters.set(countKey, counter);
    }
    counter.inc();
    let timer = timers.get(routeKey);
    if (!timer) {
      timer = latency.labels(method, route);
      timers.set(routeKey, timer);
    }
    timer.observe(reply.elapsedTime / 1000);
    done();
  });

  await registerOpenApi(app);
  await registerLoadShedding(app, ctx);
  registerAuthentication(app, ctx);

  const publicRoute = { public: true } as const;
  const startup = new StartupGate();
  if (ctx.config.demo) startup.hold(DEMO_FLEET_STARTUP);
  app.decorate('startup', startup);
  registerOperationalRoutes(app, ctx, () => startup.waitingFor);
  app.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
  await registerApiReference(app);
  webConsole = await registerConsole(app);

  await registerFeatureRoutes(app, ctx);
  return app;
}

/**
 * A route whose body is an object that may be empty may be called without a body
 * (`curl -X POST …/ack`): validation sees `{}` instead of refusing "body must be object".
 * Applied to every route as it is added, so a new route of this kind cannot forget it.
 */
function acceptMissingOptionalBody(route: RouteOptions): void {
  const body = route.schema?.body as
    | { type?: unknown; required?: unknown; minProperties?: unknown }
    | undefined;
  if (body?.type !== 'object') return;
  if ((Array.isArray(body.required) && body.required.length > 0) || Number(body.minProperties ?? 0) > 0)
    return;
  const emptyWhenMissing: preValidationHookHandler = (request, _reply, done) => {
    if (request.body === undefined) request.body = {};
    done();
  };
  const existing = route.preValidation;
  route.preValidation = [emptyWhenMissing, ...(existing === undefined ? [] : [existing].flat())];
}
