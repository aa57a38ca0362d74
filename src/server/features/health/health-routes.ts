// Health routes (docs/health.md): a robot's health and prognosis, and the fleet view.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADVISORY_KINDS } from '../../../core/health/index.js';
import { HEALTH_GRADES } from '../../../core/telemetry/index.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { HISTORY_READ_DESCRIPTION, withHistoryReads } from '../../http/history-read.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { fleetHealth, robotHealth } from './health-service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Advisory = Type.Object({
  advisoryId: Uuid,
  kind: Type.Enum(ADVISORY_KINDS),
  component: Type.String({ description: 'battery, battery:<packId>, joint:<index> or accuracy' }),
  dueBy: Timestamp,
  dueInHours: Type.Number({ description: 'operating hours left when raised' }),
  reason: Type.String(),
  status: Type.Enum(['open', 'closed']),
  raisedAt: Timestamp,
  closedAt: Nullable(Timestamp),
  closedByEventId: Nullable(Uuid),
  ledgerIndex: Type.Integer(),
});

const RobotHealth = Type.Object({
  robotId: Type.String(),
  assessedAt: Timestamp,
  grade: Type.Enum(HEALTH_GRADES),
  reasons: Type.Array(Type.String()),
  battery: Type.Object({
    packId: Nullable(Type.String({ description: 'serial of the installed pack; null: the original one' })),
    sohPct: Nullable(Type.Number()),
    sohFadePctPer1000h: Nullable(Type.Number()),
    projectedMinSohAt: Nullable(Timestamp),
    cycles: Type.Integer(),
    deepDischargeEvents: Type.Integer(),
    minutesAboveTempLimit: Type.Integer(),
  }),
  joints: Type.Array(
    Type.Object({
      index: Type.Integer(),
      wear: Type.Number(),
      wearPer1000h: Nullable(Type.Number()),
      remainingUsefulLifeHours: Nullable(Type.Number()),
    }),
  ),
  accuracy: Type.Object({
    positionErrorMmP95: Nullable(Type.Number()),
    trendMmPer1000h: Nullable(Type.Number()),
    taskSuccessRate: Nullable(Type.Number()),
  }),
  operatingHours: Type.Number(),
  advisories: Type.Array(Advisory),
  basis: Type.Object({ from: Nullable(Timestamp), to: Nullable(Timestamp), batches: Type.Integer() }),
});

const FleetItem = Type.Object({
  robotId: Type.String(),
  ownerOrgId: Uuid,
  status: Type.String(),
  grade: Type.Enum(HEALTH_GRADES),
  assessedAt: Timestamp,
  operatingHours: Type.Number(),
  summary: Type.Record(Type.String(), Type.Unknown()),
  advisories: Type.Array(Advisory),
});

export function healthRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/robots/:robotId/health',
      {
        schema: {
          tags: ['telemetry'],
          description: HISTORY_READ_DESCRIPTION,
          summary: "A robot's health and prognosis: trends, projections, grade and advisories",
          params: Type.Object({ robotId: RobotIdParam }),
          response: { 200: RobotHealth, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) =>
        withHistoryReads(ctx, request, reply, (reads) =>
          robotHealth(ctx, actorOf(request), request.params.robotId, reads),
        ),
    );

    app.get(
      '/v1/fleet/health',
      {
        schema: {
          tags: ['telemetry'],
          summary:
            'Assessed robots with grade and open advisories (registry, regulators: all; others: the robots they own)',
          querystring: Type.Object({
            ...PageQuery,
            orgId: Type.Optional(Uuid),
            grade: Type.Optional(Type.Enum(HEALTH_GRADES)),
          }),
          response: { 200: pageOf(FleetItem), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) =>
        fleetHealth(ctx, actorOf(request), {
          orgId: request.query.orgId,
          grade: request.query.grade,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );
  };
}
