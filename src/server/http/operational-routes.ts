// The routes a load balancer, an orchestrator and Prometheus use: liveness (/healthz, which
// says whether this node leads and answers 503 while it starts or drains), readiness (/readyz)
// and the metrics (/metrics, behind ROBOLEDGER_METRICS_TOKEN: they tell an outsider how busy
// the platform is and which routes fail). Also the drain gate: once `serve` got SIGTERM, every
// new request but these probes is answered 503 DRAINING with `Connection: close`, so clients
// and the load balancer go to another node while the requests under way finish.
import type { FastifyInstance } from 'fastify';
import { PlatformError } from '../../core/errors.js';
import type { AppContext } from '../app-context.js';
import { bearerToken, hashApiKey, tokenMatches } from '../auth/api-keys.js';
import { sendError } from './error-envelope.js';
import { registerNodeMetrics } from './node-metrics.js';

const PUBLIC = { public: true } as const;
const PROBES = new Set(['/healthz', '/readyz']);

/** Refuses new requests while the node drains; the probes still answer (503 for /healthz). */
export function registerDrainGate(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!ctx.node.draining || PROBES.has(request.url.split('?')[0] ?? '')) return;
    reply.header('connection', 'close');
    return sendError(
      request,
      reply,
      new PlatformError('DRAINING', 'this node is shutting down; retry, another node will answer'),
    );
  });
}

/**
 * /healthz, /readyz and /metrics. `waitingFor` lists startup work /healthz waits for (the
 * demo fleet): a platform that listens but is not seeded yet is not "ok" to a script polling it.
 */
export function registerOperationalRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  waitingFor: () => string[],
): void {
  registerNodeMetrics(ctx);
  const metricsTokenHash = ctx.config.metricsToken ? hashApiKey(ctx.config.metricsToken) : undefined;

  app.get('/healthz', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => {
    const leader = ctx.leadership.isLeader;
    if (ctx.node.draining) return reply.code(503).send({ status: 'draining', leader });
    const waiting = waitingFor();
    if (waiting.length === 0) return { status: 'ok', leader };
    return reply.code(503).send({ status: 'starting', waitingFor: waiting, leader });
  });
  app.get('/readyz', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => {
    try {
      await ctx.db.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ error: { code: 'NOT_READY', message: 'the database is not reachable' } });
    }
  });
  // Without a token the route does not exist: metrics are for the operator's Prometheus only.
  app.get('/metrics', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    if (!metricsTokenHash) {
      throw new PlatformError(
        'NOT_FOUND',
        'no route GET /metrics (set ROBOLEDGER_METRICS_TOKEN to enable it)',
      );
    }
    const token = bearerToken(request.headers.authorization);
    if (!token || !tokenMatches(token, metricsTokenHash)) {
      throw new PlatformError(
        'METRICS_UNAUTHENTICATED',
        '/metrics needs Authorization: Bearer <ROBOLEDGER_METRICS_TOKEN>',
      );
    }
    reply.type(ctx.metrics.contentType);
    return ctx.metrics.metrics();
  });
}
