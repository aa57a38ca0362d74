// Notifications and webhooks, the pure part (docs/notifications.md): the types, the Standard
// Webhooks signature, the secret's text form and the retry schedule. Nothing here reads a
// clock or does I/O; the server writes the feed and the outbox and POSTs the deliveries.
import { createHmac } from 'node:crypto';

/**
 * Every notification type. Those of recalls and advisories are written by their features
 * through the same `notify` (src/server/features/notifications/notify.ts).
 */
export const NOTIFICATION_TYPES = [
  'transfer.offered',
  'transfer.decided',
  'recall.opened',
  'recall.remedied',
  'alert.raised',
  'advisory.raised',
  'incident.reported',
  'incident.finding',
  'hold.changed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** One item of an organisation's feed, and the body of its webhook deliveries. */
export interface NotificationItem {
  id: string;
  type: NotificationType;
  /** RFC 3339, when its cause was written. */
  at: string;
  /** The id of what it is about (a transfer, an alert, an incident). */
  subject: string;
  data: Record<string, unknown>;
}

/** A webhook secret's text form (Standard Webhooks): `whsec_` and the key's base64. */
export function webhookSecretText(key: Uint8Array): string {
  return `whsec_${Buffer.from(key).toString('base64')}`;
}

/**
 * The `webhook-signature` header of a delivery (Standard Webhooks, scheme v1): the base64
 * HMAC-SHA256, under the secret's key, of `${id}.${timestamp}.${body}`; `timestamp` is in
 * whole seconds since the epoch, as sent in `webhook-timestamp`.
 */
export function webhookSignature(
  key: Uint8Array,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The retry schedule of a failed delivery. */
export interface RetryPolicy {
  /** Attempts in all, the first included; after the last fails the delivery has failed. */
  maxAttempts: number;
  /** Wait after the first failed attempt; each further failure doubles it... */
  baseDelayMs: number;
  /** ...up to this cap. */
  maxDelayMs: number;
}

/**
 * 10 attempts over about 3 hours: waits of 30 s, 1, 2, 4, 8, 16 and 32 min, then the cap of
 * 1 h twice.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
};

/**
 * After attempt number `attempt` (1 for the first) failed: the wait before the next one, or
 * null when it was the last.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number | null {
  if (attempt >= policy.maxAttempts) return null;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}
