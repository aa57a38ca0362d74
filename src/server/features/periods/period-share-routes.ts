import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { sharePeriods } from './period-share-service.js';

const PeriodShareSchema = Type.Object({
  robotId: Type.String(),
  fromOrgId: Uuid,
  toOrgId: Uuid,
  periods: Type.Array(
    Type.Object({
      from: Type.Union([Timestamp, Type.Null()], { description: "null: from the robot's beginning" }),
      to: Timestamp,
      ledgerIndex: Type.Integer(),
    }),
    { description: 'the periods shared by this request' },
  ),
});

export function periodShareRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/robots/:robotId/period-shares',
      {
        schema: {
          tags: ['robots'],
          summary:
            'Share the telemetry of your ended ownership periods with a later owner of the robot (former owner)',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object({ toOrgId: Uuid }, { additionalProperties: false }),
          response: { 201: PeriodShareSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await sharePeriods(ctx, actorOf(request), request.params.robotId, request.body)),
    );
  };
}
