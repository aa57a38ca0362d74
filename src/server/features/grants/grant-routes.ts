import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GRANT_SCOPES } from '../../../core/access-policy.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { createGrant, listGrants, MAX_GRANT_YEARS, revokeGrant } from './grant-service.js';

const GrantSchema = Type.Object({
  grantId: Uuid,
  robotId: Type.String(),
  orgId: Uuid,
  grantedBy: Uuid,
  scopes: Type.Array(Type.Enum(GRANT_SCOPES)),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  live: Type.Boolean(),
  ledgerIndex: Type.Integer(),
  revokeLedgerIndex: Type.Union([Type.Integer(), Type.Null()]),
});

export function grantRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/robots/:robotId/grants',
      {
        schema: {
          tags: ['grants'],
          summary: 'Grant an organisation scoped, expiring access to a robot (owner)',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object(
            {
              orgId: Uuid,
              scopes: Type.Array(Type.Enum(GRANT_SCOPES), { minItems: 1, uniqueItems: true }),
              expiresAt: Type.String({
                format: 'date-time',
                description: `in the future, at most ${MAX_GRANT_YEARS} years ahead`,
              }),
            },
            { additionalProperties: false },
          ),
          response: { 201: GrantSchema, ...errorResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createGrant(ctx, actorOf(request), request.params.robotId, request.body)),
    );

    app.get(
      '/v1/robots/:robotId/grants',
      {
        schema: {
          tags: ['grants'],
          summary: "A robot's grants, live and past (owner and authorities)",
          params: Type.Object({ robotId: RobotIdParam }),
          querystring: Type.Object({
            live: Type.Optional(
              Type.Boolean({ description: 'only live (true) or only ended (false) grants' }),
            ),
          }),
          response: { 200: pageOf(GrantSchema), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        listGrants(ctx, actorOf(request), request.params.robotId, { live: request.query.live }),
    );

    app.delete(
      '/v1/robots/:robotId/grants/:grantId',
      {
        schema: {
          tags: ['grants'],
          summary: 'Revoke a grant (owner); it stops working at once',
          params: Type.Object({ robotId: RobotIdParam, grantId: Uuid }),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await revokeGrant(ctx, actorOf(request), request.params.robotId, request.params.grantId);
        return reply.code(204).send(null);
      },
    );
  };
}
