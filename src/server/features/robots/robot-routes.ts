import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BRANDS, CERTIFICATE_REASONS } from '../../../core/certificate.js';
import { ROBOT_STATUSES } from '../../../core/lifecycle.js';
import { ORG_KINDS } from '../../../core/organisation.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { fileRobot } from './robot-filing.js';
import { getRobot, listRobots } from './robot-reads.js';
import { recodeRobot } from './robot-recoding.js';

const S34_CHAR = '[0-9A-HJ-NP-Z]';
const ProductionDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD, 2010-2039 and not in the future',
});
const IntelligenceLevel = Type.Integer({
  minimum: 0,
  maximum: 5,
  description: 'L1-L5 per T/CIE 298-2025; 0 = not graded',
});
const RevisionCode = Type.String({
  pattern: `^${S34_CHAR}$`,
  description: 'a hardware revision of the model',
});
const SiteCode = Type.String({ pattern: `^${S34_CHAR}$`, description: 'one of your registered sites' });

const DecodedSchema = Type.Object({
  scheme: Type.String(),
  display: Type.String({ description: 'grouped 2/4/6/17 for people' }),
  country: Type.String(),
  countryName: Type.String(),
  enterprise: Type.String(),
  category: Type.String(),
  categoryName: Type.String(),
  model: Type.String(),
  levelAsFiled: Type.Integer(),
  levelLabel: Type.String(),
  productionYear: Type.Integer(),
  productionMonth: Type.Integer(),
  hardwareRevision: Type.String(),
  site: Type.String(),
  unitSequence: Type.String({ description: 'without its left padding' }),
  unitSequencePadded: Type.String(),
  check: Type.String(),
  modelCode: Type.String({ description: 'positions 7-12, the public model code' }),
  serial: Type.String({ description: 'positions 13-29, the public serial' }),
});

export const RobotSchema = Type.Object({
  robotId: Type.String({ description: 'the current ID, canonical form' }),
  decoded: DecodedSchema,
  model: Type.Object({
    id: Uuid,
    name: Type.String(),
    modelCode: Type.String(),
    category: Type.String(),
    jointCount: Type.Integer(),
    limits: Type.Object({
      minBatterySohPct: Type.Number(),
      maxJointWear: Type.Number(),
      maxPositionErrorMm: Type.Number(),
    }),
  }),
  manufacturer: Type.Object({
    id: Uuid,
    name: Type.String(),
    country: Type.String(),
    enterpriseCode: Type.String(),
  }),
  owner: Type.Object({ id: Uuid, name: Type.String(), kind: Type.Enum(ORG_KINDS) }),
  site: Type.Object({ id: Uuid, code: Type.String(), name: Type.String(), region: Type.String() }),
  status: Type.Enum(ROBOT_STATUSES),
  intelligenceLevel: Type.Integer({ description: 'current level (evaluations change it)' }),
  intelligenceLevelFiled: Type.Integer({ description: 'level as filed, position 10 of the ID' }),
  hardwareRevision: Type.String(),
  productionDate: Type.String(),
  devicePublicKey: Type.Union([Type.String(), Type.Null()], { description: 'live Ed25519 key, base64url' }),
  previousRobotIds: Type.Array(Type.String(), { description: 'IDs this robot had before re-coding' }),
  supersededBy: Type.Optional(
    Type.String({ description: 'present when the robot was asked for by a superseded ID: its current ID' }),
  ),
  filedAt: Timestamp,
  updatedAt: Timestamp,
  ledgerIndex: Type.Integer({ description: 'ledger index of the filing event' }),
});

/** One robot asked for by ID: the robot with its certificate and brands. */
export const RobotDetailSchema = Type.Object({
  ...RobotSchema.properties,
  certificate: Type.Object(
    {
      valid: Type.Boolean(),
      reasons: Type.Array(Type.Enum(CERTIFICATE_REASONS), {
        description: 'empty when valid; `none` alone when no certification names a type approval',
      }),
      approvalId: Type.Union([Type.String(), Type.Null()], {
        description: "the type approval named by the robot's latest certification",
      }),
    },
    { description: "the robot's certificate as it stands now" },
  ),
  brands: Type.Array(Type.Enum(BRANDS), { description: 'permanent brands, oldest first' }),
});

export function robotRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/robots',
      {
        schema: {
          tags: ['robots'],
          summary: 'File a robot and issue its 29-character ID (manufacturer)',
          body: Type.Object(
            {
              modelId: Uuid,
              hardwareRevision: RevisionCode,
              siteCode: SiteCode,
              productionDate: ProductionDate,
              intelligenceLevel: IntelligenceLevel,
              serial: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: 64,
                  description:
                    'your own unit sequence: 1-14 characters of S34; omitted: the platform allocates one',
                }),
              ),
              devicePublicKey: Type.String({
                maxLength: 128,
                description: "the robot's Ed25519 public key, base64url (no padding) of the 32 raw bytes",
              }),
            },
            { additionalProperties: false },
          ),
          response: { 201: RobotSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await fileRobot(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/robots',
      {
        schema: {
          tags: ['robots'],
          summary: 'The robots you may see, ordered by robot ID',
          querystring: Type.Object({
            ...PageQuery,
            status: Type.Optional(Type.Enum(ROBOT_STATUSES)),
            modelId: Type.Optional(Uuid),
          }),
          response: { 200: pageOf(RobotSchema), ...errorResponses(400, 401) },
        },
      },
      async (request) =>
        listRobots(ctx, actorOf(request), {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
          status: request.query.status,
          modelId: request.query.modelId,
        }),
    );

    app.get(
      '/v1/robots/:robotId',
      {
        schema: {
          tags: ['robots'],
          summary: 'A robot by any ID it ever had: decoded ID, model, manufacturer, owner, status',
          params: Type.Object({ robotId: RobotIdParam }),
          response: { 200: RobotDetailSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getRobot(ctx, actorOf(request), request.params.robotId),
    );

    app.post(
      '/v1/robots/:robotId/recode',
      {
        schema: {
          tags: ['robots'],
          summary: 'Issue a new ID to one of your robots (manufacturer), e.g. after a hardware rebuild',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object(
            {
              hardwareRevision: Type.Optional(RevisionCode),
              siteCode: Type.Optional(SiteCode),
              intelligenceLevel: Type.Optional(IntelligenceLevel),
              productionDate: Type.Optional(ProductionDate),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 201: RobotSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await recodeRobot(ctx, actorOf(request), request.params.robotId, request.body)),
    );
  };
}
