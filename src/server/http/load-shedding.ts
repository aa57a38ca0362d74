// Load shedding (docs/security.md "Limits and timeouts"). Every route is rate limited: public
// routes per client address, authenticated routes per API key, in a window of one minute,
// counted in memory or in Redis (REDIS_URL) so several processes share one count. Telemetry
// bodies also draw on a budget of bytes in flight, taken when the headers arrive (from
// Content-Length, before a byte of the body is read) and given back when the answer is sent:
// beyond it the platform answers 429 at once. Before this, 1,500 unauthenticated 1 MB bodies
// with bad signatures took the server from 590 MB to 1.6 GB without one 429.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { PlatformError } from '../../core/errors.js';
import { TELEMETRY_LIMITS } from '../../core/telemetry/index.js';
import type { AppContext } from '../app-context.js';

declare module 'fastify' {
  interface FastifyInstance {
    telemetryBodyBudget: TelemetryBodyBudget;
  }
}

const MINUTE_MS = 60_000;
const TELEMETRY_ROUTE = '/v1/telemetry';

/** Bytes of telemetry bodies the platform holds at once, read or waiting for verification. */
export class TelemetryBodyBudget {
  readonly limitBytes: number;
  #inFlight = 0;
  #peak = 0;
  #shed = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  get inFlightBytes(): number {
    return this.#inFlight;
  }
  /** The most ever held at once: never above `limitBytes`. */
  get peakInFlightBytes(): number {
    return this.#peak;
  }
  /** Requests answered 429 because the budget was spent. */
  get shed(): number {
    return this.#shed;
  }

  /** Takes `bytes` if they fit; otherwise counts a shed request and answers false. */
  tryTake(bytes: number): boolean {
    if (this.#inFlight + bytes > this.limitBytes) {
      this.#shed++;
      return false;
    }
    this.#inFlight += bytes;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    return true;
  }

  giveBack(bytes: number): void {
    this.#inFlight -= bytes;
  }
}

/** What a telemetry request will hold: its declared length, or a batch at its largest. */
function declaredBodyBytes(request: FastifyRequest): number {
  const declared = Number(request.headers['content-length']);
  // No (or a nonsensical) Content-Length: chunked, so assume the largest a batch may be. A
  // larger declared length is refused by the body limit before it is read.
  if (!Number.isSafeInteger(declared) || declared < 0) return TELEMETRY_LIMITS.maxBatchBytes;
  return Math.min(declared, TELEMETRY_LIMITS.maxBatchBytes);
}

function windowText(ms: number): string {
  if (ms % MINUTE_MS === 0) return ms === MINUTE_MS ? '1 minute' : `${ms / MINUTE_MS} minutes`;
  return `${Math.round(ms / 1000)} seconds`;
}

/** A route's own window (`config.rateLimit.timeWindow`, ms or '1 minute'), else the minute. */
function windowOf(request: FastifyRequest): number {
  const own = (request.routeOptions.config as { rateLimit?: { timeWindow?: unknown } }).rateLimit?.timeWindow;
  return typeof own === 'number' ? own : MINUTE_MS;
}

/**
 * Whose count a request draws on. Public routes: the client address (telemetry apart, as a
 * fleet behind one address sends many batches). Authenticated routes: the API key, known by
 * then (the limit is a route-level onRequest hook, which runs after the app's, authentication
 * included), so a key's holder cannot escape its limit by changing address, nor spend another's.
 */
function counterKey(request: FastifyRequest): string {
  if (request.routeOptions.config.public) {
    return request.routeOptions.url === TELEMETRY_ROUTE ? `telemetry:${request.ip}` : `address:${request.ip}`;
  }
  return request.actor ? `key:${request.actor.keyId ?? 'admin-token'}` : `address:${request.ip}`;
}

/**
 * Registers the rate limits and the telemetry body budget. Call before the routes and before
 * authentication's hook is added, so that the budget is checked before anything else.
 */
export async function registerLoadShedding(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const budget = new TelemetryBodyBudget(ctx.config.telemetryInflightBytes);
  app.decorate('telemetryBodyBudget', budget);
  const shedTotal = new Counter({
    name: 'roboledger_telemetry_shed_total',
    help: 'Telemetry requests answered 429 because the in-flight body budget was spent',
    registers: [ctx.metrics],
  });
  new Gauge({
    name: 'roboledger_telemetry_inflight_bytes',
    help: 'Bytes of telemetry bodies read or awaiting verification',
    registers: [ctx.metrics],
    collect() {
      this.set(budget.inFlightBytes);
    },
  });

  const held = new WeakMap<FastifyRequest, number>();
  const release = (request: FastifyRequest) => {
    const bytes = held.get(request);
    if (bytes === undefined) return;
    held.delete(request);
    budget.giveBack(bytes);
  };
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST' || request.routeOptions.url !== TELEMETRY_ROUTE) return done();
    const bytes = declaredBodyBytes(request);
    if (!budget.tryTake(bytes)) {
      shedTotal.inc();
      reply.header('retry-after', '1');
      return done(
        new PlatformError('TELEMETRY_QUEUE_FULL', 'too many telemetry bytes in flight; retry later', {
          retryAfterSeconds: 1,
        }),
      );
    }
    held.set(request, bytes);
    // Given back when the answer is sent, or when the client goes away first.
    reply.raw.once('close', () => release(request));
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });

  const redis = ctx.config.redisUrl
    ? new Redis(ctx.config.redisUrl, {
        // A count that cannot be reached is skipped (skipOnError), not waited for.
        connectTimeout: 2_000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        lazyConnect: true,
      })
    : undefined;
  if (redis) {
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate-limit store (Redis) unreachable'));
    // Connected before the first request; if Redis is down now, ioredis keeps trying meanwhile.
    await redis.connect().catch(() => {});
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  }
  const { keyRateLimit, telemetryRateLimit, publicRateLimit } = ctx.config;
  await app.register(rateLimit, {
    global: true,
    timeWindow: MINUTE_MS,
    keyGenerator: counterKey,
    max: (_request, key) =>
      key.startsWith('key:')
        ? keyRateLimit
        : key.startsWith('telemetry:')
          ? telemetryRateLimit
          : publicRateLimit,
    // context.after is the time until the count resets, not the window (issue 10).
    errorResponseBuilder: (request, context) => {
      const window = windowOf(request);
      return new PlatformError(
        'RATE_LIMITED',
        `rate limit of ${context.max} requests per ${windowText(window)} exceeded; retry in ${context.after}`,
        {
          limit: context.max,
          windowSeconds: window / 1000,
          retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
        },
      );
    },
    // The counters live in Redis when configured: one limit across every platform process.
    ...(redis ? { redis, nameSpace: 'roboledger-rate-limit:' } : {}),
    // A store that cannot be reached lets requests through: shedding must not become an outage.
    skipOnError: true,
  });
}
