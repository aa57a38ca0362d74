// Notification and webhook routes (docs/notifications.md). Every organisation (the registry
// too) has a feed and may keep webhooks; each sees only its own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NOTIFICATION_TYPES } from '../../../core/notifications.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, Timestamp, Uuid } from '../../http/schemas.js';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listNotifications,
  listWebhooks,
} from './notification-service.js';

const NotificationType = Type.Enum(NOTIFICATION_TYPES);

const NotificationSchema = Type.Object({
  id: Uuid,
  type: NotificationType,
  at: Timestamp,
  subject: Type.String({ description: 'the id of what it is about (a transfer, an alert, an incident)' }),
  data: Type.Record(Type.String(), Type.Unknown()),
});

const WebhookSchema = Type.Object({
  webhookId: Uuid,
  url: Type.String(),
  types: Type.Array(NotificationType, { description: 'the types delivered; empty: every type' }),
  createdAt: Timestamp,
});

const DeliverySchema = Type.Object({
  deliveryId: Uuid,
  notificationId: Uuid,
  type: NotificationType,
  status: Type.Enum(['pending', 'delivered', 'failed', 'cancelled']),
  createdAt: Timestamp,
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  attempts: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Timestamp,
      statusCode: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      durationMs: Type.Integer(),
    }),
  ),
});

const WebhookParams = Type.Object({ webhookId: Uuid });

export function notificationRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: 'The caller’s notifications, oldest first, after a cursor (pass nextCursor back as after)',
          querystring: Type.Object({
            after: Type.Optional(
              Type.String({ maxLength: 20, description: 'a nextCursor this feed returned' }),
            ),
            limit: PageQuery.limit,
          }),
          response: { 200: pageOf(NotificationSchema), ...errorResponses(400, 401) },
        },
      },
      async (request) =>
        listNotifications(ctx, actorOf(request), {
          after: request.query.after,
          limit: request.query.limit ?? 50,
        }),
    );

    app.post(
      '/v1/webhooks',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Register a webhook (Standard Webhooks); the answer is the only one that shows its secret',
          body: Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 2000 }),
              types: Type.Array(NotificationType, { maxItems: NOTIFICATION_TYPES.length * 2 }),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              ...WebhookSchema.properties,
              secret: Type.String({ description: 'whsec_ and the base64 signing key; shown once' }),
            }),
            ...errorResponses(400, 401, 409),
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createWebhook(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/webhooks',
      {
        schema: {
          tags: ['notifications'],
          summary: 'The caller’s webhooks (never their secrets)',
          response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }), ...errorResponses(401) },
        },
      },
      async (request) => listWebhooks(ctx, actorOf(request)),
    );

    app.delete(
      '/v1/webhooks/:webhookId',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Delete one of the caller’s webhooks; its pending deliveries are cancelled',
          params: WebhookParams,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await deleteWebhook(ctx, actorOf(request), request.params.webhookId);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/webhooks/:webhookId/deliveries',
      {
        schema: {
          tags: ['notifications'],
          summary: 'A webhook’s deliveries, newest first, each with every attempt (status, error, duration)',
          params: WebhookParams,
          querystring: Type.Object(PageQuery),
          response: { 200: pageOf(DeliverySchema), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) =>
        listDeliveries(ctx, actorOf(request), request.params.webhookId, {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );
  };
}
