import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVENT_TYPES, ROBOT_STATUSES } from '../../../core/lifecycle.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { HISTORY_READ_DESCRIPTION, withHistoryReads } from '../../http/history-read.js';
import {
  errorResponses,
  LateFlag,
  PageQuery,
  pageOf,
  RobotIdParam,
  Timestamp,
  Uuid,
} from '../../http/schemas.js';
import { LISTED_EVENT_TYPES, listRobotEvents, recordLifecycleEvent } from './lifecycle-service.js';

const Status = Type.Union([Type.String({ description: ROBOT_STATUSES.join(' | ') }), Type.Null()]);

export const RobotEventSchema = Type.Object({
  eventId: Uuid,
  ledgerIndex: Type.Integer(),
  robotId: Type.String({ description: 'the ID the robot had when the event was recorded' }),
  type: Type.String(),
  occurredAt: Timestamp,
  recordedAt: Timestamp,
  late: LateFlag,
  fromStatus: Status,
  toStatus: Status,
  data: Type.Record(Type.String(), Type.Unknown()),
  actorOrgId: Uuid,
});

const DATA_DESCRIPTION =
  'Depends on `type` (docs/lifecycle.md): deployment {siteName?, location?, purpose?}; ' +
  "maintenance {phase?: 'started'|'completed'|'performed' (default started), description, parts?}; " +
  'software_update {component, fromVersion?, toVersion, provider?}; ' +
  "evaluation {intelligenceLevel: 0-5, standard?: 'T/CIE 298-2025', report?}; " +
  'certification {certificate, scheme, validUntil}; ' +
  "suspension {reason: 'incident'|'recall'|'regulator'|'owner', note?}; reinstatement {note?}; " +
  'decommission {reason}; recycling {recycler?, certificate?, receiverOrgId?, receiverCreditCode?, handoverAt?, ' +
  "items?: [{partNumber, serial?, kind}], treatment?: 'reuse'|'repurpose'|'material_recovery'|'disposal'} " +
  '(the handover record, required when the model declares storage media: docs/end-of-life.md); ' +
  'key_rotation {devicePublicKey: base64url of the 32-byte Ed25519 key}; ' +
  "sanitization {media: [{mediaId, serial?, method: 'clear'|'purge'|'destroy', technique, tool?, verification, " +
  "result: 'passed'|'failed'}], credentialsRevoked?}.";

export function lifecycleRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/robots/:robotId/events',
      {
        schema: {
          tags: ['lifecycle'],
          summary: 'Record a lifecycle event; an illegal transition is a 409 that changes nothing',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object(
            {
              type: Type.Enum(EVENT_TYPES),
              occurredAt: Type.Optional(
                Type.String({
                  format: 'date-time',
                  description:
                    "default now; at most 5 minutes ahead, not before the start (UTC) of the robot's productionDate",
                }),
              ),
              data: Type.Optional(
                Type.Record(Type.String(), Type.Unknown(), { description: DATA_DESCRIPTION }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 201: RobotEventSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await recordLifecycleEvent(ctx, actorOf(request), request.params.robotId, request.body)),
    );

    app.get(
      '/v1/robots/:robotId/events',
      {
        schema: {
          tags: ['lifecycle'],
          description: HISTORY_READ_DESCRIPTION,
          summary: "A robot's events in recorded order, system ones included, across all its IDs",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({ ...PageQuery, type: Type.Optional(Type.Enum(LISTED_EVENT_TYPES)) }),
          response: { 200: pageOf(RobotEventSchema), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) =>
        withHistoryReads(ctx, request, reply, (reads) =>
          listRobotEvents(
            ctx,
            actorOf(request),
            request.params.robotId,
            { limit: request.query.limit ?? 50, cursor: request.query.cursor, type: request.query.type },
            reads,
          ),
        ),
    );
  };
}
