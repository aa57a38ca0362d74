// GET /v1/robots/{robotId}/access-log (docs/access-log.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { listAccessLog } from './access-log.js';

const AccessLogItem = Type.Object({
  at: Timestamp,
  orgId: Uuid,
  keyId: Type.Union([Type.String(), Type.Null()], {
    description: 'the API key the read was made with; null for the admin token',
  }),
  what: Type.String({
    description:
      'what was read: telemetry, telemetry_batches, events, history_proof, alerts, incident, evidence, bundle (docs/access-log.md)',
  }),
});

export function accessLogRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/robots/:robotId/access-log',
      {
        schema: {
          tags: ['robots'],
          summary:
            "Who read the robot's data, newest first (owner, registry, regulators); reads with from <= at < to",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({
            ...PageQuery,
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
          }),
          response: { 200: pageOf(AccessLogItem), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        listAccessLog(ctx, actorOf(request), request.params.robotId, {
          from: request.query.from,
          to: request.query.to,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );
  };
}
