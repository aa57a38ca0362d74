// Routes of type approvals and brands (docs/certificates.md): approvals of a model and their
// extensions; a robot's brands. A robot's certificate is shown on GET /v1/robots/{robotId}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BRANDS } from '../../../core/certificate.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { extendTypeApproval, issueApproval, listApprovals } from './approval-service.js';
import { listBrands, recordBrand } from './brand-service.js';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const ApprovalIdParam = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
  description: 'the approval number as issued: letters, digits and ._- (1-100)',
});
const RevisionCodes = Type.Array(
  // Any one character: whether it is a revision of the model is checked against the model (422).
  Type.String({ minLength: 1, maxLength: 1, description: 'a hardware revision code of the model' }),
  { maxItems: 34 },
);
const Software = Type.Record(Text(200), Type.Array(Text(100), { maxItems: 100 }), {
  maxProperties: 100,
  description: 'approved versions per software component, e.g. {"locomotion": ["2.3.0", "2.3.1"]}',
});
const ResponseSoftware = Type.Record(Type.String(), Type.Array(Type.String()));

const ApprovalFields = {
  modelId: Uuid,
  approvalId: Type.String(),
  scheme: Type.String(),
  standards: Type.Array(Type.String()),
  hardwareRevisions: Type.Array(Type.String()),
  software: ResponseSoftware,
  validUntil: Timestamp,
  issuerOrgId: Uuid,
  recordedAt: Timestamp,
  ledgerIndex: Type.Integer(),
};
const ApprovalSchema = Type.Object(ApprovalFields);
const ExtensionSchema = Type.Object({
  extensionId: Uuid,
  modelId: Uuid,
  approvalId: Type.String(),
  hardwareRevisions: Type.Array(Type.String()),
  software: ResponseSoftware,
  issuerOrgId: Uuid,
  recordedAt: Timestamp,
  ledgerIndex: Type.Integer(),
});
const ListedApprovalSchema = Type.Object({
  ...ApprovalFields,
  hardwareRevisions: Type.Array(Type.String(), { description: 'as extended: issued and every extension' }),
  software: Type.Record(Type.String(), Type.Array(Type.String()), {
    description: 'as extended: issued and every extension',
  }),
  asIssued: Type.Object({ hardwareRevisions: Type.Array(Type.String()), software: ResponseSoftware }),
  extensions: Type.Array(ExtensionSchema),
});
const BrandSchema = Type.Object({
  brandId: Uuid,
  robotId: Type.String(),
  brand: Type.Enum(BRANDS),
  note: Type.Union([Type.String(), Type.Null()]),
  incidentId: Type.Union([Uuid, Type.Null()]),
  issuerOrgId: Uuid,
  recordedAt: Timestamp,
  ledgerIndex: Type.Integer(),
});

export function approvalRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/models/:modelId/approvals',
      {
        schema: {
          tags: ['approvals'],
          summary: 'Issue a type approval of a model (registry, regulator, assessor)',
          params: Type.Object({ modelId: Uuid }),
          body: Type.Object(
            {
              approvalId: ApprovalIdParam,
              scheme: Text(200),
              standards: Type.Array(Text(200), { maxItems: 50 }),
              hardwareRevisions: RevisionCodes,
              software: Software,
              validUntil: Type.String({
                maxLength: 40,
                description: 'a calendar date (valid through its end, UTC) or an RFC 3339 timestamp',
              }),
            },
            { additionalProperties: false },
          ),
          response: { 201: ApprovalSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await issueApproval(ctx, actorOf(request), request.params.modelId, request.body)),
    );

    app.get(
      '/v1/models/:modelId/approvals',
      {
        schema: {
          tags: ['approvals'],
          summary: "A model's type approvals, each as extended, as issued, and its extensions",
          params: Type.Object({ modelId: Uuid }),
          response: {
            200: Type.Object({ items: Type.Array(ListedApprovalSchema) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => listApprovals(ctx, actorOf(request), request.params.modelId),
    );

    app.post(
      '/v1/models/:modelId/approvals/:approvalId/extensions',
      {
        schema: {
          tags: ['approvals'],
          summary: 'Extend a type approval with hardware revisions and software versions',
          params: Type.Object({ modelId: Uuid, approvalId: ApprovalIdParam }),
          body: Type.Object(
            { hardwareRevisions: RevisionCodes, software: Software },
            { additionalProperties: false },
          ),
          response: { 201: ExtensionSchema, ...errorResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await extendTypeApproval(
              ctx,
              actorOf(request),
              request.params.modelId,
              request.params.approvalId,
              request.body,
            ),
          ),
    );

    app.post(
      '/v1/robots/:robotId/brands',
      {
        schema: {
          tags: ['approvals'],
          summary: 'Brand a robot (registry, regulator); brands are permanent',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object(
            {
              brand: Type.Enum(BRANDS),
              note: Type.Optional(Text(2000)),
              incidentId: Type.Optional(Uuid),
            },
            { additionalProperties: false },
          ),
          response: { 201: BrandSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await recordBrand(ctx, actorOf(request), request.params.robotId, request.body)),
    );

    app.get(
      '/v1/robots/:robotId/brands',
      {
        schema: {
          tags: ['approvals'],
          summary: "A robot's brands, oldest first (whoever may see the robot)",
          params: Type.Object({ robotId: RobotIdParam }),
          response: {
            200: Type.Object({ items: Type.Array(BrandSchema) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => listBrands(ctx, actorOf(request), request.params.robotId),
    );
  };
}
