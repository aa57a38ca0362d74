// The feed and the webhooks of an organisation (docs/notifications.md). Each organisation sees
// only its own: its feed, its webhooks and their deliveries; another's webhook is "not found".
// Webhooks are settings of the caller, not records of the registry: they are not ledgered.
import { randomBytes, randomUUID } from 'node:crypto';
import { PlatformError } from '../../../core/errors.js';
import {
  type NotificationItem,
  type NotificationType,
  webhookSecretText,
} from '../../../core/notifications.js';
import type { Actor } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { checkWebhookTarget, parseWebhookUrl, type Resolver, systemResolver } from './webhook-target.js';

/** Most live webhooks an organisation may have. */
export const MAX_WEBHOOKS_PER_ORG = 20;

function cursorOf(text: string | undefined, field: string): number | null {
  if (text === undefined) return null;
  if (!/^\d{1,15}$/.test(text)) {
    throw new PlatformError('VALIDATION_FAILED', `${field} is not a cursor this list returned`, { field });
  }
  return Number(text);
}

/**
 * The caller's feed, oldest first, after the cursor `after`. `nextCursor` is where to go on
 * from (the last item's cursor, or `after` when nothing came): a feed has no end.
 */
export async function listNotifications(
  ctx: AppContext,
  actor: Actor,
  query: { after: string | undefined; limit: number },
): Promise<{ items: NotificationItem[]; nextCursor: string | null }> {
  const after = cursorOf(query.after, 'after');
  const { rows } = await ctx.db.query<{
    seq: number;
    id: string;
    type: NotificationType;
    at: Date;
    subject: string;
    data: Record<string, unknown>;
  }>(
    `SELECT seq, id, type, at, subject, data FROM notifications
      WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [actor.orgId, after ?? 0, query.limit],
  );
  const last = rows[rows.length - 1];
  return {
    items: rows.map((r) => ({
      id: r.id,
      type: r.type,
      at: r.at.toISOString(),
      subject: r.subject,
      data: r.data,
    })),
    nextCursor: last ? String(last.seq) : (query.after ?? null),
  };
}

export interface Webhook {
  webhookId: string;
  url: string;
  types: NotificationType[];
  createdAt: string;
}

interface WebhookRow {
  id: string;
  url: string;
  types: NotificationType[];
  created_at: Date;
}

const toWebhook = (r: WebhookRow): Webhook => ({
  webhookId: r.id,
  url: r.url,
  types: r.types,
  createdAt: r.created_at.toISOString(),
});

/** Registers a webhook; the only answer that ever holds its secret. */
export async function createWebhook(
  ctx: AppContext,
  actor: Actor,
  input: { url: string; types: NotificationType[] },
  resolver: Resolver = systemResolver,
): Promise<Webhook & { secret: string }> {
  const url = parseWebhookUrl(input.url);
  await checkWebhookTarget(url, ctx.config.webhookAllowHosts, resolver);
  const key = randomBytes(32);
  const now = ctx.clock();
  const id = randomUUID();
  const types = [...new Set(input.types)];
  const { rows } = await ctx.db.query<WebhookRow>(
    `INSERT INTO webhooks (id, org_id, url, types, secret, created_at)
     SELECT $1, $2, $3, $4, $5, $6
      WHERE (SELECT count(*) FROM webhooks WHERE org_id = $2 AND deleted_at IS NULL) < $7
     RETURNING id, url, types, created_at`,
    [id, actor.orgId, input.url, types, key, now, MAX_WEBHOOKS_PER_ORG],
  );
  const row = rows[0];
  if (!row) {
    throw new PlatformError('WEBHOOK_LIMIT', `an organisation has at most ${MAX_WEBHOOKS_PER_ORG} webhooks`, {
      limit: MAX_WEBHOOKS_PER_ORG,
    });
  }
  return { ...toWebhook(row), secret: webhookSecretText(key) };
}

export async function listWebhooks(ctx: AppContext, actor: Actor): Promise<{ items: Webhook[] }> {
  const { rows } = await ctx.db.query<WebhookRow>(
    'SELECT id, url, types, created_at FROM webhooks WHERE org_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
    [actor.orgId],
  );
  return { items: rows.map(toWebhook) };
}

function webhookNotFound(webhookId: string): PlatformError {
  return new PlatformError('WEBHOOK_NOT_FOUND', 'you have no webhook with this id', { webhookId });
}

/** Deletes the webhook: nothing more is sent to it, deliveries still pending are cancelled. */
export async function deleteWebhook(ctx: AppContext, actor: Actor, webhookId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      'UPDATE webhooks SET deleted_at = $3 WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL',
      [webhookId, actor.orgId, ctx.clock()],
    );
    if (rowCount === 0) throw webhookNotFound(webhookId);
    await tx.query(
      "UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE webhook_id = $1 AND status = 'pending'",
      [webhookId],
    );
  });
}

export interface Delivery {
  deliveryId: string;
  notificationId: string;
  type: NotificationType;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  attempts: {
    attempt: number;
    at: string;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
  }[];
}

/** A webhook's deliveries, newest first, each with its attempts in order. */
export async function listDeliveries(
  ctx: AppContext,
  actor: Actor,
  webhookId: string,
  query: { limit: number; cursor: string | undefined },
): Promise<{ items: Delivery[]; nextCursor: string | null }> {
  const before = cursorOf(query.cursor, 'cursor');
  const owned = await ctx.db.query(
    'SELECT 1 FROM webhooks WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL',
    [webhookId, actor.orgId],
  );
  if (owned.rows.length === 0) throw webhookNotFound(webhookId);
  const { rows } = await ctx.db.query<{
    seq: number;
    id: string;
    notification_id: string;
    type: NotificationType;
    status: Delivery['status'];
    created_at: Date;
    next_attempt_at: Date | null;
    delivered_at: Date | null;
    attempts: {
      attempt: number;
      at: string;
      status_code: number | null;
      error: string | null;
      duration_ms: number;
    }[];
  }>(
    `SELECT d.seq, d.id, d.notification_id, n.type, d.status, d.created_at, d.next_attempt_at, d.delivered_at,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'at', a.at, 'status_code', a.status_code,
                                                          'error', a.error, 'duration_ms', a.duration_ms)
                                       ORDER BY a.attempt)
                        FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]'::jsonb) AS attempts
       FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id
      WHERE d.webhook_id = $1 AND ($2::bigint IS NULL OR d.seq < $2::bigint)
      ORDER BY d.seq DESC LIMIT $3`,
    [webhookId, before, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({
      deliveryId: r.id,
      notificationId: r.notification_id,
      type: r.type,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      // A claimed delivery's lease is not a schedule: only a pending one has a next attempt.
      nextAttemptAt: r.status === 'pending' ? (r.next_attempt_at?.toISOString() ?? null) : null,
      deliveredAt: r.delivered_at?.toISOString() ?? null,
      attempts: r.attempts.map((a) => ({
        attempt: a.attempt,
        at: new Date(a.at).toISOString(),
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
      })),
    })),
    nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.seq) : null,
  };
}
