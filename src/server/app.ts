// buildApp() assembles the HTTP API from an AppContext and never listens: the composition
// root (platform.ts) listens, tests drive it in-process with app.inject().
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { PlatformError } from '../core/errors.js';
import type { AppContext } from './app-context.js';
import { registerAuthentication } from './auth/authenticate.js';
import { registerFeatureRoutes } from './features/index.js';
import { registerApiReference, registerOpenApi } from './http/api-reference.js';
import { sendError } from './http/error-envelope.js';
import { registerLoadShedding } from './http/load-shedding.js';
import { httpServerOptions } from './http/server-options.js';
import './http/fastify-types.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export type App = FastifyInstance;

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.bodyLimit,
    trustProxy: false,
    ...httpServerOptions(ctx.config),
    ajv: {
      // Unknown properties are refused, not silently dropped; nothing is coerced in bodies.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new PlatformError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

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
  app.get('/healthz', { config: publicRoute, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: publicRoute, schema: { hide: true } }, async (_request, reply) => {
    try {
      await ctx.db.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ error: { code: 'NOT_READY', message: 'the database is not reachable' } });
    }
  });
  app.get('/metrics', { config: publicRoute, schema: { hide: true } }, async (_request, reply) => {
    reply.type(ctx.metrics.contentType);
    return ctx.metrics.metrics();
  });
  app.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
  await registerApiReference(app);

  await registerFeatureRoutes(app, ctx);
  return app;
}
