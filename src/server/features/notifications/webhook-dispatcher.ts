// The webhook dispatcher (docs/notifications.md "Deliveries"): POSTs the outbox that the
// causes' transactions wrote, signed as Standard Webhooks specifies, and records every attempt
// (status, error, duration). A failed attempt is retried with exponential backoff up to a cap
// (core/notifications.ts); after the last, the delivery has failed. Nothing here runs inside a
// write: a slow, failing or hostile receiver delays only its own deliveries.
//
// Started and closed by the composition root (platform.ts), like the incident sweep; tests
// give it manual timers and call deliverDue themselves.
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_RETRY_POLICY,
  type NotificationItem,
  type RetryPolicy,
  retryDelayMs,
  webhookSignature,
} from '../../../core/notifications.js';
import type { AppContext } from '../../app-context.js';
import { guardedLookup, hostOf, type Resolver, refusedAddress, systemResolver } from './webhook-target.js';

export interface DispatcherTimers {
  setTimeout(callback: () => Promise<void>, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: DispatcherTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WebhookDispatcherOptions {
  timers?: DispatcherTimers;
  /** How often the outbox is looked at when it had nothing due (default 1 s). */
  intervalMs?: number;
  /** Most deliveries attempted at once, in one round (default 64). */
  batchSize?: number;
  /** Most time one attempt may take, connection to answer (default 10 s). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Resolves hosts for the delivery-time guard (default: the system resolver). */
  resolver?: Resolver;
}

interface DueDelivery {
  id: string;
  webhook_id: string;
  attempts: number;
  url: string;
  secret: Uint8Array;
  notification_id: string;
  type: NotificationItem['type'];
  at: Date;
  subject: string;
  data: Record<string, unknown>;
}

interface AttemptOutcome {
  id: string;
  attempt: number;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  status: 'pending' | 'delivered' | 'failed';
  nextAt: Date | null;
}

/** The body of a delivery: the notification exactly as the feed shows it. */
export function deliveryBody(
  d: Pick<DueDelivery, 'notification_id' | 'type' | 'at' | 'subject' | 'data'>,
): string {
  const item: NotificationItem = {
    id: d.notification_id,
    type: d.type,
    at: d.at.toISOString(),
    subject: d.subject,
    data: d.data,
  };
  return JSON.stringify(item);
}

export class WebhookDispatcher {
  readonly #ctx: Pick<AppContext, 'db' | 'clock' | 'log' | 'config'>;
  readonly #timers: DispatcherTimers;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #resolver: Resolver;
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  readonly #httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  #timer: unknown;
  #round: Promise<number> | undefined;
  #closed = false;

  constructor(
    ctx: Pick<AppContext, 'db' | 'clock' | 'log' | 'config'>,
    options: WebhookDispatcherOptions = {},
  ) {
    this.#ctx = ctx;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 64;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#resolver = options.resolver ?? systemResolver;
  }

  /** Starts the rounds: each one, when done, schedules the next (at once if it was full). */
  start(): void {
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = this.#timers.setTimeout(async () => {
      this.#timer = undefined;
      let attempted = 0;
      try {
        attempted = await this.deliverDue();
      } catch (error) {
        this.#ctx.log.error({ err: error }, 'webhook dispatch failed');
      }
      this.#schedule(attempted >= this.#batchSize ? 0 : this.#intervalMs);
    }, delayMs);
  }

  /** One round: attempts every due delivery (up to the batch size); returns how many. */
  deliverDue(): Promise<number> {
    if (this.#round) return this.#round;
    const round = this.#deliverDue().finally(() => {
      this.#round = undefined;
    });
    this.#round = round;
    return round;
  }

  async #deliverDue(): Promise<number> {
    const now = this.#ctx.clock();
    // Claimed for the length of an attempt and then some: a process that dies mid-round leaves
    // them due again afterwards, never lost.
    const lease = new Date(now.getTime() + 2 * this.#timeoutMs + 60_000);
    const { rows } = await this.#ctx.db.query<DueDelivery>(
      `WITH c AS (
         UPDATE webhook_deliveries SET next_attempt_at = $2
          WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING id, webhook_id, notification_id, attempts)
       SELECT c.id, c.webhook_id, c.attempts, w.url, w.secret, n.id AS notification_id, n.type, n.at, n.subject, n.data
         FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN notifications n ON n.id = c.notification_id`,
      [now, lease, this.#batchSize],
    );
    if (rows.length === 0) return 0;
    const outcomes = await Promise.all(rows.map((d) => this.#attempt(d)));
    await this.#ctx.db.query(
      `WITH u AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[], $5::text[], $6::int[], $7::text[],
                              $8::timestamptz[]) AS u(id, attempt, at, code, error, ms, status, next_at)),
       i AS (
         INSERT INTO webhook_delivery_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
         SELECT id, attempt, at, code, error, ms FROM u)
       UPDATE webhook_deliveries d
          SET attempts = u.attempt, status = u.status, next_attempt_at = u.next_at,
              delivered_at = CASE WHEN u.status = 'delivered' THEN u.at END
         FROM u WHERE d.id = u.id AND d.status = 'pending'`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.attempt),
        outcomes.map((o) => o.at),
        outcomes.map((o) => o.statusCode),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.durationMs),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.nextAt),
      ],
    );
    return rows.length;
  }

  async #attempt(d: DueDelivery): Promise<AttemptOutcome> {
    const at = this.#ctx.clock();
    const attempt = d.attempts + 1;
    const started = performance.now();
    const { statusCode, error } = await this.#post(d, at).then(
      (code) => ({ statusCode: code, error: code >= 200 && code < 300 ? null : `HTTP ${code}` }),
      (e: unknown) => ({ statusCode: null, error: describe(e) }),
    );
    const durationMs = Math.round(performance.now() - started);
    const delivered = error === null;
    const wait = delivered ? null : retryDelayMs(attempt, this.#retry);
    const status = delivered ? 'delivered' : wait === null ? 'failed' : 'pending';
    // Each attempt is logged: never the secret, nor the URL (its query may hold a token).
    this.#ctx.log.info(
      { webhookId: d.webhook_id, deliveryId: d.id, attempt, statusCode, error, durationMs, outcome: status },
      'webhook delivery attempt',
    );
    return {
      id: d.id,
      attempt,
      at,
      statusCode,
      error: error === null ? null : error.slice(0, 500),
      durationMs,
      status,
      nextAt: wait === null ? null : new Date(at.getTime() + wait),
    };
  }

  /** POSTs one delivery; resolves with the answer's status (its body is drained, unread). */
  #post(d: DueDelivery, at: Date): Promise<number> {
    const url = new URL(d.url);
    const host = hostOf(url);
    const allowed = this.#ctx.config.webhookAllowHosts.includes(host);
    // An address in the URL is connected to without a lookup: check it here.
    if (!allowed && isIP(host) !== 0) {
      const reason = refusedAddress(host);
      if (reason) return Promise.reject(new Error(`webhook target refused: ${reason} address ${host}`));
    }
    const body = deliveryBody(d);
    const timestamp = Math.floor(at.getTime() / 1000);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.#httpsAgent : this.#httpAgent,
          ...(allowed ? {} : { lookup: guardedLookup(this.#resolver) }),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'RoboLedger-Webhooks/1',
            'webhook-id': d.notification_id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(d.secret, d.notification_id, timestamp, body),
          },
          timeout: this.#timeoutMs,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Stops the rounds; a round under way finishes first. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Starts the platform's dispatcher (platform.ts). */
export function startWebhookDispatcher(
  ctx: AppContext,
  options: WebhookDispatcherOptions = {},
): WebhookDispatcher {
  const dispatcher = new WebhookDispatcher(ctx, options);
  dispatcher.start();
  return dispatcher;
}
