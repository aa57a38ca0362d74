import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TSchema, Type } from 'typebox';
import { ROBOT_STATUSES } from '../../../core/lifecycle.js';
import type { AppContext } from '../../app-context.js';
import { errorResponses, RobotIdParam, Timestamp } from '../../http/schemas.js';
import { canonicalRobotId } from '../robots/robot-access.js';
import { PublicRobotLookup } from './public-robot-lookup.js';

/**
 * `nullable: true` (OpenAPI 3.0) rather than `anyOf [T, null]`: fast-json-stringify serialises
 * it directly, where an anyOf costs a schema validation per field per answer.
 */
function Nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

const PublicRobotSchema = Type.Object({
  robotId: Type.String({ description: 'the ID asked about, canonical form' }),
  wellFormed: Type.Boolean({ description: 'always true in a 200: a malformed ID is a 400' }),
  registered: Type.Boolean(),
  status: Nullable(Type.Enum(ROBOT_STATUSES)),
  manufacturer: Nullable(Type.Object({ name: Type.String(), country: Type.String() })),
  model: Nullable(Type.Object({ name: Type.String() })),
  filedAt: Nullable(Timestamp),
  incidents: Nullable(
    Type.Object(
      {
        count: Type.Integer({ description: 'incidents reported on the robot' }),
        serious: Type.Integer({ description: 'of which fatal or serious' }),
      },
      { description: 'counts only: what happened and who was involved is for the incident’s parties' },
    ),
  ),
  openRecalls: Nullable(
    Type.Integer({
      description:
        'recall campaigns affecting the robot whose remedy is not complete on it (declined ones too)',
    }),
  ),
  brands: Nullable(
    Type.Array(Type.String(), {
      description: 'permanent brands by name, oldest first (e.g. total_loss, stolen); never their notes',
    }),
  ),
  supersededBy: Type.Optional(Type.String({ description: 'the current ID, when this one was re-coded' })),
});

export function publicRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const lookup = new PublicRobotLookup(ctx.db);
  return async (app) => {
    app.get(
      '/v1/public/robots/:robotId',
      {
        config: { public: true, rateLimit: { max: ctx.config.publicRateLimit, timeWindow: '1 minute' } },
        schema: {
          tags: ['public'],
          summary: 'Is this robot ID well-formed and registered? No credentials; rate limited per address',
          security: [],
          params: Type.Object({ robotId: RobotIdParam }),
          response: { 200: PublicRobotSchema, ...errorResponses(400, 429) },
        },
      },
      // A malformed ID is a 400 with the validator's code, position and suggestion.
      async (request) => lookup.lookUp(canonicalRobotId(request.params.robotId)),
    );
  };
}
