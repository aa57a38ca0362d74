import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { USAGE_STATUSES } from '../../../core/usage-disclosure.js';
import type { AppContext } from '../../app-context.js';
import { actorOf } from '../../auth/authenticate.js';
import { errorResponses, PageQuery, pageOf, RobotIdParam, Timestamp, Uuid } from '../../http/schemas.js';
import { TRANSFER_STATUSES } from './transfer-records.js';
import {
  decideTransfer,
  getTransfer,
  listTransfers,
  offerTransfer,
  type TransferDecision,
} from './transfer-service.js';

const TransferSchema = Type.Object({
  transferId: Uuid,
  status: Type.Enum(TRANSFER_STATUSES),
  robotId: Type.String({ description: 'the robot’s current ID' }),
  fromOrgId: Uuid,
  toOrgId: Uuid,
  createdAt: Timestamp,
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  decidedBy: Type.Union([Uuid, Type.Null()]),
  ledgerIndex: Type.Integer(),
  decisionLedgerIndex: Type.Union([Type.Integer(), Type.Null()]),
  usage: Type.Union(
    [Type.Object({ operatingHours: Type.Number(), status: Type.Enum(USAGE_STATUSES) }), Type.Null()],
    {
      description:
        'the usage the offering owner disclosed (docs/certificates.md "Usage disclosure"); null if none',
    },
  ),
});

const UsageInput = Type.Object(
  {
    operatingHours: Type.Number({ minimum: 0, maximum: 10_000_000 }),
    status: Type.Enum(USAGE_STATUSES, {
      description:
        'actual: checked against the last signed reading; exceeds_limit, not_actual: stated as such',
    }),
  },
  { additionalProperties: false },
);

const DECISIONS: { decision: TransferDecision; summary: string }[] = [
  {
    decision: 'accept',
    summary: 'Accept a transfer (recipient): ownership moves, the old owner’s grants end',
  },
  { decision: 'reject', summary: 'Reject a transfer (recipient)' },
  { decision: 'cancel', summary: 'Cancel an open transfer (the offering owner)' },
];

export function transferRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/robots/:robotId/transfers',
      {
        schema: {
          tags: ['transfers'],
          summary: 'Offer a robot to another organisation (owner); one open offer per robot',
          params: Type.Object({ robotId: RobotIdParam }),
          body: Type.Object(
            { toOrgId: Uuid, usage: Type.Optional(UsageInput) },
            { additionalProperties: false },
          ),
          response: { 201: TransferSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await offerTransfer(ctx, actorOf(request), request.params.robotId, request.body)),
    );

    for (const { decision, summary } of DECISIONS) {
      app.post(
        `/v1/transfers/:transferId/${decision}`,
        {
          schema: {
            tags: ['transfers'],
            summary,
            params: Type.Object({ transferId: Uuid }),
            response: { 200: TransferSchema, ...errorResponses(400, 401, 403, 404, 409) },
          },
        },
        async (request) => decideTransfer(ctx, actorOf(request), request.params.transferId, decision),
      );
    }

    app.get(
      '/v1/transfers',
      {
        schema: {
          tags: ['transfers'],
          summary: 'Transfers the caller is a party to (authorities: all, unless a direction is given)',
          querystring: Type.Object({
            ...PageQuery,
            direction: Type.Optional(Type.Enum(['incoming', 'outgoing'])),
            status: Type.Optional(Type.Enum(TRANSFER_STATUSES)),
            robotId: Type.Optional(RobotIdParam),
          }),
          response: { 200: pageOf(TransferSchema), ...errorResponses(400, 401) },
        },
      },
      async (request) =>
        listTransfers(ctx, actorOf(request), {
          direction: request.query.direction,
          status: request.query.status,
          robotId: request.query.robotId,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        }),
    );

    app.get(
      '/v1/transfers/:transferId',
      {
        schema: {
          tags: ['transfers'],
          summary: 'One transfer (its parties and authorities)',
          params: Type.Object({ transferId: Uuid }),
          response: { 200: TransferSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => getTransfer(ctx, actorOf(request), request.params.transferId),
    );
  };
}
