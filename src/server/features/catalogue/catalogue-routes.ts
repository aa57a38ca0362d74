import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FAULT_CODE } from '../../../core/telemetry/index.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, Timestamp, Uuid } from '../../http/schemas.js';
import {
  addHardwareRevision,
  createModel,
  createSite,
  getModel,
  listModels,
  listSites,
} from './catalogue-service.js';
import { declareFaultCodes, FAULT_CODE_ORIGINS, listFaultCodes } from './fault-codes.js';

/** RID-1 position 7 (robot-id.md "Layout"). */
export const CATEGORY_CODES = ['B', 'W', 'T', 'D', 'X'] as const;
const S34_CHAR = '[0-9A-HJ-NP-Z]';

const RevisionParams = Type.Record(Type.String(), Type.Unknown(), {
  description: 'hardware parameters of the revision, a JSON object of at most 16 KiB',
});

const RevisionInput = Type.Object(
  {
    code: Type.String({ pattern: `^${S34_CHAR}$`, description: 'RID-1 position 13, one character of S34' }),
    params: RevisionParams,
  },
  { additionalProperties: false },
);

const Limits = Type.Object(
  {
    minBatterySohPct: Type.Number({ minimum: 0, maximum: 100 }),
    maxJointWear: Type.Number({ minimum: 0, maximum: 1 }),
    maxPositionErrorMm: Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
  },
  { additionalProperties: false },
);

const RevisionSchema = Type.Object({
  code: Type.String(),
  params: RevisionParams,
  createdAt: Timestamp,
  ledgerIndex: Type.Union([Type.Integer(), Type.Null()], {
    description: 'null when filed with the model (then it is part of the model entry)',
  }),
});

export const ModelSchema = Type.Object({
  id: Uuid,
  manufacturerId: Uuid,
  modelCode: Type.String(),
  category: Type.String(),
  name: Type.String(),
  jointCount: Type.Integer(),
  limits: Limits,
  hardwareRevisions: Type.Array(RevisionSchema),
  createdAt: Timestamp,
  ledgerIndex: Type.Integer(),
});

const SiteSchema = Type.Object({
  id: Uuid,
  manufacturerId: Uuid,
  code: Type.String(),
  name: Type.String(),
  region: Type.String(),
  createdAt: Timestamp,
  ledgerIndex: Type.Integer(),
});

const FaultCodeFields = {
  code: Type.String({
    pattern: FAULT_CODE.source,
    description: "as the robots report it in a telemetry sample's `faults`",
  }),
  component: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. locomotion, knee_actuator' }),
  origin: Type.Enum(FAULT_CODE_ORIGINS, {
    description: 'whether the fault is of the hardware or the software',
  }),
  description: Type.String({ minLength: 1, maxLength: 2000 }),
};

const FaultCodeInput = Type.Object(FaultCodeFields, { additionalProperties: false });

const ModelFaultCodes = Type.Object({
  modelId: Uuid,
  faultCodes: Type.Array(
    Type.Object({ ...FaultCodeFields, createdAt: Timestamp, ledgerIndex: Type.Integer() }),
    { description: 'every code the model declares, by code' },
  ),
});

const CatalogueQuery = Type.Object({
  ...PageQuery,
  manufacturerId: Type.Optional(Uuid),
});

export function catalogueRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/models',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'File a model with its hardware revisions and limits (manufacturer)',
          body: Type.Object(
            {
              modelCode: Type.String({
                pattern: `^${S34_CHAR}{2}$`,
                description: 'RID-1 positions 8-9; unique per enterprise and category',
              }),
              category: Type.Enum(CATEGORY_CODES, {
                description:
                  'RID-1 position 7: B biped, W wheeled base, T fixed torso, D dual-arm mobile, X other',
              }),
              name: Type.String({ minLength: 1, maxLength: 200 }),
              jointCount: Type.Integer({ minimum: 1, maximum: 256 }),
              hardwareRevisions: Type.Array(RevisionInput, { minItems: 1, maxItems: 34 }),
              limits: Limits,
            },
            { additionalProperties: false },
          ),
          response: { 201: ModelSchema, ...errorResponses(400, 401, 403, 409, 413) },
        },
      },
      async (request, reply) => reply.code(201).send(await createModel(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/models',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'List models: a manufacturer sees its own, everyone else all (filter by manufacturerId)',
          querystring: CatalogueQuery,
          response: { 200: pageOf(ModelSchema), ...errorResponses(400, 401) },
        },
      },
      async (request) =>
        listModels(ctx, actorOf(request), {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
          manufacturerId: request.query.manufacturerId,
        }),
    );

    app.get(
      '/v1/models/:modelId',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'A model with its hardware revisions',
          params: Type.Object({ modelId: Uuid }),
          response: { 200: ModelSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getModel(ctx, actorOf(request), request.params.modelId),
    );

    app.post(
      '/v1/models/:modelId/hardware-revisions',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'Add a hardware revision to one of your models (manufacturer)',
          params: Type.Object({ modelId: Uuid }),
          body: RevisionInput,
          response: {
            201: Type.Intersect([Type.Object({ modelId: Uuid }), RevisionSchema]),
            ...errorResponses(400, 401, 403, 404, 409, 413),
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await addHardwareRevision(ctx, actorOf(request), request.params.modelId, request.body)),
    );

    app.post(
      '/v1/models/:modelId/fault-codes',
      {
        schema: {
          tags: ['catalogue'],
          summary:
            'Declare fault codes of one of your models (manufacturer): added, never changed; all or nothing',
          params: Type.Object({ modelId: Uuid }),
          body: Type.Object(
            { faultCodes: Type.Array(FaultCodeInput, { minItems: 1, maxItems: 200 }) },
            { additionalProperties: false },
          ),
          response: { 201: ModelFaultCodes, ...errorResponses(400, 401, 403, 404, 409, 413) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await declareFaultCodes(ctx, actorOf(request), request.params.modelId, request.body.faultCodes),
          ),
    );

    app.get(
      '/v1/models/:modelId/fault-codes',
      {
        schema: {
          tags: ['catalogue'],
          summary: "A model's fault codes: the component and origin of each code its robots report",
          params: Type.Object({ modelId: Uuid }),
          response: { 200: ModelFaultCodes, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => listFaultCodes(ctx, actorOf(request), request.params.modelId),
    );

    app.post(
      '/v1/sites',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'Register a production site (manufacturer)',
          body: Type.Object(
            {
              code: Type.String({
                pattern: `^${S34_CHAR}$`,
                description: 'RID-1 position 14; unique per manufacturer',
              }),
              name: Type.String({ minLength: 1, maxLength: 200 }),
              region: Type.String({
                minLength: 1,
                maxLength: 20,
                description: 'GB/T 2260 code (6 digits) or ISO 3166-2 code such as CN-HB',
              }),
            },
            { additionalProperties: false },
          ),
          response: { 201: SiteSchema, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await createSite(ctx, actorOf(request), request.body)),
    );

    app.get(
      '/v1/sites',
      {
        schema: {
          tags: ['catalogue'],
          summary: 'List sites: a manufacturer sees its own, everyone else all (filter by manufacturerId)',
          querystring: CatalogueQuery,
          response: { 200: pageOf(SiteSchema), ...errorResponses(400, 401) },
        },
      },
      async (request) =>
        listSites(ctx, actorOf(request), {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
          manufacturerId: request.query.manufacturerId,
        }),
    );
  };
}
