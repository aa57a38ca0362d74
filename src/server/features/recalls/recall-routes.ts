// Recall routes (docs/recalls.md): open a campaign, read it with its progress, list its units,
// a robot's recalls, and the owner's refusal of a unit's remedy.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { REMEDY_TYPES } from './recall-records.js';
import {
  declineRecallUnit,
  getRecall,
  listRecallUnits,
  openRecall,
  robotRecalls,
  UNIT_STATUSES,
} from './recall-service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const CampaignIdParam = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
  description: 'e.g. R-2026-014: letters, digits and ._- (1-100)',
});
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const DateOrTimestamp = Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], {
  description: 'a calendar date, or an RFC 3339 timestamp (its UTC date counts)',
});
const SoftwareFilter = Type.Object(
  {
    component: Text(200),
    versions: Type.Array(Text(100), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
const SoftwareVersion = Type.Object(
  { component: Text(200), version: Text(100) },
  { additionalProperties: false },
);

const CampaignFields = {
  campaignId: CampaignIdParam,
  openedBy: Uuid,
  manufacturerId: Nullable(Uuid),
  modelIds: Nullable(Type.Array(Uuid)),
  hardwareRevisions: Nullable(Type.Array(Type.String())),
  software: Nullable(Type.Object({ component: Type.String(), versions: Type.Array(Type.String()) })),
  productionFrom: Nullable(Type.String({ format: 'date' })),
  productionTo: Nullable(Type.String({ format: 'date' })),
  component: Type.String(),
  summary: Type.String(),
  consequence: Type.String(),
  remedy: Type.Object({
    type: Type.Enum(REMEDY_TYPES),
    software: Nullable(Type.Object({ component: Type.String(), version: Type.String() })),
    availableAt: Nullable(Timestamp),
  }),
  doNotOperate: Type.Boolean(),
  openedAt: Timestamp,
  affected: Type.Integer({ description: 'robots the campaign affects' }),
  ledgerIndex: Type.Integer(),
};
const Campaign = Type.Object(CampaignFields);
const CampaignProgress = Type.Object({
  ...CampaignFields,
  remedied: Type.Integer(),
  open: Type.Integer({ description: 'open, and open with the remedy not yet available' }),
  unavailable: Type.Integer({ description: 'decommissioned or recycled before a remedy' }),
  declined: Type.Integer(),
  completionRate: Type.Number({ description: 'remedied / (affected - unavailable); 0 when that is 0' }),
});
const Unit = Type.Object({
  robotId: Type.String(),
  status: Type.Enum(UNIT_STATUSES),
  suspendedByCampaign: Type.Boolean(),
  remediedAt: Nullable(Timestamp),
  remediedByEventId: Nullable(Uuid),
  attestedSeq: Nullable(Type.Integer({ description: 'the telemetry batch that attested a software remedy' })),
  declinedAt: Nullable(Timestamp),
  declineReason: Nullable(Type.String()),
});

export function recallRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/recalls',
      {
        schema: {
          tags: ['recalls'],
          summary:
            'Open a recall campaign (a manufacturer for its own models, the registry, a regulator); omitted filters match all',
          body: Type.Object(
            {
              campaignId: CampaignIdParam,
              modelIds: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
              hardwareRevisions: Type.Optional(
                Type.Array(
                  Type.String({
                    minLength: 1,
                    maxLength: 1,
                    description: 'a hardware revision code (RID-1 position 13)',
                  }),
                  { maxItems: 36 },
                ),
              ),
              software: Type.Optional(SoftwareFilter),
              productionFrom: Type.Optional(DateOrTimestamp),
              productionTo: Type.Optional(DateOrTimestamp),
              component: Text(200),
              summary: Text(2000),
              consequence: Text(2000),
              remedy: Type.Object(
                {
                  type: Type.Enum(REMEDY_TYPES),
                  software: Type.Optional(SoftwareVersion),
                  availableAt: Type.Optional(Type.String({ maxLength: 40 })),
                },
                { additionalProperties: false },
              ),
              doNotOperate: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 201: Campaign, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await openRecall(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/recalls/:campaignId',
      {
        schema: {
          tags: ['recalls'],
          summary: 'A recall campaign with its progress (any organisation: recalls are public notices)',
          params: Type.Object({ campaignId: CampaignIdParam }),
          response: { 200: CampaignProgress, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getRecall(ctx, actorOf(request), request.params.campaignId),
    );

    app.get(
      '/v1/recalls/:campaignId/units',
      {
        schema: {
          tags: ['recalls'],
          summary:
            "A campaign's units (authorities, its opener and manufacturer: all; others: the robots they own)",
          params: Type.Object({ campaignId: CampaignIdParam }),
          querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.Enum(UNIT_STATUSES)) }),
          response: { 200: pageOf(Unit), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) =>
        listRecallUnits(ctx, actorOf(request), request.params.campaignId, {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
          status: request.query.status,
        }),
    );

    app.post(
      '/v1/recalls/:campaignId/units/:robotId/decline',
      {
        schema: {
          tags: ['recalls'],
          summary: "The owner records that it refuses the remedy of its robot's unit (ledgered)",
          params: Type.Object({ campaignId: CampaignIdParam, robotId: RobotIdParam }),
          body: Type.Optional(
            Type.Object({ reason: Type.Optional(Text(2000)) }, { additionalProperties: false }),
          ),
          response: {
            201: Type.Object({
              campaignId: Type.String(),
              robotId: Type.String(),
              status: Type.Literal('declined'),
              declinedAt: Timestamp,
              declineReason: Nullable(Type.String()),
              ledgerIndex: Type.Integer(),
            }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await declineRecallUnit(
              ctx,
              actorOf(request),
              request.params.campaignId,
              request.params.robotId,
              request.body ?? {},
            ),
          ),
    );

    app.get(
      '/v1/robots/:robotId/recalls',
      {
        schema: {
          tags: ['recalls'],
          summary: 'The recall campaigns affecting a robot, each with its unit',
          params: Type.Object({ robotId: RobotIdParam }),
          response: {
            200: Type.Object({ items: Type.Array(Type.Object({ ...CampaignFields, unit: Unit })) }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => robotRecalls(ctx, actorOf(request), request.params.robotId),
    );
  };
}
